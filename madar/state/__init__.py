"""The memory that outlives a run: SQLite in the state directory, or Redis when shared.

``open_store(settings)`` picks the dedup store: ``REDIS_URL`` set -> :class:`RedisSeenStore`
(several workers share it), otherwise :class:`SQLiteSeenStore` under ``MADAR_STATE_DIR``.
Anyone may open one to ask ``knows_url(url)``. :class:`FetchedLog` remembers the article
URLs completed runs fetched without an item (for incremental crawls).
"""

from __future__ import annotations

import os
from typing import Any

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


def _get(settings: Any, name: str, default: Any = None) -> Any:
    value = settings.get(name, default) if settings is not None else default
    return default if value is None else value


def dedup_parameters(settings: Any) -> dict[str, Any]:
    """MinHash/LSH parameters from settings (defaults: 128 permutations, word 3-grams, 0.6).

    0.6 is the measured choice (docs/benchmarks.md): edited republications of short articles
    (one long sentence of five rewritten) measure 0.62-0.75, distinct same-topic stories
    at most 0.27 (a daily exchange-rate bulletin and the next day's).
    """
    return {
        "num_perm": int(_get(settings, "MADAR_NEAR_DUP_NUM_PERM", 128)),
        "threshold": float(_get(settings, "MADAR_NEAR_DUP_THRESHOLD", 0.6)),
        "shingle_size": int(_get(settings, "MADAR_NEAR_DUP_SHINGLE", 3)),
        "seed": int(_get(settings, "MADAR_NEAR_DUP_SEED", 1)),
    }


def state_dir(settings: Any = None) -> str:
    """``MADAR_STATE_DIR`` (setting, else environment), default ``.madar-state``."""
    return (_get(settings, "MADAR_STATE_DIR") or os.environ.get("MADAR_STATE_DIR")
            or ".madar-state")


def open_store(settings: Any = None) -> SeenStore:
    """The store the settings ask for (a Scrapy ``Settings`` or any mapping).

    ``REDIS_URL`` (setting, else environment) selects Redis with key prefix
    ``MADAR_REDIS_PREFIX``; otherwise SQLite in ``MADAR_STATE_DIR`` (default
    ``.madar-state``), committing every ``MADAR_STATE_COMMIT_EVERY`` articles (default 50)
    or ``MADAR_STATE_COMMIT_SECONDS`` seconds (default 5).
    """
    params = dedup_parameters(settings)
    redis_url = _get(settings, "REDIS_URL") or os.environ.get("REDIS_URL")
    if redis_url:
        from madar.state.redis_store import DEFAULT_PREFIX, RedisSeenStore

        return RedisSeenStore(redis_url, prefix=_get(settings, "MADAR_REDIS_PREFIX",
                                                      DEFAULT_PREFIX), **params)
    from madar.state.sqlite_store import SQLiteSeenStore

    return SQLiteSeenStore(
        state_dir(settings),
        commit_every=int(_get(settings, "MADAR_STATE_COMMIT_EVERY", 50)),
        commit_seconds=float(_get(settings, "MADAR_STATE_COMMIT_SECONDS", 5.0)),
        **params,
    )
