"""The ``madar`` spider: navigation only (docs/architecture.md, arguments: docs/crawling.md).

Home page, the "آخر الأخبار" listing and its pagination, the check-also and related boxes,
and in archive or incremental runs the post sitemaps and the feed (madar/archive.py); each
article once per run, counted by its first source (``madar/source/<source>``).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.iterators import xmliter_lxml
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from madar import archive as archive_rules
from madar import settings as defaults
from madar.extensions.quality import count_field_sources
from madar.incremental import LASTMOD_META, IncrementalPolicy
from madar.middlewares.fetchtime import fetched_at
from madar.pages import ListingPage, article_page_for
from madar.pages.document import response_markup
from madar.rendering import (
    apply_render_settings,
    is_html_response,
    is_rendered,
    needs_rendering,
    render_mode,
    rendered_request,
)
from madar.spiders.arguments import SpiderArguments, site_origin
from madar.text.dates import as_utc, iso_day
from madar.urls import article_link, canonical_url, permalink_date, same_host

#: The latest-news category slug on the real site, used only when no page links to it.
FALLBACK_LATEST_NEWS_PATH = "/category/" + quote("آخر-الأخبار") + "/"


def html_page(parse: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """A page callback: anything but HTML is counted and skipped; a page that needs
    JavaScript is rendered from the HTML already downloaded (the site sees the URL once)."""
    @functools.wraps(parse)
    def callback(self: MadarSpider, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not is_html_response(response):
            self._count("not_html")
        elif (self.render_mode != "off" and not is_rendered(response)
                and needs_rendering(response.text)):
            self._count("rendered")
            yield rendered_request(response.url, self.render_mode,
                                   getattr(self, parse.__name__), html=response.text,
                                   cb_kwargs=response.cb_kwargs)
        else:
            yield from parse(self, response, **kwargs)
    return callback


class MadarSpider(scrapy.Spider):
    name = "madar"
    render_mode = "off"
    #: Left in JOBDIR by a graceful stop, when Scrapy saved its queue and seen-set. A SIGKILL
    #: leaves neither whole: without the mark, archive mode walks its sources again.
    PAUSED_MARK = "madar-archive-paused"

    def __init__(self, *args: Any, arguments: SpiderArguments | None = None,
                 **kwargs: Any) -> None:
        if arguments is None:
            arguments = SpiderArguments.parse(kwargs)
            kwargs = SpiderArguments.passthrough(kwargs)
        super().__init__(*args, **kwargs)
        self.arguments = arguments
        self.since = arguments.since
        self.archive = bool(arguments.archive)
        # in archive mode since/until bound the sitemaps' lastmod; else since bounds the
        # crawl by publication day
        self.window = (archive_rules.Window(arguments.since, arguments.until) if self.archive
                       else archive_rules.Window())
        self.base_url = ""
        self.max_pages = arguments.max_pages
        self.incremental: IncrementalPolicy | None = None
        #: the memory of an incremental or archive run: known articles are not fetched
        self.memory: IncrementalPolicy | None = None
        self.frontier: set[str] = set()  # canonical article URLs requested this run
        self.passed_over: set[str] = set()  # ... not requested: known and unchanged
        self._items_yielded = self._items_dropped = 0
        self._sitemaps_requested: set[str] = set()
        self._sitemaps_pending = 0
        self._post_sitemaps_read = 0
        self._navigating = False
        #: JOBDIR's queue and seen-set cannot be trusted: requests bypass the dupefilter
        self.refill = False

    check_arguments = staticmethod(SpiderArguments.parse)  # before a crawl (madar.commands)

    @classmethod
    def update_settings(cls, settings) -> None:
        """settings.py's ``MADAR_*`` values at the lowest priority: a crawler built without
        the project's settings still gets them, and nothing else repeats a default."""
        super().update_settings(settings)
        for name in dir(defaults):
            if name.startswith("MADAR_"):
                settings.set(name, getattr(defaults, name), priority="default")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        arguments = SpiderArguments.parse(kwargs)
        settings = crawler.settings
        mode = render_mode(settings, arguments.render)
        apply_render_settings(settings, mode)
        base_url = arguments.base_url or site_origin(settings.get("MADAR_BASE_URL"),
                                                     "setting MADAR_BASE_URL")
        # one truth for every component: the memory is this site's, the pipelines know
        # the mode (settings are frozen only in tests that build spiders late)
        if not settings.frozen:
            settings.set("MADAR_BASE_URL", base_url, priority="cmdline")
            if arguments.incremental is not None:
                settings.set("MADAR_INCREMENTAL", arguments.incremental, priority="cmdline")
            if arguments.archive:  # each article once across the archive's runs and chunks
                settings.set("MADAR_EMIT_KNOWN", False, priority="spider")
            if arguments.max_articles is not None:  # Scrapy's CloseSpider ends the crawl
                settings.set("CLOSESPIDER_ITEMCOUNT", arguments.max_articles,
                             priority="spider")
        spider = super().from_crawler(crawler, *args, arguments=arguments,
                                      **SpiderArguments.passthrough(kwargs))
        spider.render_mode = mode
        spider.base_url = base_url
        # Scrapy's offsite filter; the port is checked by same_host on every link
        spider.allowed_domains = [urlsplit(base_url).hostname]
        spider.max_related_per_page = settings.getint("MADAR_MAX_RELATED_PER_PAGE")
        hard_cap = settings.getint("MADAR_MAX_LISTING_PAGES")
        spider.max_pages = min(spider.max_pages if spider.max_pages is not None else hard_cap,
                               hard_cap)
        spider.incremental = spider.memory = IncrementalPolicy.from_crawler(
            crawler, arguments.incremental)
        if spider.archive:
            spider.memory = spider.incremental or IncrementalPolicy.from_crawler(crawler, True)
            if settings.get("JOBDIR"):
                mark = Path(settings.get("JOBDIR"), cls.PAUSED_MARK)
                spider.refill = not mark.exists()
                mark.unlink(missing_ok=True)  # a kill during this run must not find it
        if arguments.max_articles is not None:
            crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
            crawler.signals.connect(spider._item_dropped, signal=signals.item_error)
        return spider

    def closed(self, reason: str) -> None:
        jobdir = self.settings.get("JOBDIR") if self.archive else None
        if jobdir and reason != "finished":
            Path(jobdir).mkdir(parents=True, exist_ok=True)
            Path(jobdir, self.PAUSED_MARK).write_text(reason, encoding="utf-8")

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not (self.archive or self.incremental is not None):
            for request in self._navigation():
                yield request
            return
        # the sitemaps first; the home page follows once they are read (_sitemap_done)
        yield scrapy.Request(self.base_url + "/robots.txt", callback=self.parse_robots,
                             errback=self._robots_failed, priority=20,
                             dont_filter=self.refill)
        if self.incremental is not None and not self.window.bounded:
            yield scrapy.Request(self.base_url + "/feed/", callback=self.parse_feed,
                                 priority=15, dont_filter=self.refill)

    def _navigation(self) -> Iterator[scrapy.Request]:
        """The home page, once per run, and never in a dated chunk of the archive."""
        if not self.window.bounded and not self._navigating:
            self._navigating = True
            yield scrapy.Request(self.base_url + "/", callback=self.parse_home, priority=10,
                                 dont_filter=self.refill)

    # --- the main feed and the sitemaps -----------------------------------------------------

    def parse_feed(self, response: Response):
        try:
            links = [item.xpath("link/text()").get() for item in xmliter_lxml(response, "item")]
        except Exception:
            self._broken(response)
            return
        yield from self._article_requests([link for link in links if link], depth=0,
                                          source="feed")

    def parse_robots(self, response: Response):
        named = [url for url in sitemap_urls_from_robots(response.body, base_url=response.url)
                 if same_host(url, self.base_url)]
        walked = [url for url in named if archive_rules.follows(url)]
        self._count_archive("sitemaps_skipped", len(named) - len(walked))
        if walked:
            yield from self._sitemap_requests(walked)
        else:  # WordPress's usual index paths in turn
            yield from self._fallback_index(list(archive_rules.FALLBACK_INDEX_PATHS))
        yield from self._sitemap_done(started=True)

    def _robots_failed(self, failure):
        self.logger.warning("robots.txt failed (%s): trying the usual sitemap paths",
                            failure.getErrorMessage())
        yield from self._fallback_index(list(archive_rules.FALLBACK_INDEX_PATHS))
        yield from self._sitemap_done(started=True)

    def _fallback_index(self, paths: list[str]) -> Iterator[scrapy.Request]:
        if not paths:
            self.logger.warning("No sitemap found on %s: the archive adds nothing",
                                self.base_url)
            return
        self.logger.info("Trying the sitemap index %s%s", self.base_url, paths[0])
        yield from self._sitemap_requests([self.base_url + paths[0]], fallbacks=paths[1:])

    def _sitemap_requests(self, urls: list[str],
                          fallbacks: list[str] | None = None) -> Iterator[scrapy.Request]:
        """Each sitemap once per run; counted until answered (see ``_sitemap_done``)."""
        for url in urls:
            if url in self._sitemaps_requested:
                continue
            self._sitemaps_requested.add(url)
            self._sitemaps_pending += 1
            yield scrapy.Request(url, callback=self.parse_sitemap,
                                 errback=self._sitemap_failed,
                                 cb_kwargs={"fallbacks": fallbacks}, priority=15,
                                 dont_filter=self.refill)

    def _sitemap_done(self, started: bool = False) -> Iterator[scrapy.Request]:
        """Once no sitemap is pending the navigation starts, so the listing walk stops at
        its first page that adds nothing to the sitemaps' frontier."""
        if not started:
            self._sitemaps_pending -= 1
        if self._sitemaps_pending <= 0:
            yield from self._navigation()

    def _sitemap_failed(self, failure):
        self._count_archive("sitemaps_failed")
        self.logger.warning("Sitemap failed: %s (%s)", failure.request.url,
                            failure.getErrorMessage())
        fallbacks = failure.request.cb_kwargs.get("fallbacks")
        if fallbacks is not None:
            yield from self._fallback_index(fallbacks)
        yield from self._sitemap_done()

    def parse_sitemap(self, response: Response, fallbacks: list[str] | None = None):
        body = self._sitemap_body(response)
        sitemap = Sitemap(body) if body else None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self._count_archive("sitemaps_invalid")
            self.logger.warning("Not a sitemap: %s", response.url)
            if fallbacks is not None:
                yield from self._fallback_index(fallbacks)
        elif sitemap.type == "sitemapindex":
            self._count_archive("sitemaps")
            followed = []
            for entry in sitemap:
                url = urljoin(response.url, entry["loc"])
                if same_host(url, self.base_url) and archive_rules.follows(url):
                    followed.append((url, entry.get("lastmod")))
                else:
                    self._count_archive("sitemaps_skipped")
            yield from self._sitemap_requests(self._sitemaps_to_read(followed))
        else:
            self._count_archive("sitemaps")
            self._post_sitemaps_read += 1
            yield from self._sitemap_articles(response.url, sitemap)
        yield from self._sitemap_done()

    def _sitemap_articles(self, url: str, sitemap: Sitemap) -> Iterator[scrapy.Request]:
        listed = 0
        for entry in sitemap:
            day = archive_rules.entry_day(entry)
            if day is not None and not self.window.contains(day):
                self._count_archive("outside_window")
                continue
            listed += 1
            yield from self._article_requests([urljoin(url, entry["loc"])], depth=0,
                                              source="sitemap", check_window=day is None,
                                              lastmod=entry.get("lastmod") or None)
        self.logger.info("Sitemap %s: %d article URL(s)", url, listed)

    def _sitemaps_to_read(self, sitemaps: list[tuple[str, str | None]]) -> list[str]:
        """All of an index's post sitemaps in archive mode. In an incremental run the newest
        (the last: WordPress numbers them oldest first) and those whose ``<lastmod>`` is
        later than the latest one the memory recorded (an edit moved it)."""
        if self.archive or not sitemaps:
            return [url for url, _ in sitemaps]
        newest = self.memory.newest_lastmod() if self.memory is not None else None
        chosen = [url for url, lastmod in sitemaps[:-1]
                  if archive_rules.INDEX_SITEMAP.search(urlsplit(url).path)
                  or (newest and lastmod and (as_utc(lastmod) or newest) > newest)]
        return [*chosen, sitemaps[-1][0]]

    def _sitemap_body(self, response: Response) -> bytes | None:
        if gzip_magic_number(response):  # .xml.gz, bounded in size
            try:
                return gunzip(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:
                return None
        return response.body if response.status == 200 and response.body else None

    # --- listings ------------------------------------------------------------------------

    @html_page
    def parse_home(self, response: Response):
        try:
            page = ListingPage(response.url, response_markup(response))
            latest, entries = page.latest_news_url(), page.entries()
        except Exception:
            self._broken(response)
            latest, entries = None, []
        if latest is None:
            self.logger.warning("No 'آخر الأخبار' link on %s; using %s",
                                response.url, FALLBACK_LATEST_NEWS_PATH)
            latest = self.base_url + FALLBACK_LATEST_NEWS_PATH
        if self.max_pages > 0:  # max_pages=0: the home page's articles only
            yield from self._listing_request(latest, page_number=1)
        yield from self._article_requests([e.url for e in entries], depth=0, source="home",
                                          dates={e.url: e.date for e in entries if e.date})

    @html_page
    def parse_listing(self, response: Response, page_number: int):
        self._count("listing_pages")
        try:
            page = ListingPage(response.url, response_markup(response))
            entries, next_url = page.entries(), page.next_page_url()
        except Exception:
            self._broken(response)
            return
        fresh = [e for e in entries if not self._older_than_since(e.date)]
        # Only the whole archive (every post sitemap read) makes the rest of the listing
        # redundant; an incremental run read the newest sitemap only (should_stop decides).
        adds_nothing = (self.archive and self._post_sitemaps_read > 0
                        and all(self._seen(e.url) for e in entries))
        yield from self._article_requests([e.url for e in entries], depth=0, source="listing",
                                          dates={e.url: e.date for e in entries if e.date})
        if self.incremental is not None and self.incremental.should_stop(
                [urljoin(self.base_url, e.url) for e in entries], page_number):
            return
        if entries and adds_nothing:
            self.logger.info("Listing page %d adds nothing to the archive's frontier: stop",
                             page_number)
        elif entries and not fresh:
            self.logger.info("Listing page %d holds only articles before %s: stop",
                             page_number, self.since)
        elif page_number >= self.max_pages:
            self.logger.info("Reached max_pages=%d", self.max_pages)
        elif next_url:
            yield from self._listing_request(next_url, page_number + 1)

    def _listing_request(self, url: str, page_number: int) -> Iterator[scrapy.Request]:
        url = urljoin(self.base_url, url)
        if same_host(url, self.base_url):
            yield scrapy.Request(canonical_url(url), callback=self.parse_listing,
                                 cb_kwargs={"page_number": page_number}, priority=5,
                                 dont_filter=self.refill)

    def _older_than_since(self, published: str | None) -> bool:
        day = iso_day(published) if self.since is not None else None
        return day is not None and day < self.since

    # --- articles ------------------------------------------------------------------------

    def parse_article(self, response: Response, depth: int, check_window: bool = False):
        if self.archive:
            self._count_archive("done")
        yield from self._parse_article(response, depth=depth, check_window=check_window)

    @html_page
    def _parse_article(self, response: Response, depth: int, check_window: bool):
        try:
            page = article_page_for(response.url, response_markup(response),
                                    fetched_at=fetched_at(response))
            if page is None:
                self._count("not_article")
                return
            item = page.to_item()
            related = page.related_urls()
            # the dates beside the links serve only ``since`` (reading them: ~11 µs a link)
            related_dates = page.related_dates() if self.since is not None else None
        except Exception:
            self._broken(response)
            return
        if check_window and not self.window.admits_published(item.published):
            self._count_archive("outside_window")
            return
        if not self.archive and self._older_than_since(item.published):
            # out of the output and of the frontier: its links lead further back in time
            self.crawler.stats.inc_value("madar/since/articles_skipped")
            return
        if self._cap_reached():
            return
        # madar/fields/<field>/<theme|metadata|none> of the articles emitted: the theme alarm
        count_field_sources(self.crawler.stats, page.field_sources)
        self._items_yielded += 1
        yield item
        if self.window.bounded:  # a dated chunk follows no box: they lead out of it
            return
        if self.arguments.related_depth is None or depth < self.arguments.related_depth:
            yield from self._article_requests(related[: self.max_related_per_page],
                                              depth=depth + 1, source="related",
                                              dates=related_dates)

    def _cap_reached(self) -> bool:
        """``max_articles`` items emitted or in the pipelines (dropped ones free their place)."""
        cap = self.arguments.max_articles
        return cap is not None and self._items_yielded - self._items_dropped >= cap

    def _item_dropped(self, *args: Any, **kwargs: Any) -> None:
        self._items_dropped += 1

    def _article_failed(self, failure) -> None:
        self._count_archive("done")

    def _seen(self, url: str) -> bool:
        """Requested this run, or passed over as known and unchanged."""
        url = canonical_url(urljoin(self.base_url, url))
        return url in self.frontier or url in self.passed_over

    def _article_requests(self, urls: list[str], depth: int, source: str,
                          check_window: bool = False,
                          lastmod: str | None = None,
                          dates: Mapping[str, str] | None = None) -> Iterator[scrapy.Request]:
        """Requests for the article URLs no source named before in this run; with the
        sitemap's ``lastmod``, a known article whose lastmod moved is requested again.
        ``dates``: the day a link's listing or box shows (else its permalink's day), so
        ``since`` skips older articles unfetched; undated links are fetched."""
        if self._cap_reached():
            return
        dates = dates or {}
        for link in urls:
            url = article_link(self.base_url, link)
            if url is None:
                self._count("links_skipped")
                continue
            if not self.archive and self._older_than_since(dates.get(url)
                                                           or permalink_date(url)):
                self.crawler.stats.inc_value("madar/since/links_skipped")
                continue
            url = canonical_url(url)
            if source == "sitemap":  # the progress line's total: every archived article
                self._count_archive("total")
            if url in self.frontier:
                if lastmod and self.memory is not None:  # named first by another source
                    self.memory.note_lastmod(url, lastmod)
                continue
            if url in self.passed_over and not lastmod:
                continue
            if self.memory is not None and self.memory.is_known(url, lastmod):
                self.passed_over.add(url)
                if self.archive:
                    self._count_archive("known")
                continue  # counted by the policy: madar/incremental/skipped_known
            self.frontier.add(url)
            self.crawler.stats.inc_value(f"madar/source/{source}")
            yield scrapy.Request(url, callback=self.parse_article,
                                 errback=self._article_failed if self.archive else None,
                                 cb_kwargs={"depth": depth, "check_window": check_window},
                                 meta={LASTMOD_META: lastmod} if lastmod else None,
                                 dont_filter=self.refill)

    # --- stats ---------------------------------------------------------------------------

    def _broken(self, response: Response) -> None:
        """A page the page objects could not read: logged with its URL and counted."""
        self._count("broken")
        self.logger.exception("Broken page, skipped: %s", response.url)

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"madar/pages/{key}")

    def _count_archive(self, key: str, count: int = 1) -> None:
        if count:
            self.crawler.stats.inc_value(f"madar/archive/{key}", count)
