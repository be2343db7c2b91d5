"""The reliability/security middlewares in isolation: URL guard (public base, fake; no
traffic), damaged-page detection, Retry-After parsing, error backoff with AutoThrottle's
own recovery, feed failure verdicts."""

from __future__ import annotations

import pytest
from scrapy.core.downloader import Slot
from scrapy.downloadermiddlewares.downloadtimeout import DownloadTimeoutMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from madar.feeds import feed_failures
from madar.middlewares.backoff import ErrorBackoffMiddleware, retry_after_seconds
from madar.middlewares.damaged import DamagedPageMiddleware, damage_reason
from madar.middlewares.guard import UrlGuardMiddleware, UrlPolicy, is_private_host
from madar.middlewares.reachability import UnreachableSiteMiddleware
from tests.crawl import project_settings

PUBLIC = UrlPolicy("https://madaralyoum.com")
MIRROR = UrlPolicy("http://127.0.0.1:8000")


@pytest.mark.parametrize("url", [
    "https://madaralyoum.com/2017/08/10/x/",
    "https://www.madaralyoum.com/2017/08/10/x/",
    "http://madaralyoum.com/2017/08/10/x/",          # upgrade/downgrade between default ports
    "https://madaralyoum.com:443/?p=1",
    "https://MADARALYOUM.com./robots.txt",
])
def test_public_site_allows_its_own_pages(url):
    assert PUBLIC.refusal(url) is None


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1/admin", "private_address"),
    ("http://10.0.0.8/", "private_address"),
    ("http://192.168.1.1:8080/", "private_address"),
    ("http://169.254.169.254/latest/meta-data/", "private_address"),  # cloud metadata
    ("http://[::1]/", "private_address"),
    ("http://[::ffff:127.0.0.1]/", "private_address"),
    ("http://[fd00::1]/", "private_address"),
    ("http://127.1/", "private_address"),
    ("http://2130706433/", "private_address"),
    ("http://0x7f000001/", "private_address"),
    ("http://0177.0.0.1/", "private_address"),
    ("http://0.0.0.0:8000/", "private_address"),
    ("http://localhost:6800/", "private_address"),
    ("http://printer.local/", "private_address"),
    ("http://db.internal/", "private_address"),
    ("http://evil.com/2017/08/10/x/", "other_host"),
    ("http://8.8.8.8/", "other_host"),
    ("https://cdn.madaralyoum.com/x/", "other_host"),
    ("https://madaralyoum.com.evil.com/x/", "other_host"),
    ("https://madaralyoum.com:8443/x/", "other_port"),
    ("https://madaralyoum.com:80/x/", "other_port"),
    ("https://user:pw@madaralyoum.com/x/", "credentials"),
    ("https://madaralyoum.com@evil.com/x/", "credentials"),
    ("file:///etc/passwd", "scheme"),
    ("data:text/html,<h1>x</h1>", "scheme"),
    ("ftp://madaralyoum.com/x", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("https://madaralyoum.com:99999/", "malformed"),
    ("https://madaralyoum.com/" + "a" * 3000, "too_long"),
])
def test_public_site_refuses_everything_else(url, reason):
    assert PUBLIC.refusal(url) == reason


def test_loopback_base_is_its_own_site_but_not_its_neighbours():
    assert MIRROR.refusal("http://127.0.0.1:8000/2017/08/10/x/") is None
    assert MIRROR.refusal("http://127.0.0.1:8001/") == "other_port"
    assert MIRROR.refusal("http://127.0.0.1/") == "other_port"
    assert MIRROR.refusal("http://localhost:8000/") == "other_host"
    assert MIRROR.refusal("http://127.0.0.2:8000/") == "other_host"
    assert MIRROR.refusal("http://example.com/") == "other_host"


def test_extra_origins_and_hosts():
    policy = UrlPolicy("https://madaralyoum.com", extra_origins=("localhost:8050",),
                       extra_hosts=("media.madaralyoum.com",))
    assert policy.refusal("http://localhost:8050/render.html") is None  # Splash
    assert policy.refusal("http://localhost:8051/render.html") == "private_address"
    assert policy.refusal("https://media.madaralyoum.com/x.jpg") is None


def test_private_host_names_and_literals():
    assert is_private_host("localhost") and is_private_host("LOCALHOST.")
    assert not is_private_host("madaralyoum.com") and not is_private_host("1.1.1.1")
    assert not is_private_host("cafe.bad")  # hex letters, but a name


def _guard(base="https://madaralyoum.com"):
    crawler = get_crawler(settings_dict={"MADAR_BASE_URL": base})
    crawler.stats.open_spider()
    return UrlGuardMiddleware.from_crawler(crawler), crawler


def test_guard_middleware_raises_and_counts():
    guard, crawler = _guard()
    assert guard.process_request(Request("https://madaralyoum.com/a/")) is None
    with pytest.raises(IgnoreRequest):
        guard.process_request(Request("http://169.254.169.254/latest/"))
    with pytest.raises(IgnoreRequest):  # a redirect target is a new request: same check
        guard.process_request(Request("http://10.1.2.3/2017/08/10/x/"))
    assert crawler.stats.get_value("madar/guard/refused/private_address") == 2


# --- damaged pages ---------------------------------------------------------------------
PAGE = ("<!DOCTYPE html><html><head><title>t</title></head><body class='single-post'>"
        "<div class='entry'><p>نص المقال</p></div></body></html>\n").encode()


def _html(body: bytes, status=200, headers=None) -> HtmlResponse:
    return HtmlResponse("https://madaralyoum.com/a/", status=status, body=body,
                        headers={"Content-Type": "text/html; charset=UTF-8", **(headers or {})})


def test_damage_reasons():
    assert damage_reason(_html(PAGE)) is None
    assert damage_reason(_html(PAGE + b"<!-- cached page -->\n")) is None
    assert damage_reason(_html(b"")) == "empty"
    assert damage_reason(_html(b"  \n ")) == "empty"
    assert damage_reason(_html(PAGE[:70])) == "no_closing_markup"
    assert damage_reason(_html(PAGE[: len(PAGE) // 2])) == "no_closing_markup"
    assert damage_reason(_html(b"<html><head></head></html>")) == "no_body"
    assert damage_reason(_html(PAGE, headers={"Content-Length": str(3 * len(PAGE))})) == "short"
    assert damage_reason(_html(b"", status=404)) is None
    assert damage_reason(TextResponse("https://madaralyoum.com/robots.txt", body=b"",
                                      headers={"Content-Type": "text/plain"})) is None


def test_damaged_page_retried_then_dropped():
    crawler = get_crawler(settings_dict=project_settings(RETRY_TIMES=2))
    crawler.spider = crawler._create_spider("test")
    crawler.stats.open_spider()
    middleware = DamagedPageMiddleware.from_crawler(crawler)
    request = Request("https://madaralyoum.com/a/")
    whole = _html(PAGE)
    assert middleware.process_response(request, whole) is whole
    for _ in range(2):
        retry = middleware.process_response(request, _html(PAGE[:100]))
        assert isinstance(retry, Request) and retry.dont_filter
        request = retry
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, _html(PAGE[:100]))
    assert crawler.stats.get_value("madar/retry/damaged") == 3
    assert crawler.stats.get_value("madar/retry/damaged_given_up") == 1


# --- Retry-After and backoff -----------------------------------------------------------
def test_retry_after_parsing():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490) == 0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


class _FakeEngine:
    def __init__(self, slot):
        self.downloader = type("D", (), {"slots": {"site": slot}})()


def test_error_backoff_grows_the_delay_and_autothrottle_brings_it_back():
    settings = {"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 0.5,
                "AUTOTHROTTLE_MAX_DELAY": 30, "DOWNLOAD_DELAY": 0.1,
                "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0}
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    slot = Slot(concurrency=4, delay=0.1, jitter=0)
    crawler.engine = _FakeEngine(slot)
    backoff = ErrorBackoffMiddleware.from_crawler(crawler)
    request = Request("https://madaralyoum.com/a/", meta={"download_slot": "site"})
    delays = []
    for _ in range(8):
        backoff.process_response(request, _html(b"", status=503))
        delays.append(slot.delay)
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    backoff.process_exception(request, TimeoutError())
    assert slot.delay == 30.0
    backoff.process_response(request, _html(PAGE))  # a good answer: no growth
    assert slot.delay == 30.0
    throttle = AutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.1, 30.0
    for _ in range(12):
        throttle._adjust_delay(slot, latency=0.05, response=_html(PAGE))
    assert slot.delay < 0.2, "AutoThrottle lowers the delay again on good answers"
    assert crawler.stats.get_value("madar/backoff/count") == 9


def test_error_backoff_off_without_autothrottle():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        ErrorBackoffMiddleware.from_crawler(get_crawler(settings_dict={
            "AUTOTHROTTLE_ENABLED": False}))


def test_feed_failures():
    assert feed_failures({"finish_reason": "finished"}) == []
    assert feed_failures({"madar/feed/failed": 1, "madar/feed/error": "disk full"}) == [
        "disk full"]
    assert feed_failures({"feedexport/failed_count/FileFeedStorage": 1})


def test_guard_without_a_madar_spider_keeps_to_the_first_site():
    """``scrapy shell``/``fetch``: no ``base_url``; the site asked for first is the site."""
    guard, crawler = _guard()
    assert guard.process_request(Request("http://127.0.0.1:8000/2017/08/10/x/")) is None
    assert guard.process_request(Request("http://127.0.0.1:8000/robots.txt")) is None
    with pytest.raises(IgnoreRequest):
        guard.process_request(Request("http://127.0.0.1:8001/"))
    assert crawler.stats.get_value("madar/guard/refused/other_port") == 1


def test_requests_before_the_first_answer_wait_the_first_contact_timeout_only():
    crawler = get_crawler(settings_dict={"MADAR_FIRST_CONTACT_TIMEOUT": 10})
    middleware = UnreachableSiteMiddleware.from_crawler(crawler)
    first = Request("https://madaralyoum.com/robots.txt")
    DownloadTimeoutMiddleware.from_crawler(crawler).process_request(first)  # runs before
    middleware.process_request(first)
    assert first.meta["download_timeout"] == 10
    own = Request("https://madaralyoum.com/", meta={"download_timeout": 60})
    middleware.process_request(own)
    assert own.meta["download_timeout"] == 60  # a request's own timeout stands
    middleware.process_response(first, HtmlResponse(first.url, body=b"", request=first))
    later = Request("https://madaralyoum.com/a/")
    middleware.process_request(later)
    assert "download_timeout" not in later.meta  # DOWNLOAD_TIMEOUT from now on
