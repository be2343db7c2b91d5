"""Distributed mode: ``scrapy crawl madar`` workers share one crawl in Redis when ``REDIS_URL``
is set (docs/distributed.md)."""

from typing import Any

from madar.distributed.coordination import CrawlKeys, SharedCrawl
from madar.distributed.worker import DistributedWorker, ForgetFailedRequests

__all__ = ["CrawlKeys", "DistributedAddon", "SharedCrawl"]


class DistributedAddon:
    """The ``ADDONS`` entry. With ``REDIS_URL`` in the final settings, it sets the shared
    scheduler, dupefilter, worker extension and failed-request middleware at add-on priority
    (a project setting still wins); named, so a crawl without Redis never imports scrapy-redis.
    """

    def update_settings(self, settings: Any) -> None:
        if not settings.get("REDIS_URL"):
            return
        settings.set("SCHEDULER", "madar.distributed.scheduler.SharedScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "madar.distributed.scheduler.SharedDupeFilter", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set_in_component_priority_dict("EXTENSIONS", DistributedWorker, 100)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", ForgetFailedRequests,
                                                100)
