"""Compatibility layer: scrapy-splash 0.11.1 (its latest release) on Scrapy >= 2.16.

scrapy-splash has not kept up with Scrapy. Rather than pin an old Scrapy, madar applies the
smallest shims that make the released package work, in one place, and only where the bug is
actually present in the installed versions. ``install_scrapy_splash_compat()`` is idempotent and
must run before ``scrapy_splash`` is first imported (``madar.rendering`` calls it on import).

Each shim has a ``needed()`` check; tests/unit/test_splash_compat.py asserts every check is
still true for the installed packages, so an upstream release that fixes a bug turns that
test red ("shim X no longer needed") and the shim can be deleted.

Shims:

``canonicalize_url``
    scrapy-splash#332: ``scrapy_splash.request`` and ``.dupefilter`` do
    ``from scrapy.utils.url import canonicalize_url``; Scrapy 2.13 dropped that re-export of
    ``w3lib.url.canonicalize_url``, so ``import scrapy_splash`` raises ImportError. Fix: put the
    w3lib function (the very function Scrapy used to re-export) back under that name.

``slot_key``
    scrapy-splash#330: ``SplashMiddleware._get_slot_key`` calls the private
    ``Downloader._get_slot_key(request, spider)``, deprecated in Scrapy 2.12 and removed since
    2.14, so every SplashRequest fails with AttributeError under the default ``per_domain`` slot
    policy. Fix: delegate to the public ``Downloader.get_slot_key(request)``.

``async_spider_output``
    scrapy/scrapy#7504 (Scrapy 2.16): a spider middleware whose ``process_spider_output`` is a
    plain generator and that has no ``process_spider_output_async`` makes the crawler fail at
    start ("doesn't support asynchronous spider output"). The same series removed
    ``process_start_requests`` in favour of ``async def process_start``, so
    ``SplashDeduplicateArgsMiddleware`` never initialises ``spider.state`` and never sees start
    requests. Fix: add ``process_spider_output_async`` and ``process_start`` (async generators
    running the middleware's own ``_process_request``); the sync method is kept for old Scrapy.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SHIMS", "Shim", "install_scrapy_splash_compat", "needed_shims"]


@dataclass(frozen=True)
class Shim:
    name: str
    upstream: str
    needed: Callable[[], bool]
    apply: Callable[[], None]
    applied: Callable[[], bool]


# --- canonicalize_url (scrapy-splash#332) -----------------------------------------------------


def _canonicalize_url_needed() -> bool:
    import scrapy.utils.url

    if _canonicalize_url_applied():
        return True  # still needed: we put it there
    if hasattr(scrapy.utils.url, "canonicalize_url"):
        return False
    return _scrapy_splash_source_contains(
        "request.py", "from scrapy.utils.url import canonicalize_url"
    )


def _canonicalize_url_applied() -> bool:
    import scrapy.utils.url

    return getattr(scrapy.utils.url.__dict__.get("canonicalize_url"), "_madar_shim", False)


def _canonicalize_url_apply() -> None:
    import scrapy.utils.url
    from w3lib.url import canonicalize_url

    def canonicalize_url_shim(*args: Any, **kwargs: Any) -> str:
        return canonicalize_url(*args, **kwargs)

    canonicalize_url_shim.__doc__ = canonicalize_url.__doc__
    canonicalize_url_shim._madar_shim = True  # type: ignore[attr-defined]
    scrapy.utils.url.canonicalize_url = canonicalize_url_shim  # type: ignore[attr-defined]


# --- slot key (scrapy-splash#330) ---------------------------------------------------------------


def _slot_key_needed() -> bool:
    from scrapy.core.downloader import Downloader

    if _slot_key_applied():
        return True
    splash_mw = _splash_middleware_class()
    return not hasattr(
        Downloader, "_get_slot_key"
    ) and "downloader._get_slot_key(" in inspect.getsource(splash_mw._get_slot_key)


def _slot_key_applied() -> bool:
    return getattr(_splash_middleware_class()._get_slot_key, "_madar_shim", False)


def _slot_key_apply() -> None:
    def _get_slot_key(self: Any, request_or_response: Any) -> str:
        """Download slot of the target site (not Splash), via the public Downloader API."""
        return self.crawler.engine.downloader.get_slot_key(request_or_response)

    _get_slot_key._madar_shim = True  # type: ignore[attr-defined]
    _splash_middleware_class()._get_slot_key = _get_slot_key


# --- asynchronous spider output (scrapy/scrapy#7504) -------------------------------------------


def _async_output_needed() -> bool:
    if _async_output_applied():
        return True
    mw = _dedup_args_middleware_class()
    return not hasattr(mw, "process_spider_output_async") and not inspect.isasyncgenfunction(
        mw.process_spider_output
    )


def _async_output_applied() -> bool:
    mw = _dedup_args_middleware_class()
    return getattr(mw.__dict__.get("process_spider_output_async"), "_madar_shim", False)


def _async_output_apply() -> None:
    import scrapy

    mw = _dedup_args_middleware_class()

    async def _process(self: Any, spider: Any, elements: AsyncIterator[Any]
                       ) -> AsyncIterator[Any]:
        """What the sync ``process_spider_output`` does, for an asynchronous stream."""
        if not hasattr(spider, "state"):
            spider.state = {}
        spider.state.setdefault(self.local_values_key, {})
        async for element in elements:
            if isinstance(element, scrapy.Request):
                yield self._process_request(element, spider)
            else:
                yield element

    async def process_spider_output_async(
        self: Any, response: Any, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for element in _process(self, spider or self._madar_spider, result):
            yield element

    async def process_start(self: Any, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for element in _process(self, self._madar_spider, start):
            yield element

    def from_crawler(cls: type, crawler: Any) -> Any:
        instance = cls()
        # The spider exists before middlewares are built; keep a handle for process_start().
        instance._madar_crawler = crawler
        return instance

    process_spider_output_async._madar_shim = True  # type: ignore[attr-defined]
    mw.process_spider_output_async = process_spider_output_async
    mw.process_start = process_start
    mw._madar_spider = property(lambda self: self._madar_crawler.spider)
    if "from_crawler" not in mw.__dict__:
        mw.from_crawler = classmethod(from_crawler)


# --- helpers ------------------------------------------------------------------------------------


def _scrapy_splash_source_contains(module_file: str, text: str) -> bool:
    """Read scrapy-splash's source without importing it (importing is what fails)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("scrapy_splash")
    if spec is None or not spec.submodule_search_locations:
        return False
    path = Path(next(iter(spec.submodule_search_locations))) / module_file
    return path.is_file() and text in path.read_text(encoding="utf-8")


def _splash_middleware_class() -> type:
    _canonicalize_url_ready()
    from scrapy_splash.middleware import SplashMiddleware

    return SplashMiddleware


def _dedup_args_middleware_class() -> type:
    _canonicalize_url_ready()
    from scrapy_splash.middleware import SplashDeduplicateArgsMiddleware

    return SplashDeduplicateArgsMiddleware


def _canonicalize_url_ready() -> None:
    """scrapy_splash cannot be imported before the first shim; apply it if needed."""
    if "scrapy_splash" not in sys.modules and _canonicalize_url_needed():
        _canonicalize_url_apply()


SHIMS: tuple[Shim, ...] = (
    Shim(
        "canonicalize_url",
        "scrapy-plugins/scrapy-splash#332",
        _canonicalize_url_needed,
        _canonicalize_url_apply,
        _canonicalize_url_applied,
    ),
    Shim(
        "slot_key",
        "scrapy-plugins/scrapy-splash#330",
        _slot_key_needed,
        _slot_key_apply,
        _slot_key_applied,
    ),
    Shim(
        "async_spider_output",
        "scrapy/scrapy#7504",
        _async_output_needed,
        _async_output_apply,
        _async_output_applied,
    ),
)


def needed_shims() -> list[str]:
    """Names of the shims whose bug is present in the installed packages (applied or not)."""
    return [shim.name for shim in SHIMS if shim.needed()]


def install_scrapy_splash_compat() -> list[str]:
    """Apply every needed shim once; return the names applied by this call (idempotent)."""
    applied = []
    for shim in SHIMS:
        if shim.needed() and not shim.applied():
            shim.apply()
            applied.append(shim.name)
    return applied
