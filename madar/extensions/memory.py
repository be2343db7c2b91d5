"""One crawl at a time per site memory: a second crawl of the same site (two Scrapyd jobs, a
job and a cron run) ends before fetching a page, finish reason ``memory_busy``, with one
ERROR line naming the holder (:func:`madar.state.acquire`). Redis memories are shared by design."""

from __future__ import annotations

import logging
from typing import IO, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from madar.state import MemoryBusy, acquire, redis_url_of, state_dir

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

    def spider_opened(self) -> None:
        settings = self.crawler.settings
        if redis_url_of(settings):
            return
        try:
            self._handle = acquire(state_dir(settings))
        except MemoryBusy as busy:
            self.crawler.stats.set_value(STATS_KEY, str(busy))
            logger.error("%s: not crawling (finish reason %r)", busy, CLOSE_REASON)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))

    def spider_closed(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
