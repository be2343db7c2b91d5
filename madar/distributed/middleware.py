"""Downloader middleware: an article whose fetch failed for good is fetched again by the
next run.

Article fingerprints outlive a run (see :mod:`madar.distributed.dupefilter`); without this,
an article whose fetch failed once (timeout, 5xx after all retries) would never be fetched
by any later run. The failure is recorded and the fingerprint forgotten when the next run
starts (not at once: a page that keeps failing must not be retried for every link to it in
this run). Enabled by the add-on at order 100, i.e. after ``RetryMiddleware`` (550) has
given up.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from madar.distributed.engine import scheduler_of

#: Statuses that say "try later", not "this page does not exist".
RETRY_LATER = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class ForgetFailedRequests:
    def __init__(self, crawler: Any) -> None:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ForgetFailedRequests:
        return cls(crawler)

    def _forget(self, request: Request, why: str) -> None:
        dupefilter = getattr(scheduler_of(self.crawler.engine), "df", None)
        if dupefilter is not None and hasattr(dupefilter, "mark_failed") \
                and dupefilter.mark_failed(request):
            self.crawler.stats.inc_value(f"madar/distributed/retry_next_run/{why}")

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Response:
        if response.status in RETRY_LATER:
            self._forget(request, str(response.status))
        return response

    def process_exception(self, request: Request, exception: Exception,
                          spider: Any = None) -> None:
        if not isinstance(exception, IgnoreRequest):
            self._forget(request, type(exception).__name__)
