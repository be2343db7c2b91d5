"""MinHasher and NearDuplicateIndex: fixed signatures, the plain-Python and numpy paths equal,
datasketch compatibility, estimates, LSH recall, bulk rebuild equal to incremental inserts."""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
import pytest

from madar.dedup import index, minhash
from madar.dedup.index import (
    FALSE_NEGATIVE_WEIGHT,
    FALSE_POSITIVE_WEIGHT,
    NearDuplicateIndex,
    band_keys,
    band_keys_many,
    lsh_bands,
    optimal_bands,
)
from madar.dedup.minhash import (
    MinHasher,
    jaccard_estimates,
    signature_bytes,
    signature_from_bytes,
    stable_hash64,
)

WORDS = [f"كلمة{i}" for i in range(5000)]
#: band_keys(range(128), 31, 4)[:2] as the numpy implementation computed them.
BAND_KEYS_OF_RANGE = [7371842969707070399, 6943239229618525087]


def text(rng: np.random.Generator, n: int = 300) -> str:
    return " ".join(rng.choice(WORDS, n))


def edited(rng: np.random.Generator, original: str, rate: float) -> str:
    words = original.split()
    for i in np.flatnonzero(rng.random(len(words)) < rate):
        words[i] = "تعديل" + str(i)
    return " ".join(words)


def test_signatures_never_change() -> None:
    # Signatures are persisted: these digests were made by the datasketch-based version.
    sig = MinHasher().signature("كان يا ما كان في قديم الزمان رجل طيب يعيش في قرية صغيرة")
    assert sig.typecode == "I" and len(sig) == 128
    assert hashlib.sha1(signature_bytes(sig)).hexdigest() == (
        "707511bfb2ea66495826902ca0db8bb357a1f85d")
    small = MinHasher(num_perm=64, shingle_size=2, seed=7).signature("a b c d e f g")
    assert hashlib.sha1(signature_bytes(small)).hexdigest() == (
        "133901e4c9b1763dd8812a858349d46c60b8e031")
    assert signature_from_bytes(signature_bytes(sig)) == sig


@pytest.mark.parametrize("words", [0, 1, 2, 3, 40, 700])
def test_plain_python_and_numpy_give_the_same_signature(monkeypatch, words) -> None:
    pytest.importorskip("numpy", reason="the optional accelerator")
    sample = text(np.random.default_rng(words), words)
    fast = MinHasher(num_perm=64, seed=3)
    monkeypatch.setattr(minhash, "numpy", None)
    plain = MinHasher(num_perm=64, seed=3)
    assert plain.signature(sample) == fast.signature(sample)
    assert plain.shingle_hashes(sample) == fast.shingle_hashes(sample)


@pytest.mark.parametrize("shingle_size", range(1, 9))
def test_every_shingle_size_gives_one_signature_with_or_without_numpy(monkeypatch,
                                                                     shingle_size) -> None:
    pytest.importorskip("numpy", reason="the optional accelerator")
    samples = [text(np.random.default_rng(n), n) for n in range(12)]
    fast = MinHasher(num_perm=32, shingle_size=shingle_size)
    monkeypatch.setattr(minhash, "numpy", None)
    plain = MinHasher(num_perm=32, shingle_size=shingle_size)
    assert [fast.signature(s) for s in samples] == [plain.signature(s) for s in samples]


def test_words_split_at_every_space_a_str_split_knows() -> None:
    crc = [zlib.crc32(w.encode()) for w in ("ab", "ج", "c", "d", "e")]
    assert MinHasher()._word_hashes(" ab\u2028ج\x1cc\u00a0d\te ") == crc
    assert MinHasher()._word_hashes("ab ج c\nd  e") == crc


def test_bytes_split_guard_is_every_space_bytes_split_misses() -> None:
    """The guard is derived from str.isspace, so a Unicode update that adds a space fails
    here instead of splitting words differently."""
    misses = {chr(code) for code in range(0x110000) if chr(code).isspace()
              and not chr(code).encode("utf-8", "surrogatepass").isspace()}
    guarded = {chr(code) for code in range(0x110000)
               if minhash._NOT_BYTES_SPACE.fullmatch(chr(code))}
    assert guarded == misses


def test_signature_is_a_datasketch_minhash() -> None:
    datasketch = pytest.importorskip("datasketch", reason="reference only (requirements-dev)")
    hasher = MinHasher()
    sample = "بدأت روسيا وإيران التحضيرات لعقد جولة جديدة من مفاوضات أستانة"
    sig = hasher.signature(sample)
    reference = datasketch.MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch(hasher.shingle_hashes(sample))
    assert np.array_equal(reference.hashvalues, np.array(sig))
    other_sig = hasher.signature(sample + " اليوم")
    other = datasketch.MinHash(num_perm=128, seed=1, hashvalues=list(other_sig),
                               scheme="affine32")
    mine = datasketch.MinHash(num_perm=128, seed=1, hashvalues=list(sig), scheme="affine32")
    assert mine.jaccard(other) == pytest.approx(jaccard_estimates(sig, [other_sig])[0])


def test_bands_match_datasketch_optimizer() -> None:
    pytest.importorskip("datasketch", reason="reference only (requirements-dev)")
    from datasketch.lsh import _optimal_param

    for num_perm in (32, 64, 128, 256):
        for threshold in (0.3, 0.5, 0.6, 0.7, 0.85):
            for weights in ((0.5, 0.5), (FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)):
                assert optimal_bands(threshold, num_perm, *weights) == _optimal_param(
                    threshold, num_perm, *weights), (num_perm, threshold, weights)


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
    assert max(hasher.signature("")) == 2**32 - 1
    one_word = hasher.signature("دمشق")
    assert one_word == hasher.signature("دمشق")
    assert one_word != hasher.signature("حلب")


def test_estimates_track_true_jaccard() -> None:
    rng = np.random.default_rng(1)
    hasher = MinHasher()
    for rate in (0.02, 0.05, 0.1):
        a = text(rng)
        b = edited(rng, a, rate)
        shingles = [set(zip(*(t.split()[i:] for i in range(3)), strict=False)) for t in (a, b)]
        true = len(shingles[0] & shingles[1]) / len(shingles[0] | shingles[1])
        est = jaccard_estimates(hasher.signature(a), [hasher.signature(b)])[0]
        assert abs(est - true) < 0.12, (rate, est, true)


def test_recall_weighted_bands(monkeypatch) -> None:
    assert lsh_bands(0.6, 128) == (31, 4)
    assert lsh_bands(0.5, 128) == (34, 3) and lsh_bands(0.8, 128) == (17, 7)
    keys = band_keys([0] * 128, 31, 4)
    assert len(keys) == len(set(keys)) == 31 and all(-(2**63) <= k < 2**63 for k in keys)
    # persisted in Redis: fixed values
    assert band_keys(list(range(128)), 31, 4)[:2] == BAND_KEYS_OF_RANGE
    rng = np.random.default_rng(5)
    many = [[int(v) for v in rng.integers(0, 2**32, 128)] for _ in range(5)]
    vectorized = band_keys_many(many, 31, 4)
    candidates = [(i, s) for i, s in enumerate(many)] + [(9, many[0][:64] + many[1][64:])]
    near = index.confirmed(many[0], candidates, 0.4)
    monkeypatch.setattr(index, "numpy", None)  # the plain-Python path: the same values
    assert vectorized == [band_keys(s, 31, 4) for s in many]
    assert band_keys(list(range(128)), 31, 4)[:2] == BAND_KEYS_OF_RANGE
    assert near == index.confirmed(many[0], candidates, 0.4) == [(0, 1.0), (9, 0.5)]


def test_index_finds_copies_not_strangers_and_bulk_equals_incremental() -> None:
    rng = np.random.default_rng(2)
    hasher = MinHasher()
    originals = [text(rng) for _ in range(400)]
    sigs = [hasher.signature(t) for t in originals]
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
