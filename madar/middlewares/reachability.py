"""An unreachable site ends the crawl in seconds, with its cause, not after minutes of retries.

Only until the site has answered once: after that a failing page is the retry middleware's
business. Behaviour and timings: docs/crawling.md.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import exceptions as scrapy_exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import error as twisted_errors

logger = logging.getLogger(__name__)

CLOSE_REASON = "site_unreachable"
STATS_KEY = "madar/unreachable"


def _classes(module: Any, *names: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(module, name) for name in names if hasattr(module, name))


#: Failures that mean "no answer from the server", by cause. Scrapy >= 2.14 raises its own
#: classes; older versions Twisted's (whose TimeoutError is a ConnectError).
CAUSES: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("connection refused", _classes(scrapy_exceptions, "DownloadConnectionRefusedError")
     + _classes(twisted_errors, "ConnectionRefusedError")),
    ("host name not found", _classes(scrapy_exceptions, "CannotResolveHostError")
     + _classes(twisted_errors, "DNSLookupError", "UnknownHostError")),
    ("no answer in time", _classes(scrapy_exceptions, "DownloadTimeoutError")
     + _classes(twisted_errors, "TimeoutError", "TCPTimedOutError")),
    ("cannot connect", _classes(twisted_errors, "ConnectError")),
)


def unreachable_cause(exception: BaseException) -> str | None:
    """``connection refused``, ``host name not found`` …; ``None`` for other failures."""
    for cause, classes in CAUSES:
        if isinstance(exception, classes):
            return cause
    return None


class UnreachableSiteMiddleware:
    """Closes the spider when the site never answers (downloader middleware, after retry)."""

    def __init__(self, crawler: Any, failures_allowed: int, first_contact_timeout: float = 0
                 ) -> None:
        self.crawler = crawler
        self.failures_allowed = failures_allowed
        self.first_contact_timeout = first_contact_timeout
        self.default_timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self.failures = 0
        self.answered = False
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> UnreachableSiteMiddleware:
        settings = crawler.settings
        return cls(crawler, max(1, settings.getint("MADAR_UNREACHABLE_AFTER", 3)),
                   settings.getfloat("MADAR_FIRST_CONTACT_TIMEOUT", 0))

    def process_request(self, request: Request, spider: Any = None) -> None:
        """Once the site is given up, what is still queued (retries, the request robots.txt
        held back) fails at once instead of waiting out its retries."""
        if self.closing:
            raise IgnoreRequest(f"site unreachable: {request.url}")
        if not self.answered and self.first_contact_timeout > 0 and request.meta.get(
                "download_timeout", self.default_timeout) == self.default_timeout:
            # A host that never answers costs its tries x this, not x DOWNLOAD_TIMEOUT
            # (which Scrapy's DownloadTimeoutMiddleware has set by now; a request's own stands).
            request.meta["download_timeout"] = self.first_contact_timeout

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Response:
        self.answered = True
        return response

    def process_exception(self, request: Request, exception: BaseException,
                          spider: Any = None) -> None:
        cause = unreachable_cause(exception)
        if self.answered or self.closing or cause is None:
            return None
        self.failures += 1
        if self.failures < self.failures_allowed:
            return None
        self.closing = True
        where = f"{cause}: {request.url}"
        self.crawler.stats.set_value(STATS_KEY, where)
        logger.error("Site unreachable, %s (%s); %d tries failed before any answer. Stopping "
                     "the crawl (finish reason %r).", where, exception, self.failures,
                     CLOSE_REASON)
        engine = getattr(self.crawler, "engine", None)
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))
        return None
