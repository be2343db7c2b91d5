"""Distributed mode: any number of ``scrapy crawl madar`` workers share one crawl in Redis
(switched on by ``REDIS_URL``; docs/distributed.md)."""

from madar.distributed.addon import DistributedAddon
from madar.distributed.coordination import SharedCrawl
from madar.distributed.keys import CrawlKeys

__all__ = ["CrawlKeys", "DistributedAddon", "SharedCrawl"]
