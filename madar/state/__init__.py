"""The memory that outlives a run, one per site (the scheme, host and port of
``MADAR_BASE_URL``): SQLite in ``<MADAR_STATE_DIR>/sites/<site>/``, or Redis under
``<MADAR_REDIS_PREFIX>:<site>`` when ``REDIS_URL`` is set (docs/crawling.md).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from madar import settings as project
from madar.dedup.decide import SeenStore as SeenStore  # re-exported, as FetchedLog
from madar.state.sqlite_store import FetchedLog as FetchedLog
from madar.state.sqlite_store import SQLiteSeenStore

SITES_DIR = "sites"
LOCK_NAME = "crawl.lock"
#: The memory's files from before it was kept per site, at the state directory's root.
LEGACY_FILES = ("seen.sqlite3", "incremental.sqlite3")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_warned_legacy: set[str] = set()


def _get(settings: Any, name: str) -> Any:
    """A setting from *settings* (Scrapy ``Settings`` or any mapping), else settings.py's."""
    value = settings.get(name) if settings is not None else None
    return getattr(project, name, None) if value is None else value


def dedup_parameters(settings: Any) -> dict[str, Any]:
    """MinHash/LSH parameters (``MADAR_NEAR_DUP_*``, measured in settings.py)."""
    return {
        "num_perm": int(_get(settings, "MADAR_NEAR_DUP_NUM_PERM")),
        "threshold": float(_get(settings, "MADAR_NEAR_DUP_THRESHOLD")),
        "shingle_size": int(_get(settings, "MADAR_NEAR_DUP_SHINGLE")),
        "seed": int(_get(settings, "MADAR_NEAR_DUP_SEED")),
    }


def site_key(base_url: str) -> str:
    """``http_127.0.0.1_8000``: scheme, host and port (default ports written out)."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) base URL: {base_url!r}")
    port = parts.port or {"http": 80, "https": 443}[scheme]  # a bad port: ValueError
    return _UNSAFE.sub("_", f"{scheme}_{parts.hostname}_{port}")


def _site(settings: Any) -> str:
    return site_key(str(_get(settings, "MADAR_BASE_URL")))


def state_root(settings: Any = None) -> str:
    """``MADAR_STATE_DIR`` (setting, else environment, else ``.madar-state``): every site's
    memory, cron's lock and run marker."""
    return (_get(settings, "MADAR_STATE_DIR") or os.environ.get("MADAR_STATE_DIR")
            or ".madar-state")


def state_dir(settings: Any = None) -> str:
    """This site's memory on disk: ``<MADAR_STATE_DIR>/sites/<site key>``."""
    root = state_root(settings)
    legacy = [name for name in LEGACY_FILES if (Path(root) / name).exists()]
    if legacy and root not in _warned_legacy:
        _warned_legacy.add(root)
        logging.getLogger(__name__).warning(
            "%s holds a memory from before memories were kept per site (%s): it is not "
            "used. Move its files into %s/%s/<site>/ for the site it belongs to, or delete "
            "them.", root, ", ".join(legacy), root, SITES_DIR)
    return str(Path(root) / SITES_DIR / _site(settings))


def redis_prefix(settings: Any = None) -> str:
    return f"{_get(settings, 'MADAR_REDIS_PREFIX')}:{_site(settings)}"


def forget_redis(client: Any, settings: Any = None) -> int:
    """Delete this site's memory from Redis; how many keys went."""
    keys = list(client.scan_iter(match=f"{redis_prefix(settings)}:*", count=1000))
    return client.delete(*keys) if keys else 0


def redis_url_of(settings: Any = None) -> str | None:
    return _get(settings, "REDIS_URL") or os.environ.get("REDIS_URL") or None


def memory_location(settings: Any = None) -> str:
    """Where this site's memory lives, for people: a directory, or Redis keys."""
    if redis_url_of(settings):
        return f"Redis keys {redis_prefix(settings)}:*"
    return state_dir(settings)


def open_store(settings: Any = None) -> SeenStore:
    """Redis when ``REDIS_URL`` is set (setting, else environment), else SQLite."""
    params = dedup_parameters(settings)
    redis_url = redis_url_of(settings)
    if redis_url:
        from madar.state.redis_store import RedisSeenStore

        return RedisSeenStore(redis_url, prefix=redis_prefix(settings), **params)
    return SQLiteSeenStore(state_dir(settings),
                           commit_every=int(_get(settings, "MADAR_STATE_COMMIT_EVERY")),
                           commit_seconds=float(_get(settings, "MADAR_STATE_COMMIT_SECONDS")),
                           **params)


class MemoryBusy(RuntimeError):
    """Another crawl holds this site's memory."""


def acquire(directory: str | Path) -> IO[str]:
    """Take ``<directory>/crawl.lock`` (flock, non-blocking): two crawls of one site would
    both find an article new. The open file holds it; the kernel drops it when we die."""
    path = Path(directory) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise MemoryBusy(f"another crawl of this site holds its memory ({holder}; "
                         f"lock {path})") from None
    handle.truncate(0)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    handle.write(f"pid {os.getpid()} since {started}\n")  # who holds it, for the message
    handle.flush()
    return handle


@contextmanager
def site_lock(directory: str | Path) -> Iterator[None]:
    handle = acquire(directory)
    try:
        yield
    finally:
        handle.close()
