"""The real servers the tests (and bench/) start on loopback: Redis, Splash, and how to stop
one; plus whether Debian's Chromium can run here."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPLASH_HOME = Path(os.environ.get("MADAR_SPLASH_HOME", "/opt/madar-splash"))
CHROMIUM = Path("/usr/bin/chromium")


def stop_server(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited after ``timeout`` seconds: a test never
    leaves a server behind, even a hung one."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@contextlib.contextmanager
def redis_server(workdir: Path, startup_timeout: float = 10.0) -> Iterator[str]:
    """Start ``redis-server`` in ``workdir``; yield its URL; stop it."""
    import redis

    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (workdir / "redis.log").open("w")
    process = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start: "
                                       + (workdir / "redis.log").read_text()) from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        stop_server(process)
        log.close()


def splash_installed() -> bool:
    return (SPLASH_HOME / "venv" / "bin" / "python").exists()


def wait_for_ping(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/_ping", timeout=2) as response,
        ):
            if response.status == 200:
                return True
        time.sleep(0.3)
    return False


@contextlib.contextmanager
def running_splash(port: int | None = None, log_path: Path | None = None) -> Iterator[str]:
    """Start deploy/splash/run-splash.sh on a loopback port; stop it and its Xvfb afterwards."""
    port = port or free_port()
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        ["bash", str(REPO / "deploy/splash/run-splash.sh"), str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: Splash + Xvfb stop together
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_ping(url, timeout=60):
            raise RuntimeError(f"Splash did not answer /_ping on {url} within 60 s")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        if log_path:
            log.close()  # type: ignore[union-attr]


def chromium_ready_or_reason() -> str | None:
    """None when Playwright can run Debian's Chromium here, else why not."""
    if not CHROMIUM.exists():
        return "Debian Chromium not installed (run deploy/playwright/install-chromium.sh)"
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        return "scrapy-playwright not installed (pip install -r requirements-render.txt)"
    return None
