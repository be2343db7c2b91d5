"""The Scrapy add-on (``settings.ADDONS``) that switches a crawl to distributed mode.

Only when the final settings hold ``REDIS_URL``, it installs the shared scheduler,
dupefilter, worker extension and failed-request middleware at add-on priority, so a
project setting still wins. The components are named, not imported: a crawl without Redis
never imports scrapy-redis.
"""

from __future__ import annotations

from typing import Any

from scrapy.utils.misc import load_object

SHARED_SETTINGS = {
    "SCHEDULER": "madar.distributed.scheduler.SharedScheduler",
    "DUPEFILTER_CLASS": "madar.distributed.dupefilter.SharedDupeFilter",
    "SCHEDULER_QUEUE_CLASS": "madar.distributed.scheduler.SharedQueue",
    "SCHEDULER_PERSIST": True,
}


class DistributedAddon:
    def update_settings(self, settings: Any) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in SHARED_SETTINGS.items():
            settings.set(name, value, priority="addon")
        settings.set_in_component_priority_dict(
            "EXTENSIONS", load_object("madar.distributed.extension.DistributedWorker"), 100)
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES",
            load_object("madar.distributed.middleware.ForgetFailedRequests"), 100)
