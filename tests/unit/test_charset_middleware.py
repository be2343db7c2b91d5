"""A page declared windows-1256/latin-1 whose bytes are UTF-8 is read as UTF-8."""

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from madar.middlewares.charset import Utf8CharsetMiddleware

ARABIC = "<html><body><p>فيما أشار البيان الختامي</p></body></html>"


def _middleware():
    crawler = get_crawler()
    stats = MemoryStatsCollector(crawler)
    return Utf8CharsetMiddleware(stats), stats


def _response(body: bytes, charset: str) -> HtmlResponse:
    return HtmlResponse("https://h.com/a/", body=body,
                        headers={"Content-Type": f"text/html; charset={charset}"})


@pytest.mark.parametrize("declared", ["windows-1256", "ISO-8859-1", "cp1252", "latin1"])
def test_utf8_bytes_declared_single_byte_are_read_as_utf8(declared):
    middleware, stats = _middleware()
    response = _response(ARABIC.encode("utf-8"), declared)
    assert "فيما" not in response.text  # Scrapy alone trusts the header
    fixed = middleware.process_response(Request(response.url), response)
    assert "فيما أشار البيان الختامي" in fixed.text
    assert stats.get_value("madar/charset_fixed") == 1


def test_real_windows_1256_page_is_left_alone():
    middleware, stats = _middleware()
    response = _response(ARABIC.encode("cp1256"), "windows-1256")
    assert middleware.process_response(Request(response.url), response) is response
    assert "فيما" in response.text
    assert stats.get_value("madar/charset_fixed") is None


def test_utf8_declared_and_binary_responses_untouched():
    middleware, _ = _middleware()
    utf8 = _response(ARABIC.encode("utf-8"), "utf-8")
    assert middleware.process_response(Request(utf8.url), utf8) is utf8
    binary = Response("https://h.com/a.jpg", body=b"\xff\xd8\xff")
    assert middleware.process_response(Request(binary.url), binary) is binary
