"""Distributed mode: any number of ``scrapy crawl madar`` workers share one crawl in Redis.

Switched on by ``REDIS_URL`` (environment or setting) through :class:`DistributedAddon`.
The scheduler queue and the request dupefilter live in Redis (scrapy-redis, adapted in
:mod:`.scheduler` and :mod:`.dupefilter`), workers coordinate their start and their end
through :mod:`.coordination` and :mod:`.extension`, and ``python -m madar.distributed``
seeds, inspects and resets a crawl. The item dedup state is :mod:`madar.state` (Redis store).
"""

from madar.distributed.addon import DistributedAddon, redis_settings
from madar.distributed.coordination import CrawlStatus, SharedCrawl
from madar.distributed.keys import CrawlKeys
from madar.feeds import worker_id

__all__ = ["CrawlKeys", "CrawlStatus", "DistributedAddon", "SharedCrawl", "redis_settings",
           "worker_id"]
