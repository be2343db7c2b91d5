"""ValidateArticlePipeline: every drop reason, the stats, one log line per drop, no crash."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from madar.items import Article
from madar.pipelines.validate import (
    InvalidArticle,
    ValidateArticlePipeline,
    ValidationRules,
    arabic_share,
    check_article,
)
from tests.crawl import project_settings

TEXT = ("بدأت روسيا وإيران التحضيرات لعقد جولة جديدة من مفاوضات أستانة المقررة في الأسبوع "
        "الأخير من الشهر الجاري، حيث ستتبعها جولة أخرى من مفاوضات جنيف.")


def good(**changes) -> Article:
    base = Article(url="https://madaralyoum.com/%D8%A7%D8%AC%D8%AA%D9%85%D8%A7%D8%B9/",
                   post_id=123, title="اجتماع روسي – ايراني في طهران",
                   published="2017-08-10T09:30:00+03:00", text=TEXT,
                   images=[{"url": "https://madaralyoum.com/a.jpg", "caption": None}],
                   tags=["أستانة"], modified="2017-08-10", fetched_at="2026-11-29T03:00:00Z")
    return replace(base, **changes)


def reason(item) -> str:
    with pytest.raises(InvalidArticle) as info:
        check_article(item)
    return info.value.reason


def test_valid_article_passes() -> None:
    pipeline = ValidateArticlePipeline()
    for item in (good(),
                 good(published="2017-08-10", post_id=None, images=[], modified=None),
                 dict(vars(good()), text_normalized="extra keys are not the validator's")):
        assert check_article(item) is None
        assert pipeline.process_item(item) is item
    assert not pipeline.dropped


@pytest.mark.parametrize(("changes", "expected"), [
    ({"url": ""}, "no_url"),
    ({"url": None}, "no_url"),
    ({"url": "/relative/path/"}, "bad_url"),
    ({"url": "ftp://madaralyoum.com/x"}, "bad_url"),
    ({"url": "https://madaralyoum.com/a b/"}, "bad_url"),
    ({"url": 42}, "bad_url"),
    ({"title": None}, "no_title"),
    ({"title": "   "}, "no_title"),
    ({"title": ["list"]}, "bad_title"),
    ({"text": None}, "no_text"),
    ({"text": "\n\n"}, "no_text"),
    ({"text": b"bytes"}, "bad_text"),
    ({"published": "أغسطس 10, 2017"}, "bad_published"),
    ({"published": "2017-13-40"}, "bad_published"),
    ({"published": "1970-01-01"}, "bad_published"),
    ({"published": "2999-01-01"}, "bad_published"),
    ({"published": 20170810}, "bad_published"),
    ({"post_id": "123"}, "bad_post_id"),
    ({"post_id": True}, "bad_post_id"),
    ({"post_id": -5}, "bad_post_id"),
    ({"author": 7}, "bad_author"),
    ({"modified": "yesterday"}, "bad_modified"),
    ({"fetched_at": 1.5}, "bad_fetched_at"),
    ({"tags": "أستانة"}, "bad_tags"),
    ({"categories": [None]}, "bad_categories"),
    ({"related": [1, 2]}, "bad_related"),
    ({"images": [{"url": None, "caption": None}]}, "bad_images"),
    ({"images": ["https://x/a.jpg"]}, "bad_images"),
    ({"images": [{"url": "https://x/a.jpg", "caption": "c", "extra": 1}]}, "bad_images"),
    ({"images": {"url": "x"}}, "bad_images"),
    ({"revision": 0}, "bad_revision"),
    ({"text": "خبر قصير جدا"}, "short_text"),
    ({"text": TEXT * 10_000}, "huge_text"),
    ({"language": "en"}, "bad_language"),
    ({"text": "The Russian and Iranian delegations met in Tehran today to prepare the "
              "next round of the Astana talks, sources said."}, "not_arabic"),
])
def test_drop_reasons(changes, expected) -> None:
    assert reason(good(**changes)) == expected


def test_not_an_item() -> None:
    assert reason("just a string") == "not_an_item"
    assert reason(None) == "not_an_item"


def test_arabic_share_counts_letters_only() -> None:
    assert arabic_share("١٢٣ 2017 — !!") == 0.0
    assert arabic_share(TEXT) == 1.0
    assert 0.6 < arabic_share(TEXT + " Astana Geneva Moscow") < 1.0


@given(st.text(st.sampled_from("abcXYZ ضصثقفغ١٢٣ 0123 _.,!؟ ½Ⅻ Ωـ\u064bﷺ"), min_size=1),
       st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.51, 0.7, 1.0]))
@settings(max_examples=300, deadline=None)
def test_not_arabic_judges_the_letters_only(text, share) -> None:
    """The verdict is arabic_share's, however many digits, spaces and marks the text has."""
    rules = ValidationRules(min_text_chars=0, min_arabic_share=share)
    try:
        check_article(good(title="عنوان", text=text), rules)
    except InvalidArticle as invalid:
        if invalid.reason != "no_text":
            assert invalid.reason == "not_arabic" and arabic_share("عنوان " + text) < share
    else:
        assert arabic_share("عنوان " + text) >= share


def test_pipeline_counts_and_logs_once_per_drop(caplog) -> None:
    crawler = get_crawler(settings_dict=project_settings(MADAR_DROP_LOG_LIMIT=2,
                                                         MADAR_REQUIRE_PUBLISHED=True))
    crawler.stats.open_spider()
    pipeline = ValidateArticlePipeline.from_crawler(crawler)
    assert pipeline.process_item(good()) is not None
    caplog.set_level(logging.DEBUG, logger="madar.pipelines.validate")
    for n in range(4):
        with pytest.raises(DropItem) as info:
            pipeline.process_item(good(url=f"https://madaralyoum.com/{n}/", published=None))
        assert info.value.log_level == "DEBUG"  # Scrapy's item dump stays out of INFO logs
        assert f"https://madaralyoum.com/{n}/" in str(info.value)
    assert crawler.stats.get_value("madar/dropped/no_published") == 4
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "no_published" in warnings[0].getMessage()
    assert "https://madaralyoum.com/0/" in warnings[0].getMessage()
    pipeline.close_spider()
    assert "Validation dropped 4 items" in caplog.text


_odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=300),
    st.binary(max_size=20), st.lists(st.one_of(st.none(), st.text(max_size=5), st.integers()),
                                     max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.text(max_size=5)), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(vars(good()))), _odd_values))
def test_nothing_crashes_on_odd_items(data) -> None:
    pipeline = ValidateArticlePipeline()
    item = dict(vars(good()), **data)
    try:
        assert pipeline.process_item(item) is item
    except DropItem:
        assert sum(pipeline.dropped.values()) == 1, "a drop is counted with its reason"


def test_undated_article_is_kept_and_counted_unless_dates_are_required() -> None:
    crawler = get_crawler(settings_dict=project_settings())
    crawler.stats.open_spider()
    pipeline = ValidateArticlePipeline.from_crawler(crawler)
    assert pipeline.process_item(good(published=None)) is not None
    assert crawler.stats.get_value("madar/missing/published") == 1
    with pytest.raises(InvalidArticle, match="no_published"):
        check_article(good(published=None), ValidationRules(require_published=True))
