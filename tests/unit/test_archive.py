"""Archive mode without network: the sitemap rules, and the spider's sitemap callbacks on
hand-made responses (discovery, post sitemaps only, the window, one frontier)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip

import pytest
from scrapy import Request
from scrapy.http import TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from madar.archive import Window, entry_day, follows
from madar.spiders.arguments import SpiderArguments
from madar.spiders.madar import MadarSpider
from madar.urls import canonical_url
from tests.crawl import project_settings

BASE = "http://127.0.0.1:8000"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


@pytest.mark.parametrize("url, walked", [
    (f"{BASE}/sitemap_index.xml", True),
    (f"{BASE}/wp-sitemap.xml", True),
    (f"{BASE}/post-sitemap.xml", True),
    (f"{BASE}/post-sitemap12.xml", True),
    (f"{BASE}/wp-sitemap-posts-post-3.xml", True),
    (f"{BASE}/page-sitemap.xml", False),
    (f"{BASE}/category-sitemap.xml", False),
    (f"{BASE}/post_tag-sitemap.xml", False),
    (f"{BASE}/author-sitemap.xml", False),
    (f"{BASE}/wp-sitemap-posts-page-1.xml", False),
    (f"{BASE}/wp-sitemap-taxonomies-category-1.xml", False),
    (f"{BASE}/wp-sitemap-users-1.xml", False),
])
def test_only_indexes_and_post_sitemaps_are_walked(url, walked):
    assert follows(url) is walked


def test_entries_are_dated_by_lastmod_then_by_permalink():
    assert entry_day({"loc": f"{BASE}/2017/08/10/x/", "lastmod": "2020-01-02T03:04:05+03:00"}) \
        == dt.date(2020, 1, 2)
    assert entry_day({"loc": f"{BASE}/2017/08/10/x/"}) == dt.date(2017, 8, 10)
    assert entry_day({"loc": f"{BASE}/2017/13/10/x/"}) is None
    assert entry_day({"loc": f"{BASE}/x/", "lastmod": "garbage"}) is None


def test_window_bounds_are_inclusive_and_checked():
    window = Window(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert window.contains(dt.date(2020, 1, 1)) and window.contains(dt.date(2020, 12, 31))
    assert not window.contains(dt.date(2019, 12, 31)) and not window.contains(dt.date(2021, 1, 1))
    assert window.admits_published("2020-05-05T10:00:00+03:00")
    assert not window.admits_published("2021-05-05")
    assert window.admits_published(None), "an undatable item is not outside the window"
    with pytest.raises(ValueError, match="after"):
        Window(dt.date(2021, 1, 1), dt.date(2020, 1, 1))
    with pytest.raises(ValueError, match="until=yesterday: expected a date"):
        SpiderArguments.parse({"until": "yesterday"})


@pytest.fixture
def spider(tmp_path):
    made = []

    def make(**arguments):
        crawler = get_crawler(MadarSpider, settings_dict=project_settings(
            ADDONS={}, MADAR_STATE_DIR=str(tmp_path / "state")))
        crawler.stats.open_spider()
        created = crawler._create_spider(base_url=BASE, **arguments)
        created.memory = None  # the memory needs a running crawl (e2e tests cover it)
        made.append(created)
        return created
    yield make
    for created in made:  # start() tuned the process's GC for the crawl: closing undoes it
        created.closed("finished")


def xml(url: str, body: str) -> XmlResponse:
    return XmlResponse(url, body=body.encode(), request=Request(url))


def urlset(*entries: tuple[str, str | None]) -> str:
    urls = "".join(f"<url><loc>{BASE}{path}</loc>"
                   + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
                   for path, lastmod in entries)
    return f'<?xml version="1.0"?><urlset {NS}>{urls}</urlset>'


def start_urls(spider: MadarSpider) -> list[str]:
    async def collect() -> list[str]:
        return [request.url async for request in spider.start()]

    return asyncio.run(collect())


def test_archive_starts_from_robots_and_the_home_page_follows_the_sitemaps(spider):
    archive = spider(archive="1")
    assert start_urls(archive) == [f"{BASE}/robots.txt"]
    assert start_urls(spider()) == [f"{BASE}/"], "the default crawl requests no sitemap"
    robots = TextResponse(f"{BASE}/robots.txt", body=f"Sitemap: {BASE}/a.xml".encode())
    [index] = list(archive.parse_robots(robots))
    [post] = list(archive.parse_sitemap(xml(index.url, (
        f"<sitemapindex {NS}><sitemap><loc>{BASE}/post-sitemap.xml</loc></sitemap>"
        "</sitemapindex>"))))
    *articles, home = list(archive.parse_sitemap(xml(post.url, urlset(("/2020/01/01/a/", None)))))
    assert [r.url for r in articles] == [f"{BASE}/2020/01/01/a/"]
    assert home.url == f"{BASE}/" and home.callback == archive.parse_home
    dated = spider(archive="1", since="2020-01-01")
    assert start_urls(dated) == [f"{BASE}/robots.txt"]
    assert list(dated._sitemap_done(started=True)) == [], "a dated chunk walks no listing"


def test_until_needs_archive(spider):
    with pytest.raises(ValueError, match="until=2020-01-01: expected archive=1 beside it"):
        spider(until="2020-01-01")


def test_robots_sitemap_lines_else_the_usual_index_paths(spider):
    archive = spider(archive="1")
    robots = TextResponse(f"{BASE}/robots.txt", body=(
        f"User-agent: *\nDisallow: /wp-admin/\nSitemap: {BASE}/sitemap_index.xml\n"
        f"Sitemap: {BASE}/page-sitemap.xml\n"
        "Sitemap: https://elsewhere.example/sitemap.xml\n").encode())
    assert [r.url for r in archive.parse_robots(robots)] == [f"{BASE}/sitemap_index.xml"]
    bare = TextResponse(f"{BASE}/robots.txt", body=b"User-agent: *\nDisallow:\n")
    archive = spider(archive="1")
    [first] = list(archive.parse_robots(bare))
    assert first.url == f"{BASE}/sitemap_index.xml"
    assert first.cb_kwargs["fallbacks"] == ["/wp-sitemap.xml", "/sitemap.xml"]
    not_a_sitemap = TextResponse(first.url, body=b"<html>404</html>", request=first)
    [second] = list(archive.parse_sitemap(not_a_sitemap, **first.cb_kwargs))
    assert second.url == f"{BASE}/wp-sitemap.xml"
    third = list(archive.parse_sitemap(TextResponse(second.url, body=b"", request=second),
                                       **second.cb_kwargs))
    assert [r.url for r in third] == [f"{BASE}/sitemap.xml"]
    last = TextResponse(third[0].url, body=b"", request=third[0])
    assert [r.url for r in archive.parse_sitemap(last, **third[0].cb_kwargs)] == [
        f"{BASE}/"], "no sitemap at all: the navigation still starts"


def test_an_index_leads_to_post_sitemaps_only(spider):
    archive = spider(archive="1")
    index = (f'<?xml version="1.0"?><sitemapindex {NS}>' + "".join(
        f"<sitemap><loc>{BASE}/{name}</loc></sitemap>" for name in (
            "post-sitemap.xml", "post-sitemap2.xml", "page-sitemap.xml",
            "category-sitemap.xml", "post_tag-sitemap.xml")) + "</sitemapindex>")
    requests = list(archive.parse_sitemap(xml(f"{BASE}/sitemap_index.xml", index)))
    assert [r.url for r in requests] == [f"{BASE}/post-sitemap.xml", f"{BASE}/post-sitemap2.xml"]
    assert archive.crawler.stats.get_value("madar/archive/sitemaps_skipped") == 3


def test_a_post_sitemap_feeds_the_frontier_once_within_the_window(spider):
    archive = spider(archive="1", since="2020-01-01", until="2020-12-31")
    body = urlset(("/2019/05/05/old/", "2019-05-05T10:00:00+03:00"),
                  ("/2016/05/05/edited/", "2020-03-03T10:00:00+02:00"),
                  ("/2020/06/06/new/", None),
                  ("/2020/06/06/new/?utm_source=x", None),
                  ("/2021/01/01/late/", "2021-01-01T00:00:00+02:00"),
                  ("/undated-slug/", None),
                  ("/category/news/", None))
    requests = list(archive.parse_sitemap(xml(f"{BASE}/post-sitemap.xml", body)))
    assert [r.url for r in requests] == [f"{BASE}/2016/05/05/edited/",
                                         f"{BASE}/2020/06/06/new/", f"{BASE}/undated-slug/"]
    assert [r.cb_kwargs["check_window"] for r in requests] == [False, False, True]
    stats = archive.crawler.stats
    assert stats.get_value("madar/source/sitemap") == 3
    assert stats.get_value("madar/archive/outside_window") == 2
    again = list(archive.parse_sitemap(xml(f"{BASE}/post-sitemap2.xml", body)))
    assert again == [], "each article URL is requested once per run"


def test_gzipped_sitemaps_are_read(spider):
    archive = spider(archive="1")
    archive._sitemaps_pending = 2  # another sitemap still to come: no navigation yet
    body = gzip.compress(urlset(("/2020/06/06/new/", None)).encode())
    response = XmlResponse(f"{BASE}/post-sitemap.xml.gz", body=body,
                           request=Request(f"{BASE}/post-sitemap.xml.gz"))
    assert [r.url for r in archive.parse_sitemap(response)] == [f"{BASE}/2020/06/06/new/"]


def test_progress_shows_done_of_the_sitemaps_total_and_the_time_left():
    from madar.extensions.progress import format_archive

    assert format_archive(fetched=100, known=900, total=2000, elapsed=50.0) == \
        "archive 1000/2000 (50%)  ETA 0:08:20"
    assert format_archive(fetched=0, known=0, total=10, elapsed=0.0).endswith("ETA ?")
    assert format_archive(fetched=12, known=0, total=10, elapsed=3.0) == \
        "archive 12/12 (100%)  ETA 0:00:00"


def test_lastmods_of_completed_runs_tell_which_known_articles_changed(tmp_path):
    from madar.incremental import IncrementalPolicy
    from madar.state import FetchedLog

    url = f"{BASE}/2020/06/06/new/"
    log = FetchedLog(tmp_path)
    log.record({url: 200}, {url: "2024-06-01T10:00:00+03:00"})
    policy = IncrementalPolicy({url}.__contains__)
    policy.lastmods = log
    assert policy.is_known(url, "2024-06-01T07:00:00+00:00"), "the same instant"
    assert not policy.is_known(url, "2024-06-02T10:00:00+03:00"), "moved: fetch again"
    assert policy.newest_lastmod() == dt.datetime(2024, 6, 1, 7, tzinfo=dt.timezone.utc)
    other = f"{BASE}/2019/01/01/old/"
    policy = IncrementalPolicy({url, other}.__contains__)
    policy.lastmods = log
    assert policy.is_known(other, "2019-01-01T00:00:00+02:00"), "first lastmod: taken as is"
    assert policy.new_lastmods == {other: "2019-01-01T00:00:00+02:00"}
    log.close()


def test_an_incremental_run_reads_the_newest_post_sitemap_and_the_moved_ones(spider):
    incremental = spider(incremental="1")
    assert start_urls(incremental) == [f"{BASE}/robots.txt", f"{BASE}/feed/"]

    class Memory:
        @staticmethod
        def newest_lastmod():
            return dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)

    incremental.memory = Memory()
    sitemaps = [(f"{BASE}/post-sitemap.xml", "2024-05-01T00:00:00+03:00"),
                (f"{BASE}/post-sitemap2.xml", "2024-06-02T00:00:00+03:00"),
                (f"{BASE}/post-sitemap3.xml", "2024-05-30T00:00:00+03:00")]
    assert incremental._sitemaps_to_read(sitemaps) == [f"{BASE}/post-sitemap2.xml",
                                                       f"{BASE}/post-sitemap3.xml"]
    archive = spider(archive="1")
    assert archive._sitemaps_to_read(sitemaps) == [url for url, _ in sitemaps]


def test_the_feed_adds_its_latest_posts(spider):
    incremental = spider(incremental="1")
    incremental.memory = None
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>a</title><link>{BASE}/2024/06/01/a/</link></item>"
            f"<item><title>b</title><link>{BASE}/2024/06/02/b/?utm_source=rss</link></item>"
            "</channel></rss>")
    response = XmlResponse(f"{BASE}/feed/", body=feed.encode(), request=Request(f"{BASE}/feed/"))
    assert [r.url for r in incremental.parse_feed(response)] == [
        f"{BASE}/2024/06/01/a/", f"{BASE}/2024/06/02/b/"]
    assert incremental.crawler.stats.get_value("madar/source/feed") == 2


def test_since_without_archive_keeps_the_navigation(spider):
    plain = spider(since="2020-01-01")
    assert not plain.window.bounded and start_urls(plain) == [f"{BASE}/"]


def test_only_a_whole_archive_stops_the_listing_at_a_page_that_adds_nothing(spider):
    from scrapy.http import HtmlResponse

    from mirror.generator import wp_quote
    from mirror.server import Mirror

    mirror = Mirror(200, 1)
    path = f"/category/{wp_quote(mirror.site.categories['آخر الأخبار'])}/"
    html = mirror.respond(path, "127.0.0.1:8000").body
    page = HtmlResponse(BASE + path, body=html, encoding="utf-8", request=Request(BASE + path))
    first_ten = [BASE + p.path for p in mirror.site.listed[:10]]

    def next_page(crawler_spider) -> list[str]:
        crawler_spider.frontier.update(canonical_url(u) for u in first_ten)
        return [r.url for r in crawler_spider.parse_listing(page, page_number=1)
                if r.callback == crawler_spider.parse_listing]

    archive = spider(archive="1")
    assert next_page(archive), "no post sitemap read yet: the walk goes on"
    archive = spider(archive="1")
    archive._post_sitemaps_read = 1
    assert next_page(archive) == [], "the sitemaps named them all: stop"
    incremental = spider(incremental="1")
    incremental.memory = incremental.incremental = None  # no memory: a first run
    assert next_page(incremental), "the newest sitemap is not the archive: the walk goes on"
