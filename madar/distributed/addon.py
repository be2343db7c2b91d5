"""The Scrapy add-on that switches a crawl to distributed mode when ``REDIS_URL`` is set.

Enabled once in ``settings.ADDONS``; it reads the final settings (``settings.py``, the
``REDIS_URL`` environment variable through it, or ``-s REDIS_URL=...``) and, only when
``REDIS_URL`` is set, installs the shared scheduler, dupefilter, worker extension and
failed-request middleware at add-on priority (a project setting still wins). Feed URIs
may hold ``%(worker)s`` in both modes (``madar.feeds.uri_params``).
"""

from __future__ import annotations

from typing import Any

from scrapy.utils.misc import load_object

EXTENSION = "madar.distributed.extension.DistributedWorker"
FORGET_FAILED = "madar.distributed.middleware.ForgetFailedRequests"


def redis_settings() -> dict[str, Any]:
    """The settings distributed mode changes (besides enabling :data:`EXTENSION` and the
    :data:`FORGET_FAILED` downloader middleware)."""
    return {
        "SCHEDULER": "madar.distributed.scheduler.SharedScheduler",
        "DUPEFILTER_CLASS": "madar.distributed.dupefilter.SharedDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "madar.distributed.scheduler.SharedQueue",
        "SCHEDULER_PERSIST": True,
    }


class DistributedAddon:
    def update_settings(self, settings: Any) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in redis_settings().items():
            settings.set(name, value, priority="addon")
        settings.set_in_component_priority_dict("EXTENSIONS", load_object(EXTENSION), 100)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES",
                                                load_object(FORGET_FAILED), 100)
