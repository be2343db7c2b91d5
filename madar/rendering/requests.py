"""Rendered requests for the two renderers behind one switch (Splash or Playwright).

How a URL is never fetched both plainly and rendered:

1. Same fingerprint. Neither ``SplashAwareDupeFilter`` nor ``SplashRequestFingerprinter`` is
   configured (their purpose is to make a SplashRequest's fingerprint *differ* from the plain
   request's). With Scrapy's default fingerprinter a rendered request of a URL and a plain request
   of it have the same fingerprint (method + canonical URL + body; ``meta`` is ignored), so the
   dupefilter lets only the first through, whichever mode it has.
2. Upgrades re-render, they do not re-fetch. When a plain response turns out to need rendering
   (``needs_rendering``), ``rendered_request(..., html=response.text)`` asks the renderer to run
   the page's scripts on the HTML already downloaded, at the page's URL (Splash: ``execute`` with
   ``splash:set_content(html, baseurl=url)``; Playwright: the page's own navigation is fulfilled
   from that HTML by a route). The site sees the page URL once; the browser fetches only what the
   scripts ask for. Such a request is ``dont_filter`` (its fingerprint is the plain one, seen).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import scrapy
from scrapy.settings import BaseSettings

from madar.rendering.splash_compat import install_scrapy_splash_compat

RenderMode = Literal["off", "splash", "playwright"]
RENDER_MODES: tuple[RenderMode, ...] = ("off", "splash", "playwright")
# Request.meta keys set on every rendered request.
META_RENDER = "madar_render"  # "splash" | "playwright"
META_RERENDER = "madar_rerender"  # True: renders HTML already fetched (no second page fetch)
META_HTML = "madar_render_html"  # the HTML to re-render (Playwright route reads it)

DEFAULT_WAIT = 0.5  # seconds after load for scripts to fill their boxes
DEFAULT_TIMEOUT = 30  # seconds for the whole render

# Splash Lua for re-rendering downloaded HTML at its own URL (scripts, XHR, relative links work
# as on the live page). Images off, like render.html's images=0; the crawl's headers (User-Agent)
# are sent with the scripts' own requests, as render.html does.
RERENDER_LUA = """
function main(splash, args)
  splash.images_enabled = false
  if args.headers then splash:set_custom_headers(args.headers) end
  assert(splash:set_content{data=args.html, mime_type="text/html; charset=utf-8",
                            baseurl=args.url})
  assert(splash:wait(args.wait))
  splash:set_result_content_type("text/html; charset=utf-8")
  return splash:html()
end
"""

PLAYWRIGHT_LAUNCH_OPTIONS: dict[str, Any] = {
    "executable_path": "/usr/bin/chromium",
    "args": [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
    ],
}


def render_mode(
    settings: BaseSettings | Mapping[str, Any], spider_arg: str | None = None
) -> RenderMode:
    """The renderer for this crawl: ``-a render=`` wins, else Splash when ``SPLASH_URL`` is set.

    ``spider_arg`` accepts off/none/0/false, splash, playwright (case-insensitive); anything
    else is a ValueError so a typo does not silently crawl without rendering.
    """
    if spider_arg is not None and str(spider_arg).strip() != "":
        value = str(spider_arg).strip().lower()
        if value in ("off", "none", "no", "0", "false", "plain"):
            return "off"
        if value in ("splash", "playwright"):
            return value  # type: ignore[return-value]
        raise ValueError(f"render must be one of off, splash, playwright; got {spider_arg!r}")
    return "splash" if settings.get("SPLASH_URL") else "off"


def settings_for(mode: RenderMode) -> dict[str, Any]:
    """Settings a crawl in ``mode`` needs, to merge with ``apply_render_settings``.

    Component dicts (middlewares, handlers) must be merged into the project's, not replace
    them; ``apply_render_settings`` does that.
    """
    if mode == "off":
        return {}
    if mode == "splash":
        install_scrapy_splash_compat()
        return {
            "DOWNLOADER_MIDDLEWARES": {
                "scrapy_splash.SplashMiddleware": 725,
                # scrapy-splash's documented order: decompress before SplashMiddleware.
                "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 810,
            },
            "SPIDER_MIDDLEWARES": {"scrapy_splash.SplashDeduplicateArgsMiddleware": 100},
            # One Splash renders one page per slot; keep per-site politeness (per_domain slot).
            "SPLASH_SLOT_POLICY": "per_domain",
        }
    if mode == "playwright":
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        return {
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": PLAYWRIGHT_LAUNCH_OPTIONS,
            "PLAYWRIGHT_ABORT_REQUEST": "madar.rendering.playwright.abort_heavy_resources",
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": DEFAULT_TIMEOUT * 1000,
        }
    raise ValueError(f"unknown render mode {mode!r}")


_COMPONENT_DICTS = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "DOWNLOAD_HANDLERS")


def apply_render_settings(
    settings: BaseSettings, mode: RenderMode, priority: str = "spider"
) -> None:
    """Merge ``settings_for(mode)`` into mutable crawler settings (component dicts merged)."""
    for name, value in settings_for(mode).items():
        if name in _COMPONENT_DICTS:
            merged = dict(settings.getdict(name))
            merged.update(value)
            settings.set(name, merged, priority)
        else:
            settings.set(name, value, priority)


def rendered_request(
    url: str,
    mode: RenderMode,
    callback: Callable[..., Any] | None = None,
    *,
    html: str | None = None,
    wait: float = DEFAULT_WAIT,
    meta: dict[str, Any] | None = None,
    **kwargs: Any,
) -> scrapy.Request:
    """A request for ``url`` rendered by ``mode`` (``"off"`` gives a plain Request).

    ``html``: the page's HTML as already fetched plainly; the renderer runs its scripts at
    ``url`` instead of fetching ``url`` again (and the request is ``dont_filter``).
    Other keyword arguments go to the Request (``cb_kwargs``, ``priority``, ``errback`` …).
    """
    meta = dict(meta or {})
    if mode == "off":
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)
    meta[META_RENDER] = mode
    if html is not None:
        meta[META_RERENDER] = True
        kwargs["dont_filter"] = True
    if mode == "splash":
        return _splash_request(url, callback, html=html, wait=wait, meta=meta, **kwargs)
    if mode == "playwright":
        return _playwright_request(url, callback, html=html, wait=wait, meta=meta, **kwargs)
    raise ValueError(f"unknown render mode {mode!r}")


def is_rendered(response: scrapy.http.Response) -> bool:
    """True for a response that came through a renderer."""
    return bool(response.meta.get(META_RENDER))


def is_html_response(response: scrapy.http.Response) -> bool:
    """An HTML page, plain or rendered.

    Use instead of ``isinstance(response, HtmlResponse)``: scrapy-splash returns its own
    ``SplashTextResponse`` (a TextResponse, not an HtmlResponse) for rendered HTML.
    """
    if isinstance(response, scrapy.http.HtmlResponse):
        return True
    if not isinstance(response, scrapy.http.TextResponse) or not is_rendered(response):
        return False
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return content_type.startswith(("text/html", "application/xhtml"))


def _splash_request(
    url: str, callback: Any, *, html: str | None, wait: float, meta: dict[str, Any], **kwargs: Any
) -> scrapy.Request:
    install_scrapy_splash_compat()
    from scrapy_splash import SplashRequest

    if html is None:
        args = {"wait": wait, "images": 0, "timeout": DEFAULT_TIMEOUT}
        return SplashRequest(url, callback, endpoint="render.html", args=args, meta=meta, **kwargs)
    args = {"lua_source": RERENDER_LUA, "html": html, "wait": wait, "timeout": DEFAULT_TIMEOUT}
    return SplashRequest(
        url,
        callback,
        endpoint="execute",
        args=args,
        cache_args=["lua_source"],
        meta=meta,
        **kwargs,
    )


def _playwright_request(
    url: str, callback: Any, *, html: str | None, wait: float, meta: dict[str, Any], **kwargs: Any
) -> scrapy.Request:
    from scrapy_playwright.page import PageMethod

    meta["playwright"] = True
    meta["playwright_page_methods"] = [PageMethod("wait_for_timeout", int(wait * 1000))]
    if html is not None:
        meta[META_HTML] = html
        meta["playwright_page_init_callback"] = "madar.rendering.playwright.serve_fetched_html"
    return scrapy.Request(url, callback=callback, meta=meta, **kwargs)
