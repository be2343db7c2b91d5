"""The ``madar`` spider: navigation only.

It walks the home page and the "آخر الأخبار" (latest news) listing with its pagination,
the post sitemaps (all in archive mode; the newest, with the main feed, in incremental
runs; see madar/archive.py), and the check-also and related-posts boxes, and requests each
article once per run, from the first source that names it (stats
``madar/source/{home,listing,related,sitemap,feed}``). What a page contains is the page objects'
business, what becomes of an item the pipelines'. Its arguments (``-a name=value``):
:mod:`madar.spiders.arguments` parses them, docs/crawling.md describes them.

``since`` outside archive mode bounds the crawl by publication day: older articles are
neither emitted nor followed, links whose listing/box date or permalink day is older are not
fetched (undated ones are). ``max_articles`` stops yielding and requesting at N items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator, Mapping
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
from madar.extensions.quality import count_field_sources
from madar.incremental import LASTMOD_META, IncrementalPolicy
from madar.middlewares.fetchtime import fetched_at
from madar.pages import ListingPage, article_page_for
from madar.rendering import (
    apply_render_settings,
    is_html_response,
    is_rendered,
    needs_rendering,
    render_mode,
    rendered_request,
)
from madar.spiders.arguments import SpiderArguments
from madar.text.dates import as_utc
from madar.urls import canonical_url, is_article_candidate, permalink_date, same_host

#: The latest-news category slug on the real site, used only when no page links to it.
FALLBACK_LATEST_NEWS_PATH = "/category/" + quote("آخر-الأخبار") + "/"


class MadarSpider(scrapy.Spider):
    name = "madar"

    def __init__(self, *args: Any, arguments: SpiderArguments | None = None,
                 **kwargs: Any) -> None:
        if arguments is None:
            arguments = SpiderArguments.parse(kwargs)
            kwargs = SpiderArguments.passthrough(kwargs)
        super().__init__(*args, **kwargs)
        self.arguments = arguments
        self.max_pages = arguments.max_pages
        self.related_depth = arguments.related_depth
        self.since: dt.date | None = arguments.since
        self.base_url = ""
        self.incremental: IncrementalPolicy | None = None
        self.archive = bool(arguments.archive)
        # In archive mode since/until bound the sitemaps' lastmod (a dated chunk); outside
        # it, since bounds the crawl by publication day (parse_article, _article_requests).
        self.window = (archive_rules.Window(arguments.since, arguments.until) if self.archive
                       else archive_rules.Window())
        self._items_yielded = self._items_dropped = 0
        #: canonical article URLs requested this run (one frontier for every source)
        self.frontier: set[str] = set()
        #: canonical article URLs not requested because the memory holds them unchanged
        self.passed_over: set[str] = set()
        self._sitemaps_requested: set[str] = set()
        self._sitemaps_pending = 0
        self._post_sitemaps_read = 0
        self._navigating = False
        #: the archive's memory: articles already stored are not fetched again
        self.memory: IncrementalPolicy | None = None
        #: JOBDIR's queue and seen-set cannot be trusted (see ``_jobdir_resumable``):
        #: every request bypasses the dupefilter and the frontier set deduplicates
        self.refill = False

    @classmethod
    def check_arguments(cls, raw: dict[str, Any]) -> SpiderArguments:
        """Parse ``-a`` values before a crawl starts (:class:`BadArgument` when one is bad)."""
        return SpiderArguments.parse(raw)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        arguments = SpiderArguments.parse(kwargs)
        mode = render_mode(crawler.settings, arguments.render)
        apply_render_settings(crawler.settings, mode)  # still mutable here (Scrapy >= 2.11)
        if arguments.max_articles is not None and not crawler.settings.frozen:
            # Scrapy's CloseSpider extension ends the crawl there
            crawler.settings.set("CLOSESPIDER_ITEMCOUNT", arguments.max_articles,
                                 priority="spider")
        spider = super().from_crawler(crawler, *args, arguments=arguments,
                                      **SpiderArguments.passthrough(kwargs))
        spider.render_mode = mode
        base = arguments.base_url or crawler.settings.get("MADAR_BASE_URL")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"setting MADAR_BASE_URL must be an absolute http(s) URL, "
                             f"got {base!r}")
        spider.base_url = f"{parts.scheme}://{parts.netloc}".lower()
        # One truth for every component (settings are still mutable here): the memory is
        # this site's (madar.state), and the pipelines know the mode the run is in.
        if not crawler.settings.frozen:  # (frozen only in tests that build spiders late)
            crawler.settings.set("MADAR_BASE_URL", spider.base_url, priority="cmdline")
            if arguments.incremental is not None:
                crawler.settings.set("MADAR_INCREMENTAL", arguments.incremental,
                                     priority="cmdline")
            if arguments.archive:  # each article once across the archive's runs and chunks
                crawler.settings.set("MADAR_EMIT_KNOWN", False, priority="spider")
        # Offsite filtering (also of redirects) by Scrapy's own middleware; the port is
        # checked by same_host() on every link we follow.
        spider.allowed_domains = [parts.hostname]
        settings = crawler.settings
        spider.max_related_per_page = settings.getint("MADAR_MAX_RELATED_PER_PAGE", 20)
        hard_cap = settings.getint("MADAR_MAX_LISTING_PAGES", 5000)
        spider.max_pages = hard_cap if spider.max_pages is None else min(spider.max_pages,
                                                                         hard_cap)
        spider.incremental = IncrementalPolicy.from_crawler(crawler, arguments.incremental)
        spider.memory = spider.incremental
        if spider.archive:
            spider.memory = spider.incremental or IncrementalPolicy.from_crawler(crawler, True)
            jobdir = settings.get("JOBDIR")
            spider.refill = bool(jobdir) and not spider._jobdir_resumable(jobdir)
        if arguments.max_articles is not None:
            crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
            crawler.signals.connect(spider._item_dropped, signal=signals.item_error)
        return spider

    # --- JOBDIR --------------------------------------------------------------------------

    #: Left in JOBDIR by a graceful stop (Ctrl-C, SIGTERM, a close-spider limit): Scrapy then
    #: saved its queue and seen-set. A SIGKILL leaves neither whole (both are written at
    #: close), so without this mark archive mode walks its sources again, skipping what the
    #: memory stored: only the pages in flight at the kill are fetched twice.
    PAUSED_MARK = "madar-archive-paused"

    def _jobdir_resumable(self, jobdir: str) -> bool:
        mark = Path(jobdir, self.PAUSED_MARK)
        paused = mark.exists()
        mark.unlink(missing_ok=True)  # a kill during this run must not find it
        return paused

    def closed(self, reason: str) -> None:
        jobdir = self.settings.get("JOBDIR") if self.archive else None
        if jobdir and reason != "finished":
            Path(jobdir).mkdir(parents=True, exist_ok=True)
            Path(jobdir, self.PAUSED_MARK).write_text(reason, encoding="utf-8")

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._start_requests():
            yield request

    @property
    def reads_sitemaps(self) -> bool:
        """Archive runs walk every post sitemap; incremental runs the newest ones."""
        return self.archive or self.incremental is not None

    def _start_requests(self) -> Iterator[scrapy.Request]:
        if not self.reads_sitemaps:
            yield from self._navigation()
            return
        yield scrapy.Request(self.base_url + "/robots.txt", callback=self.parse_robots,
                             errback=self._robots_failed, priority=20,
                             dont_filter=self.refill)
        if self.incremental is not None and not self.window.bounded:
            yield scrapy.Request(self.base_url + "/feed/", callback=self.parse_feed,
                                 priority=15, dont_filter=self.refill)
        # the home page follows once the sitemaps are read (``_sitemap_done``)

    def _navigation(self) -> Iterator[scrapy.Request]:
        """The home page, which starts the listing walk and the boxes; once per run, and
        never in a dated chunk of the archive (the sitemaps' alone)."""
        if not self.window.bounded and not self._navigating:
            self._navigating = True
            yield scrapy.Request(self.base_url + "/", callback=self.parse_home, priority=10,
                                 dont_filter=self.refill)

    # --- the main feed and the sitemaps -----------------------------------------------------

    def parse_feed(self, response: Response):
        """The RSS feed's latest posts (``<item><link>``), read with Scrapy's feed iterator."""
        try:
            links = [item.xpath("link/text()").get() for item in xmliter_lxml(response, "item")]
        except Exception:
            self._broken(response)
            return
        yield from self._article_requests([link for link in links if link], depth=0,
                                          source="feed")

    def parse_robots(self, response: Response):
        """The sitemaps robots.txt names, else WordPress's usual index paths in turn."""
        named = [url for url in sitemap_urls_from_robots(response.body, base_url=response.url)
                 if same_host(url, self.base_url)]
        walked = [url for url in named if archive_rules.follows(url)]
        self._count_archive("sitemaps_skipped", len(named) - len(walked))
        if walked:
            yield from self._sitemap_requests(walked)
        else:
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
        """After each sitemap answer: once none is pending, the navigation starts, so the
        listing walk stops at its first page that adds nothing to the sitemaps' frontier."""
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
        yield from self._read_sitemap(response, fallbacks)
        yield from self._sitemap_done()

    def _read_sitemap(self, response: Response, fallbacks: list[str] | None):
        body = self._sitemap_body(response)
        sitemap = Sitemap(body) if body else None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self._count_archive("sitemaps_invalid")
            self.logger.warning("Not a sitemap: %s", response.url)
            if fallbacks is not None:
                yield from self._fallback_index(fallbacks)
            return
        self._count_archive("sitemaps")
        if sitemap.type == "sitemapindex":
            followed = []
            for entry in sitemap:
                url = urljoin(response.url, entry["loc"])
                if same_host(url, self.base_url) and archive_rules.follows(url):
                    followed.append((url, entry.get("lastmod")))
                else:
                    self._count_archive("sitemaps_skipped")
            yield from self._sitemap_requests(self._sitemaps_to_read(followed))
            return
        listed = 0
        self._post_sitemaps_read += 1
        for entry in sitemap:
            url = urljoin(response.url, entry["loc"])
            day = archive_rules.entry_day(entry)
            if day is not None and not self.window.contains(day):
                self._count_archive("outside_window")
                continue
            listed += 1
            yield from self._article_requests([url], depth=0, source="sitemap",
                                              check_window=day is None,
                                              lastmod=entry.get("lastmod") or None)
        self.logger.info("Sitemap %s: %d article URL(s)", response.url, listed)

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
        """The XML of a sitemap response, gunzipped for ``.xml.gz`` (bounded in size)."""
        if gzip_magic_number(response):
            try:
                return gunzip(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:
                return None
        return response.body if response.status == 200 and response.body else None

    # --- listings ------------------------------------------------------------------------

    def parse_home(self, response: Response):
        if not self._usable(response):
            return
        if self._needs_render(response):
            yield self._render(response, self.parse_home)
            return
        try:
            page = ListingPage(response.url, response.text)
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
                                 cb_kwargs={"page_number": page_number}, priority=5,
                                 dont_filter=self.refill)

    def _older_than_since(self, published: str | None) -> bool:
        if self.since is None or not published:
            return False
        try:
            return dt.date.fromisoformat(published[:10]) < self.since
        except ValueError:
            return False

    # --- articles ------------------------------------------------------------------------

    def parse_article(self, response: Response, depth: int, check_window: bool = False):
        if self.archive:
            self._count_archive("done")
        if not self._usable(response):
            return
        if self._needs_render(response):
            yield self._render(response, self.parse_article)
            return
        try:
            page = article_page_for(response.url, response.text,
                                    fetched_at=fetched_at(response))
            if page is None:
                self._count("not_article")
                return
            item = page.to_item()
            related, related_dates = page.related_urls(), page.related_dates()
        except Exception:
            self._broken(response)
            return
        if check_window and not self.window.admits_published(item.published):
            self._count_archive("outside_window")
            return
        # madar/fields/<field>/<theme|metadata|none>: read by the theme-change alarm
        count_field_sources(self.crawler.stats, page.field_sources)
        if not self.archive and self._older_than_since(item.published):
            # Out of the output and of the frontier: its links lead further back in time.
            self.crawler.stats.inc_value("madar/since/articles_skipped")
            return
        if self._cap_reached():
            return
        self._items_yielded += 1
        yield item
        if self.window.bounded:  # a dated chunk follows no box: they lead out of it
            return
        if self.related_depth is None or depth < self.related_depth:
            yield from self._article_requests(related[: self.max_related_per_page],
                                              depth=depth + 1, source="related",
                                              dates=related_dates)

    def _cap_reached(self) -> bool:
        """``max_articles`` items emitted or on their way through the pipelines: yield and
        request no more. (Scrapy's CloseSpider extension, ``CLOSESPIDER_ITEMCOUNT``, closes
        the spider once they are scraped; items dropped on the way free their place.)"""
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
        for url in urls:
            url = urljoin(self.base_url, url)
            if not same_host(url, self.base_url) or not is_article_candidate(url):
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

    def _count_archive(self, key: str, count: int = 1) -> None:
        if count:
            self.crawler.stats.inc_value(f"madar/archive/{key}", count)
