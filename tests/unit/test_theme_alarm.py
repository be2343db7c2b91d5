"""The theme-change alarm: pages record where each field came from, the crawl counts it, and
the Spidermon suite fails, naming the field, when the theme's markup stops being read."""

from __future__ import annotations

import re

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from madar.extensions.quality import count_field_sources, field_sources
from madar.pages import article_page_for
from madar.pages.base import SOURCE_FIELDS
from mirror import Mirror
from mirror.variants import drift_markup
from tests.monitors import MadarSpider, judge

pytestmark = pytest.mark.filterwarnings("ignore:Spider.log.. is deprecated")

HOST = "127.0.0.1:9"
ARTICLES = 60

def crawl_stats(pages: list[tuple[str, str]]) -> dict:
    """What the spider counts for these article pages, plus a healthy crawl's stats."""
    stats = MemoryStatsCollector(get_crawler(MadarSpider))
    for url, html in pages:
        page = article_page_for(url, html)
        assert page is not None, url
        page.to_item()
        count_field_sources(stats, page.field_sources)
    stats.set_value("finish_reason", "finished")
    stats.set_value("item_scraped_count", len(pages))
    for name in ("title", "text", "published"):
        stats.set_value(f"spidermon_field_coverage/Article/{name}", 1.0)
    return stats.get_stats()


@pytest.fixture(scope="module")
def mirror_articles() -> list[tuple[str, str]]:
    mirror = Mirror(articles=ARTICLES, seed=3)
    pages = []
    for post in mirror.site.posts:
        reply = mirror.respond(post.path, HOST)
        if reply.status == 200:
            html = reply.body.decode("utf-8")
            if article_page_for(f"http://{HOST}{post.path}", html) is not None:
                pages.append((f"http://{HOST}{post.path}", html))
    assert len(pages) >= 40
    return pages


def test_every_page_records_a_source_for_every_tracked_field(mirror_articles) -> None:
    url, html = mirror_articles[0]
    page = article_page_for(url, html)
    page.to_item()
    assert set(page.field_sources) == set(SOURCE_FIELDS)
    assert set(page.field_sources.values()) <= {"theme", "metadata", "none"}


def test_silent_on_the_normal_mirror(mirror_articles) -> None:
    stats = crawl_stats(mirror_articles)
    assert field_sources(stats, "title")["theme"] == len(mirror_articles)
    result = judge(stats)
    assert result["madar/monitor/failed"] == 0, result.get("madar/monitor/failures")


def test_fires_and_names_the_fields_when_the_markup_is_unknown(mirror_articles) -> None:
    stats = crawl_stats([(url, drift_markup(html)) for url, html in mirror_articles])
    result = judge(stats)
    assert result["madar/monitor/failed"] == 1
    failures = " ".join(result["madar/monitor/failures"])
    assert "Theme markup" in failures
    for field in ("title", "text", "published", "related"):
        assert re.search(rf"\b{field} \d", failures), failures


def test_one_drifted_field_is_named_alone(mirror_articles) -> None:
    """Only the boxes renamed: the report names related, not the fields still read."""
    pages = [(url, html.replace("check-also-box", "more-box").replace("related-posts", "more-x")
              .replace("related_posts", "more_x")) for url, html in mirror_articles]
    failures = " ".join(judge(crawl_stats(pages))["madar/monitor/failures"])
    assert "related" in failures
    assert not re.search(r"\b(?:title|text|published) \d", failures), failures
