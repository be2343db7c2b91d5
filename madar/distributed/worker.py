"""The id of this worker process: names its heartbeat in Redis and its feed file."""

from __future__ import annotations

import functools
import os
import re
import socket

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@functools.cache
def worker_id() -> str:
    """``MADAR_WORKER_ID`` if set, else ``<hostname>-<pid>``; safe in a file name."""
    raw = os.environ.get("MADAR_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
    return _UNSAFE.sub("_", raw).strip("_") or str(os.getpid())
