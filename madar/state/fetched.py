"""Article URLs that completed runs fetched without getting an item, with their status.

Some article URLs never give an item (not an article after all, invalid, gone, failing
with 5xx); the dedup store does not know them, so the incremental policy asks this log
too: 2xx/3xx count as known for good, 5xx for ``retry_failed_after`` seconds, 4xx never.
Only a completed run records here, so a killed run never makes a URL look known.

The same log keeps each article's last seen sitemap ``<lastmod>`` (change detection: an
incremental run fetches a known article again when its lastmod moved).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

from madar.text.dates import as_utc
from madar.urls import canonical_url


class FetchedLog:
    """``<state dir>/incremental.sqlite3``: url -> (status, fetched_at); url -> lastmod."""

    FILENAME = "incremental.sqlite3"

    def __init__(self, state_dir: Path, *, retry_failed_after: float = 24 * 3600) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / self.FILENAME
        self.retry_failed_after = retry_failed_after
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("CREATE TABLE IF NOT EXISTS fetched (url TEXT PRIMARY KEY, "
                         "status INTEGER NOT NULL, fetched_at REAL NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS lastmods (url TEXT PRIMARY KEY, "
                         "lastmod TEXT NOT NULL, utc REAL)")

    def knows(self, url: str) -> bool:
        row = self._db.execute("SELECT status, fetched_at FROM fetched WHERE url = ?",
                               (canonical_url(url),)).fetchone()
        if row is None:
            return False
        status, fetched_at = row
        if status < 400:  # fetched fine, gave no item: not an article, or invalid
            return True
        # A server error may heal: skip only for a while. A 4xx is not remembered (a link
        # to a not-yet-published post may go live; listings rarely hold dead links).
        return status >= 500 and time.time() - fetched_at < self.retry_failed_after

    def lastmod(self, url: str) -> str | None:
        """The sitemap lastmod a completed run last saw for ``url``."""
        row = self._db.execute("SELECT lastmod FROM lastmods WHERE url = ?",
                               (canonical_url(url),)).fetchone()
        return row[0] if row else None

    def newest_lastmod(self) -> dt.datetime | None:
        """The latest lastmod recorded (UTC), None before any."""
        row = self._db.execute("SELECT MAX(utc) FROM lastmods").fetchone()
        return dt.datetime.fromtimestamp(row[0], dt.timezone.utc) if row[0] else None

    def record(self, statuses: dict[str, int], lastmods: dict[str, str] | None = None) -> None:
        """Remember ``{url: status}`` and ``{url: lastmod}`` in one transaction (call after a
        completed run)."""
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO fetched (url, status, fetched_at) VALUES (?, ?, ?)",
                [(canonical_url(url), status, now) for url, status in statuses.items()])
            self._db.executemany(
                "INSERT OR REPLACE INTO lastmods (url, lastmod, utc) VALUES (?, ?, ?)",
                [(canonical_url(url), lastmod, _utc_timestamp(lastmod))
                 for url, lastmod in (lastmods or {}).items()])

    def close(self) -> None:
        self._db.close()


def _utc_timestamp(lastmod: str) -> float | None:
    parsed = as_utc(lastmod)
    return parsed.timestamp() if parsed is not None else None
