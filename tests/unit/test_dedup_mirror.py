"""The dedup rules on the offline mirror's ground truth (template-generated stories, many
about the same events): each republished pair keeps exactly one article, nothing else is
dropped. Runs on the generator's records, no HTTP."""

from __future__ import annotations

import pytest

from madar.dedup.decide import Deduplicator, Fingerprint
from madar.dedup.minhash import MinHasher
from madar.state.sqlite_store import SQLiteSeenStore
from madar.text.arabic import normalize_for_matching
from mirror import ground_truth


@pytest.mark.parametrize("articles", [200, 2000])
def test_mirror_republications_dropped_and_nothing_else(tmp_path, articles) -> None:
    truth = [r for r in ground_truth("http://127.0.0.1:8000", articles=articles)
             if r.get("text")]
    by_post = {r["post_id"]: r for r in truth}
    pairs = {(r["post_id"], r["_duplicate_of"]) for r in truth if r["_duplicate_of"]}
    assert pairs, "the mirror should contain republished copies"
    in_pair = {p for pair in pairs for p in pair}

    store = SQLiteSeenStore(tmp_path, threshold=0.6)
    dedup, hasher = Deduplicator(store), MinHasher()
    dropped = {}
    for r in truth:
        verdict = dedup.check(Fingerprint.build(
            hasher, url=r["url"], post_id=r["post_id"],
            normalized_title=normalize_for_matching(r["title"] or ""),
            normalized_text=normalize_for_matching(r["text"])))
        if not verdict.emit:
            dropped[r["post_id"]] = verdict
    store.close()

    assert set(dropped) <= in_pair, [by_post[p]["url"] for p in set(dropped) - in_pair]
    for copy, original in pairs:
        assert (copy in dropped) != (original in dropped), (copy, original)
        kept = original if copy in dropped else copy
        lost = dropped[copy if copy in dropped else original]
        assert lost.reason == "near" and lost.duplicate_of == by_post[kept]["url"]
