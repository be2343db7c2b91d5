"""Fuzzing: >= 10,000 mutated and generated pages through the crawler's whole page path.

Each input goes where a downloaded page goes: an ``HtmlResponse`` (declared charset from
the input), the charset fix-up middleware, the damaged-page check, the listing page object,
the article page object (``to_item`` and ``related_urls``), the text cleaning, validation
and the dedup pipeline (a real SQLite store). The contract: no exception escapes and no
page object logs a swallowed one; every input ends as a valid item (it passes
``check_article``) or as a drop with a reason (``not_article``, a validation rule,
``duplicate``).

Inputs: the offline mirror's real article and listing pages, mutated with a seeded RNG
(truncation anywhere, byte flips, deleted/duplicated spans, nested garbage, 100k-deep tags,
MB-sized attributes, wrong or lying encodings, binary bodies, 5 MB pages, scripts in the
body, RTL/LTR controls, NULs, entity floods, unclosed comments/CDATA) plus a Hypothesis
round over free-form bytes and text. ``MADAR_FUZZ_INPUTS`` scales the seeded part (default
10,000; CI keeps the default: about a minute).
"""

from __future__ import annotations

import codecs
import logging
import os
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from madar.middlewares.charset import Utf8CharsetMiddleware
from madar.middlewares.damaged import damage_reason
from madar.pages import ListingPage, article_page_for
from madar.pipelines.clean import clean_fields
from madar.pipelines.dedup import DeduplicatePipeline
from madar.pipelines.validate import InvalidArticle, check_article
from mirror import Mirror

pytestmark = pytest.mark.slow

HOST = "127.0.0.1:9"
BASE = f"http://{HOST}"
INPUTS = int(os.environ.get("MADAR_FUZZ_INPUTS", "10000"))
SEED = 20261129
BIDI = ["\u202e", "\u202d", "\u202b", "\u202a", "\u202c", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff", "\u0640"]
CHARSETS = ["utf-8", "windows-1256", "iso-8859-6", "latin-1", "utf-16", "utf-16-be",
            "cp1252", "koi8-r", "ascii", "bogus-charset", ""]


class SwallowedErrors(logging.Handler):
    """Counts exceptions that page objects catch and log (they are crashes too)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """The crawler's page path, in process, with a verdict per input."""

    def __init__(self, state_dir: Path) -> None:
        self.crawler = get_crawler(settings_dict={"MADAR_STATE_DIR": str(state_dir)})
        self.crawler.stats.open_spider()
        self.charset = Utf8CharsetMiddleware(self.crawler.stats)
        self.dedup = DeduplicatePipeline.from_crawler(self.crawler)
        self.dedup.open_spider()
        self.outcomes: Counter[str] = Counter()
        self.damaged: Counter[str] = Counter()
        self.tried = 0

    def run(self, path: str, body: bytes, content_type: str, listing: bool = False) -> str:
        self.tried += 1
        url = BASE + path
        response = HtmlResponse(url, body=body, headers={"Content-Type": content_type})
        response = self.charset.process_response(None, response)
        self.damaged[damage_reason(response) or "whole"] += 1
        text = response.text
        if listing:
            page = ListingPage(url, text)
            page.entries()
            page.next_page_url()
            page.latest_news_url()
        article = article_page_for(url, text, fetched_at="2026-11-29T05:00:00+00:00")
        if article is None:
            return self._out("dropped/not_article")
        item = article.to_item()
        article.related_urls()
        clean_fields(ItemAdapter(item))
        try:
            check_article(item)
        except InvalidArticle as invalid:
            return self._out(f"dropped/{invalid.reason}")
        try:
            self.dedup.process_item(item)
        except DropItem:
            return self._out("dropped/duplicate")
        return self._out("item")

    def _out(self, verdict: str) -> str:
        self.outcomes[verdict] += 1
        return verdict

    def close(self) -> None:
        self.dedup.close_spider()


# --- mutations ---------------------------------------------------------------------------
def _cut(rng, b):
    return b[: rng.randrange(len(b) + 1)]


def _flip(rng, b):
    data = bytearray(b)
    for _ in range(rng.randint(1, 64)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _delete_span(rng, b):
    i = rng.randrange(len(b))
    return b[:i] + b[i + rng.randint(1, 5000):]


def _duplicate_span(rng, b):
    i = rng.randrange(len(b))
    span = b[i:i + rng.randint(1, 3000)]
    j = rng.randrange(len(b))
    return b[:j] + span * rng.randint(1, 20) + b[j:]


def _insert(rng, b, piece: bytes):
    i = rng.randrange(len(b) + 1)
    return b[:i] + piece + b[i:]


def _into_entry(b, piece: bytes):
    for marker in (b'<div class="entry-content entry">', b'<div class="entry">'):
        if marker in b:
            return b.replace(marker, marker + piece, 1)
    return b.replace(b"<body", piece + b"<body", 1)


def _nested(rng, b):
    tag = rng.choice([b"div", b"p", b"span", b"b", b"table", b"ul", b"a"])
    depth = rng.choice([50, 255, 300, 3000, 100_000])
    return _into_entry(b, b"<" + tag + b">" * 1 + (b"<" + tag + b">") * depth + b"x")


def _garbage_tags(rng, b):
    bits = [b"<", b">", b"</", b"<p", b"<div class='", b'"', b"'", b"<!--", b"-->", b"<![CDATA[",
            b"]]>", b"<?xml ?>", b"<script>", b"</script>", b"<style>", b"&", b"&#", b";",
            b"<html>", b"</body>", b"<body>", b"<head>", b"\x00", b"<svg><math>"]
    return _insert(rng, b, b"".join(rng.choice(bits) for _ in range(rng.randint(5, 400))))


def _huge_attribute(rng, b):
    size = rng.choice([10_000, 1_000_000, 3_000_000])
    return _into_entry(b, b'<p data-x="' + b"A" * size + b'">' + "نص".encode() + b"</p>")


def _script(rng, b):
    scripts = [b'<script>document.write("<p>\xd9\x86\xd8\xb5</p>")</script>',
               b"<script>var s = '</p><div class=\"entry\">';</script>",
               b"<script type='text/template'><p>hidden</p></script>",
               b"<script>", b"<noscript><p>\xd9\x86\xd8\xb5</p></noscript>",
               b"<style>p{display:none}</style>", b"<iframe src='javascript:alert(1)'></iframe>"]
    return _into_entry(b, rng.choice(scripts))


def _bidi(rng, b):
    text = b.decode("utf-8", errors="replace")
    chars = list(text)
    for _ in range(rng.randint(1, 200)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(BIDI))
    return "".join(chars).encode("utf-8")


def _reencode(rng, b):
    text = b.decode("utf-8", errors="replace")
    charset = rng.choice(["windows-1256", "iso-8859-6", "utf-16", "cp1252", "latin-1"])
    return text.encode(charset, errors=rng.choice(["replace", "ignore", "xmlcharrefreplace"]))


def _entities(rng, b):
    ents = [b"&#0;", b"&#x110000;", b"&#99999999999;", b"&nbsp;" * 50, b"&amp;amp;amp;",
            b"&#xD800;", b"&bogus;", b"&#1575;&#1604;"]
    return _into_entry(b, b"<p>" + b"".join(rng.choice(ents) for _ in range(500)) + b"</p>")


def _binary(rng, _b):
    heads = [b"\x89PNG\r\n\x1a\n", b"\x1f\x8b\x08", b"%PDF-1.7", b"GIF89a", b"PK\x03\x04", b""]
    return rng.choice(heads) + rng.randbytes(rng.randint(0, 20_000))


def _five_mb(rng, b):
    paragraph = ("<p>" + "هذا نص طويل جداً " * 60 + "</p>").encode()
    return _into_entry(b, paragraph * (5 * 1024 * 1024 // len(paragraph)))


def _bom_and_nuls(rng, b):
    return rng.choice([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\x00" * 10]) + b.replace(
        b"<p>", b"<p>\x00", rng.randint(1, 5))


def _empty(rng, _b):
    return rng.choice([b"", b" ", b"\n\n", b"<html></html>", b"<", b"<!--"])


MUTATIONS = [_cut, _flip, _delete_span, _duplicate_span, _nested, _garbage_tags,
             _huge_attribute, _script, _bidi, _reencode, _entities, _binary, _bom_and_nuls,
             _empty]
#: Expensive ones are drawn rarely (5 MB pages take ~1 s each through the whole path).
WEIGHTS = [10, 8, 8, 6, 3, 8, 1, 6, 6, 4, 4, 3, 3, 2]


@pytest.fixture(scope="module")
def corpus():
    mirror = Mirror(articles=60, seed=SEED % 1000)
    site = mirror.site
    pages = []
    for post in site.posts:
        reply = mirror.respond(post.path, HOST)
        if reply.status == 200:
            pages.append((post.path, reply.body, False))
        amp = mirror.respond(post.path + "amp/", HOST)
        if amp.status == 200 and len(pages) % 5 == 0:
            pages.append((post.path + "amp/", amp.body, False))
    for path in ("/", "/page/2/"):
        pages.append((path, mirror.respond(path, HOST).body, True))
    return pages


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    errors = SwallowedErrors()
    logging.getLogger("madar").addHandler(errors)
    h = Harness(tmp_path_factory.mktemp("fuzz-state"))
    h.errors = errors
    yield h
    h.close()
    logging.getLogger("madar").removeHandler(errors)
    print(f"fuzz: {h.tried} inputs, outcomes {dict(h.outcomes.most_common())}, "
          f"damaged-check {dict(h.damaged.most_common())}")


def test_the_real_pages_yield_valid_items(corpus, harness):
    verdicts = Counter(harness.run(path, body, "text/html; charset=UTF-8", listing)
                       for path, body, listing in corpus if not listing)
    assert verdicts["item"] + verdicts["dropped/duplicate"] >= 0.9 * sum(verdicts.values()), (
        verdicts)


def test_mutated_pages_never_crash(corpus, harness):
    rng = random.Random(SEED)
    crashes = []
    for n in range(INPUTS):
        path, body, listing = rng.choice(corpus)
        mutation = rng.choices(MUTATIONS, WEIGHTS)[0]
        mutated = mutation(rng, body)
        if rng.random() < 0.3:  # a second mutation on top
            mutated = rng.choices(MUTATIONS, WEIGHTS)[0](rng, mutated or b" ")
        charset = rng.choice(CHARSETS)
        content_type = f"text/html; charset={charset}" if charset else "text/html"
        try:
            harness.run(path, mutated, content_type, listing=listing or n % 4 == 0)
        except Exception as error:  # the point is to catch everything
            crashes.append(f"{mutation.__name__} on {path} ({charset}): {error!r}")
    assert not crashes, f"{len(crashes)} crashes, e.g. {crashes[:5]}"
    swallowed = [f"{r.getMessage()}: {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
                 for r in harness.errors.records]
    assert not swallowed, f"page objects swallowed {len(swallowed)} exceptions: {swallowed[:3]}"
    assert harness.outcomes["item"] > 0 and len(harness.outcomes) > 3, harness.outcomes


@settings(max_examples=int(os.environ.get("MADAR_FUZZ_HYPOTHESIS", "400")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hypothesis_pages_never_crash(corpus, harness, data):
    path, body, _ = corpus[data.draw(st.integers(0, len(corpus) - 1))]
    kind = data.draw(st.sampled_from(["bytes", "text", "splice"]))
    if kind == "bytes":
        page = data.draw(st.binary(max_size=4000))
    elif kind == "text":
        alphabet = st.characters(codec="utf-8") | st.sampled_from(BIDI + list("<>/&;\"'=ابت"))
        page = data.draw(st.text(alphabet=alphabet, max_size=3000)).encode("utf-8",
                                                                           "surrogatepass")
    else:
        cut = data.draw(st.integers(0, len(body)))
        page = body[:cut] + data.draw(st.binary(max_size=500)) + body[cut:]
    charset = data.draw(st.sampled_from(CHARSETS))
    before = len(harness.errors.records)
    harness.run(path, page, f"text/html; charset={charset}" if charset else "text/html",
                listing=True)
    assert len(harness.errors.records) == before, harness.errors.records[-1].getMessage()
