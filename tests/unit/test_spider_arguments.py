"""Spider arguments: parsed values, and one clear error naming argument, value and rule."""

from __future__ import annotations

import datetime as dt

import pytest

from madar.spiders.arguments import BadArgument, SpiderArguments


def test_values_are_parsed():
    parsed = SpiderArguments.parse({
        "base_url": "HTTP://127.0.0.1:8000/some/path", "max_pages": "0", "since": "2024-01-31",
        "related_depth": " 2 ", "incremental": "yes", "render": "Splash", "max_articles": "7",
        "_job": "abc"})
    assert parsed == SpiderArguments(base_url="http://127.0.0.1:8000", max_pages=0,
                                     max_articles=7, since=dt.date(2024, 1, 31),
                                     related_depth=2, incremental=True, render="splash")
    assert SpiderArguments.parse({}) == SpiderArguments()
    assert SpiderArguments.passthrough({"_job": "abc", "since": "x"}) == {"_job": "abc"}


@pytest.mark.parametrize(("raw", "message"), [
    ({"max_pages": "abc"}, "-a max_pages=abc: expected a whole number >= 0 (e.g. max_pages=5)"),
    ({"max_pages": "-1"}, "-a max_pages=-1: expected a whole number >= 0 (e.g. max_pages=5)"),
    ({"related_depth": "x"},
     "-a related_depth=x: expected a whole number >= 0 (e.g. related_depth=5)"),
    ({"max_articles": "0"},
     "-a max_articles=0: expected a whole number >= 1 (e.g. max_articles=5)"),
    ({"since": "yesterday"},
     "-a since=yesterday: expected a date YYYY-MM-DD (e.g. since=2024-01-31)"),
    ({"incremental": "maybe"},
     "-a incremental=maybe: expected 1 or 0 (also true/false, yes/no, on/off)"),
    ({"render": "chrome"}, "-a render=chrome: expected one of off, splash, playwright"),
    ({"base_url": "ftp://example.org"},
     "-a base_url=ftp://example.org: expected an absolute http(s) URL "
     "(e.g. base_url=http://127.0.0.1:8000)"),
    ({"base_url": "http://127.0.0.1:port"},
     "-a base_url=http://127.0.0.1:port: expected an absolute http(s) URL "
     "(e.g. base_url=http://127.0.0.1:8000)"),
    ({"max_page": "3"}, "-a max_page=3: expected no such argument; the spider takes base_url, "
                        "max_pages, max_articles, since, related_depth, incremental, render, "
                        "archive, until"),
    ({"until": "2024-01-01"},
     "-a until=2024-01-01: expected archive=1 beside it (until bounds the sitemaps' lastmod)"),
    ({"archive": "1", "since": "2024-02-01", "until": "2024-01-01"},
     "-a until=2024-01-01: expected a day on or after since=2024-02-01"),
])
def test_bad_values_name_the_argument_the_value_and_the_rule(raw, message):
    with pytest.raises(BadArgument) as error:
        SpiderArguments.parse(raw)
    assert str(error.value) == message
