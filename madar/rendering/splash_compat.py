"""scrapy-splash 0.11.1 (its latest release) made to work on Scrapy 2.19 by two shims.

Each shim applies only where its bug is present, before ``scrapy_splash`` is first imported;
tests/unit/test_splash_compat.py turns red ("shim X no longer needed") once an upstream release
fixes one. The bugs: docs/rendering.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import scrapy
import scrapy.utils.url
from scrapy.core.downloader import Downloader
from w3lib.url import canonicalize_url

_applied: set[str] = set()


class Shim(NamedTuple):
    name: str
    upstream: str  # the upstream issue whose fix makes the shim unnecessary
    bug_present: Callable[[], bool]
    fix: Callable[[], None]

    def applied(self) -> bool:
        return self.name in _applied


def _put_canonicalize_url_back() -> None:
    scrapy.utils.url.canonicalize_url = canonicalize_url  # type: ignore[attr-defined]
    _applied.add("canonicalize_url")


def _splash_middleware(name: str) -> type:
    """A class of ``scrapy_splash.middleware``, importable only once canonicalize_url is back."""
    if not hasattr(scrapy.utils.url, "canonicalize_url"):
        _put_canonicalize_url_back()
    import scrapy_splash.middleware

    return getattr(scrapy_splash.middleware, name)


def _use_public_slot_key() -> None:
    def _get_slot_key(self: Any, request_or_response: Any) -> str:
        """Download slot of the target site (not Splash), via the public Downloader API."""
        return self.crawler.engine.downloader.get_slot_key(request_or_response)

    _splash_middleware("SplashMiddleware")._get_slot_key = _get_slot_key


SHIMS: tuple[Shim, ...] = (
    # Scrapy 2.13 dropped scrapy.utils.url.canonicalize_url, which scrapy_splash imports.
    Shim("canonicalize_url", "scrapy-plugins/scrapy-splash#332",
         lambda: not hasattr(scrapy.utils.url, "canonicalize_url"), _put_canonicalize_url_back),
    # SplashMiddleware calls Downloader._get_slot_key, removed in Scrapy 2.14.
    Shim("slot_key", "scrapy-plugins/scrapy-splash#330",
         lambda: not hasattr(Downloader, "_get_slot_key"), _use_public_slot_key),
)


def needed_shims() -> list[str]:
    """The shims whose bug is in the installed packages (or was, before a shim fixed it)."""
    return [shim.name for shim in SHIMS if shim.applied() or shim.bug_present()]


def install_scrapy_splash_compat() -> list[str]:
    """Apply every needed shim once; return the names this call applied (idempotent)."""
    applied = []
    for shim in SHIMS:
        if not shim.applied() and shim.bug_present():
            shim.fix()
            _applied.add(shim.name)
            applied.append(shim.name)
    return applied
