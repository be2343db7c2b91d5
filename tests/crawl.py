"""Run the real ``scrapy crawl madar`` in a subprocess, as users do, and read its feed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Settings that make a crawl of the loopback mirror fast; politeness stays on for real sites.
FAST_LOCAL = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
}


def project_settings(**overrides: object) -> dict:
    """madar/settings.py as a dict (the one source of defaults), plus ``overrides``; for
    ``scrapy.utils.test.get_crawler``, which starts from Scrapy's defaults only."""
    from madar import settings

    return {**{name: getattr(settings, name) for name in dir(settings) if name.isupper()},
            **overrides}


def run_crawl(
    base_url: str,
    out: Path,
    state_dir: Path,
    *,
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """``scrapy crawl madar -a base_url=... -O out`` with a private state directory."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "madar", "-a", f"base_url={base_url}",
           "-O", f"{out}:jsonlines"]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in {**FAST_LOCAL, "MADAR_STATE_DIR": str(state_dir), **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    full_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}
    full_env.update(env or {})
    return subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def stats_from_log(stderr: str) -> str:
    """The 'Dumping Scrapy stats' block of a crawl log, for assertion messages."""
    start = stderr.rfind("Dumping Scrapy stats")
    return stderr[start:start + 6000] if start >= 0 else stderr[-4000:]


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
