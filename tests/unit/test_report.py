"""The crawl report: built from stats, readable as a table, written beside the feed."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from madar.extensions.progress import format_progress, progress_enabled
from madar.extensions.quality import (
    count_field_coverage,
    count_field_sources,
    field_coverage,
)
from madar.extensions.report import (
    CrawlReport,
    build_report,
    render_report,
    report_path_for,
)
from madar.items import ARTICLE_FIELDS, Article
from madar.pages import article_page_for
from tests.crawl import project_settings

START = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.timezone.utc)
STATS = {
    "start_time": START,
    "finish_time": START + dt.timedelta(seconds=75),
    "elapsed_time_seconds": 75.2,
    "finish_reason": "finished",
    "downloader/request_count": 120,
    "downloader/response_count": 118,
    "downloader/response_status_count/200": 110,
    "downloader/response_status_count/301": 2,
    "downloader/response_status_count/404": 6,
    "madar/pages/listing_pages": 10,
    "madar/pages/not_article": 3,
    "item_scraped_count": 90,
    "madar/dedup/new": 88,
    "madar/dedup/revised": 2,
    "madar/duplicates/url": 4,
    "madar/duplicates/near": 1,
    "madar/dropped/no_title": 2,
    "retry/count": 3,
    "log_count/WARNING": 5,
    "spidermon_item_scraped_count/Article/title": 90,
    "spidermon_item_scraped_count/Article/published": 81,
    "madar/monitor/failed": 1,
    "madar/monitor/failures": ["Field coverage/important fields filled: published 90% < 95%"],
    "madar/incremental/enabled": 1,
    "madar/incremental/stopped_at_page": 2,
    "madar/fields/title/theme": 92,
    "madar/fields/related/theme": 46,
    "madar/fields/related/none": 46,
}


def test_report_counts_everything_asked_for():
    report = build_report(STATS, feeds=["data/x.jsonl"])
    assert report["duration_seconds"] == 75.2
    assert report["pages"]["fetched"] == 118
    assert report["pages"]["by_kind"] == {"listing_pages": 10, "not_article": 3}
    assert report["articles"] == {"emitted": 90, "new": 88, "updated": 2,
                                  "duplicates": {"url": 4, "near": 1},
                                  "dropped": {"no_title": 2}}
    assert report["errors"]["http_errors"] == {"404": 6}
    assert report["errors"]["retries"] == 3
    assert report["field_coverage"]["published"] == 0.9
    assert report["field_coverage"]["text"] == 0.0
    assert list(report["field_coverage"]) == list(ARTICLE_FIELDS)
    assert report["incremental"] == {"enabled": 1, "stopped_at_page": 2}
    assert report["monitors"]["failed"] == 1
    assert report["theme_markup"] == {"related": 0.5, "title": 1.0}
    json.dumps(report)  # JSON-ready


def test_rendered_table_is_readable():
    text = render_report(build_report(STATS, feeds=["data/x.jsonl"]))
    assert text.splitlines()[0] == "Crawl report (madar): finished, 75.2 s"
    rows = {" ".join(line.split()[:-1]): line.split()[-1] for line in text.splitlines()[1:]}
    assert re.search(r"^    new / updated +88 / 2$", text, re.M)
    assert re.search(r"^    duplicates dropped +url 4, near 1$", text, re.M)
    assert "published 90%" in text
    assert re.search(r"^  read from theme markup +related 50%, title 100%$", text, re.M)
    assert rows["monitors"] == "FAILED"
    assert rows["feed"] == "data/x.jsonl"


def test_report_without_items_has_no_coverage():
    report = build_report({"finish_reason": "finished"})
    assert report["field_coverage"] == {}
    assert report["monitors"]["failed"] is None
    assert re.search(r"^  monitors +not run$", render_report(report), re.M)


def test_report_path_is_beside_the_final_feed():
    assert report_path_for(Path("d/madar-1.jsonl.part")) == Path("d/madar-1.jsonl.report.json")
    assert report_path_for(Path("out.jsonl")) == Path("out.jsonl.report.json")


class _Spider(Spider):
    name = "madar"


def test_extension_writes_json_beside_each_local_feed(tmp_path):
    crawler = get_crawler(_Spider, project_settings(MADAR_REPORT_PATH=str(tmp_path / "last.json")))
    extension = CrawlReport.from_crawler(crawler)
    for key, value in STATS.items():
        crawler.stats.set_value(key, value)
    feed = tmp_path / "2026" / "madar-1.jsonl.part"
    feed.parent.mkdir()
    extension.feed_slot_closed(SimpleNamespace(uri=feed.as_uri()))
    extension.feed_slot_closed(SimpleNamespace(uri="s3://bucket/remote.jsonl"))
    extension.engine_stopped()
    written = json.loads((tmp_path / "2026" / "madar-1.jsonl.report.json").read_text())
    assert written["articles"]["new"] == 88
    assert written["feeds"] == [str(tmp_path / "2026" / "madar-1.jsonl")]
    assert json.loads((tmp_path / "last.json").read_text()) == written


def _spidermon_counts(extension: type, items: list, **overrides: object) -> dict:
    crawler = get_crawler(_Spider, project_settings(**overrides))
    spider = _Spider.from_crawler(crawler)
    spidermon = extension.from_crawler(crawler)
    for item in items:
        spidermon.item_scraped(item, None, spider)
        crawler.stats.inc_value("item_scraped_count")
    return crawler.stats.get_stats()


def _reextraction_counts(items: list) -> dict:
    stats = MemoryStatsCollector(get_crawler())
    for item in items:
        count_field_coverage(stats, item)
        stats.inc_value("item_scraped_count")
    return stats.get_stats()


@pytest.mark.parametrize("counted_by", ["spidermon", "reextraction"])
def test_field_coverage_comes_from_spidermon_counts_of_filled_fields(counted_by):
    from spidermon.contrib.scrapy.extensions import Spidermon

    items = [Article(url="https://madaralyoum.com/a/", title="عنوان", text=""),
             Article(url="https://madaralyoum.com/b/", title="عنوان", published="2017")]
    stats = (_spidermon_counts(Spidermon, items) if counted_by == "spidermon"
             else _reextraction_counts(items))
    coverage = field_coverage(stats)
    assert coverage["title"] == 1.0 and coverage["published"] == 0.5
    assert coverage["text"] == 0.0, "an empty string is not a filled field"
    assert coverage["tags"] == 0.0 and coverage["language"] == 1.0


def test_reextraction_counts_coverage_as_spidermon_does_in_the_crawl():
    from spidermon.contrib.scrapy.extensions import Spidermon

    items = [Article(url="https://madaralyoum.com/a/", title="N/A", author="-", post_id=0,
                     tags=["-"], images=[{"src": "x", "caption": None}], revision=2)]
    for path in sorted(Path(__file__).parents[1].glob("fixtures/*ArticlePage/*/input.html")):
        page = article_page_for("https://madaralyoum.com/2024/01/01/x/", path.read_text("utf-8"))
        items += [page.to_item()] if page is not None else []
    assert len(items) > 5
    assert _reextraction_counts(items) == _spidermon_counts(Spidermon, items)


class _ForwardingStats(MemoryStatsCollector):
    """A collector that also sends each count elsewhere (statsd, Prometheus ...)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.forwarded: list[str] = []

    def inc_value(self, key, count=1, start=0, spider=None):
        self.forwarded.append(key)
        super().inc_value(key, count, start)


def test_per_item_counts_go_through_the_stats_collector_s_own_methods():
    """Counts go through the collector's methods: another STATS_CLASS sees every count (and
    DummyStatsCollector keeps none)."""
    from scrapy.statscollectors import DummyStatsCollector

    item = Article(url="https://madaralyoum.com/a/", title="عنوان")
    forwarding = _ForwardingStats(get_crawler())
    count_field_sources(forwarding, {"title": "theme"})
    count_field_coverage(forwarding, item)
    assert "madar/fields/title/theme" in forwarding.forwarded
    assert "spidermon_item_scraped_count/Article/title" in forwarding.forwarded
    assert forwarding.get_stats()["spidermon_item_scraped_count/Article/url"] == 1
    dummy = DummyStatsCollector(get_crawler())
    count_field_sources(dummy, {"title": "theme"})
    count_field_coverage(dummy, item)
    assert dummy.get_stats() == {}

def test_progress_line():
    line = format_progress(pages=120, items=90, queued=33, elapsed=60.0)
    assert "pages    120" in line and "items     90" in line and "queue    33" in line
    assert "120 pages/min" in line and line.endswith("01:00")


def test_progress_is_off_without_a_terminal(tmp_path):
    with (tmp_path / "log").open("w") as not_a_tty:
        assert progress_enabled("auto", not_a_tty) is False
        assert progress_enabled(None, not_a_tty) is False
        assert progress_enabled("true", not_a_tty) is True
        assert progress_enabled(False, not_a_tty) is False


def test_progress_extension_logs_one_line_per_tick(caplog):
    from madar.extensions.progress import ProgressLine

    crawler = get_crawler(_Spider, project_settings(MADAR_PROGRESS=True))
    extension = ProgressLine.from_crawler(crawler)
    assert extension.interval == 10.0, "the interval comes from settings.py"
    crawler.stats.set_value("response_received_count", 12)
    crawler.stats.set_value("item_scraped_count", 7)
    with caplog.at_level("INFO", logger="madar.extensions.progress"):
        extension.log(None)
    (record,) = caplog.records
    assert "pages     12  items      7  queue     ?" in record.getMessage()
