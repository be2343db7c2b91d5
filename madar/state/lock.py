"""One crawl at a time per site memory: an exclusive ``flock`` on ``<site dir>/crawl.lock``.

Two crawls of one site writing one SQLite memory would each decide "new" for the same
article. The lock file says who holds it (pid and start time) for the message; the kernel
drops the lock when its holder dies, even by SIGKILL, so no stale lock is ever left.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_NAME = "crawl.lock"


class MemoryBusy(RuntimeError):
    """Another process holds this site's memory."""


def acquire(directory: str | Path) -> IO[str]:
    """Take the lock (non-blocking); the open file holds it until closed."""
    path = Path(directory) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise MemoryBusy(f"another crawl of this site holds its memory ({holder}; "
                             f"lock {path})") from None
        raise
    handle.seek(0)
    handle.truncate()
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    handle.write(f"pid {os.getpid()} since {started}\n")
    handle.flush()
    return handle


@contextmanager
def site_lock(directory: str | Path) -> Iterator[None]:
    handle = acquire(directory)
    try:
        yield
    finally:
        handle.close()
