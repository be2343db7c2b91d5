"""The shared request dupefilter: scrapy-redis' ``RFPDupeFilter`` with two changes.

- Fingerprints come from the crawler's ``REQUEST_FINGERPRINTER``: scrapy-redis 0.9.1 hashes
  its own JSON of method/URL/body and ignores that setting.
- Two scopes (docs/distributed.md): article fingerprints are kept across runs, so a later
  run never fetches an article again; home and listing fingerprints are forgotten when a new
  run starts, so it walks them again. ``close()`` keeps both: one worker closing must not
  wipe the others' memory.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

from madar.distributed.keys import CrawlKeys
from madar.urls import is_article_candidate


def crawl_keys_for(spider: Any) -> CrawlKeys:
    """The keys of the crawl this spider takes part in (from its base URL)."""
    settings = spider.crawler.settings
    base_url = getattr(spider, "base_url", "") or settings.get("MADAR_BASE_URL")
    return CrawlKeys.for_base_url(base_url, settings.get("MADAR_REDIS_CRAWL_PREFIX"))


class SharedDupeFilter(RFPDupeFilter):
    def __init__(self, server: Any, keys: CrawlKeys, fingerprinter: Any = None,
                 debug: bool = False, remember_articles: bool = True, stats: Any = None):
        super().__init__(server, key=keys.seen_articles, debug=debug)
        self.keys = keys
        self.fingerprinter = fingerprinter
        self.remember_articles = remember_articles
        self.stats = stats

    @classmethod
    def from_spider(cls, spider: Any) -> SharedDupeFilter:
        crawler = spider.crawler
        settings = crawler.settings
        return cls(get_redis_from_settings(settings), crawl_keys_for(spider),
                   fingerprinter=crawler.request_fingerprinter,
                   debug=settings.getbool("DUPEFILTER_DEBUG"),
                   remember_articles=settings.getbool("MADAR_REDIS_REMEMBER_ARTICLES", True),
                   stats=crawler.stats)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedDupeFilter:
        raise NotImplementedError(
            "SharedDupeFilter needs the spider (its base URL names the keys); use it with "
            "madar.distributed.scheduler.SharedScheduler, which calls from_spider()")

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:  # standalone use, e.g. in tests
            return super().request_fingerprint(request)
        return self.fingerprinter.fingerprint(request).hex()

    def key_for(self, request: Request) -> str:
        if self.remember_articles and is_article_candidate(request.url):
            return self.keys.seen_articles
        return self.keys.seen_this_run

    def request_seen(self, request: Request) -> bool:
        return self.server.sadd(self.key_for(request), self.request_fingerprint(request)) == 0

    def mark_failed(self, request: Request) -> bool:
        """This article's fetch failed for good: the next run may fetch it again (this run
        does not, however often it is linked). True if it was an article fingerprint."""
        if self.key_for(request) != self.keys.seen_articles:
            return False  # listings are walked again by every run anyway
        self.server.sadd(self.keys.failed_articles, self.request_fingerprint(request))
        return True

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints (shared with the other workers and with later runs)."""

    def log(self, request: Request, spider: Any) -> None:
        if self.stats is not None:
            self.stats.inc_value("dupefilter/filtered")
        super().log(request, spider)
