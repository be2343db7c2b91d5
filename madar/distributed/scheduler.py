"""scrapy-redis' scheduler, queue and dupefilter, made to share one crawl between workers:
keys per site, Redis steps that a dying worker cannot split (:mod:`.coordination`), and
nothing flushed when a worker closes."""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from madar.distributed.coordination import CrawlKeys, SharedCrawl
from madar.feeds import worker_id
from madar.urls import is_article_candidate

logger = logging.getLogger(__name__)


class SharedDupeFilter(RFPDupeFilter):
    """Fingerprints from the crawler's ``REQUEST_FINGERPRINTER`` (scrapy-redis hashes its own
    JSON), in two scopes: articles across runs, home and listings for this run only."""

    def __init__(self, server: Any, keys: CrawlKeys, fingerprinter: Any, debug: bool = False,
                 remember_articles: bool = True) -> None:
        super().__init__(server, key=keys.seen_articles, debug=debug)
        self.keys = keys
        self.fingerprinter = fingerprinter
        self.remember_articles = remember_articles

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def key_for(self, request: Request) -> str:
        if self.remember_articles and is_article_candidate(request.url):
            return self.keys.seen_articles
        return self.keys.seen_this_run

    def request_seen(self, request: Request) -> bool:
        return self.server.sadd(self.key_for(request), self.request_fingerprint(request)) == 0

    def mark_failed(self, request: Request) -> bool:
        """This article's fetch failed for good: the next run fetches it again (this one does
        not, however often it is linked). True if it was an article fingerprint."""
        if self.key_for(request) != self.keys.seen_articles:
            return False  # listings are walked again by every run anyway
        self.server.sadd(self.keys.failed_articles, self.request_fingerprint(request))
        return True

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: the other workers and later runs share them."""


def enqueue(crawl: SharedCrawl, dupefilter: SharedDupeFilter, queue: PriorityQueue,
            request: Request) -> bool:
    """Queue ``request`` unless the shared dupefilter has seen it (one Redis step)."""
    if request.dont_filter:
        queue.push(request)
        return True
    return crawl.add_unseen(dupefilter.key_for(request), dupefilter.request_fingerprint(request),
                            -request.priority, queue._encode_request(request))


class SharedScheduler(Scheduler):
    crawl: SharedCrawl
    taken: Request | None = None  # popped by take(), not yet asked for by the engine

    def open(self, spider: Any) -> None:
        self.spider = spider
        crawler, settings = spider.crawler, spider.crawler.settings
        keys = CrawlKeys.for_base_url(spider.base_url, settings.get("MADAR_REDIS_CRAWL_PREFIX"))
        ttl = settings.getfloat("MADAR_REDIS_HEARTBEAT_TTL")
        self.crawl = SharedCrawl(self.server, keys, worker_id(), ttl=ttl)
        fresh = self.crawl.join()
        self.queue = PriorityQueue(self.server, spider, keys.queue, self.serializer)
        self.df = SharedDupeFilter(self.server, keys, crawler.request_fingerprinter,
                                   debug=settings.getbool("DUPEFILTER_DEBUG"),
                                   remember_articles=settings.getbool("MADAR_REDIS_REMEMBER_ARTICLES"))
        spider.logger.info("Shared crawl %s, worker %s: %s", keys.prefix, self.crawl.worker,
                           "new run" if fresh else f"joining ({len(self.queue)} requests queued)")
        self.stats.set_value("madar/distributed/worker", self.crawl.worker)
        self.stats.set_value("madar/distributed/new_run", fresh)

    def has_pending_requests(self) -> bool:
        """This worker's own requests only: the shared queue is everybody's, and the worker
        extension decides when the shared crawl is over. So ``engine.spider_is_idle()`` says
        whether this worker holds anything."""
        return self.taken is not None

    def take(self) -> Request | None:
        """Pop the next request now, for ``engine.crawl()``: that wakes an idle engine at once
        (it asks an idle scheduler only every 5 s), and :meth:`enqueue_request` keeps it."""
        self.taken = self.next_request()
        return self.taken

    def enqueue_request(self, request: Request) -> bool:
        if request is self.taken:  # out of the shared queue already
            return True
        try:
            queued = enqueue(self.crawl, self.df, self.queue, request)
        except redis.RedisError as error:
            # dropped (Scrapy's request_dropped), never raised into the engine: an exception
            # there ends the task that hands this page's requests over, and the page never
            # finishes, so the crawl could not close; the worker stops on its own once Redis
            # stays away (the heartbeat's TTL), and the run fails
            self.stats.inc_value("madar/distributed/enqueue_failed")
            logger.warning("Redis unreachable, request not shared: %s (%s)", request.url, error)
            return False
        if not queued:
            self.df.log(request, self.spider)
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.taken is not None:
            request, self.taken = self.taken, None
            return request
        data = self.crawl.pop()
        if not data:
            return None
        request = self.queue._decode_request(data)
        self.crawl.hold(request, data)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def close(self, reason: str) -> None:
        if self.taken is not None:  # the engine closed before asking for it
            self.queue.push(self.taken)
        self.crawl.leave()
