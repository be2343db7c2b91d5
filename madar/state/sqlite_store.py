"""The local seen-store: one SQLite file in the state directory, plus an in-memory LSH.

WAL journal, ``synchronous=NORMAL``; writes go into one open transaction. On its own the
store commits every ``commit_every`` writes or ``commit_seconds`` seconds; a crawl's dedup
pipeline sets ``autocommit = False`` and commits when the feed holds the stored articles
(:mod:`madar.pipelines.dedup`). A SIGKILL loses at most the open batch, never half an
article. URLs, post ids and text hashes are 64-bit integer keys; a signature is
``num_perm`` uint32: about 700 bytes per article on disk (docs/benchmarks.md). The LSH index
is built from the stored signatures on first use, so a store opened only to ask
``knows_url`` (the incremental policy) costs no index.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from madar.dedup.index import NearDuplicateIndex
from madar.dedup.minhash import Signature, signature_bytes, signature_from_bytes
from madar.dedup.records import (
    Conflict,
    NewArticle,
    SeenRecord,
    UrlSighting,
    any_url_key,
    url_key,
)

SCHEMA_VERSION = "1"
DB_FILENAME = "seen.sqlite3"

_SCHEMA = """
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

_DOC_COLUMNS = "doc_id, url, post_id, text_hash, content_hash, revision, modified"


class SQLiteSeenStore:
    """Seen-store in ``<state_dir>/seen.sqlite3``; one writer process at a time."""

    def __init__(self, state_dir: str | Path, *, num_perm: int = 128, threshold: float = 0.6,
                 shingle_size: int = 3, seed: int = 1, commit_every: int = 50,
                 commit_seconds: float = 5.0) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self.path = Path(state_dir) / DB_FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("PRAGMA cache_size=-65536")
        self._db.executescript(_SCHEMA)
        self._check_meta({"schema": SCHEMA_VERSION, "num_perm": str(num_perm),
                          "shingle_size": str(shingle_size), "seed": str(seed)})
        self._pending = 0
        self._batch_started = 0.0
        #: False: writes never commit on their own; the owner calls :meth:`flush`.
        self.autocommit = True
        self._index: NearDuplicateIndex | None = None

    # -- setup -----------------------------------------------------------------------------

    def _check_meta(self, wanted: dict[str, str]) -> None:
        """Signatures are only comparable with the same MinHash parameters: refuse others."""
        stored = dict(self._db.execute("SELECT key, value FROM meta"))
        if not stored:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO meta VALUES (?, ?)", wanted.items())
            self._db.execute("COMMIT")
            return
        different = {k: (stored.get(k), v) for k, v in wanted.items() if stored.get(k) != v}
        if different:
            raise ValueError(
                f"state in {self.path} was built with other dedup parameters "
                f"(stored, requested): {different}; use another MADAR_STATE_DIR or the "
                "stored parameters"
            )

    @property
    def index(self) -> NearDuplicateIndex:
        """The LSH over the stored signatures, built on first use (one scan, one insert)."""
        if self._index is None:
            self._index = NearDuplicateIndex(num_perm=self.num_perm, threshold=self.threshold)
            self._load_index(self._index)
        return self._index

    def _load_index(self, index: NearDuplicateIndex) -> None:
        rows = self._db.execute("SELECT doc_id, signature FROM signatures ORDER BY sig_id")
        doc_ids: list[int] = []
        signatures: list[Signature] = []
        for doc_id, blob in rows:
            doc_ids.append(doc_id)
            signatures.append(signature_from_bytes(blob))
        index.add_many(doc_ids, signatures)

    # -- transactions ------------------------------------------------------------------------

    def _write(self) -> None:
        """Open the batch transaction if none is open."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._batch_started = time.monotonic()

    def _wrote(self) -> None:
        self._pending += 1
        if self.autocommit and self.commit_due():
            self.flush()

    @property
    def pending(self) -> int:
        """Writes since the last commit."""
        return self._pending

    def commit_due(self) -> bool:
        """Has the open batch reached ``commit_every`` writes or ``commit_seconds`` of age?"""
        return self._pending > 0 and (
            self._pending >= self.commit_every
            or time.monotonic() - self._batch_started >= self.commit_seconds)

    def flush(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._pending = 0

    def rollback(self) -> int:
        """Forget every write since the last commit; returns how many there were.

        The near-duplicate index is rebuilt from the committed signatures, so the store
        stays usable (and consistent) afterwards.
        """
        dropped = self._pending
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
            self._index = None  # rebuilt from the committed signatures when next needed
        self._pending = 0
        return dropped

    def close(self) -> None:
        self.flush()
        self._db.close()

    # -- lookups -----------------------------------------------------------------------------

    def _record(self, doc_id: int) -> SeenRecord:
        row = self._db.execute(f"SELECT {_DOC_COLUMNS} FROM docs WHERE doc_id = ?",
                               (doc_id,)).fetchone()
        return SeenRecord(*row)

    def lookup_url(self, url: str) -> UrlSighting | None:
        # Called once per item: also the place where a quiet batch gets its time-based commit.
        if self.autocommit and self.commit_due():
            self.flush()
        row = self._db.execute("SELECT doc_id, content_hash FROM urls WHERE url_key = ?",
                               (url_key(url),)).fetchone()
        return UrlSighting(self._record(row[0]), row[1]) if row else None

    def knows_url(self, url: str) -> bool:
        return self._db.execute("SELECT 1 FROM urls WHERE url_key = ?",
                                (any_url_key(url),)).fetchone() is not None

    def lookup_post_id(self, post_id: int) -> SeenRecord | None:
        row = self._db.execute("SELECT doc_id FROM post_ids WHERE post_id = ?",
                               (post_id,)).fetchone()
        return self._record(row[0]) if row else None

    def lookup_text_hash(self, text_hash: int) -> SeenRecord | None:
        row = self._db.execute("SELECT doc_id FROM text_hashes WHERE text_hash = ?",
                               (text_hash,)).fetchone()
        return self._record(row[0]) if row else None

    def near_candidates(self, signature: Signature) -> list[tuple[SeenRecord, float]]:
        return [(self._record(doc_id), sim) for doc_id, sim in self.index.query(signature)]

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]

    # -- writes ------------------------------------------------------------------------------

    def _claim_keys(self, doc_id: int, article: NewArticle) -> None:
        index, db = self.index, self._db  # the index first: built without this signature
        db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?, ?)",
                   (url_key(article.url), doc_id, article.content_hash))
        if article.post_id is not None:
            db.execute("INSERT OR IGNORE INTO post_ids VALUES (?, ?)", (article.post_id, doc_id))
        db.execute("INSERT OR IGNORE INTO text_hashes VALUES (?, ?)",
                   (article.text_hash, doc_id))
        db.execute("INSERT INTO signatures (doc_id, signature) VALUES (?, ?)",
                   (doc_id, signature_bytes(article.signature)))
        index.add(doc_id, article.signature)

    def add(self, article: NewArticle) -> SeenRecord | Conflict:
        self._write()
        # One writer per file, so the lookups just made still hold; re-check the exact keys
        # anyway so a misuse (two processes on one state dir) cannot create twins.
        for reason, found in (
            ("post_id", article.post_id is not None and self.lookup_post_id(article.post_id)),
            ("text", self.lookup_text_hash(article.text_hash)),
        ):
            if found:
                return Conflict(reason, found)
        cursor = self._db.execute(
            "INSERT INTO docs (url, post_id, text_hash, content_hash, revision, modified) "
            "VALUES (?, ?, ?, ?, 1, ?)",
            (article.url, article.post_id, article.text_hash, article.content_hash,
             article.modified),
        )
        doc_id = int(cursor.lastrowid)
        self._claim_keys(doc_id, article)
        self._wrote()
        return SeenRecord(doc_id, article.url, article.post_id, article.text_hash,
                          article.content_hash, 1, article.modified)

    def revise(self, record: SeenRecord, article: NewArticle) -> SeenRecord | Conflict:
        self._write()
        current = self._record(record.doc_id)
        if current.revision != record.revision:
            return Conflict("url", current)
        revision = record.revision + 1
        post_id = record.post_id if record.post_id is not None else article.post_id
        self._db.execute(
            "UPDATE docs SET url = ?, post_id = ?, text_hash = ?, content_hash = ?, "
            "revision = ?, modified = ? WHERE doc_id = ?",
            (article.url, post_id, article.text_hash, article.content_hash, revision,
             article.modified, record.doc_id),
        )
        if article.text_hash != record.text_hash:
            self._claim_keys(record.doc_id, article)
        else:
            self._db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?, ?)",
                             (url_key(article.url), record.doc_id, article.content_hash))
        self._wrote()
        return SeenRecord(record.doc_id, article.url, post_id, article.text_hash,
                          article.content_hash, revision, article.modified)

    def alias(self, url: str, doc_id: int, content_hash: int) -> None:
        self._write()
        self._db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?, ?)",
                         (url_key(url), doc_id, content_hash))
        self._wrote()
