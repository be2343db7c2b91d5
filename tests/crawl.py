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
