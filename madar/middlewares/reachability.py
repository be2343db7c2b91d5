"""An unreachable site ends the crawl in seconds, with its cause, not after minutes of
retries; only until the site first answers (then failures are the retry middleware's).
Behaviour and timings: docs/crawling.md."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import ConnectError

logger = logging.getLogger(__name__)

CLOSE_REASON = "site_unreachable"
STATS_KEY = "madar/unreachable"

#: Failures that mean "no answer from the server", by cause (Scrapy wraps Twisted's, except
#: the other connect errors: no route, unreachable network ...).
CAUSES: tuple[tuple[str, type[BaseException]], ...] = (
    ("connection refused", exceptions.DownloadConnectionRefusedError),
    ("host name not found", exceptions.CannotResolveHostError),
    ("no answer in time", exceptions.DownloadTimeoutError),
    ("cannot connect", ConnectError),
)


class UnreachableSiteMiddleware:
    """Closes the spider after ``MADAR_UNREACHABLE_AFTER`` failures before any answer; until
    then requests wait ``MADAR_FIRST_CONTACT_TIMEOUT`` instead of ``DOWNLOAD_TIMEOUT``."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.failures_allowed = max(1, settings.getint("MADAR_UNREACHABLE_AFTER"))
        self.first_contact_timeout = settings.getfloat("MADAR_FIRST_CONTACT_TIMEOUT")
        self.default_timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.failures = 0
        self.answered = False
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> UnreachableSiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.closing:  # what is still queued fails at once instead of waiting its retries
            raise IgnoreRequest(f"site unreachable: {request.url}")
        if self.answered:
            return
        # DownloadTimeoutMiddleware has set DOWNLOAD_TIMEOUT by now; a request's own stands.
        if self.first_contact_timeout > 0 and request.meta.get(
                "download_timeout", self.default_timeout) == self.default_timeout:
            request.meta["download_timeout"] = self.first_contact_timeout

    def process_response(self, request: Request, response: Response) -> Response:
        self.answered = True
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if self.answered or self.closing:
            return
        cause = next((name for name, kind in CAUSES if isinstance(exception, kind)), None)
        if cause is None:
            return
        self.failures += 1
        if self.failures < self.failures_allowed:
            return
        self.closing = True
        where = f"{cause}: {request.url}"
        self.crawler.stats.set_value(STATS_KEY, where)
        logger.error("Site unreachable, %s (%s); %d tries failed before any answer. Stopping "
                     "the crawl (finish reason %r).", where, exception, self.failures,
                     CLOSE_REASON)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))
