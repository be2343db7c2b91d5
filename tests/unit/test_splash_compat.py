"""madar.rendering.splash_compat: each shim is still needed, and each shim works.

The "still needed" tests run a fresh interpreter with nothing patched and check that the upstream
bug is present in the installed scrapy-splash / Scrapy. When a release fixes one, its test fails
with "shim X no longer needed": delete that shim from madar/rendering/splash_compat.py
(and this test).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from madar.rendering import splash_compat as compat


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter (no shim applied yet)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )


# --- the bugs are still there upstream ---------------------------------------------------------


def test_canonicalize_url_shim_still_needed():
    result = run_fresh("import scrapy_splash")
    assert result.returncode != 0 and "canonicalize_url" in result.stderr, (
        "shim canonicalize_url no longer needed: scrapy_splash imports on this Scrapy "
        "(scrapy-plugins/scrapy-splash#332 fixed?)"
    )


def test_slot_key_shim_still_needed():
    result = run_fresh(
        """
        import inspect, scrapy.utils.url, w3lib.url
        scrapy.utils.url.canonicalize_url = w3lib.url.canonicalize_url
        from scrapy.core.downloader import Downloader
        from scrapy_splash.middleware import SplashMiddleware
        print(hasattr(Downloader, "_get_slot_key"))
        print("downloader._get_slot_key(" in inspect.getsource(SplashMiddleware._get_slot_key))
        """
    )
    assert result.returncode == 0, result.stderr
    downloader_has_private, splash_calls_private = result.stdout.split()
    assert (downloader_has_private, splash_calls_private) == ("False", "True"), (
        "shim slot_key no longer needed: Downloader._get_slot_key is back or scrapy-splash "
        "stopped calling it (scrapy-plugins/scrapy-splash#330)"
    )


def test_needed_shims_agrees_with_the_fresh_checks():
    result = run_fresh("from madar.rendering.splash_compat import needed_shims; "
                       "print(','.join(needed_shims()))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(",") == [shim.name for shim in compat.SHIMS]


# --- the shims work ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def splash_compat():
    compat.install_scrapy_splash_compat()
    import scrapy_splash

    return scrapy_splash


def test_install_is_idempotent_and_applies_everything():
    result = run_fresh(
        """
        from madar.rendering.splash_compat import install_scrapy_splash_compat, SHIMS
        print(",".join(install_scrapy_splash_compat()))
        print(",".join(install_scrapy_splash_compat()) or "-")
        print(all(shim.applied() for shim in SHIMS))
        """
    )
    assert result.returncode == 0, result.stderr
    first, second, all_applied = result.stdout.split()
    assert first == "canonicalize_url,slot_key"
    assert second == "-"
    assert all_applied == "True"


def test_canonicalize_url_is_w3libs(splash_compat):
    from scrapy.utils.url import canonicalize_url
    from w3lib.url import canonicalize_url as w3lib_canonicalize_url

    url = "http://Example.com/a?b=2&a=1#frag"
    assert canonicalize_url(url) == w3lib_canonicalize_url(url) == "http://example.com/a?a=1&b=2"
    assert canonicalize_url(url, keep_fragments=True).endswith("#frag")
    request = splash_compat.SplashRequest("http://example.com/x?b=1&a=2", args={"wait": 0.5})
    assert request.meta["splash"]["args"]["url"] == "http://example.com/x?b=1&a=2"


def test_slot_key_uses_the_target_site(splash_compat):
    crawler = get_crawler(settings_dict={"SPLASH_URL": "http://127.0.0.1:8050"})
    downloader = SimpleNamespace(
        get_slot_key=scrapy.core.downloader.Downloader.get_slot_key.__get__(
            SimpleNamespace(DOWNLOAD_SLOT="download_slot", ip_concurrency=False)
        )
    )
    crawler.engine = SimpleNamespace(downloader=downloader)
    middleware = splash_compat.SplashMiddleware.from_crawler(crawler)
    request = splash_compat.SplashRequest("https://madaralyoum.com/x/", args={"wait": 0.5})
    meta: dict = {}
    middleware._set_download_slot(request, meta, splash_compat.SlotPolicy.PER_DOMAIN)
    assert meta["download_slot"] == "madaralyoum.com"
