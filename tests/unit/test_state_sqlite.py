"""The SQLite seen-store: lookups, persistence, parameter guard, and crash safety."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from madar.dedup.decide import Fingerprint
from madar.dedup.minhash import MinHasher, signature_from_bytes
from madar.state import SeenStore, open_store
from madar.state.sqlite_store import DB_FILENAME, SQLiteSeenStore

HASHER = MinHasher()


def new(n: int, text: str | None = None) -> Fingerprint:
    text = text or " ".join(f"كلمة{n}_{i}" for i in range(60))
    return Fingerprint(url=f"https://madaralyoum.com/{n}/", post_id=n, text_hash=n * 7,
                      content_hash=n * 11, modified=None, signature=HASHER.signature(text))


def test_open_store_picks_sqlite_and_satisfies_the_protocol(tmp_path) -> None:
    store = open_store({"MADAR_STATE_DIR": str(tmp_path)})
    assert isinstance(store, SQLiteSeenStore)
    assert isinstance(store, SeenStore)
    store.close()
    # the real site's memory, by default (settings.py's MADAR_BASE_URL)
    assert (tmp_path / "sites" / "https_madaralyoum.com_443" / DB_FILENAME).exists()


def test_lookups_and_knows_url(tmp_path) -> None:
    store = SQLiteSeenStore(tmp_path)
    rec = store.add(new(1))
    assert rec.revision == 1
    assert store.lookup_url("https://madaralyoum.com/1/").record == rec
    assert store.lookup_post_id(1) == rec
    assert store.lookup_text_hash(7) == rec
    assert store.knows_url("https://madaralyoum.com/1/")
    assert not store.knows_url("https://madaralyoum.com/2/")
    # any spelling of the URL: knows_url canonicalizes (tracking parameters, AMP, no slash)
    assert store.knows_url("https://MADARALYOUM.com/1/amp/?utm_source=fb#top")
    assert store.knows_url("https://madaralyoum.com/1")
    store.alias("https://madaralyoum.com/amp-copy/", rec.doc_id, 999)
    assert store.knows_url("https://madaralyoum.com/amp-copy/")
    assert store.near_candidates(new(1).signature)[0][0] == rec
    assert store.near_candidates(new(2).signature) == []
    store.close()


def test_band_keys_computed_beforehand_are_the_index_s_own(tmp_path) -> None:
    """Re-extraction's workers send each fingerprint's band keys: the same index either way."""
    from madar.pipelines.dedup import DeduplicatePipeline

    keyed = DeduplicatePipeline({}).with_band_keys
    store = SQLiteSeenStore(tmp_path)
    rec = store.add(keyed([new(1)])[0])
    assert store.near_candidates(new(1).signature)[0][0] == rec
    other, same = keyed([new(2), new(1)])
    assert store.near_candidates(same.signature, same.band_keys)[0][0] == rec
    assert store.near_candidates(other.signature, other.band_keys) == []
    store.close()


def test_revision_is_compare_and_set(tmp_path) -> None:
    store = SQLiteSeenStore(tmp_path)
    rec = store.add(new(1))
    changed = new(1, text="نص جديد تماما " * 20)
    rec2 = store.revise(rec, changed)
    assert rec2.revision == 2
    stale = store.revise(rec, changed)  # based on revision 1, which is no longer current
    assert stale.reason == "url" and stale.record.revision == 2
    store.close()


def test_state_and_index_reload_from_disk(tmp_path) -> None:
    store = SQLiteSeenStore(tmp_path, commit_every=1000)
    for n in range(1, 301):
        store.add(new(n))
    store.close()
    again = SQLiteSeenStore(tmp_path)
    assert again.count() == 300
    assert len(again.index) == 300
    assert again.near_candidates(new(150).signature)[0][0].doc_id == 150
    again.close()


def test_other_minhash_parameters_are_refused(tmp_path) -> None:
    SQLiteSeenStore(tmp_path).close()
    with pytest.raises(ValueError, match="other dedup parameters"):
        SQLiteSeenStore(tmp_path, num_perm=64)


def test_signatures_are_compact_integer_arrays(tmp_path) -> None:
    store = SQLiteSeenStore(tmp_path)
    store.add(new(1))
    store.close()
    db = sqlite3.connect(tmp_path / DB_FILENAME)
    (blob,) = db.execute("SELECT signature FROM signatures").fetchone()
    assert len(blob) == 128 * 4
    assert signature_from_bytes(blob) == new(1).signature
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_WRITER = textwrap.dedent("""
    import sys
    from madar.dedup.minhash import MinHasher
    from madar.dedup.decide import Fingerprint
    from madar.state.sqlite_store import SQLiteSeenStore

    hasher = MinHasher()
    store = SQLiteSeenStore(sys.argv[1], commit_every=10, commit_seconds=60)
    n = 0
    while True:
        n += 1
        text = " ".join(f"w{n}_{i}" for i in range(80))
        store.add(Fingerprint(f"https://madaralyoum.com/{n}/", n, n, n, None,
                             hasher.signature(text)))
        store.alias(f"https://madaralyoum.com/{n}/amp/", n, n)
        if store.pending == 0:
            print(n, flush=True)  # committed up to n
""")


@pytest.mark.parametrize("kill_after", [0.05, 0.5])
def test_sigkill_mid_write_leaves_a_consistent_store(tmp_path, kill_after) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()  # the writer is up and has committed once
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    committed = [int(line) for line in (first + out).split()]
    assert committed, "the writer committed nothing before the kill"

    db = sqlite3.connect(tmp_path / DB_FILENAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    docs = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    # everything reported committed is there; at most one open batch (10 writes) is lost
    assert committed[-1] <= docs < committed[-1] + 10
    for table in ("signatures", "text_hashes", "post_ids"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == docs
    assert db.execute("SELECT count(*) FROM urls").fetchone()[0] in (2 * docs, 2 * docs - 1)
    db.close()
    store = SQLiteSeenStore(tmp_path)
    assert len(store.index) == docs == store.count()
    assert store.knows_url(f"https://madaralyoum.com/{docs}/")
    store.close()


def _committed_count(tmp_path) -> int:
    reader = sqlite3.connect(tmp_path / DB_FILENAME)
    try:
        return reader.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        reader.close()


def test_without_autocommit_only_flush_commits(tmp_path) -> None:
    store = SQLiteSeenStore(tmp_path, commit_every=1, commit_seconds=0)
    store.autocommit = False
    store.add(new(1))
    store.lookup_url("https://madaralyoum.com/1/")  # no time-based commit either
    assert store.pending == 1 and store.commit_due()
    assert _committed_count(tmp_path) == 0
    store.flush()
    assert store.pending == 0 and _committed_count(tmp_path) == 1
    store.close()


def test_rollback_forgets_the_open_batch_and_its_signatures(tmp_path) -> None:
    store = SQLiteSeenStore(tmp_path, commit_every=1000)
    kept = store.add(new(1))
    store.flush()
    store.add(new(2))
    store.alias("https://madaralyoum.com/2-copy/", kept.doc_id, 5)
    assert store.rollback() == 2
    assert store.pending == 0 and store.count() == 1
    assert not store.knows_url("https://madaralyoum.com/2/")
    assert not store.knows_url("https://madaralyoum.com/2-copy/")
    assert store.near_candidates(new(2).signature) == []  # the index forgot it too
    assert store.near_candidates(new(1).signature)[0][0] == kept
    assert store.rollback() == 0
    store.add(new(3))  # still usable
    store.close()
    assert _committed_count(tmp_path) == 2


def test_a_time_based_commit_never_splits_a_claim(tmp_path, monkeypatch) -> None:
    """The batch's age may cross MADAR_STATE_COMMIT_SECONDS while an article is being
    claimed: the commit must come before or after the claim, never between its lookups and
    its writes (those would then land outside a transaction: half an article after a kill)."""
    import madar.state.sqlite_store as module

    clock = iter(range(10**6))  # every reading of the clock is one second later
    monkeypatch.setattr(module.time, "monotonic", lambda: float(next(clock)))
    store = SQLiteSeenStore(tmp_path, commit_every=1000, commit_seconds=2.5)
    outside: list[int] = []
    store_claim = store._store

    def checked_store(record, article, new_signature):
        if not store._db.in_transaction:
            outside.append(record.doc_id)
        return store_claim(record, article, new_signature)

    store._store = checked_store
    for n in range(1, 21):  # as the Deduplicator does: look the URL up, then claim
        assert store.lookup_url(new(n).url) is None
        assert store.add(new(n)).revision == 1
    store.close()
    assert outside == []


def test_a_claim_lost_again_and_again_gives_up_instead_of_spinning(tmp_path) -> None:
    """Every compare-and-set lost (other workers keep winning): the store gives the race back
    after CLAIM_ATTEMPTS, the Deduplicator after its own retries, and the article is kept out
    (the safer side) instead of the worker spinning on one hot story."""
    from madar.dedup.decide import Deduplicator

    class AlwaysBeaten(SQLiteSeenStore):
        tries = 0

        def _store(self, record, article, new_signature):
            AlwaysBeaten.tries += 1
            return False

    store = AlwaysBeaten(tmp_path)
    verdict = Deduplicator(store).check(new(1))
    store.close()
    assert (verdict.emit, verdict.reason) == (False, "url")
    assert AlwaysBeaten.tries == Deduplicator.MAX_RETRIES * SeenStore.CLAIM_ATTEMPTS
