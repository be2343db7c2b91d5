"""The spider's navigation on hand-made responses: what it requests, and what it refuses."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from madar.spiders import madar as spider_module
from madar.spiders.madar import MadarSpider

BASE = "http://127.0.0.1:8000"
LATEST = BASE + "/category/%d8%a2%d8%ae%d8%b1-%d8%a7%d9%84%d8%a3%d8%ae%d8%a8%d8%a7%d8%b1/"
HOME = f"""<html><body class="home blog">
<nav id="main-nav"><ul><li><a href="{LATEST}">آخر الأخبار</a></li></ul></nav>
<ul id="posts-container" class="posts-items">
<li class="post-item"><h2 class="post-title">
<a href="{BASE}/2024/01/02/خبر/?utm_source=x">خبر</a></h2></li>
<li class="post-item"><h2 class="post-title"><a href="https://evil.example/2024/01/02/x/">x</a></h2></li>
<li class="post-item"><h2 class="post-title"><a href="{BASE}/feed/">feed</a></h2></li>
<li class="post-item"><h2 class="post-title"><a href="{BASE}/?p=77">قصير</a></h2></li>
</ul></body></html>"""


@pytest.fixture
def spider():
    crawler = get_crawler(MadarSpider, settings_dict={"ADDONS": {}})
    crawler.stats.open_spider()
    return crawler._create_spider(base_url=BASE)


def _html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))


def test_home_leads_to_latest_news_and_to_canonical_article_urls(spider):
    requests = list(spider.parse_home(_html(BASE + "/", HOME)))
    urls = [r.url for r in requests]
    assert urls[0] == BASE + "/category/" + quote("آخر-الأخبار") + "/"
    assert BASE + "/2024/01/02/%D8%AE%D8%A8%D8%B1/" in urls
    assert BASE + "/?p=77" in urls
    assert not [u for u in urls if "evil.example" in u or "/feed/" in u]


def test_a_broken_listing_page_is_counted_not_raised(spider, monkeypatch):
    class Exploding:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("boom")

    monkeypatch.setattr(spider_module, "ListingPage", Exploding)
    assert list(spider.parse_listing(_html(LATEST, "<html></html>"), page_number=1)) == []
    home = list(spider.parse_home(_html(BASE + "/", HOME)))
    assert [r.callback for r in home] == [spider.parse_listing]  # falls back to the known slug
    assert spider.crawler.stats.get_value("madar/pages/broken") == 2


def test_non_html_responses_are_counted_and_skipped(spider):
    binary = Response(BASE + "/x.pdf", body=b"%PDF-1.4", request=Request(BASE + "/x.pdf"))
    assert list(spider.parse_article(binary, depth=0)) == []
    assert spider.crawler.stats.get_value("madar/pages/not_html") == 1


def test_arguments_are_checked():
    with pytest.raises(ValueError):
        MadarSpider(max_pages="-1")
    with pytest.raises(ValueError):
        MadarSpider(since="yesterday")


def test_a_crawler_without_the_project_settings_still_gets_madars_defaults() -> None:
    """A ``CrawlerProcess`` built from scratch (no madar.settings) once dropped every item
    as ``huge_text``: MADAR_MAX_TEXT_CHARS read 0. The spider now brings settings.py's
    MADAR_* values at the lowest priority, so components read them and a user's value wins."""
    from scrapy.utils.test import get_crawler

    from madar import settings as defaults
    from madar.pipelines.validate import ValidateArticlePipeline

    bare = get_crawler(MadarSpider, {"MADAR_MIN_TEXT_CHARS": 7})
    assert bare.settings.getint("MADAR_MAX_TEXT_CHARS") == defaults.MADAR_MAX_TEXT_CHARS > 0
    assert bare.settings.getfloat("MADAR_FIRST_CONTACT_TIMEOUT") == 8
    assert bare.settings.getint("MADAR_MIN_TEXT_CHARS") == 7
    pipeline = ValidateArticlePipeline.from_crawler(bare)
    assert pipeline.rules.max_text_chars == defaults.MADAR_MAX_TEXT_CHARS


ARTICLE = f"""<html><head><meta property="og:type" content="article">
<meta property="article:published_time" content="2024-05-01T10:00:00+00:00"></head>
<body class="single single-post postid-5"><div id="tie-wrapper"><article id="the-post">
<header class="entry-header"><h1 class="post-title">عنوان</h1></header>
<div class="entry-content"><p>نص المقال.</p></div></article>
<div id="related-posts">
<div class="related-item"><h3><a href="{BASE}/old-post/">قديم</a></h3>
<div class="post-meta"><span class="date">5 آب 2020</span></div></div>
<div class="related-item"><h3><a href="{BASE}/new-post/">جديد</a></h3>
<div class="post-meta"><span class="date">5 آب 2024</span></div></div></div>
</div></body></html>"""


@pytest.mark.parametrize("since, followed", [(None, ["/old-post/", "/new-post/"]),
                                             ("2023-01-01", ["/new-post/"])])
def test_since_skips_related_posts_by_the_date_their_box_shows(since, followed):
    crawler = get_crawler(MadarSpider, settings_dict={"ADDONS": {}})
    crawler.stats.open_spider()
    spider = crawler._create_spider(base_url=BASE, since=since)
    found = list(spider.parse_article(_html(BASE + "/this-post/", ARTICLE), depth=0))
    assert [r.url for r in found if isinstance(r, Request)] == [BASE + path for path in followed]
    assert crawler.stats.get_value("madar/since/links_skipped") == (1 if since else None)
