"""Helpers for the real servers the tests start (Redis, Scrapyd, the mirror's CLI)."""

from __future__ import annotations

import subprocess


def stop_server(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited after ``timeout`` seconds: a test never
    leaves a server behind, even a hung one."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
