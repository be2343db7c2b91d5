"""Hooks that scrapy-playwright loads by import path (kept import-light: no playwright import)."""

from __future__ import annotations

from typing import Any

from madar.rendering.requests import META_HTML

# Nothing the text extraction reads; skipping them is most of a render's cost.
HEAVY_RESOURCE_TYPES = frozenset({"image", "media", "font"})


def abort_heavy_resources(playwright_request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: drop images, media and fonts (like Splash's images=0)."""
    return playwright_request.resource_type in HEAVY_RESOURCE_TYPES


async def serve_fetched_html(page: Any, request: Any) -> None:
    """playwright_page_init_callback: answer the page's own navigation with the HTML we have.

    Registered after scrapy-playwright's catch-all route, so it takes precedence (Playwright
    runs the most recently registered matching route first). Only the first navigation to the
    request URL is fulfilled; the page's scripts and XHR go through the normal route.
    """
    html: str = request.meta[META_HTML]
    target = request.url
    served = False

    def is_page_navigation(url: str) -> bool:
        return not served and url.split("#", 1)[0] == target.split("#", 1)[0]

    async def fulfill(route: Any) -> None:
        nonlocal served
        if served or not route.request.is_navigation_request():
            await route.fallback()
            return
        served = True
        await route.fulfill(
            status=200,
            headers={"content-type": "text/html; charset=utf-8"},
            body=html.encode("utf-8"),
        )

    await page.route(is_page_navigation, fulfill)
