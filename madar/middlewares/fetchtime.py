"""Stamp each response with the moment it was fetched, once, for every reader to share:
the article's ``fetched_at`` and the WARC record's ``WARC-Date`` must be the same instant."""

from __future__ import annotations

import datetime as dt

from scrapy.http import Request, Response

#: ``request.meta`` key (and so ``response.meta``) holding the fetch time, ISO 8601 UTC.
META_FETCHED_AT = "madar_fetched_at"


def utc_now_iso() -> str:
    """``2026-12-03T08:00:00+00:00``: the format of ``Article.fetched_at`` (seconds, UTC)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def fetched_at(response: Response) -> str:
    """The fetch time stamped on ``response`` (now, when no stamp is there)."""
    try:
        stamp = response.meta.get(META_FETCHED_AT)
    except AttributeError:  # a response built without a request
        stamp = None
    return stamp if isinstance(stamp, str) else utc_now_iso()


class FetchTimeMiddleware:
    """Downloader middleware: ``response.meta[META_FETCHED_AT]`` = when it arrived."""

    def process_response(self, request: Request, response: Response) -> Response:
        request.meta[META_FETCHED_AT] = utc_now_iso()
        return response
