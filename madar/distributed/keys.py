"""Redis key names of one shared crawl, derived from the site being crawled.

Every key of a crawl starts with ``madar:{<host>}`` (``MADAR_REDIS_CRAWL_PREFIX``; ``%(host)s`` =
the base URL's ``host[:port]``), so two crawls of different sites (or of two mirrors on two
ports) never mix, and the braces make it a Redis Cluster hash tag: the Lua scripts that touch
several keys of a crawl at once find them in one slot.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """The keys of one shared crawl (all under :attr:`prefix`)."""

    prefix: str

    @classmethod
    def for_base_url(cls, base_url: str, template: str | None = None) -> CrawlKeys:
        return cls((template or DEFAULT_KEY_PREFIX) % {"host": crawl_host(base_url)})

    @property
    def queue(self) -> str:
        """Sorted set: the scheduled requests (score = -priority)."""
        return f"{self.prefix}:requests"

    @property
    def seen_articles(self) -> str:
        """Set: fingerprints of article requests; kept across runs (see dupefilter)."""
        return f"{self.prefix}:dupefilter"

    @property
    def seen_this_run(self) -> str:
        """Set: fingerprints of home/listing requests; cleared when a new run starts."""
        return f"{self.prefix}:dupefilter:run"

    @property
    def failed_articles(self) -> str:
        """Set: article fingerprints whose fetch failed for good; forgotten (fetched again)
        when the next run starts."""
        return f"{self.prefix}:dupefilter:failed"

    @property
    def workers(self) -> str:
        """Sorted set: worker id -> heartbeat expiry (Redis server time, seconds)."""
        return f"{self.prefix}:workers"

    @property
    def busy(self) -> str:
        """Sorted set: worker id -> expiry, for workers with requests in flight."""
        return f"{self.prefix}:busy"

    @property
    def inflight(self) -> str:
        """Hash: ``<worker>\\n<queued request>`` -> its queue score, while a worker holds it;
        put back in the queue if that worker dies."""
        return f"{self.prefix}:inflight"

    def all(self) -> list[str]:
        return [self.queue, self.seen_articles, self.seen_this_run, self.failed_articles,
                self.workers, self.busy, self.inflight]
