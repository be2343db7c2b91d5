"""CleanTextPipeline: cleans items of any kind, counts repairs, exports the matching form."""

from __future__ import annotations

import json

from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.test import get_crawler

from madar.items import ARTICLE_FIELDS, Article
from madar.pipelines.clean import CleanTextPipeline, clean_fields
from madar.text.arabic import normalize_for_matching

BODY = "بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة من مفاوضات أستانة"


def make_pipeline(**settings) -> tuple[CleanTextPipeline, object]:
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return CleanTextPipeline.from_crawler(crawler), crawler.stats


def article(**fields) -> Article:
    return Article(url="https://madaralyoum.com/2017/07/x/", **fields)


def test_article_is_cleaned_and_stays_an_article() -> None:
    pipeline, stats = make_pipeline()
    item = article(
        title="اجتماع&nbsp;روسي  – ايراني\u200f",
        text=BODY.encode().decode("cp1256") + "\n\n\n<p>فقرة ثانية</p>",
        tags=["سوريا", " سوريا "],
        images=[{"url": "https://madaralyoum.com/a.jpg", "caption": "ﺻﻮﺭﺓ"}],
    )
    out = pipeline.process_item(item)
    assert isinstance(out, Article)
    assert out.title == "اجتماع روسي – ايراني"
    assert out.text == BODY + "\n\nفقرة ثانية"
    assert out.tags == ["سوريا"]
    assert out.images[0]["caption"] == "صورة"
    counted = stats.get_stats()
    assert counted["madar/clean/mojibake/win1256"] == 1
    assert counted["madar/clean/html/entities"] == 1
    assert counted["madar/clean/html/tags"] == 1
    assert counted["madar/clean/presentation_forms"] == 1
    assert counted["madar/clean/items"] == 1


def test_plain_dict_items_are_cleaned_too_and_extras_kept() -> None:
    pipeline, _ = make_pipeline()
    item = {"url": "https://madaralyoum.com/x/", "title": " عنوان\n", "extra": 1, "post_id": 5}
    out = pipeline.process_item(item)
    assert out == {"url": "https://madaralyoum.com/x/", "title": "عنوان", "extra": 1, "post_id": 5}


def test_odd_values_are_left_for_validation() -> None:
    pipeline, _ = make_pipeline()
    item = {"url": "u", "title": 42, "tags": "not a list", "images": [None, {"url": "x"}]}
    assert pipeline.process_item(dict(item)) == item
    assert pipeline.process_item("not an item") == "not an item"


def test_normalized_export_off_by_default() -> None:
    pipeline, _ = make_pipeline()
    out = pipeline.process_item(article(text=BODY))
    assert isinstance(out, Article)


def test_normalized_export_keeps_field_order_and_adds_text_normalized() -> None:
    pipeline, _ = make_pipeline(MADAR_EXPORT_NORMALIZED=True)
    out = pipeline.process_item(article(title="عنوان", text="بدأت روسيا وإيران، التحضيرات"))
    assert list(out) == [*ARTICLE_FIELDS, "text_normalized"]
    assert out["text"] == "بدأت روسيا وإيران، التحضيرات"
    assert out["text_normalized"] == "بدات روسيا وايران التحضيرات"
    assert out["text_normalized"] == normalize_for_matching(out["text"])

    # ... and the feed exporter writes it as the last key, Arabic unescaped.
    class Sink:
        def __init__(self) -> None:
            self.data = b""

        def write(self, chunk: bytes) -> None:
            self.data += chunk

    sink = Sink()
    exporter = JsonLinesItemExporter(sink, encoding="utf-8", ensure_ascii=False)
    exporter.export_item(out)
    line = json.loads(sink.data.decode("utf-8"))
    assert list(line)[-1] == "text_normalized"
    assert "بدات" in sink.data.decode("utf-8")


def test_normalized_export_on_dict_items_and_missing_text() -> None:
    pipeline, _ = make_pipeline(MADAR_EXPORT_NORMALIZED=True)
    assert pipeline.process_item({"url": "u", "text": "مــرحبا"})["text_normalized"] == "مرحبا"
    assert pipeline.process_item({"url": "u"})["text_normalized"] is None


def test_every_readable_field_is_cleaned() -> None:
    item = {
        "url": "https://madaralyoum.com/x/",
        "title": " اجتماع روسي\u00a0–  ايراني\u200f ",
        "published_raw": "\u200fالأحد، 1 يوليو 2018 ",
        "category": "آخـــر الأخبار",
        "categories": ["آخر الأخبار", "آخـــر الأخبار ", "", "سياسة"],
        "tags": [" سوريا", "&#1605;&#1589;&#1585;", "ط§ظ„ط®ط¨ط± ط§ظ„ط¹ط§ط¬ظ„"],
        "author": "<b>مدار اليوم</b>",
        "dateline": "طهران\u200e",
        "text": "الفقرة الأولى .\n\n\n\nالفقرة الثانية",
        "images": [
            {"url": "https://madaralyoum.com/a.jpg", "caption": " صورة\nأرشيفية "},
            {"url": "https://madaralyoum.com/b.jpg", "caption": "\u200b"},
            {"url": "https://madaralyoum.com/c.jpg", "caption": None},
        ],
    }
    seen: list[str] = []
    clean_fields(item, stats=seen.append)
    assert item["title"] == "اجتماع روسي – ايراني"
    assert item["published_raw"] == "الأحد، 1 يوليو 2018"
    assert item["category"] == "آخر الأخبار"
    assert item["categories"] == ["آخر الأخبار", "سياسة"]
    assert item["tags"] == ["سوريا", "مصر", "الخبر العاجل"]
    assert item["author"] == "مدار اليوم"
    assert item["dateline"] == "طهران"
    assert item["text"] == "الفقرة الأولى.\n\nالفقرة الثانية"
    assert [i["caption"] for i in item["images"]] == ["صورة أرشيفية", None, None]
    assert item["url"] == "https://madaralyoum.com/x/"
    assert "mojibake/win1256" in seen


def test_fields_cleaned_to_nothing_become_none() -> None:
    item = {"url": "https://madaralyoum.com/x/", "text": " \u200b\n ", "title": None}
    clean_fields(item)
    assert item["text"] is None
    assert item["title"] is None
