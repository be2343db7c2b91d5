"""MinHasher and NearDuplicateIndex: datasketch compatibility, estimates, LSH recall, bulk
rebuild equal to incremental inserts."""

from __future__ import annotations

import numpy as np
import pytest

from madar.dedup.index import NearDuplicateIndex, band_keys, lsh_bands
from madar.dedup.minhash import MinHasher, jaccard_estimates, stable_hash64

WORDS = [f"كلمة{i}" for i in range(5000)]


def text(rng: np.random.Generator, n: int = 300) -> str:
    return " ".join(rng.choice(WORDS, n))


def edited(rng: np.random.Generator, original: str, rate: float) -> str:
    words = original.split()
    for i in np.flatnonzero(rng.random(len(words)) < rate):
        words[i] = "تعديل" + str(i)
    return " ".join(words)


def test_signature_is_a_datasketch_minhash() -> None:
    from datasketch import MinHash

    hasher = MinHasher()
    sample = "بدأت روسيا وإيران التحضيرات لعقد جولة جديدة من مفاوضات أستانة"
    sig = hasher.signature(sample)
    assert sig.dtype == np.uint32 and sig.shape == (128,)
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch(hasher.shingle_hashes(sample).tolist())
    assert np.array_equal(reference.hashvalues, sig)
    other = hasher.to_datasketch(hasher.signature(sample + " اليوم"))
    assert hasher.to_datasketch(sig).jaccard(other) == pytest.approx(
        float(jaccard_estimates(sig, other.hashvalues[None, :])[0]))


def test_stable_across_processes() -> None:
    # fixed values: signatures and keys are persisted, so they must never change silently
    assert stable_hash64("مدار اليوم") == stable_hash64("مدار اليوم")
    assert int(MinHasher().signature("مدار اليوم خبر عاجل")[0]) == int(
        MinHasher().signature("مدار اليوم خبر عاجل")[0])
    import subprocess
    import sys

    code = ("from madar.dedup.minhash import MinHasher, stable_hash64;"
            "print(stable_hash64('مدار'), MinHasher().signature('خبر عاجل من دمشق')[:3].tolist())")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1


def test_short_and_empty_texts() -> None:
    hasher = MinHasher()
    assert hasher.signature("").max() == np.iinfo(np.uint32).max
    one_word = hasher.signature("دمشق")
    assert np.array_equal(one_word, hasher.signature("دمشق"))
    assert not np.array_equal(one_word, hasher.signature("حلب"))


def test_estimates_track_true_jaccard() -> None:
    rng = np.random.default_rng(1)
    hasher = MinHasher()
    for rate in (0.02, 0.05, 0.1):
        a = text(rng)
        b = edited(rng, a, rate)
        shingles = [set(zip(*(t.split()[i:] for i in range(3)), strict=False)) for t in (a, b)]
        true = len(shingles[0] & shingles[1]) / len(shingles[0] | shingles[1])
        est = jaccard_estimates(hasher.signature(a), hasher.signature(b)[None, :])[0]
        assert abs(est - true) < 0.12, (rate, est, true)


def test_recall_weighted_bands() -> None:
    assert lsh_bands(0.6, 128) == (31, 4)
    assert band_keys(np.zeros((2, 128), dtype=np.uint32), 31, 4).shape == (2, 31)


def test_index_finds_copies_not_strangers_and_bulk_equals_incremental() -> None:
    rng = np.random.default_rng(2)
    hasher = MinHasher()
    originals = [text(rng) for _ in range(400)]
    sigs = np.stack([hasher.signature(t) for t in originals])
    sigs[7] = sigs[3]  # an exact twin: a bucket collision for every band
    bulk = NearDuplicateIndex(threshold=0.6)
    bulk.add_many(range(400), sigs)
    one_by_one = NearDuplicateIndex(threshold=0.6)
    for doc_id, sig in enumerate(sigs):
        one_by_one.add(doc_id, sig)
    assert len(bulk) == len(one_by_one) == 400
    for i in (0, 3, 100, 399):
        copy = hasher.signature(edited(rng, originals[i], 0.03))
        found = bulk.query(copy)
        assert found == one_by_one.query(copy)
        assert found[0][0] in ({3, 7} if i == 3 else {i})
    assert {d for d, _ in bulk.query(sigs[3])} == {3, 7}
    stranger = hasher.signature(text(rng))
    assert bulk.query(stranger) == [] == one_by_one.query(stranger)
    # growing past the initial capacity keeps earlier rows
    for k in range(1500):
        bulk.add(1000 + k, hasher.signature(text(rng, 50)))
    assert bulk.query(sigs[100])[0][0] == 100
