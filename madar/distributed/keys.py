"""Redis key names of one shared crawl, derived from the site being crawled.

Every key of a crawl starts with ``madar:{<host>}`` (``MADAR_REDIS_CRAWL_PREFIX``; ``%(host)s`` =
the base URL's ``host[:port]``), so two crawls of different sites (or of two mirrors on two
ports) never mix, and the braces make it a Redis Cluster hash tag: the Lua scripts that touch
several keys of a crawl at once find them in one slot.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlsplit

DEFAULT_KEY_PREFIX = "madar:{%(host)s}"


def crawl_host(base_url: str) -> str:
    """``https://MadarAlYoum.com/`` -> ``madaralyoum.com``; the port is kept when present."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise ValueError(f"base_url must be an absolute URL, got {base_url!r}")
    return parts.netloc.lower().rsplit("@", 1)[-1]


@dataclass(frozen=True)
class CrawlKeys:
    """The keys of one shared crawl, all under :attr:`prefix`."""

    prefix: str
    #: sorted set: the scheduled requests (score = -priority)
    queue: str
    #: set: fingerprints of article requests, kept across runs (see the dupefilter)
    seen_articles: str
    #: set: fingerprints of home/listing requests, cleared when a new run starts
    seen_this_run: str
    #: set: article fingerprints whose fetch failed for good, forgotten (fetched again) when
    #: the next run starts
    failed_articles: str
    #: sorted set: worker id -> heartbeat expiry (Redis server time, seconds)
    workers: str
    #: sorted set: worker id -> expiry, for workers with requests in flight
    busy: str
    #: hash: ``<worker>\n<queued request>`` -> its queue score while a worker holds it; put
    #: back in the queue if that worker dies
    inflight: str

    @classmethod
    def for_base_url(cls, base_url: str, template: str | None = None) -> CrawlKeys:
        prefix = (template or DEFAULT_KEY_PREFIX) % {"host": crawl_host(base_url)}
        suffixes = ("requests", "dupefilter", "dupefilter:run", "dupefilter:failed", "workers",
                    "busy", "inflight")
        return cls(prefix, *(f"{prefix}:{suffix}" for suffix in suffixes))

    def all(self) -> list[str]:
        return [getattr(self, f.name) for f in fields(self) if f.name != "prefix"]
