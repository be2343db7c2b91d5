"""madar.rendering without a browser: mode switch, settings, requests, fingerprints, detection."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from madar.rendering import (
    META_RENDER,
    META_RERENDER,
    apply_render_settings,
    needs_rendering,
    render_mode,
    rendered_request,
    script_filled_containers,
    settings_for,
)
from madar.rendering.splash_compat import install_scrapy_splash_compat

# --- render_mode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("splash_url", "arg", "expected"),
    [
        (None, None, "off"),
        ("http://127.0.0.1:8050", None, "splash"),
        (None, "splash", "splash"),
        (None, "Playwright", "playwright"),
        ("http://127.0.0.1:8050", "playwright", "playwright"),
        ("http://127.0.0.1:8050", "off", "off"),
        (None, "", "off"),
    ],
)
def test_render_mode(splash_url, arg, expected):
    assert render_mode(Settings({"SPLASH_URL": splash_url}), arg) == expected


def test_render_mode_rejects_typos():
    with pytest.raises(ValueError, match="render must be one of"):
        render_mode(Settings(), "splsh")


# --- settings -----------------------------------------------------------------------------------


def test_settings_for_off_is_empty():
    assert settings_for("off") == {}


def test_settings_for_splash_keeps_default_fingerprints():
    splash = settings_for("splash")
    assert splash["DOWNLOADER_MIDDLEWARES"]["scrapy_splash.SplashMiddleware"] == 725
    # Deliberately absent: its argument cache lives in one process's spider.state
    # (test_rerender_request_survives_the_shared_queue).
    assert "SPIDER_MIDDLEWARES" not in splash
    # Deliberately absent: they would give rendered and plain requests different fingerprints.
    assert "DUPEFILTER_CLASS" not in splash
    assert "REQUEST_FINGERPRINTER_CLASS" not in splash


def test_settings_for_playwright_uses_debian_chromium():
    playwright = settings_for("playwright")
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    assert playwright["DOWNLOAD_HANDLERS"] == {"http": handler, "https": handler}
    options = playwright["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert options["executable_path"] == "/usr/bin/chromium"
    assert {"--no-sandbox", "--disable-background-networking"} <= set(options["args"])


def test_apply_render_settings_merges_component_dicts():
    settings = Settings({"DOWNLOADER_MIDDLEWARES": {"madar.middlewares.charset.X": 585}})
    apply_render_settings(settings, "splash")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["madar.middlewares.charset.X"] == 585
    assert middlewares["scrapy_splash.SplashMiddleware"] == 725
    assert settings.get("SPLASH_SLOT_POLICY") == "per_domain"


# --- requests -----------------------------------------------------------------------------------


def fingerprint(request: scrapy.Request) -> bytes:
    return get_crawler().request_fingerprinter.fingerprint(request)


def needs_playwright() -> None:
    """scrapy-playwright is optional (requirements-render.txt): skip, saying so, without it."""
    pytest.importorskip("scrapy_playwright",
                        reason="optional renderer: pip install -r requirements-render.txt")


@pytest.mark.parametrize("mode", ["splash", "playwright"])
def test_rendered_and_plain_requests_share_a_fingerprint(mode):
    if mode == "playwright":
        needs_playwright()
    url = "https://madaralyoum.com/%d8%ae%d8%a8%d8%b1/"
    rendered = rendered_request(url, mode)
    assert rendered.meta[META_RENDER] == mode and not rendered.dont_filter
    assert fingerprint(rendered) == fingerprint(scrapy.Request(url))


def test_splash_request_is_render_html_without_images():
    request = rendered_request("https://madaralyoum.com/a/", "splash")
    splash = request.meta["splash"]
    assert splash["endpoint"] == "render.html"
    assert splash["args"]["images"] == 0 and splash["args"]["wait"] == 0.5


def test_splash_rerender_sends_the_fetched_html_and_skips_the_dupefilter():
    request = rendered_request("https://madaralyoum.com/a/", "splash", html="<p>x</p>")
    splash = request.meta["splash"]
    assert splash["endpoint"] == "execute"
    assert splash["args"]["html"] == "<p>x</p>"
    assert "set_content" in splash["args"]["lua_source"]
    assert request.dont_filter and request.meta[META_RERENDER]


def test_rerender_request_survives_the_shared_queue():
    """Serialized (as in the Redis queue) and read back by another worker's crawler, a re-render
    request still carries its Lua source and HTML to Splash."""
    import pickle

    from scrapy.utils.request import request_from_dict

    install_scrapy_splash_compat()
    from scrapy_splash import SplashMiddleware

    worker_a, worker_b = (get_crawler(scrapy.Spider, settings_dict={
        "SPLASH_URL": "http://127.0.0.1:8050", **settings_for("splash")}) for _ in range(2))
    spider_a, spider_b = (scrapy.Spider.from_crawler(c, name="s") for c in (worker_a, worker_b))
    request = rendered_request("https://madaralyoum.com/a/", "splash", spider_a.parse,
                               html="<p>x</p>")
    data = pickle.dumps(request.to_dict(spider=spider_a))
    received = request_from_dict(pickle.loads(data), spider=spider_b)
    worker_b.spider = spider_b
    worker_b.engine = SimpleNamespace(downloader=SimpleNamespace(get_slot_key=lambda r: "site"))
    middleware = SplashMiddleware.from_crawler(worker_b)
    middleware.spider_opened(spider_b)
    sent = middleware.process_request(received, spider_b)
    args = json.loads(sent.body)
    assert "set_content" in args["lua_source"] and args["html"] == "<p>x</p>"


def test_playwright_rerender_fulfils_navigation_from_meta():
    needs_playwright()
    request = rendered_request("https://madaralyoum.com/a/", "playwright", html="<p>x</p>")
    assert request.meta["playwright"] is True
    assert request.meta["playwright_page_init_callback"] == "madar.rendering.serve_fetched_html"
    assert request.dont_filter


def test_off_mode_is_a_plain_request():
    request = rendered_request("https://madaralyoum.com/a/", "off", cb_kwargs={"k": 1})
    assert type(request) is scrapy.Request and META_RENDER not in request.meta
    assert request.cb_kwargs == {"k": 1}


def test_is_html_response_accepts_rendered_splash_text():
    install_scrapy_splash_compat()
    from scrapy.http import HtmlResponse, TextResponse
    from scrapy_splash import SplashTextResponse

    from madar.rendering import is_html_response

    request = rendered_request("https://madaralyoum.com/a/", "splash")
    html_headers = {"Content-Type": "text/html; charset=utf-8"}
    rendered = SplashTextResponse(
        "https://madaralyoum.com/a/", body=b"<p>x</p>", headers=html_headers, request=request
    )
    assert is_html_response(rendered)
    plain_request = scrapy.Request("https://madaralyoum.com/a/")
    text = TextResponse("https://madaralyoum.com/a.txt", body=b"x", request=plain_request)
    assert not is_html_response(text)
    assert is_html_response(
        HtmlResponse("https://madaralyoum.com/a/", body=b"<p>x</p>", request=plain_request)
    )


# --- needs_rendering ----------------------------------------------------------------------------

SCRIPT = "<script src='/wp-content/themes/jannah/main.js'></script>"


def page(body: str, script: str = SCRIPT) -> str:
    return f"<html><head><meta charset='utf-8'></head><body>{body}{script}</body></html>"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Server-rendered article (Sahifa, Jannah): nothing to render.
        ("<div class='entry'><p>طهران – مدار اليوم نص</p></div>", []),
        ("<div class='entry-content clearfix'><p>نص الخبر</p></div>", []),
        # Body container empty, or only a loading placeholder.
        ("<div class='entry'></div>", ["entry"]),
        ("<div class='entry-content'>\n <!-- filled by ajax -->\n</div>", ["entry-content"]),
        ("<div class='entry-content'><p class='loading'>جار التحميل…</p></div>", ["entry-content"]),
        ("<div class='entry-content'><i class='spinner'></i> Loading...</div>", ["entry-content"]),
        ("<div class='entry' aria-busy='true'><p>…</p></div>", ["entry"]),
        # Check-also / related boxes injected after load.
        ("<section id='check-also-box'></section>", ["check-also-box"]),
        ("<section id='related_posts'><div class='block-head'></div></section>", ["related_posts"]),
        (
            "<section id='check-also-box'><a class='check-also-post' href='/x'>عنوان</a></section>",
            [],
        ),
        # Script-filled "load more" list.
        ("<ul class='posts-items' data-load-more='/wp-json/x'></ul>", ["data-load-more"]),
        ("<ul data-load-more='/wp-json/x'><li><a href='/a'>خبر</a></li></ul>", []),
        ("<div class='load-more-posts'></div>", ["load-more-posts"]),
        # Names that only contain a marker are not markers.
        ("<div class='entry-meta'></div><div class='entry-header'></div>", []),
    ],
)
def test_script_filled_containers(body, expected):
    html = page(body)
    assert script_filled_containers(html) == expected
    assert needs_rendering(html) is bool(expected)


def test_no_script_means_no_rendering():
    assert not needs_rendering(page("<div class='entry'></div>", script=""))


def test_empty_and_broken_html():
    assert not needs_rendering("")
    assert not needs_rendering("<script>")
