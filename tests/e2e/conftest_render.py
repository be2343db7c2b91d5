"""Fixtures for the rendering tests: a real Splash, Debian's Chromium, script-filled pages.

Import the fixtures where needed (``from tests.e2e.conftest_render import *``-style named
imports), or list this module in a conftest's ``pytest_plugins``.

- ``splash_url``: a real Splash 3.5 (deploy/splash/install-splash.sh) started on a free
  loopback port for the session, stopped (with its Xvfb) at the end. Skips when not installed.
- ``chromium_ready``: Debian's /usr/bin/chromium and scrapy-playwright present, else skip.
- ``js_site``: a loopback HTTP server over pages whose content is inserted by script, counting
  the hits per path (to prove a page is not fetched twice).
- ``run_probe``: runs ``python -m mirror.probe`` in a subprocess, returns its items.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPLASH_HOME = Path(os.environ.get("MADAR_SPLASH_HOME", "/opt/madar-splash"))
CHROMIUM = Path("/usr/bin/chromium")

# --- pages whose content only exists after their scripts ran -------------------------------------

ARTICLE = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>اجتماع روسي ايراني</title></head>
<body class="single single-post">
<article id="the-post">
  <h1 class="post-title entry-title">اجتماع روسي ايراني في طهران</h1>
  <div class="entry-content"><p class="loading">جار التحميل…</p></div>
  <section id="check-also-box"></section>
</article>
<script src="/static/fill-article.js"></script>
</body></html>
"""
FILL_ARTICLE_JS = """
var xhr = new XMLHttpRequest();
xhr.open('GET', '/api/article.json');
xhr.onload = function () {
  var data = JSON.parse(xhr.responseText);
  document.querySelector('.entry-content').innerHTML = '<p>' + data.body + '</p>';
  document.getElementById('check-also-box').innerHTML =
    '<a class="check-also-post" href="/also.html">' + data.also + '</a>';
};
xhr.send();
"""
ARTICLE_JSON = {
    "body": "طهران – مدار اليوم بحث وزيرا خارجية البلدين نص الخبر الكامل",
    "also": "تعديلات في قانون الأحوال الشخصية",
}
LISTING = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>آخر الأخبار</title></head>
<body>
<div class="entry"><p>قائمة آخر الأخبار</p></div>
<ul class="posts-items load-more-posts" data-load-more="/api/latest.json"></ul>
<script>
(function () {
  var list = document.querySelector('[data-load-more]');
  var items = ['خبر محمّل بالسكربت أول', 'خبر محمّل بالسكربت ثان'];
  for (var i = 0; i < items.length; i++) {
    var li = document.createElement('li');
    li.innerHTML = '<a href="/news-' + i + '.html">' + items[i] + '</a>';
    list.appendChild(li);
  }
})();
</script>
</body></html>
"""
PLAIN = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>خبر عادي</title></head>
<body><article><h1 class="post-title entry-title">خبر عادي</h1>
<div class="entry"><p>نص مكتوب في الخادم بلا سكربت</p></div></article>
<script>window.analytics = true;</script>
</body></html>
"""
PAGES: dict[str, tuple[str, bytes]] = {
    "/article.html": ("text/html; charset=utf-8", ARTICLE.encode()),
    "/static/fill-article.js": ("application/javascript", FILL_ARTICLE_JS.encode()),
    "/api/article.json": (
        "application/json",
        json.dumps(ARTICLE_JSON, ensure_ascii=False).encode(),
    ),
    "/listing.html": ("text/html; charset=utf-8", LISTING.encode()),
    "/plain.html": ("text/html; charset=utf-8", PLAIN.encode()),
}
SCRIPT_TEXTS = {
    "/article.html": [ARTICLE_JSON["body"], ARTICLE_JSON["also"]],
    "/listing.html": ["خبر محمّل بالسكربت أول", "خبر محمّل بالسكربت ثان"],
}


@dataclass
class JsSite:
    base_url: str
    hits: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    user_agents: dict[str, set[str]] = field(default_factory=dict)
    extra_pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


class _Handler(http.server.BaseHTTPRequestHandler):
    site: JsSite

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.site.lock:
            self.site.hits[path] += 1
            agents = self.site.user_agents.setdefault(path, set())
            agents.add(self.headers.get("User-Agent", ""))
        page = PAGES.get(path) or self.site.extra_pages.get(path)
        if page is None:
            self.send_error(404)
            return
        content_type, body = page
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def js_site() -> Iterator[JsSite]:
    site = JsSite(base_url="")
    handler = type("Handler", (_Handler,), {"site": site})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


# --- renderers -----------------------------------------------------------------------------------


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


@pytest.fixture(scope="session")
def splash_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not splash_installed():
        pytest.skip(
            f"Splash is not installed in {SPLASH_HOME} (run deploy/splash/install-splash.sh)"
        )
    log_path = tmp_path_factory.mktemp("splash") / "splash.log"
    with running_splash(log_path=log_path) as url:
        yield url


def chromium_ready_or_reason() -> str | None:
    """None when Playwright can run Debian's Chromium here, else why not."""
    if not CHROMIUM.exists():
        return "Debian Chromium not installed (run deploy/playwright/install-chromium.sh)"
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        return "scrapy-playwright not installed (pip install -r requirements-render.txt)"
    return None


@pytest.fixture(scope="session")
def chromium_ready() -> str:
    reason = chromium_ready_or_reason()
    if reason:
        pytest.skip(reason)
    return str(CHROMIUM)


# --- running a crawl ----------------------------------------------------------------------------


def run_probe_process(
    urls: list[str],
    render: str,
    out_dir: Path,
    *,
    splash_url: str | None = None,
    strategy: str = "detect",
    concurrency: int = 8,
    timeout: float = 180,
) -> tuple[list[dict], dict]:
    """One crawl of ``urls`` through mirror.probe; return (items, stats)."""
    output = out_dir / f"items-{render}-{strategy}.jl"
    stats_path = out_dir / f"stats-{render}-{strategy}.json"
    command = [
        sys.executable,
        "-m",
        "mirror.probe",
        "--render",
        render,
        "--strategy",
        strategy,
        "--concurrency",
        str(concurrency),
        "--output",
        str(output),
        "--stats",
        str(stats_path),
    ]
    if splash_url:
        command += ["--splash-url", splash_url]
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    env.pop("SPLASH_URL", None)
    result = subprocess.run(
        command + urls, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(
            f"probe crawl failed (rc={result.returncode}):\n{result.stderr[-6000:]}"
        )
    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    return items, stats


@pytest.fixture
def run_probe(tmp_path: Path) -> Callable[..., tuple[list[dict], dict]]:
    return functools.partial(run_probe_process, out_dir=tmp_path)
