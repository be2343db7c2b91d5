"""Incremental crawls: fetch only articles the corpus does not know, stop paginating early.

The memory is the dedup store (:mod:`madar.state`): a URL is *known* once the dedup pipeline
has seen an article under it (kept, revised or dropped as a duplicate). The spider asks the
policy two questions:

- :meth:`IncrementalPolicy.is_known` before requesting an article (listing entries, home
  page links, related links): known articles are not fetched again;
- :meth:`IncrementalPolicy.should_stop` after each listing page: once ``margin_pages``
  consecutive listing pages hold only known articles, pagination stops. The listing is
  newest-first, so everything further down was seen by an earlier *complete* run.

That last premise fails after a run that did not complete (killed, crashed, errors): the
cron entry point then turns on ``catch_up``, which keeps the filtering but walks the whole
listing, so the articles the broken run never reached are fetched now.

Settings: ``MADAR_INCREMENTAL`` (bool, default off; spider argument ``-a incremental=1``
overrides), ``MADAR_INCREMENTAL_MARGIN_PAGES`` (default 1), ``MADAR_INCREMENTAL_CATCH_UP``
(default off). Stats: ``madar/incremental/known_at_start``, ``…/skipped_known``,
``…/stopped_at_page``, ``…/catch_up``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from madar.urls import canonical_url

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
        policy = cls(
            lookup.knows_url,
            margin_pages=settings.getint("MADAR_INCREMENTAL_MARGIN_PAGES", 1),
            catch_up=settings.getbool("MADAR_INCREMENTAL_CATCH_UP", False),
            stats=crawler.stats,
        )
        crawler.stats.set_value(f"{STATS_PREFIX}/enabled", 1)
        from scrapy import signals

        crawler.signals.connect(lookup.record_known_at_start, signal=signals.spider_opened)
        if policy.catch_up:
            crawler.stats.set_value(f"{STATS_PREFIX}/catch_up", 1)
        return policy

    # --- the two questions -----------------------------------------------------------------

    def is_known(self, url: str) -> bool:
        """True when the corpus already has an article under *url* (absolute)."""
        known = self._knows_url(canonical_url(url))
        if known:
            self._inc("skipped_known")
        return known

    def filter_new(self, urls: Iterable[str]) -> list[str]:
        """The URLs of *urls* the corpus does not know yet, in order."""
        return [url for url in urls if not self.is_known(url)]

    def should_stop(self, page_urls: Iterable[str], page_number: int | None = None) -> bool:
        """After a listing page: stop paginating? (*page_urls*: all its entries, absolute)."""
        urls = list(page_urls)
        if urls and all(self._knows_url(canonical_url(u)) for u in urls):
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


class _StoreLookup:
    """``knows_url`` over the dedup pipeline's store, found lazily (pipelines open first)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._store: Any = None
        self._own_store = False

    def _find_store(self) -> Any:
        engine = getattr(self.crawler, "engine", None)
        itemproc = getattr(getattr(engine, "scraper", None), "itemproc", None)
        for component in getattr(itemproc, "middlewares", ()):
            store = getattr(component, "store", None)
            if store is not None and callable(getattr(store, "knows_url", None)):
                return store
        return None

    def knows_url(self, url: str) -> bool:
        store = self._find_store()  # the pipeline may close/reopen its store: ask each time
        if store is None:
            store = self._open_own_store()
        return bool(store.knows_url(url))

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
            self.crawler.signals.connect(self._close, signal=signals.spider_closed)
        return self._store

    def _close(self, spider: Any = None) -> None:
        if self._store is not None and self._own_store:
            self._store.close()
            self._store = None
