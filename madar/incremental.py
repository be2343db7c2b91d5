"""Incremental crawls: fetch only articles the corpus does not know, stop paginating early.

The memory is the dedup store (:mod:`madar.state`): a URL is *known* once the dedup pipeline
has seen an article under it (kept, revised or dropped as a duplicate). The spider asks the
policy two questions:

- :meth:`IncrementalPolicy.is_known` before requesting an article (listing entries, home
  page links, related links): known articles are not fetched again;
- :meth:`IncrementalPolicy.should_stop` after each listing page: once ``margin_pages``
  consecutive listing pages hold only known articles, pagination stops. The listing is
  newest-first, so everything further down was seen by an earlier *complete* run.

That last premise fails after a run that did not complete (killed, crashed): the cron entry
point then turns on ``catch_up``, which keeps the filtering but walks the whole listing, so
the articles the broken run never reached are fetched now.

Some article URLs never give an item (not an article after all, dropped as invalid, gone,
failing with 5xx). The dedup store does not know them, so without more memory every run
would fetch them again, and a listing page holding one would never count as known. The
:class:`FetchedLog` (``<MADAR_STATE_DIR>/incremental.sqlite3``) remembers the article URLs a
*completed* run fetched, with their status: those count as known too (2xx/3xx always; 5xx
for ``MADAR_INCREMENTAL_RETRY_FAILED_HOURS``, default 24; 4xx never). A killed run records
nothing there, so nothing it fetched is skipped by mistake (the next run fetches it again;
the dedup store keeps the feed free of repeats).

Settings: ``MADAR_INCREMENTAL`` (bool, default off; spider argument ``-a incremental=1``
overrides), ``MADAR_INCREMENTAL_MARGIN_PAGES`` (default 1), ``MADAR_INCREMENTAL_CATCH_UP``
(default off), ``MADAR_INCREMENTAL_RETRY_FAILED_HOURS`` (default 24). Stats:
``madar/incremental/known_at_start``, ``…/skipped_known``, ``…/stopped_at_page``,
``…/catch_up``, ``…/remembered``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from madar.urls import canonical_url, is_article_candidate, post_id_from_shortlink

logger = logging.getLogger(__name__)

STATS_PREFIX = "madar/incremental"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def parse_flag(value: Any, default: bool = False) -> bool:
    """A spider argument or setting as a bool (``"1"``, ``"true"``, ``True`` …)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


class IncrementalPolicy:
    """Which listed articles to fetch, and when to stop walking the listing."""

    def __init__(
        self,
        knows_url: Callable[[str], bool],
        *,
        margin_pages: int = 1,
        catch_up: bool = False,
        stats: Any = None,
    ) -> None:
        if margin_pages < 1:
            raise ValueError(f"margin_pages must be >= 1, got {margin_pages}")
        self._knows_url = knows_url
        self.margin_pages = margin_pages
        self.catch_up = catch_up
        self.stats = stats
        self._known_pages_in_a_row = 0
        #: URLs this run fetches: known by the end of the run, but not *before* it.
        self.seen_this_run: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, argument: Any = None) -> IncrementalPolicy | None:
        """The policy the settings (or the spider argument) ask for; ``None`` when off.

        The store is the dedup pipeline's own (same connection, so no second copy of the
        near-duplicate index in memory); without that pipeline one is opened here.
        """
        settings = crawler.settings
        if not parse_flag(argument, settings.getbool("MADAR_INCREMENTAL", False)):
            return None
        lookup = _StoreLookup(crawler)
        fetched = FetchedLog(
            Path(settings.get("MADAR_STATE_DIR") or ".madar-state"),
            retry_failed_after=settings.getfloat("MADAR_INCREMENTAL_RETRY_FAILED_HOURS",
                                                 24.0) * 3600)
        tracker = _FetchTracker(crawler, fetched)

        def knows_url(url: str) -> bool:
            return lookup.knows_url(url) or fetched.knows(url)

        stats = _CrawlerStats(crawler)
        policy = cls(
            knows_url,
            margin_pages=settings.getint("MADAR_INCREMENTAL_MARGIN_PAGES", 1),
            catch_up=settings.getbool("MADAR_INCREMENTAL_CATCH_UP", False),
            stats=stats,
        )
        tracker.seen_this_run = policy.seen_this_run
        from scrapy import signals

        def spider_opened(spider: Any = None) -> None:
            stats.set_value(f"{STATS_PREFIX}/enabled", 1)
            if policy.catch_up:
                stats.set_value(f"{STATS_PREFIX}/catch_up", 1)
            lookup.record_known_at_start()

        crawler.signals.connect(spider_opened, signal=signals.spider_opened, weak=False)
        return policy

    # --- the two questions -----------------------------------------------------------------

    def is_known(self, url: str) -> bool:
        """True when the corpus already has an article under *url* (absolute)."""
        url = canonical_url(url)
        known = self._knows_url(url)
        if known:
            self._inc("skipped_known")
        else:
            self.seen_this_run.add(url)
        return known

    def filter_new(self, urls: Iterable[str]) -> list[str]:
        """The URLs of *urls* the corpus does not know yet, in order."""
        return [url for url in urls if not self.is_known(url)]

    def should_stop(self, page_urls: Iterable[str], page_number: int | None = None) -> bool:
        """After a listing page: stop paginating? (*page_urls*: all its entries, absolute).

        A page counts as known when every entry was known *before this run*: an article this
        run fetched (through a related link, say) says nothing about older pages.
        """
        urls = [canonical_url(u) for u in page_urls]
        if urls and all(u not in self.seen_this_run and self._knows_url(u) for u in urls):
            self._known_pages_in_a_row += 1
        else:
            self._known_pages_in_a_row = 0
        if self.catch_up or self._known_pages_in_a_row < self.margin_pages:
            return False
        logger.info("Incremental: %d listing page(s) in a row hold only known articles; "
                    "stop paginating at page %s", self._known_pages_in_a_row, page_number)
        if self.stats is not None and page_number is not None:
            self.stats.set_value(f"{STATS_PREFIX}/stopped_at_page", page_number)
        return True

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"{STATS_PREFIX}/{key}")


class _CrawlerStats:
    """The crawler's stats, looked up when used: Scrapy sets them only when the crawl
    starts, after the spider (and this policy) is built."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    def inc_value(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)

    def set_value(self, key: str, value: Any) -> None:
        self.crawler.stats.set_value(key, value)


class _StoreLookup:
    """``knows_url`` over the dedup pipeline's store, found lazily (pipelines open first)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._store: Any = None
        self._own_store = False

    def _find_store(self) -> Any:
        from madar.extensions.durability import pipeline_store

        store = pipeline_store(self.crawler)
        return store if callable(getattr(store, "knows_url", None)) else None

    def knows_url(self, url: str) -> bool:
        store = self._find_store()  # the pipeline may close/reopen its store: ask each time
        if store is None:
            store = self._open_own_store()
        if store.knows_url(url):
            return True
        # A shortlink (/?p=ID) is known when its post id is: its redirect target is.
        post_id = post_id_from_shortlink(url)
        return post_id is not None and store.lookup_post_id(post_id) is not None

    def record_known_at_start(self, spider: Any = None) -> None:
        """How many articles the corpus held when the run began (0: a first run)."""
        store = self._find_store() or self._open_own_store()
        self.crawler.stats.set_value(f"{STATS_PREFIX}/known_at_start", store.count())

    def _open_own_store(self) -> Any:
        if self._store is None:
            from scrapy import signals

            from madar.state import open_store

            self._store = open_store(self.crawler.settings)
            self._own_store = True
            self.crawler.signals.connect(self._close, signal=signals.spider_closed, weak=False)
        return self._store

    def _close(self, spider: Any = None) -> None:
        if self._store is not None and self._own_store:
            self._store.close()
            self._store = None


class FetchedLog:
    """Article URLs fetched by completed runs, with the HTTP status they answered."""

    FILENAME = "incremental.sqlite3"

    def __init__(self, state_dir: Path, *, retry_failed_after: float = 24 * 3600) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / self.FILENAME
        self.retry_failed_after = retry_failed_after
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("CREATE TABLE IF NOT EXISTS fetched (url TEXT PRIMARY KEY, "
                         "status INTEGER NOT NULL, fetched_at REAL NOT NULL)")

    def knows(self, url: str) -> bool:
        row = self._db.execute("SELECT status, fetched_at FROM fetched WHERE url = ?",
                               (canonical_url(url),)).fetchone()
        if row is None:
            return False
        status, fetched_at = row
        if status < 400:  # fetched fine, gave no item: not an article, or invalid
            return True
        # A server error may heal: skip only for a while. A 4xx is not remembered (a link
        # to a not-yet-published post may go live; listings rarely hold dead links).
        return status >= 500 and time.time() - fetched_at < self.retry_failed_after

    def record(self, statuses: dict[str, int]) -> None:
        """Remember ``{url: status}`` in one transaction (call after a completed run)."""
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO fetched (url, status, fetched_at) VALUES (?, ?, ?)",
                [(canonical_url(url), status, now) for url, status in statuses.items()])

    def close(self) -> None:
        self._db.close()


class _FetchTracker:
    """Collect the final status of article requests; hand them to the log on a clean finish."""

    def __init__(self, crawler: Any, log: FetchedLog) -> None:
        from scrapy import signals

        self.crawler = crawler
        self.log = log
        self.statuses: dict[str, int] = {}
        self.seen_this_run: set[str] = set()
        crawler.signals.connect(self.response_received, signal=signals.response_received,
                                weak=False)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed, weak=False)

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        for url in [*request.meta.get("redirect_urls", ()), request.url, response.url]:
            if is_article_candidate(url):
                self.statuses[url] = response.status
                self.seen_this_run.add(canonical_url(url))

    def spider_closed(self, spider: Any = None, reason: str = "") -> None:
        try:
            if reason == "finished" and self.statuses:
                self.log.record(self.statuses)
                self.crawler.stats.set_value(f"{STATS_PREFIX}/remembered", len(self.statuses))
        finally:
            self.log.close()
