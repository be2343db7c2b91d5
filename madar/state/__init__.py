"""The memory that outlives a run: SQLite in the state directory, or Redis when shared.

The memory is per site: keyed by the base URL's scheme, host and port (``MADAR_BASE_URL``,
which the spider sets from ``-a base_url``), so a mirror, a second mirror and the real site
never see each other's articles. On disk it lives in ``<MADAR_STATE_DIR>/sites/<site>/``
(:func:`state_dir`), in Redis under ``<MADAR_REDIS_PREFIX>:<site>``. ``python -m madar.state
forget --base-url URL`` forgets one site (:mod:`madar.state.__main__`).

``open_store(settings)`` picks the dedup store: ``REDIS_URL`` set -> :class:`RedisSeenStore`
(several workers share it), otherwise :class:`SQLiteSeenStore` in the site's directory.
Anyone may open one to ask ``knows_url(url)``. :class:`FetchedLog` remembers the article
URLs completed runs fetched without an item (for incremental crawls).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from madar import settings as project
from madar.dedup.records import (
    Conflict,
    NewArticle,
    SeenRecord,
    SeenStore,
    UrlSighting,
    any_url_key,
    url_key,
)
from madar.state.fetched import FetchedLog

__all__ = [
    "Conflict",
    "FetchedLog",
    "NewArticle",
    "SeenRecord",
    "SeenStore",
    "UrlSighting",
    "any_url_key",
    "dedup_parameters",
    "memory_location",
    "open_store",
    "site_key",
    "state_dir",
    "state_root",
    "url_key",
]


def _get(settings: Any, name: str) -> Any:
    """A setting from *settings* (Scrapy ``Settings`` or any mapping), else settings.py's."""
    value = settings.get(name) if settings is not None else None
    return getattr(project, name, None) if value is None else value


def dedup_parameters(settings: Any) -> dict[str, Any]:
    """MinHash/LSH parameters from settings (``MADAR_NEAR_DUP_*``, measured in settings.py)."""
    return {
        "num_perm": int(_get(settings, "MADAR_NEAR_DUP_NUM_PERM")),
        "threshold": float(_get(settings, "MADAR_NEAR_DUP_THRESHOLD")),
        "shingle_size": int(_get(settings, "MADAR_NEAR_DUP_SHINGLE")),
        "seed": int(_get(settings, "MADAR_NEAR_DUP_SEED")),
    }


SITES_DIR = "sites"
#: Files of the memory from before it was kept per site (at the state directory's root).
LEGACY_FILES = ("seen.sqlite3", "incremental.sqlite3")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_warned_legacy: set[str] = set()


def site_key(base_url: str) -> str:
    """``http_127.0.0.1_8000``: the scheme, host and port of a base URL (default ports
    written out), as a directory name and a Redis key part."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or {"http": 80, "https": 443}.get(scheme, 0)
    host = (parts.hostname or "").lower().strip("[]")
    if scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http(s) base URL: {base_url!r}")
    return _UNSAFE.sub("_", f"{scheme}_{host}_{port}")


def base_url_of(settings: Any = None) -> str:
    """The site this memory is for: ``MADAR_BASE_URL`` (the spider sets it from ``-a
    base_url``), default settings.py's: the real site."""
    return str(_get(settings, "MADAR_BASE_URL"))


def state_root(settings: Any = None) -> str:
    """``MADAR_STATE_DIR`` (setting, else environment), default ``.madar-state``: the
    directory that holds every site's memory (and cron's lock and run marker)."""
    return (_get(settings, "MADAR_STATE_DIR") or os.environ.get("MADAR_STATE_DIR")
            or ".madar-state")


def state_dir(settings: Any = None) -> str:
    """This site's memory on disk: ``<MADAR_STATE_DIR>/sites/<site key>``."""
    root = state_root(settings)
    _warn_legacy(root)
    return str(Path(root) / SITES_DIR / site_key(base_url_of(settings)))


def _warn_legacy(root: str) -> None:
    legacy = [name for name in LEGACY_FILES if (Path(root) / name).exists()]
    if legacy and root not in _warned_legacy:
        _warned_legacy.add(root)
        logging.getLogger(__name__).warning(
            "%s holds a memory from before memories were kept per site (%s): it is not "
            "used. Move its files into %s/%s/<site>/ for the site it belongs to, or delete "
            "them.", root, ", ".join(legacy), root, SITES_DIR)


def redis_prefix(settings: Any = None) -> str:
    """This site's key prefix in Redis: ``<MADAR_REDIS_PREFIX>:<site key>``."""
    return f"{_get(settings, 'MADAR_REDIS_PREFIX')}:{site_key(base_url_of(settings))}"


def redis_url_of(settings: Any = None) -> str | None:
    return _get(settings, "REDIS_URL") or os.environ.get("REDIS_URL") or None


def memory_location(settings: Any = None) -> str:
    """Where this site's memory lives, for people: a directory, or Redis keys."""
    if redis_url_of(settings):
        return f"Redis keys {redis_prefix(settings)}:*"
    return state_dir(settings)


def open_store(settings: Any = None) -> SeenStore:
    """The store the settings ask for: Redis when ``REDIS_URL`` is set (setting, else
    environment) under this site's key prefix (:func:`redis_prefix`), else SQLite in this
    site's directory (:func:`state_dir`; ``MADAR_STATE_COMMIT_*`` outside a crawl).
    """
    params = dedup_parameters(settings)
    redis_url = redis_url_of(settings)
    if redis_url:
        from madar.state.redis_store import RedisSeenStore

        return RedisSeenStore(redis_url, prefix=redis_prefix(settings), **params)
    from madar.state.sqlite_store import SQLiteSeenStore

    return SQLiteSeenStore(
        state_dir(settings),
        commit_every=int(_get(settings, "MADAR_STATE_COMMIT_EVERY")),
        commit_seconds=float(_get(settings, "MADAR_STATE_COMMIT_SECONDS")),
        **params,
    )
