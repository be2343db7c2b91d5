"""Back off when the site says so: ``Retry-After`` honoured, delays grown on errors.

Scrapy's RetryMiddleware retries 429/503 at once, whatever ``Retry-After`` says, and
AutoThrottle adjusts the delay only from the latency of answers: an error never raises it,
and a timeout is no answer at all. Behaviour: docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time

from scrapy.core.downloader import Slot
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (None when absent or unreadable)."""
    text = (value.decode("latin-1") if isinstance(value, bytes) else value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _SlotDelay:
    """Reads the retry codes and AutoThrottle's bounds; finds a request's download slot."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def slot(self, request: Request) -> Slot | None:
        key = request.meta.get("download_slot")
        return None if key is None else self.crawler.engine.downloader.slots.get(key)


class RetryAfterMiddleware(_SlotDelay):
    """Wait ``Retry-After`` (at most ``MADAR_RETRY_AFTER_MAX``) before retrying any
    ``RETRY_HTTP_CODES`` answer that carries one."""

    def __init__(self, crawler) -> None:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        super().__init__(crawler)
        self.max_wait = crawler.settings.getfloat("MADAR_RETRY_AFTER_MAX")
        self.throttled = crawler.settings.getbool("AUTOTHROTTLE_ENABLED")

    def process_response(self, request: Request, response: Response):
        # Not a coroutine function: the common answer costs no coroutine.
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response  # RetryMiddleware retries it as usual
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason=f"{response.status}_retry_after")
        if retry is None:
            return response
        return self._wait_then(retry, min(wait, self.max_wait))

    async def _wait_then(self, retry: Request, wait: float) -> Request:
        stats = self.crawler.stats
        stats.inc_value("madar/retry_after/count")
        stats.inc_value("madar/retry_after/seconds", wait)
        stats.max_value("madar/retry_after/max_seconds", wait)
        slot = self.slot(retry) if self.throttled else None
        if slot is not None:
            slot.delay = max(slot.delay, min(wait, self.max_delay))
        logger.debug("Retry-After %.1f s for %s", wait, retry.url)
        if wait > 0:
            await sleep(wait)
        return retry


class ErrorBackoffMiddleware(_SlotDelay):
    """Double the site's download delay on each error answer or download failure
    (``MADAR_ERROR_BACKOFF``, unset: with AutoThrottle, which brings it back down)."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("MADAR_ERROR_BACKOFF", settings.getbool("AUTOTHROTTLE_ENABLED")):
            raise NotConfigured
        super().__init__(crawler)
        self.floor = max(settings.getfloat("AUTOTHROTTLE_START_DELAY", 1.0), 0.1)

    def back_off(self, request: Request) -> None:
        slot = self.slot(request)
        if slot is None:
            return
        slot.delay = min(max(slot.delay * 2, self.floor), self.max_delay)
        self.crawler.stats.inc_value("madar/backoff/count")
        self.crawler.stats.max_value("madar/backoff/max_delay", slot.delay)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in self.codes:
            self.back_off(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.back_off(request)
