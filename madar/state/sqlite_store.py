"""The memory on disk: ``seen.sqlite3`` (the dedup store) and ``incremental.sqlite3`` (what
completed runs fetched without an item), in WAL mode: a SIGKILL loses at most the open
batch, never half an article. The LSH index is rebuilt in memory from the stored
signatures on first use, so a store opened only to ask ``knows_url`` builds none.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

from madar.dedup.decide import Fingerprint, SeenRecord, SeenStore, url_key
from madar.dedup.index import NearDuplicateIndex
from madar.dedup.minhash import Signature, signature_bytes, signature_from_bytes
from madar.text.dates import as_utc
from madar.urls import canonical_url

SCHEMA_VERSION = "1"
DB_FILENAME = "seen.sqlite3"

_SCHEMA = """
PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc_id INTEGER PRIMARY KEY, url TEXT NOT NULL, post_id INTEGER,
    text_hash INTEGER NOT NULL, content_hash INTEGER NOT NULL,
    revision INTEGER NOT NULL, modified TEXT);
CREATE TABLE IF NOT EXISTS urls (
    url_key INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL, content_hash INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS post_ids (post_id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS text_hashes (
    text_hash INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (
    sig_id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL, signature BLOB NOT NULL);
"""
_DOC_OF = {"post_id": "SELECT doc_id FROM post_ids WHERE post_id = ?",
           "text": "SELECT doc_id FROM text_hashes WHERE text_hash = ?"}


_FETCHED_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetched (
    url TEXT PRIMARY KEY, status INTEGER NOT NULL, fetched_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lastmods (url TEXT PRIMARY KEY, lastmod TEXT NOT NULL, utc REAL);
"""


def _connect(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;" + schema)
    return db


class SQLiteSeenStore(SeenStore):
    """``<state_dir>/seen.sqlite3``, one writer at a time. Writes go into one open
    transaction, committed every ``commit_every`` writes or ``commit_seconds``, or only by
    :meth:`flush` when ``autocommit`` is False (a crawl commits once the feed has the lines)."""

    def __init__(self, state_dir: str | Path, *, num_perm: int = 128, threshold: float = 0.6,
                 shingle_size: int = 3, seed: int = 1, commit_every: int = 50,
                 commit_seconds: float = 5.0) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self.autocommit = True
        self.path = Path(state_dir) / DB_FILENAME
        self._db = _connect(self.path, _SCHEMA)
        wanted = {"schema": SCHEMA_VERSION, "num_perm": str(num_perm),
                  "shingle_size": str(shingle_size), "seed": str(seed)}
        self._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", wanted.items())
        self._check_parameters(dict(self._db.execute("SELECT key, value FROM meta")), wanted,
                               str(self.path))
        self.pending = 0  # writes since the last commit
        self._batch_started = 0.0
        self._index: NearDuplicateIndex | None = None

    @property
    def index(self) -> NearDuplicateIndex:
        """The LSH over the stored signatures, built on first use."""
        if self._index is None:
            self._index = NearDuplicateIndex(num_perm=self.num_perm, threshold=self.threshold)
            rows = self._db.execute(
                "SELECT doc_id, signature FROM signatures ORDER BY sig_id").fetchall()
            self._index.add_many([doc_id for doc_id, _ in rows],
                                 [signature_from_bytes(blob) for _, blob in rows])
        return self._index

    def _begin(self) -> None:
        # A quiet batch's time-based commit happens here, between claims, never inside one
        # (a commit in the middle would write the rest of the claim outside a transaction).
        if self.autocommit and self.commit_due():
            self.flush()
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._batch_started = time.monotonic()

    def _wrote(self) -> None:
        self.pending += 1
        if self.autocommit and self.commit_due():
            self.flush()

    def commit_due(self) -> bool:
        return self.pending > 0 and (
            self.pending >= self.commit_every
            or time.monotonic() - self._batch_started >= self.commit_seconds)

    def flush(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self.pending = 0

    def rollback(self) -> int:
        """Forget every write since the last commit (the index too); returns how many."""
        dropped = self.pending
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
            self._index = None  # rebuilt from the committed signatures when next needed
        self.pending = 0
        return dropped

    def close(self) -> None:
        self.flush()
        self._db.close()

    def _one(self, query: str, *args: object) -> tuple | None:
        return self._db.execute(query, args).fetchone()

    def _url(self, key: int) -> tuple[int, int] | None:
        return self._one("SELECT doc_id, content_hash FROM urls WHERE url_key = ?", key)

    def _doc_id(self, kind: str, key: int) -> int | None:
        row = self._one(_DOC_OF[kind], key)
        return row[0] if row else None

    def _record(self, doc_id: int) -> SeenRecord | None:
        row = self._one("SELECT * FROM docs WHERE doc_id = ?", doc_id)
        return SeenRecord(*row) if row else None

    def _candidates(self, signature: Signature, band_keys: list[int] | None = None
                    ) -> list[tuple[int, Signature]]:
        return self.index.candidates(signature, band_keys)

    def _new_doc_id(self) -> int:
        return self._one("SELECT coalesce(max(doc_id), 0) + 1 FROM docs")[0]

    def count(self) -> int:
        return self._one("SELECT count(*) FROM docs")[0]

    def _store(self, record: SeenRecord, article: Fingerprint, new_signature: bool) -> bool:
        index, db = self.index, self._db  # the index first: built without this signature
        db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (record.doc_id, record.url, record.post_id, record.text_hash,
                    record.content_hash, record.revision, record.modified))
        db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?, ?)",
                   (url_key(record.url), record.doc_id, record.content_hash))
        if article.post_id is not None:
            db.execute("INSERT OR IGNORE INTO post_ids VALUES (?, ?)",
                       (article.post_id, record.doc_id))
        db.execute("INSERT OR IGNORE INTO text_hashes VALUES (?, ?)",
                   (record.text_hash, record.doc_id))
        if new_signature:
            db.execute("INSERT INTO signatures (doc_id, signature) VALUES (?, ?)",
                       (record.doc_id, signature_bytes(article.signature)))
            index.add(record.doc_id, article.signature, article.band_keys)
        self._wrote()
        return True

    def alias(self, url: str, doc_id: int, content_hash: int) -> None:
        self._begin()
        self._db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?, ?)",
                         (url_key(url), doc_id, content_hash))
        self._wrote()


class FetchedLog:
    """``<state dir>/incremental.sqlite3``: the article URLs completed runs fetched without
    an item (url -> status, fetched_at), and each article's last sitemap ``<lastmod>``.
    Only a completed run records, so a killed run never makes a URL look known."""

    FILENAME = "incremental.sqlite3"

    def __init__(self, state_dir: Path, *, retry_failed_after: float = 24 * 3600) -> None:
        self.path = state_dir / self.FILENAME
        self.retry_failed_after = retry_failed_after
        self._db = _connect(self.path, _FETCHED_SCHEMA)

    def knows(self, url: str) -> bool:
        row = self._one("SELECT status, fetched_at FROM fetched WHERE url = ?", url)
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
        row = self._one("SELECT lastmod FROM lastmods WHERE url = ?", url)
        return row[0] if row else None

    def newest_lastmod(self) -> dt.datetime | None:
        """The latest lastmod recorded (UTC), None before any."""
        (newest,) = self._db.execute("SELECT MAX(utc) FROM lastmods").fetchone()
        return dt.datetime.fromtimestamp(newest, dt.timezone.utc) if newest else None

    def record(self, statuses: dict[str, int], lastmods: dict[str, str] | None = None) -> None:
        """Remember ``{url: status}`` and ``{url: lastmod}`` in one transaction."""
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO fetched (url, status, fetched_at) VALUES (?, ?, ?)",
                [(canonical_url(url), status, now) for url, status in statuses.items()])
            self._db.executemany(
                "INSERT OR REPLACE INTO lastmods (url, lastmod, utc) VALUES (?, ?, ?)",
                [(canonical_url(url), lastmod, _timestamp(lastmod))
                 for url, lastmod in (lastmods or {}).items()])

    def _one(self, query: str, url: str) -> tuple | None:
        return self._db.execute(query, (canonical_url(url),)).fetchone()

    def close(self) -> None:
        self._db.close()


def _timestamp(lastmod: str) -> float | None:
    parsed = as_utc(lastmod)
    return parsed.timestamp() if parsed is not None else None
