"""Incremental crawls: fetch only articles the memory does not know, stop paginating early.

Known: the dedup store holds an article or duplicate under the URL, or a completed run
fetched it without an item (:class:`~madar.state.FetchedLog`, which also keeps each
article's sitemap ``<lastmod>``: a known article whose lastmod moved is fetched again).
docs/operations.md, docs/archive.md; stats ``madar/incremental/*``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scrapy import signals

from madar.state import FetchedLog, open_store, state_dir
from madar.text.dates import as_utc
from madar.urls import canonical_url, is_article_candidate, post_id_from_shortlink

logger = logging.getLogger(__name__)

STATS_PREFIX = "madar/incremental"
#: Request meta key: the sitemap ``<lastmod>`` an article request was made for.
LASTMOD_META = "madar_lastmod"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def parse_flag(value: Any, default: bool = False) -> bool:
    """A spider argument or setting as a bool (``"1"``, ``"true"``, ``True`` …)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"not a yes/no value: {value!r}")
    return text in TRUE_WORDS


class IncrementalPolicy:
    """Which listed articles to fetch, and when to stop walking the listing."""

    def __init__(self, knows_url: Callable[[str], bool], *, margin_pages: int = 1,
                 catch_up: bool = False, stats: Any = None) -> None:
        if margin_pages < 1:
            raise ValueError(f"margin_pages must be >= 1, got {margin_pages}")
        self._knows_url = knows_url
        self.margin_pages = margin_pages
        self.catch_up = catch_up
        self.stats = stats
        self._known_pages_in_a_row = 0
        #: URLs this run fetches: known by the end of the run, but not *before* it.
        self.seen_this_run: set[str] = set()
        #: the recorded lastmods (set when the crawl opens) and this run's new ones
        self.lastmods: FetchedLog | None = None
        self.new_lastmods: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, argument: Any = None) -> IncrementalPolicy | None:
        """The policy the settings (or the spider argument) ask for; ``None`` when off."""
        settings = crawler.settings
        if not parse_flag(argument, settings.getbool("MADAR_INCREMENTAL")):
            return None
        memory = _Memory(crawler)
        memory.policy = cls(memory.knows_url,
                            margin_pages=settings.getint("MADAR_INCREMENTAL_MARGIN_PAGES"),
                            catch_up=settings.getbool("MADAR_INCREMENTAL_CATCH_UP"))
        return memory.policy

    def is_known(self, url: str, lastmod: str | None = None) -> bool:
        """True when the corpus already has an article under *url* (absolute) and, given
        the sitemap's *lastmod*, that has not moved since (else the article changed)."""
        url = canonical_url(url)
        known = self._knows_url(url)
        if known and lastmod and self.lastmod_moved(url, lastmod):
            known = False
        if known:
            self._inc("skipped_known")
        else:
            self.seen_this_run.add(url)
        return known

    def lastmod_moved(self, url: str, lastmod: str) -> bool:
        """Has a known article's sitemap ``lastmod`` moved since a completed run saw it?
        The first one seen is taken as it is (nothing to compare with) and remembered."""
        url = canonical_url(url)
        recorded = self.lastmods.lastmod(url) if self.lastmods is not None else None
        if recorded is None:
            self.new_lastmods.setdefault(url, lastmod)
            return False
        moved = (as_utc(lastmod) or lastmod) != (as_utc(recorded) or recorded)
        if moved:
            self._inc("changed")
        return moved

    def note_lastmod(self, url: str, lastmod: str) -> None:
        """The sitemap's lastmod of an article this run requested through another source."""
        self.new_lastmods[canonical_url(url)] = lastmod

    def newest_lastmod(self) -> dt.datetime | None:
        """The latest lastmod a completed run recorded (None before any)."""
        return self.lastmods.newest_lastmod() if self.lastmods is not None else None

    def should_stop(self, page_urls: Iterable[str], page_number: int | None = None) -> bool:
        """After a listing page (*page_urls*: all its entries): stop paginating? A page counts
        when each entry was known *before this run*: this run's fetches say nothing of older
        pages."""
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


class _Memory:
    """What earlier runs saw: the dedup store (its own connection sees what the pipeline
    committed, i.e. what the feeds hold) and the :class:`FetchedLog`, which learns this
    run's article fetches on a clean finish."""

    policy: IncrementalPolicy

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.store: Any = None
        self.fetched: FetchedLog | None = None
        self.statuses: dict[str, int] = {}
        for handler, signal in ((self.spider_opened, signals.spider_opened),
                                (self.response_received, signals.response_received),
                                (self.spider_closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal, weak=False)

    def spider_opened(self, spider: Any = None) -> None:
        settings, stats = self.crawler.settings, self.crawler.stats
        self.store = open_store(settings)
        self.fetched = FetchedLog(Path(state_dir(settings)), retry_failed_after=3600
                                  * settings.getfloat("MADAR_INCREMENTAL_RETRY_FAILED_HOURS"))
        self.policy.stats = stats
        self.policy.lastmods = self.fetched
        stats.set_value(f"{STATS_PREFIX}/enabled", 1)
        if self.policy.catch_up:
            stats.set_value(f"{STATS_PREFIX}/catch_up", 1)
        stats.set_value(f"{STATS_PREFIX}/known_at_start", self.store.count())

    def knows_url(self, url: str) -> bool:
        assert self.store is not None and self.fetched is not None, "asked before spider_opened"
        if self.store.knows_url(url) or self.fetched.knows(url):
            return True
        # A shortlink (/?p=ID) is known when its post id is: its redirect target is.
        post_id = post_id_from_shortlink(url)
        return post_id is not None and self.store.lookup_post_id(post_id) is not None

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        for url in [*request.meta.get("redirect_urls", ()), request.url, response.url]:
            if is_article_candidate(url):
                self.statuses[url] = response.status
                self.policy.seen_this_run.add(canonical_url(url))
        lastmod = request.meta.get(LASTMOD_META)
        if lastmod and response.status < 300:  # the lastmod of a page that answered
            self.policy.new_lastmods[canonical_url(request.url)] = lastmod

    def spider_closed(self, spider: Any = None, reason: str = "") -> None:
        if self.fetched is not None:
            if reason == "finished" and (self.statuses or self.policy.new_lastmods):
                self.fetched.record(self.statuses, self.policy.new_lastmods)
                self.crawler.stats.set_value(f"{STATS_PREFIX}/remembered", len(self.statuses))
            self.fetched.close()
        if self.store is not None:
            self.store.close()
