"""Read a page as UTF-8 when its bytes are UTF-8, whatever single-byte charset is declared.

WordPress sometimes sends ``charset=windows-1256`` (or latin-1) for UTF-8 bytes; this is the
last place where the bytes are at hand, before anything reads ``response.text``.
"""

from __future__ import annotations

from scrapy.http import Request, Response, TextResponse

#: Declared encodings that are really single-byte guesses for Arabic or Western pages.
_SINGLE_BYTE = {"cp1256", "windows-1256", "cp1252", "windows-1252", "latin-1", "latin1",
                "iso-8859-1", "iso8859-1", "iso-8859-6", "iso8859-6", "ascii", "us-ascii"}


class Utf8CharsetMiddleware:
    """Re-declare a response as UTF-8 when its single-byte charset is wrong."""

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        if response.encoding.lower().replace("_", "-") not in _SINGLE_BYTE:
            return response
        body = response.body
        if body.isascii():
            return response
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return response
        if self.stats is not None:
            self.stats.inc_value("madar/charset_fixed")
        return response.replace(encoding="utf-8")
