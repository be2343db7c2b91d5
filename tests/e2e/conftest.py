"""Fixtures of the end-to-end tests: real servers on loopback, skipped with the reason when
one is not installed (CI installs them all)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.crawl import run_probe_process
from tests.js_site import JsSite, serve_js_site
from tests.servers import (
    CHROMIUM,
    REDIS_SERVER,
    SPLASH_HOME,
    chromium_ready_or_reason,
    redis_server,
    running_splash,
    splash_installed,
)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server: loopback, free port, no persistence."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def splash_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Splash 3.5 (deploy/splash/install-splash.sh) for the session."""
    if not splash_installed():
        pytest.skip(
            f"Splash is not installed in {SPLASH_HOME} (run deploy/splash/install-splash.sh)"
        )
    log_path = tmp_path_factory.mktemp("splash") / "splash.log"
    with running_splash(log_path=log_path) as url:
        yield url


@pytest.fixture(scope="session")
def chromium_ready() -> str:
    """Debian's Chromium and scrapy-playwright are here, else the test is skipped."""
    reason = chromium_ready_or_reason()
    if reason:
        pytest.skip(reason)
    return str(CHROMIUM)


@pytest.fixture
def js_site() -> Iterator[JsSite]:
    with serve_js_site() as site:
        yield site


@pytest.fixture
def run_probe(tmp_path: Path) -> Callable[..., tuple[list[dict], dict]]:
    """One crawl of some URLs through mirror.probe: returns (items, stats)."""
    return functools.partial(run_probe_process, out_dir=tmp_path)
