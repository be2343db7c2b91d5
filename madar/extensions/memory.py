"""The crawl holds its site's memory alone: a second crawl of the same site refuses to run.

Two Scrapyd jobs (or a job and a cron run) crawling one site at once would write one SQLite
memory concurrently and emit the same new article twice. When the spider opens,
:class:`SiteMemoryLock` takes ``<site dir>/crawl.lock`` (:mod:`madar.state.lock`); when
another crawl holds it, it logs one ERROR line naming the holder, records it
(``madar/memory/busy``) and closes the spider with finish reason ``memory_busy`` before a
page is fetched: the ``crawl`` command and cron exit 1 with that line. In Redis mode the
memory is shared by design (atomic writes): no lock.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from madar.state import redis_url_of, state_dir
from madar.state.lock import MemoryBusy, acquire

logger = logging.getLogger(__name__)

CLOSE_REASON = "memory_busy"
STATS_KEY = "madar/memory/busy"


class SiteMemoryLock:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._handle: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteMemoryLock:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any = None) -> None:
        settings = self.crawler.settings
        if redis_url_of(settings):
            return
        try:
            self._handle = acquire(state_dir(settings))
        except MemoryBusy as busy:
            self.crawler.stats.set_value(STATS_KEY, str(busy))
            logger.error("%s: not crawling (finish reason %r)", busy, CLOSE_REASON)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))

    def spider_closed(self, spider: Any = None) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
