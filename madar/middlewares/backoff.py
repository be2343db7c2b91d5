"""Back off when the site says so: ``Retry-After`` honoured, delays grown on errors.

Scrapy 2.19's ``RetryMiddleware`` retries 429/503 at once, whatever ``Retry-After`` says, and
AutoThrottle adjusts the delay only from the latency of responses: an error answer never
raises it, and a timeout or a reset is no response at all. Behaviour: docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (``None`` when absent or unreadable)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _slot(crawler, request: Request):
    key = request.meta.get("download_slot")
    engine = getattr(crawler, "engine", None)
    downloader = getattr(engine, "downloader", None)
    return None if key is None or downloader is None else downloader.slots.get(key)


class RetryAfterMiddleware:
    """Wait ``Retry-After`` before retrying a 429/503 (any ``RETRY_HTTP_CODES``)."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.max_wait = settings.getfloat("MADAR_RETRY_AFTER_MAX", 300.0)
        self.throttled = settings.getbool("AUTOTHROTTLE_ENABLED")
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response, spider=None):
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response  # RetryMiddleware retries it as usual
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason=f"{response.status}_retry_after")
        if retry is None:
            return response
        wait = min(wait, self.max_wait)
        stats = self.crawler.stats
        stats.inc_value("madar/retry_after/count")
        stats.inc_value("madar/retry_after/seconds", wait)
        stats.max_value("madar/retry_after/max_seconds", wait)
        if self.throttled:
            slot = _slot(self.crawler, request)
            if slot is not None:
                slot.delay = max(slot.delay, min(wait, self.max_delay))
        logger.debug("Retry-After %.1f s for %s", wait, request.url)
        if wait > 0:
            await sleep(wait)
        return retry


class ErrorBackoffMiddleware:
    """Double the site's download delay on each error answer or download failure."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("MADAR_ERROR_BACKOFF", settings.getbool("AUTOTHROTTLE_ENABLED")):
            raise NotConfigured
        self.crawler = crawler
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.floor = max(settings.getfloat("AUTOTHROTTLE_START_DELAY", 1.0), 0.1)
        self.ceiling = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def back_off(self, request: Request) -> float | None:
        """Grow the delay of ``request``'s slot; returns the new delay (None: no slot)."""
        slot = _slot(self.crawler, request)
        if slot is None:
            return None
        slot.delay = min(max(slot.delay * 2, self.floor), self.ceiling)
        self.crawler.stats.inc_value("madar/backoff/count")
        self.crawler.stats.max_value("madar/backoff/max_delay", slot.delay)
        return slot.delay

    def process_response(self, request: Request, response: Response, spider=None):
        if response.status in self.codes:
            self.back_off(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None):
        self.back_off(request)
        return None
