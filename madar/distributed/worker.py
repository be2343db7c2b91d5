"""A worker of a shared crawl: its heartbeat, when it closes, and its failed articles."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)


def crawls_shared(crawler: Any, quiet: bool = False) -> bool:
    """Is the shared scheduler this crawl's? A project ``SCHEDULER`` wins over the add-on's;
    then this worker crawls alone and the worker components stay out."""
    from madar.distributed.scheduler import SharedScheduler

    scheduler = load_object(crawler.settings["SCHEDULER"])
    shared = isinstance(scheduler, type) and issubclass(scheduler, SharedScheduler)
    if not shared and not quiet:
        logger.warning("REDIS_URL is set but SCHEDULER is %s, not the shared scheduler: this "
                       "worker crawls alone", crawler.settings["SCHEDULER"])
    return shared


class DistributedWorker:
    """Closes the worker once nothing was queued and no worker busy for
    ``MADAR_REDIS_IDLE_CLOSE_SECONDS`` (not on an empty queue: another worker may be parsing a
    listing); its heartbeat also hands an idle engine new work at once."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.idle_close = settings.getfloat("MADAR_REDIS_IDLE_CLOSE_SECONDS")
        self.interval = settings.getfloat("MADAR_REDIS_HEARTBEAT_SECONDS")
        self.ttl = settings.getfloat("MADAR_REDIS_HEARTBEAT_TTL")
        if self.interval * 3 > self.ttl:
            raise ValueError("MADAR_REDIS_HEARTBEAT_TTL must be at least 3 heartbeats long")
        self.quiet_since: float | None = None
        self.failing_since: float | None = None
        self.loop = create_looping_call(self.beat)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedWorker:
        if not crawls_shared(crawler):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.scheduler = self.crawler.engine.scheduler
        self.loop.start(self.interval, now=False)

    def spider_idle(self, spider: Any) -> None:
        raise DontCloseSpider  # beat() closes the worker when the shared crawl is over

    def beat(self) -> None:
        engine = self.crawler.engine
        busy = not engine.spider_is_idle()
        try:
            status = self.scheduler.crawl.heartbeat(busy)
            wanted = not busy and status.queued and not engine.needs_backout()
            request = self.scheduler.take() if wanted else None
        except Exception:  # a Redis hiccup must not stop the heartbeat: retry next beat
            logger.exception("Heartbeat to Redis failed")
            self._unreachable_for(time.monotonic())
            return
        self.failing_since = None
        if status.requeued:
            logger.warning("Put back %d requests held by a worker that stopped responding",
                           status.requeued)
        if request is not None:
            engine.crawl(request)
        if not status.quiet:
            self.quiet_since = None
        elif self.quiet_since is None:
            self.quiet_since = time.monotonic()
            logger.info("Shared queue empty and no worker busy (%d live); closing in %.1fs "
                        "unless work appears", status.live_workers, self.idle_close)
        elif time.monotonic() - self.quiet_since >= self.idle_close:
            logger.info("Shared crawl %s is finished", self.scheduler.crawl.keys.prefix)
            self.loop.stop()
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    def _unreachable_for(self, now: float) -> None:
        """Past the heartbeat TTL the other workers count this one dead and re-queue what it
        holds: going on would only fetch twice, so the worker stops and the run fails."""
        self.failing_since = self.failing_since or now
        if now - self.failing_since >= self.ttl:
            logger.error("Redis unreachable for %.0f s: stopping this worker", self.ttl)
            self.loop.stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(
                reason="redis_unreachable"))

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        self.crawler.stats.set_value("madar/distributed/requeued_from_dead_workers",
                                     self.scheduler.crawl.requeued)


class ForgetFailedRequests:
    """Downloader middleware (order 100: after RetryMiddleware gave up): an article whose fetch
    failed for good is fetched again by the next run, not by this one."""

    RETRY_LATER = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ForgetFailedRequests:
        if not crawls_shared(crawler, quiet=True):
            raise NotConfigured  # DistributedWorker says why, once
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Response:
        if response.status in self.RETRY_LATER:
            self._forget(request, str(response.status))
        return response

    def process_exception(self, request: Request, exception: Exception,
                          spider: Any = None) -> None:
        if not isinstance(exception, IgnoreRequest):
            self._forget(request, type(exception).__name__)

    def _forget(self, request: Request, why: str) -> None:
        if self.crawler.engine.scheduler.df.mark_failed(request):
            self.crawler.stats.inc_value(f"madar/distributed/retry_next_run/{why}")
