"""Shared helpers of the performance benchmarks (throughput, stages, scale, extraction).

- :func:`machine` — the facts every result file records (CPUs, CPU model, versions, load);
- :class:`MirrorProcess` — the offline mirror in its own process, every page the crawl
  will ask for rendered before the clock starts (so the crawl does not pay for the
  generator), optionally pinned to one CPU, with its CPU time readable from ``/proc``;
- :func:`run_child` — a crawler subprocess with its own ``rusage`` (``os.wait4``): CPU
  seconds and peak RSS of that child only, not of anything else on the machine;
- :func:`mirror_pages` — the mirror's article pages rendered in this process (no HTTP), for
  the in-process benchmarks;
- :func:`table` — a plain-text table for the console.

Run as a script it serves a warmed mirror: ``python bench/common.py serve --articles N``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PYTHON = sys.executable
#: The host the in-process benchmarks pretend to serve from (ground truth uses the same).
LOCAL_HOST = "127.0.0.1:8000"
LOCAL_BASE = f"http://{LOCAL_HOST}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- machine -----------------------------------------------------------------------------

def machine(**extra: str) -> dict:
    """The facts a benchmark result needs to be read against (plus ``extra`` versions)."""
    import lxml.etree
    import scrapy

    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
        "platform": platform.platform(),
        "loadavg_at_start": list(os.getloadavg()),
        **extra,
    }


def save(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"saved {path}")


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(row, widths, strict=False))) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "–" if value is None else str(value)


# --- processes ---------------------------------------------------------------------------

def cpu_seconds_of(pid: int) -> float:
    """utime + stime of a running process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pin_prefix(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


@dataclass
class ChildResult:
    returncode: int
    wall_s: float
    cpu_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int
    stderr: str


def run_child(cmd: list[str], *, cwd: Path, env: dict | None = None, cpu: int | None = None,
              timeout: float = 900) -> ChildResult:
    """Run ``cmd`` to the end; CPU and peak RSS of that child only (``os.wait4``)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+", errors="replace") as err:  # the log, off the work tree
        proc = subprocess.Popen(pin_prefix(cpu) + cmd, cwd=cwd, env=full_env,
                                stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildResult(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_utime,
                       usage.ru_stime, usage.ru_maxrss, stderr)


_STATS_BLOCK = re.compile(r"Dumping Scrapy stats:\n(\{.*?\})\n", re.S)


def scrapy_stats(stderr: str) -> dict:
    """The final stats dict of a Scrapy log (datetimes dropped)."""
    match = _STATS_BLOCK.search(stderr)
    if not match:
        return {}
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", match.group(1))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return {}


# --- the mirror --------------------------------------------------------------------------

def warm_paths(mirror) -> list[str]:
    """Paths a crawl of the mirror asks for: home, every category page, every post."""
    from mirror.generator import wp_quote
    from mirror.listing import page_count

    site = mirror.site
    paths = ["/robots.txt", "/"]
    paths += [f"/page/{n}/" for n in range(2, page_count(len(site.listed)) + 1)]
    for name, slug in site.categories.items():
        for n in range(1, page_count(len(site.by_category[name])) + 1):
            paths.append(f"/category/{wp_quote(slug)}/" + ("" if n == 1 else f"page/{n}/"))
    paths += [post.path for post in site.posts]
    paths += mirror.sitemaps.paths()
    return paths


def serve_warm(articles: int, seed: int, port: int, archive_only: float = 0.0) -> None:
    """Serve a mirror whose pages are all rendered (unbounded page cache) before it binds;
    ``archive_only``: that share of the posts is listed only in the sitemaps."""
    from functools import lru_cache

    from mirror import MirrorServer
    from mirror.changes import SiteChanges

    server = MirrorServer(articles, seed, port=port, changes=SiteChanges(archive_only))
    mirror = server.mirror
    mirror.render = lru_cache(maxsize=None)(mirror._render)
    started = time.perf_counter()
    for path in warm_paths(mirror):
        mirror.respond(path, server.netloc)
    print(json.dumps({"base_url": server.base_url, "warm_s": time.perf_counter() - started}),
          flush=True)
    server.serve_forever()


class MirrorProcess:
    """The warmed mirror in a subprocess; ``cpu_s()`` reads its CPU time so far."""

    def __init__(self, articles: int, seed: int = 1, cpu: int | None = None,
                 archive_only: float = 0.0) -> None:
        cmd = [*pin_prefix(cpu), PYTHON, str(Path(__file__).resolve()), "serve",
               "--articles", str(articles), "--seed", str(seed),
               "--archive-only", str(archive_only)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(REPO)})
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("mirror process died before serving")
        info = json.loads(line)
        self.base_url: str = info["base_url"]
        self.warm_s: float = info["warm_s"]

    def cpu_s(self) -> float:
        return cpu_seconds_of(self.proc.pid)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> MirrorProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def uncached_mirror(articles: int, seed: int = 1):
    """A :class:`mirror.Mirror` that renders every page anew (no page cache)."""
    from mirror import Mirror

    mirror = Mirror(articles, seed, cache_size=0)
    mirror.render = mirror._render  # no cache: pages are produced and dropped
    return mirror


def mirror_pages(articles: int, seed: int = 1, *, amp: bool = False, mirror=None
                 ) -> Iterator[tuple[str, bytes, object]]:
    """(url, HTML bytes, post) of every post page, rendered in process, not cached.

    Lazy: at 20,000 articles the pages are never all in memory at once.
    """
    mirror = mirror or uncached_mirror(articles, seed)
    for post in mirror.site.posts:
        for path in ([post.path, post.path + "amp/"] if amp else [post.path]):
            reply = mirror.respond(path, LOCAL_HOST)
            if reply.status == 200:
                yield LOCAL_BASE + path, reply.body, post


def rss_kib() -> tuple[int, int]:
    """(current, peak) RSS of this process in KiB, from /proc/self/status."""
    now = peak = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1])
    return now, peak


def reset_peak_rss() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/common.py")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a warmed mirror; prints its base URL as JSON")
    serve.add_argument("--articles", type=int, default=5000)
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--archive-only", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve_warm(args.articles, args.seed, args.port, args.archive_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
