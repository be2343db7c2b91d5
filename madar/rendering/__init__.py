"""JavaScript rendering, off by default: Splash (scrapy-splash) or Playwright behind one switch.

A rendered request keeps the plain request's fingerprint, and a page found to need rendering is
re-rendered from the HTML already downloaded, so the site sees each URL once (docs/rendering.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, get_args

import scrapy
from scrapy.settings import BaseSettings

from madar.rendering.detect import needs_rendering, script_filled_containers
from madar.rendering.splash_compat import install_scrapy_splash_compat

__all__ = ["META_RENDER", "META_RERENDER", "RenderMode", "apply_render_settings",
           "is_html_response", "is_rendered", "needs_rendering", "render_mode",
           "rendered_request", "script_filled_containers", "settings_for"]

RenderMode = Literal["off", "splash", "playwright"]
META_RENDER = "madar_render"  # on every rendered request: "splash" | "playwright"
META_RERENDER = "madar_rerender"  # True: renders HTML already fetched
META_HTML = "madar_render_html"  # that HTML, for the Playwright route
DEFAULT_WAIT = 0.5  # seconds after load for scripts to fill their boxes
DEFAULT_TIMEOUT = 30  # seconds for the whole render
HEAVY_RESOURCE_TYPES = frozenset({"image", "media", "font"})  # nothing the extraction reads

# Splash re-renders downloaded HTML at its own URL (scripts, XHR and relative links work as on
# the live page), images off like render.html's images=0, with the crawl's headers.
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

def render_mode(settings: BaseSettings | Mapping[str, Any], spider_arg: str | None = None
                ) -> RenderMode:
    """``-a render=`` wins, else Splash when ``SPLASH_URL`` is set; a typo is a ValueError."""
    value = str(spider_arg or "").strip().lower()
    if not value:
        return "splash" if settings.get("SPLASH_URL") else "off"
    if value in ("off", "none", "no", "0", "false", "plain"):
        return "off"
    if value not in get_args(RenderMode):
        raise ValueError(f"render must be one of off, splash, playwright; got {spider_arg!r}")
    return value  # type: ignore[return-value]


def settings_for(mode: RenderMode) -> dict[str, Any]:
    """The settings a crawl in ``mode`` needs (merge them with ``apply_render_settings``)."""
    if mode == "splash":
        install_scrapy_splash_compat()
        return {
            "DOWNLOADER_MIDDLEWARES": {
                "scrapy_splash.SplashMiddleware": 725,
                # scrapy-splash's documented order: decompress before SplashMiddleware.
                "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 810,
            },
            # One Splash renders one page per slot; keep per-site politeness.
            "SPLASH_SLOT_POLICY": "per_domain",
            # No SplashDeduplicateArgsMiddleware: it keeps arguments in one process's
            # spider.state, out of reach of a request from the shared Redis queue.
        }
    if mode == "playwright":
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        return {
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": "/usr/bin/chromium",  # Debian's: no browser download
                "args": ["--no-sandbox", "--disable-background-networking", "--disable-sync",
                         "--disable-component-update", "--no-first-run", "--disable-gpu"],
            },
            "PLAYWRIGHT_ABORT_REQUEST": "madar.rendering.abort_heavy_resources",
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": DEFAULT_TIMEOUT * 1000,
        }
    return {}


def apply_render_settings(settings: BaseSettings, mode: RenderMode, priority: str = "spider"
                          ) -> None:
    """Merge ``settings_for(mode)`` into mutable settings; component dicts are merged, not
    replaced."""
    for name, value in settings_for(mode).items():
        if name in ("DOWNLOADER_MIDDLEWARES", "DOWNLOAD_HANDLERS"):
            value = {**settings.getdict(name), **value}
        settings.set(name, value, priority)


def rendered_request(url: str, mode: RenderMode, callback: Callable[..., Any] | None = None, *,
                     html: str | None = None, wait: float = DEFAULT_WAIT,
                     meta: dict[str, Any] | None = None, **kwargs: Any) -> scrapy.Request:
    """A request for ``url`` rendered by ``mode`` (``"off"``: a plain Request).

    With ``html`` (the page as already fetched), the renderer runs its scripts at ``url``
    instead of fetching it again; the request is ``dont_filter`` (its fingerprint is seen).
    """
    meta = dict(meta or {})
    if mode == "off":
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)
    meta[META_RENDER] = mode
    if html is not None:
        meta[META_RERENDER] = True
        kwargs["dont_filter"] = True
    if mode == "playwright":
        from scrapy_playwright.page import PageMethod

        meta["playwright"] = True
        meta["playwright_page_methods"] = [PageMethod("wait_for_timeout", int(wait * 1000))]
        if html is not None:
            meta[META_HTML] = html
            meta["playwright_page_init_callback"] = "madar.rendering.serve_fetched_html"
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)
    install_scrapy_splash_compat()
    from scrapy_splash import SplashRequest

    if html is None:
        args = {"wait": wait, "images": 0, "timeout": DEFAULT_TIMEOUT}
        return SplashRequest(url, callback, endpoint="render.html", args=args, meta=meta, **kwargs)
    args = {"lua_source": RERENDER_LUA, "html": html, "wait": wait, "timeout": DEFAULT_TIMEOUT}
    return SplashRequest(url, callback, endpoint="execute", args=args, meta=meta, **kwargs)


def is_rendered(response: scrapy.http.Response) -> bool:
    return bool(response.meta.get(META_RENDER))


def is_html_response(response: scrapy.http.Response) -> bool:
    """An HTML page, plain or rendered (a renderer returns HTML, but scrapy-splash as a
    ``SplashTextResponse``, not an HtmlResponse)."""
    return isinstance(response, scrapy.http.HtmlResponse) or (
        is_rendered(response) and isinstance(response, scrapy.http.TextResponse))


# --- hooks that scrapy-playwright loads by import path --------------------------------------


def abort_heavy_resources(playwright_request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: drop images, media and fonts (like Splash's images=0)."""
    return playwright_request.resource_type in HEAVY_RESOURCE_TYPES


async def serve_fetched_html(page: Any, request: Any) -> None:
    """playwright_page_init_callback: answer the page's own first navigation with the HTML
    we have; its scripts and XHR go through the normal route (Playwright runs the most
    recently registered matching route first)."""
    html: str = request.meta[META_HTML]
    target = request.url.split("#", 1)[0]
    served = False

    async def fulfill(route: Any) -> None:
        nonlocal served
        if served or not route.request.is_navigation_request():
            await route.fallback()
            return
        served = True
        await route.fulfill(status=200, headers={"content-type": "text/html; charset=utf-8"},
                            body=html.encode("utf-8"))

    await page.route(lambda url: not served and url.split("#", 1)[0] == target, fulfill)
