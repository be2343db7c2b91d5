"""Script-filled pages through Scrapy's downloader: plain misses them, both renderers see them.

Real Splash 3.5 (loopback) and real Debian Chromium (scrapy-playwright); a crawl is a
subprocess running mirror.probe, which wires the switch as the madar spider does.
"""

from __future__ import annotations

import pytest

from tests.js_site import SCRIPT_TEXTS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PATHS = ["/article.html", "/listing.html", "/plain.html"]


def by_path(items: list[dict], site) -> dict[str, dict]:
    return {item["url"].removeprefix(site.base_url): item for item in items}


def assert_rendered_crawl(items: list[dict], stats: dict, site) -> None:
    pages = by_path(items, site)
    assert sorted(pages) == sorted(PATHS)
    for path, texts in SCRIPT_TEXTS.items():
        page = pages[path]
        assert page["rendered"] and page["rerendered"], page
        assert page["empty_containers"] == [], page
        for text in texts:
            assert text in page["text"], (path, page["text"])
    # A server-rendered page is never sent to the renderer.
    assert not pages["/plain.html"]["rendered"]
    # Each page URL was fetched from the site exactly once: re-rendering used the HTML already
    # downloaded. The script-loaded resources were fetched by the browser.
    for path in PATHS:
        assert site.hits[path] == 1, (path, dict(site.hits))
    assert site.hits["/api/article.json"] == 1
    # The page's own script requests identify the crawler like its plain requests do.
    assert site.user_agents["/api/article.json"] == site.user_agents["/plain.html"], (
        site.user_agents
    )
    assert stats.get("log_count/ERROR", 0) == 0


def test_plain_mode_does_not_see_script_content(js_site, run_probe):
    items, stats = run_probe([js_site.url(p) for p in PATHS], "off")
    pages = by_path(items, js_site)
    assert sorted(pages) == sorted(PATHS)
    for path, texts in SCRIPT_TEXTS.items():
        assert not pages[path]["rendered"]
        assert pages[path]["empty_containers"], path
        for text in texts:
            assert text not in pages[path]["text"]
    assert "نص مكتوب في الخادم" in pages["/plain.html"]["text"]
    # No browser ran: the page's script resources were never requested.
    assert js_site.hits["/static/fill-article.js"] == 0
    assert not any(key.startswith(("splash/", "playwright/")) for key in stats)


def test_splash_renders_script_filled_pages(js_site, run_probe, splash_url):
    items, stats = run_probe([js_site.url(p) for p in PATHS], "splash", splash_url=splash_url)
    assert_rendered_crawl(items, stats, js_site)


def test_playwright_renders_script_filled_pages(js_site, run_probe, chromium_ready):
    items, stats = run_probe([js_site.url(p) for p in PATHS], "playwright")
    assert_rendered_crawl(items, stats, js_site)
    assert stats.get("playwright/page_count", 0) >= 2


@pytest.mark.parametrize("renderer", ["splash", "playwright"])
def test_direct_rendering_fetches_each_page_once(js_site, run_probe, renderer, request):
    """A rendered request and a plain one share a fingerprint: listing the same URL twice
    (as a spider finding a link in two places would) still fetches it once."""
    fixture = "splash_url" if renderer == "splash" else "chromium_ready"
    splash = request.getfixturevalue(fixture) if renderer == "splash" else None
    if renderer == "playwright":
        request.getfixturevalue(fixture)
    url = js_site.url("/article.html")
    items, _ = run_probe([url, url], renderer, splash_url=splash, strategy="direct")
    assert len(items) == 1 and items[0]["rendered"] and not items[0]["rerendered"]
    assert all(text in items[0]["text"] for text in SCRIPT_TEXTS["/article.html"])
    assert js_site.hits["/article.html"] == 1
