"""The ``madar`` spider: navigation only.

It walks the home page and the "آخر الأخبار" (latest news) listing with its pagination,
requests each article once, and follows the check-also and related-posts boxes. What a page
*contains* is the page objects' business (``madar.pages``); what is *done* with an item is
the pipelines' business. Arguments (``-a name=value``):

- ``base_url``: the site to crawl (default: setting ``MADAR_BASE_URL``, the real site).
- ``max_pages``: listing pages to walk at most (default: to the end; ``0``: none, only the
  home page's articles).
- ``since``: ``YYYY-MM-DD``; stop paginating once a listing page holds only older articles,
  and skip older listing entries.
- ``related_depth``: how many hops of check-also/related links to follow from a listed
  article (default: unlimited within the site; ``0`` follows none).
- ``incremental``: ``1`` to fetch only articles the dedup store does not know and stop
  paginating at the first listing page holding only known ones (default: setting
  ``MADAR_INCREMENTAL``; see :mod:`madar.incremental`).
- ``render``: ``off`` (default), ``splash`` or ``playwright``; with ``SPLASH_URL`` set, Splash.
  Only pages that show script-filled containers are rendered (``madar.rendering``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import scrapy
from scrapy.http import Response

from madar.extensions.quality import count_field_sources
from madar.incremental import IncrementalPolicy
from madar.pages import ListingPage, article_page_for
from madar.rendering import (
    apply_render_settings,
    is_html_response,
    is_rendered,
    needs_rendering,
    render_mode,
    rendered_request,
)
from madar.urls import canonical_url, is_article_candidate, same_host

#: The latest-news category slug on the real site, used only when no page links to it.
FALLBACK_LATEST_NEWS_PATH = "/category/" + quote("آخر-الأخبار") + "/"


def _optional_int(value: Any, name: str) -> int | None:
    if value in (None, "", "none", "None"):
        return None
    number = int(value)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


class MadarSpider(scrapy.Spider):
    name = "madar"

    def __init__(
        self,
        base_url: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        related_depth: str | int | None = None,
        incremental: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._base_url_arg = base_url
        self.max_pages = _optional_int(max_pages, "max_pages")
        self.related_depth = _optional_int(related_depth, "related_depth")
        self.since: dt.date | None = dt.date.fromisoformat(since) if since else None
        self.base_url = ""
        self._incremental_arg = incremental
        self.incremental: IncrementalPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        mode = render_mode(crawler.settings, kwargs.pop("render", None))
        apply_render_settings(crawler.settings, mode)  # still mutable here (Scrapy >= 2.11)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.render_mode = mode
        base = spider._base_url_arg or crawler.settings.get("MADAR_BASE_URL")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {base!r}")
        spider.base_url = f"{parts.scheme}://{parts.netloc}".lower()
        # Offsite filtering (also of redirects) by Scrapy's own middleware; the port is
        # checked by same_host() on every link we follow.
        spider.allowed_domains = [parts.hostname]
        settings = crawler.settings
        spider.max_related_per_page = settings.getint("MADAR_MAX_RELATED_PER_PAGE", 20)
        hard_cap = settings.getint("MADAR_MAX_LISTING_PAGES", 5000)
        spider.max_pages = hard_cap if spider.max_pages is None else min(spider.max_pages,
                                                                         hard_cap)
        spider.incremental = IncrementalPolicy.from_crawler(crawler, spider._incremental_arg)
        return spider

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + "/", callback=self.parse_home, priority=10)

    def start_requests(self) -> Iterator[scrapy.Request]:  # Scrapy < 2.13
        yield scrapy.Request(self.base_url + "/", callback=self.parse_home, priority=10)

    # --- listings ------------------------------------------------------------------------

    def parse_home(self, response: Response):
        if not self._usable(response):
            return
        if self._needs_render(response):
            yield self._render(response, self.parse_home)
            return
        try:
            page = ListingPage(response.url, response.text)
            latest, links = page.latest_news_url(), page.article_links()
        except Exception:
            self._broken(response)
            latest, links = None, []
        if latest is None:
            self.logger.warning("No 'آخر الأخبار' link on %s; using %s",
                                response.url, FALLBACK_LATEST_NEWS_PATH)
            latest = self.base_url + FALLBACK_LATEST_NEWS_PATH
        if self.max_pages > 0:  # max_pages=0: the home page's articles only
            yield from self._listing_request(latest, page_number=1)
        yield from self._article_requests(links, depth=0)

    def parse_listing(self, response: Response, page_number: int):
        if not self._usable(response):
            return
        if self._needs_render(response):
            yield self._render(response, self.parse_listing)
            return
        self._count("listing_pages")
        try:
            page = ListingPage(response.url, response.text)
            entries, next_url = page.entries(), page.next_page_url()
        except Exception:
            self._broken(response)
            return
        fresh = [e for e in entries if not self._older_than_since(e.date)]
        yield from self._article_requests([e.url for e in fresh], depth=0)
        if self.incremental is not None and self.incremental.should_stop(
                [urljoin(self.base_url, e.url) for e in entries], page_number):
            return
        if entries and not fresh:
            self.logger.info("Listing page %d holds only articles before %s: stop",
                             page_number, self.since)
            return
        if page_number >= self.max_pages:
            self.logger.info("Reached max_pages=%d", self.max_pages)
            return
        if next_url:
            yield from self._listing_request(next_url, page_number + 1)

    def _listing_request(self, url: str, page_number: int) -> Iterator[scrapy.Request]:
        url = urljoin(self.base_url, url)
        if same_host(url, self.base_url):
            yield scrapy.Request(canonical_url(url), callback=self.parse_listing,
                                 cb_kwargs={"page_number": page_number}, priority=5)

    def _older_than_since(self, published: str | None) -> bool:
        if self.since is None or not published:
            return False
        try:
            return dt.date.fromisoformat(published[:10]) < self.since
        except ValueError:
            return False

    # --- articles ------------------------------------------------------------------------

    def parse_article(self, response: Response, depth: int):
        if not self._usable(response):
            return
        if self._needs_render(response):
            yield self._render(response, self.parse_article)
            return
        fetched_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        try:
            page = article_page_for(response.url, response.text, fetched_at=fetched_at)
            if page is None:
                self._count("not_article")
                return
            item = page.to_item()
            related = page.related_urls()
        except Exception:
            self._broken(response)
            return
        # madar/fields/<field>/<theme|metadata|none>: read by the theme-change alarm
        count_field_sources(self.crawler.stats, page.field_sources)
        yield item
        if self.related_depth is None or depth < self.related_depth:
            yield from self._article_requests(related[: self.max_related_per_page],
                                              depth=depth + 1)

    def _article_requests(self, urls: list[str], depth: int) -> Iterator[scrapy.Request]:
        for url in urls:
            url = urljoin(self.base_url, url)
            if not same_host(url, self.base_url) or not is_article_candidate(url):
                self._count("links_skipped")
                continue
            url = canonical_url(url)
            if self.incremental is not None and self.incremental.is_known(url):
                continue  # counted by the policy: madar/incremental/skipped_known
            yield scrapy.Request(url, callback=self.parse_article, cb_kwargs={"depth": depth})

    # --- responses ---------------------------------------------------------------------

    def _usable(self, response: Response) -> bool:
        """HTML (plain or rendered) is parsed; anything else is counted and skipped."""
        if is_html_response(response):
            return True
        self._count("not_html")
        return False

    def _needs_render(self, response: Response) -> bool:
        return (self.render_mode != "off" and not is_rendered(response)
                and needs_rendering(response.text))

    def _render(self, response: Response, callback) -> scrapy.Request:
        """Re-render the HTML already downloaded (the site sees the URL once)."""
        self._count("rendered")
        return rendered_request(response.url, self.render_mode, callback, html=response.text,
                                cb_kwargs=response.cb_kwargs)

    def _broken(self, response: Response) -> None:
        """A page the page objects could not read: logged with its URL and counted."""
        self._count("broken")
        self.logger.exception("Broken page, skipped: %s", response.url)

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"madar/pages/{key}")
