"""An in-memory MinHash LSH index: each band bucket one dict entry, the signatures in one array.

About 3 KB per article where ``datasketch.MinHashLSH`` takes 9.5 KB (a set per bucket);
the banding minimizes datasketch's weighted error, computed exactly (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from functools import lru_cache

from madar.dedup.minhash import Signature, jaccard_estimates

try:  # optional accelerator (see madar.dedup.minhash): bulk band keys, same values
    import numpy
except ImportError:  # pragma: no cover - exercised by the lean install
    numpy = None

_MASK64 = (1 << 64) - 1
_BAND_MIX = 0x100000001B3
_BAND_SALT = 0x9E3779B97F4A7C15

#: A miss costs a duplicate in the corpus, a false candidate one comparison: at 0.6 / 128
#: this gives 31 bands of 4 rows, which find 0.986 of the pairs at Jaccard 0.6 (datasketch's
#: equal weights, 18 x 7, find 0.40).
FALSE_POSITIVE_WEIGHT = 0.02
FALSE_NEGATIVE_WEIGHT = 0.98


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for ``threshold``, misses weighed 49:1."""
    return optimal_bands(threshold, num_perm, FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)


@lru_cache(maxsize=16)
def optimal_bands(threshold: float, num_perm: int, false_positive_weight: float,
                  false_negative_weight: float) -> tuple[int, int]:
    """datasketch's ``MinHashLSH`` choice: the (bands, rows) minimizing the weighted areas under
    ``P(s) = 1 - (1 - s**rows)**bands`` below and above the threshold. ``P`` is a polynomial
    of degree <= num_perm, so Gauss-Legendre with num_perm // 2 + 1 nodes is exact."""
    nodes, weights = _gauss_legendre(num_perm // 2 + 1)
    below = [threshold * (x + 1) / 2 for x in nodes]  # nodes mapped onto [0, threshold]
    above = [threshold + (1 - threshold) * (x + 1) / 2 for x in nodes]  # onto [threshold, 1]
    best, best_error = (0, 0), math.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = threshold / 2 * sum(
                w * (1 - (1 - s**rows) ** bands) for s, w in zip(below, weights, strict=True))
            false_negative = (1 - threshold) / 2 * sum(
                w * (1 - s**rows) ** bands for s, w in zip(above, weights, strict=True))
            error = false_positive * false_positive_weight + false_negative * false_negative_weight
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def _gauss_legendre(count: int) -> tuple[list[float], list[float]]:
    """Nodes and weights of ``count``-point Gauss-Legendre quadrature on [-1, 1] (Newton)."""
    nodes, weights = [], []
    for i in range(1, count + 1):
        x = math.cos(math.pi * (i - 0.25) / (count + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x
            for k in range(2, count + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            derivative = count * (x * p1 - p0) / (x * x - 1)
            step = p1 / derivative
            x -= step
            if abs(step) < 1e-15:
                break
        nodes.append(x)
        weights.append(2 / ((1 - x * x) * derivative * derivative))
    return nodes, weights


def band_keys(signature: Sequence[int], bands: int, rows: int) -> list[int]:
    """The signed 64-bit key of each band (persisted in Redis), salted by band index so
    that one dict holds every band."""
    if numpy is not None:  # 10 us instead of 46: once per article in the dedup decision
        return band_keys_many([signature], bands, rows)[0]
    keys = []
    values = iter(signature)
    for band in range(1, bands + 1):
        key = (band * _BAND_SALT) & _MASK64
        for _ in range(rows):
            key = ((key ^ next(values)) * _BAND_MIX) & _MASK64
            key ^= key >> 29
        keys.append(key - ((key >> 63) << 64))
    return keys


def band_keys_many(signatures: Sequence[Sequence[int]], bands: int,
                   rows: int) -> list[list[int]]:
    """:func:`band_keys` of many signatures at once (vectorized with numpy when installed)."""
    if numpy is None or not signatures:
        return [band_keys(signature, bands, rows) for signature in signatures]
    count = len(signatures)  # one row per band of each signature, one column per value:
    sigs = numpy.array(signatures, dtype=numpy.uint64)[:, : bands * rows].reshape(-1, rows)
    mix, shift = numpy.uint64(_BAND_MIX), numpy.uint64(29)
    keys = numpy.arange(1, bands + 1, dtype=numpy.uint64) * numpy.uint64(_BAND_SALT)
    keys = numpy.tile(keys, count) if count > 1 else keys
    for row in range(rows):
        keys = (keys ^ sigs[:, row]) * mix
        keys ^= keys >> shift
    return keys.view(numpy.int64).reshape(count, bands).tolist()


def given_or_band_keys(signature: Sequence[int], bands: int, rows: int,
                       given: list[int] | None) -> list[int]:
    """A fingerprint's precomputed keys (``Fingerprint.band_keys``) when they are one per
    band, else :func:`band_keys`: the one rule of every store."""
    if given is not None and len(given) == bands:
        return given
    return band_keys(signature, bands, rows)


def confirmed(signature: Sequence[int], candidates: Iterable[tuple[int, Sequence[int]]],
              threshold: float) -> list[tuple[int, float]]:
    """``(id, estimated Jaccard)`` of the candidates that reach ``threshold``, the best per id,
    most similar first: LSH candidates are only hints."""
    candidates = list(candidates)
    others = [other for _, other in candidates]
    if numpy is None or not others or any(len(o) != len(signature) for o in others):
        sims = jaccard_estimates(signature, others)
    else:  # the same floats, ~2 us a candidate instead of ~18
        equal = numpy.array(others, dtype=numpy.uint32) == numpy.array(signature, numpy.uint32)
        sims = (equal.sum(axis=1) / len(signature)).tolist()
    best: dict[int, float] = {}
    for (doc_id, _), sim in zip(candidates, sims, strict=True):
        if sim >= threshold:
            best[doc_id] = max(sim, best.get(doc_id, 0.0))
    return sorted(best.items(), key=lambda item: -item[1])


class NearDuplicateIndex:
    """LSH over MinHash signatures of caller-chosen ids (one id may come back per revision)."""

    def __init__(self, num_perm: int = 128, threshold: float = 0.6) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self._buckets: dict[int, int] = {}  # band key -> first row; the rare others:
        self._overflow: dict[int, list[int]] = {}
        self._signatures = array("I")  # row r: values [r * num_perm, (r + 1) * num_perm)
        self._ids = array("q")
        self._last: tuple[Sequence[int], list[int]] | None = None

    def _band_keys(self, signature: Sequence[int], keys: list[int] | None = None) -> list[int]:
        """The band keys (given, or computed once when an article is looked up and added)."""
        if self._last is None or self._last[0] is not signature:
            self._last = signature, given_or_band_keys(signature, self.bands, self.rows, keys)
        return self._last[1]

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, doc_id: int, signature: Sequence[int], keys: list[int] | None = None) -> None:
        self._add_rows([doc_id], [signature], [self._band_keys(signature, keys)])

    def add_many(self, doc_ids: Iterable[int], signatures: Iterable[Sequence[int]]) -> None:
        signatures = list(signatures)
        self._add_rows(doc_ids, signatures, band_keys_many(signatures, self.bands, self.rows))

    def _add_rows(self, doc_ids: Iterable[int], signatures: list[Sequence[int]],
                  all_keys: list[list[int]]) -> None:
        buckets, overflow = self._buckets, self._overflow
        for doc_id, signature, keys in zip(doc_ids, signatures, all_keys, strict=True):
            row = len(self._ids)
            self._signatures.extend(signature)
            self._ids.append(doc_id)
            for key in keys:
                current = buckets.setdefault(key, row)
                if current != row:
                    overflow.setdefault(key, []).append(row)

    def candidates(self, signature: Sequence[int], keys: list[int] | None = None
                   ) -> list[tuple[int, Signature]]:
        """``(id, signature)`` of the rows sharing a band with ``signature`` (unconfirmed)."""
        rows: set[int] = set()
        for key in self._band_keys(signature, keys):
            row = self._buckets.get(key)
            if row is not None:
                rows.add(row)
                rows.update(self._overflow.get(key, ()))
        size = self.num_perm
        return [(self._ids[row], self._signatures[row * size:(row + 1) * size])
                for row in sorted(rows)]

    def query(self, signature: Sequence[int]) -> list[tuple[int, float]]:
        """``(id, estimated Jaccard)`` of confirmed near-duplicates, most similar first."""
        return confirmed(signature, self.candidates(signature), self.threshold)
