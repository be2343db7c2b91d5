"""Decode pages as UTF-8 when they are UTF-8, whatever charset the server declares.

WordPress sites sometimes send ``charset=windows-1256`` (or latin-1) for bytes that are
really UTF-8. Scrapy trusts the declared charset, and a wrong single-byte decode either
produces mojibake or replaces bytes with U+FFFD beyond repair. Fixing it here, before any
extraction reads ``response.text``, is the only place where the bytes are still at hand.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.http import Request, Response, TextResponse

#: Declared encodings that are really single-byte guesses for Arabic or Western pages.
_SINGLE_BYTE = {"cp1256", "windows-1256", "cp1252", "windows-1252", "latin-1", "latin1",
                "iso-8859-1", "iso8859-1", "iso-8859-6", "iso8859-6", "ascii", "us-ascii"}


def _is_strict_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


class Utf8CharsetMiddleware:
    """Re-declare a response as UTF-8 when its single-byte charset is wrong."""

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        if not isinstance(response, TextResponse):
            return response
        declared = (response.encoding or "").lower()
        if declared.replace("_", "-") not in _SINGLE_BYTE:
            return response
        body = response.body
        if body.isascii() or not _is_strict_utf8(body):
            return response
        if self.stats is not None:
            self.stats.inc_value("madar/charset_fixed")
        return response.replace(encoding="utf-8")
