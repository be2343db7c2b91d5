"""Turn a damaged ``200`` page (empty, cut off) into a retry, never into half an article
that the memory then remembers as done. Rules and stats: docs/security.md."""

from __future__ import annotations

import re

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse

#: Bytes at the end of a page searched for ``</html>`` (trailing cache comments fit).
TAIL_WINDOW = 8192
#: A body shorter than this share of its ``Content-Length`` was cut in transit.
MIN_LENGTH_RATIO = 0.9
_CLOSING = re.compile(rb"</html\s*>", re.IGNORECASE)
_BODY_TAG = re.compile(rb"<body[\s>]", re.IGNORECASE)
_HTML_TYPES = (b"text/html", b"application/xhtml+xml")


def damage_reason(response: Response) -> str | None:
    """Why this ``200`` HTML response is damaged (``empty``, ``short``, ``no_body``,
    ``no_closing_markup``), or None when it looks whole."""
    headers = response.headers
    if (response.status != 200 or not isinstance(response, TextResponse)
            or not (headers.get(b"Content-Type") or b"").lower().startswith(_HTML_TYPES)):
        return None
    body = response.body
    if not body.strip():
        return "empty"
    declared = headers.get(b"Content-Length")
    if (declared and declared.isdigit() and not headers.get(b"Content-Encoding")
            and len(body) < MIN_LENGTH_RATIO * int(declared)):
        return "short"
    if not _BODY_TAG.search(body):
        return "no_body"
    if not _CLOSING.search(body, max(0, len(body) - TAIL_WINDOW)):
        return "no_closing_markup"
    return None


class DamagedPageMiddleware:
    """Retry damaged ``200`` HTML pages, drop them when retries end. Off per request with
    ``meta={"madar_accept_damaged": True}`` (or ``dont_retry``); runs after decompression."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MADAR_RETRY_DAMAGED"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        reason = damage_reason(response)
        if reason is None or request.meta.get("madar_accept_damaged") or request.meta.get(
                "dont_retry"):
            return response
        stats = self.crawler.stats
        stats.inc_value("madar/retry/damaged")
        stats.inc_value(f"madar/retry/damaged/{reason}")
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason=f"damaged_{reason}")
        if retry is not None:
            return retry
        stats.inc_value("madar/retry/damaged_given_up")
        raise IgnoreRequest(f"damaged page ({reason}) after all retries: {request.url}")
