"""Keeps a worker of a shared crawl alive while the crawl is, and closes it when it is done.

A plain Scrapy worker closes as soon as its own scheduler is empty. In a shared crawl that
is wrong twice: a worker that starts while another one fetches the home page finds an empty
queue, and a worker that drains the queue while another is still parsing a listing page
(about to queue fifty articles) would leave the rest to the others. So on ``spider_idle`` it
waits while the shared queue holds requests or some worker is busy, and closes once nothing
was queued and nobody busy for ``MADAR_REDIS_IDLE_CLOSE_SECONDS``. A heartbeat keeps this
worker's liveness and busy flag and, while idle, wakes the engine at once (Scrapy re-checks
an idle scheduler only every 5 seconds).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

try:
    from scrapy.utils.asyncio import create_looping_call
except ImportError:  # Scrapy < 2.14
    from twisted.internet.task import LoopingCall as create_looping_call

from madar.distributed.coordination import CrawlStatus, SharedCrawl
from madar.distributed.engine import in_progress, locally_busy, scheduler_of, wake
from madar.distributed.scheduler import heartbeat_ttl

logger = logging.getLogger(__name__)


class DistributedWorker:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        self.crawler = crawler
        self.idle_close = settings.getfloat("MADAR_REDIS_IDLE_CLOSE_SECONDS", 5.0)
        self.interval = settings.getfloat("MADAR_REDIS_HEARTBEAT_SECONDS", 0.5)
        self.ttl = heartbeat_ttl(settings)
        if self.interval * 3 > self.ttl:
            raise ValueError("MADAR_REDIS_HEARTBEAT_TTL must be at least 3 heartbeats long")
        self.crawl: SharedCrawl | None = None
        self.quiet_since: float | None = None
        self.loop: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedWorker:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        scheduler = scheduler_of(self.crawler.engine)
        self.crawl = getattr(scheduler, "crawl", None)
        if self.crawl is None:
            logger.warning("REDIS_URL is set but SCHEDULER is %s, not the shared scheduler: "
                           "this worker crawls alone", type(scheduler).__name__)
            return
        self.loop = create_looping_call(self.beat)
        self.loop.start(self.interval, now=False)

    def beat(self) -> None:
        engine = self.crawler.engine
        try:
            busy = locally_busy(engine)
            status = self.crawl.heartbeat(busy, in_progress(engine))
        except Exception:  # Redis hiccup: keep the loop alive, retry next beat
            logger.exception("Heartbeat to Redis failed")
            return
        if status.requeued:
            logger.warning("Put back %d requests held by a worker that stopped responding",
                           status.requeued)
        if not busy:  # pull new work now, or let spider_idle re-check whether all is done
            wake(engine)

    def spider_idle(self, spider: Any) -> None:
        if self.crawl is None:
            return
        status: CrawlStatus = self.crawl.heartbeat(False, in_progress(self.crawler.engine))
        now = time.monotonic()
        if not status.quiet:
            self.quiet_since = None
            raise DontCloseSpider
        if self.quiet_since is None:
            self.quiet_since = now
            logger.info("Shared queue empty and no worker busy (%d live); closing in %.1fs "
                        "unless work appears", status.live_workers, self.idle_close)
        if now - self.quiet_since < self.idle_close:
            raise DontCloseSpider
        logger.info("Shared crawl %s is finished", self.crawl.keys.prefix)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.crawl is not None:
            self.crawler.stats.set_value("madar/distributed/requeued_from_dead_workers",
                                         self.crawl.requeued)
            self.crawl.leave()
