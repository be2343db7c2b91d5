"""The shared scheduler: scrapy-redis' ``Scheduler`` with the crawl's keys and worker
coordination.

What it changes in ``scrapy_redis.scheduler.Scheduler`` (0.9.1):

- the keys come from the spider's base URL (:mod:`madar.distributed.keys`), not only from
  the spider name, so crawls of different sites do not share a queue;
- ``open()`` registers the worker (:meth:`SharedCrawl.join`) *before* the spider's start
  requests are scheduled: the first worker of a new run forgets the previous run's listing
  fingerprints, later workers find the home page already seen and do not fetch it again;
- popping a request also marks the worker busy and records the request in flight, in one
  Redis script (see :mod:`madar.distributed.coordination`), so no other worker closes in
  between, and the request is queued again if this worker dies holding it;
- checking the dupefilter and queueing a request are one Redis script (one round trip, and
  no request can end up seen but not queued);
- the queue is always persisted (``close()`` never flushes it): one worker stopping must not
  drop the requests the others still need. ``python -m madar.distributed reset`` clears it;
- ``enqueue_request``/``next_request`` count stats without the ``spider`` argument, which
  Scrapy 2.19 deprecates (scrapy-redis 0.9.1 still passes it: one warning per run).
"""

from __future__ import annotations

from typing import Any

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from madar.distributed.coordination import SharedCrawl
from madar.distributed.dupefilter import SharedDupeFilter, crawl_keys_for
from madar.distributed.engine import in_progress
from madar.feeds import worker_id


class SharedQueue(PriorityQueue):
    """scrapy-redis' priority queue (a sorted set, score = -priority) whose ``pop`` goes
    through :meth:`SharedCrawl.pop`."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None,
                 crawl: SharedCrawl | None = None, engine: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.crawl = crawl
        self.engine = engine

    def encode(self, request: Any) -> bytes:
        return self._encode_request(request)

    def pop(self, timeout: float = 0) -> Any:
        if self.crawl is None:
            return super().pop(timeout)
        data = self.crawl.pop(in_progress(self.engine) if self.engine is not None else None)
        if not data:
            return None
        request = self._decode_request(data)
        self.crawl.hold(request, data)
        return request


def enqueue(crawl: SharedCrawl, dupefilter: SharedDupeFilter, queue: SharedQueue,
            request: Any) -> bool:
    """Queue ``request`` unless the shared dupefilter has seen it (one Redis script)."""
    if request.dont_filter:
        queue.push(request)
        return True
    return crawl.add_unseen(dupefilter.key_for(request), dupefilter.request_fingerprint(request),
                            -request.priority, queue.encode(request))


def heartbeat_ttl(settings: Any) -> float:
    return settings.getfloat("MADAR_REDIS_HEARTBEAT_TTL", 20.0)


class SharedScheduler(Scheduler):
    crawl: SharedCrawl
    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    @classmethod
    def from_settings(cls, settings: Any) -> SharedScheduler:
        scheduler = super().from_settings(settings)
        scheduler.persist = True
        scheduler.flush_on_start = False
        scheduler.ttl = heartbeat_ttl(settings)
        return scheduler

    def open(self, spider: Any) -> None:
        self.spider = spider
        keys = crawl_keys_for(spider)
        self.crawl = SharedCrawl(self.server, keys, worker_id(), ttl=self.ttl)
        fresh = self.crawl.join()
        engine = self.crawler.engine if self.crawler is not None else None
        self.queue = SharedQueue(self.server, spider, keys.queue, self.serializer,
                                 crawl=self.crawl, engine=engine)
        self.df = SharedDupeFilter.from_spider(spider)
        queued = len(self.queue)
        spider.logger.info(
            "Shared crawl %s, worker %s: %s", keys.prefix, self.crawl.worker,
            "new run" if fresh else f"joining ({queued} requests queued)")
        if self.stats is not None:
            self.stats.set_value("madar/distributed/worker", self.crawl.worker)
            self.stats.set_value("madar/distributed/new_run", fresh)

    def enqueue_request(self, request: Any) -> bool:
        if not enqueue(self.crawl, self.df, self.queue, request):
            self.df.log(request, self.spider)
            return False
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        request = self.queue.pop()
        if request is not None and self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def close(self, reason: str) -> None:
        self.crawl.leave()
