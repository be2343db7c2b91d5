"""The memory that outlives a run: SQLite in the state directory, or Redis when shared.

``open_store(settings)`` picks the dedup store: ``REDIS_URL`` set -> :class:`RedisSeenStore`
(several workers share it), otherwise :class:`SQLiteSeenStore` under ``MADAR_STATE_DIR``.
Anyone may open one to ask ``knows_url(url)``. :class:`FetchedLog` remembers the article
URLs completed runs fetched without an item (for incremental crawls).
"""

from __future__ import annotations

import os
from typing import Any

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
    "open_store",
    "state_dir",
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


def state_dir(settings: Any = None) -> str:
    """``MADAR_STATE_DIR`` (setting, else environment), default ``.madar-state``."""
    return (_get(settings, "MADAR_STATE_DIR") or os.environ.get("MADAR_STATE_DIR")
            or ".madar-state")


def open_store(settings: Any = None) -> SeenStore:
    """The store the settings ask for: Redis when ``REDIS_URL`` is set (setting, else
    environment), else SQLite in :func:`state_dir` (``MADAR_STATE_COMMIT_*`` outside a crawl).
    """
    params = dedup_parameters(settings)
    redis_url = _get(settings, "REDIS_URL") or os.environ.get("REDIS_URL")
    if redis_url:
        from madar.state.redis_store import RedisSeenStore

        return RedisSeenStore(redis_url, prefix=_get(settings, "MADAR_REDIS_PREFIX"), **params)
    from madar.state.sqlite_store import SQLiteSeenStore

    return SQLiteSeenStore(
        state_dir(settings),
        commit_every=int(_get(settings, "MADAR_STATE_COMMIT_EVERY")),
        commit_seconds=float(_get(settings, "MADAR_STATE_COMMIT_SECONDS")),
        **params,
    )
