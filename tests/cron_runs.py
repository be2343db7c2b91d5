"""Run ``python -m madar.cron`` in a subprocess, as cron does, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawl import FAST_LOCAL, REPO


def cron_command(base_url: str, root: Path, *extra: str,
                 settings: dict[str, str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "madar.cron", "--base-url", base_url,
           "--data-dir", str(root / "data"), "--state-dir", str(root / "state"),
           "--log-dir", str(root / "logs"), *extra]
    for key, value in {**FAST_LOCAL, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def cron_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}


def run_cron(base_url: str, root: Path, *extra: str, settings: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cron_command(base_url, root, *extra, settings=settings), cwd=REPO,
                          env=cron_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)


def start_cron(base_url: str, root: Path, *extra: str,
               settings: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(cron_command(base_url, root, *extra, settings=settings), cwd=REPO,
                            env=cron_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def feeds(root: Path) -> list[Path]:
    return sorted((root / "data").rglob("*.jsonl"))


def log_tail(root: Path, result: subprocess.CompletedProcess | None = None) -> str:
    logs = sorted((root / "logs").rglob("*.log"))
    text = logs[-1].read_text(encoding="utf-8", errors="replace") if logs else ""
    head = f"exit {result.returncode}\nstderr: {result.stderr[-2000:]}\n" if result else ""
    return head + text[-6000:]


def all_lines(root: Path) -> list[dict]:
    """Every line of every finished feed, each parsed (a bad line fails the test)."""
    rows = []
    for path in feeds(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                rows.append(json.loads(line))
            except ValueError:
                pytest.fail(f"{path}:{number} is not valid JSON: {line[:200]!r}")
    return rows
