"""A compact in-memory MinHash LSH index: band buckets in plain dicts, signatures in one array.

Why not ``datasketch.MinHashLSH``: it keeps, per article, a list of band byte strings plus one
Python ``set`` per band bucket (about 200 bytes each even when it holds one key): 9.5 KB per
article measured with these parameters (docs/benchmarks.md). Here each band bucket is one dict
entry ``band hash -> row`` (a list only on the rare collision) and the signatures sit in one
growing ``uint32`` matrix: 2.8-3.5 KB per article, constant query cost (45 us at 10k and at
200k). Measured and not kept: band keys in sorted numpy arrays (0.9 KB per article, rebuild
2.5x faster) cost 74 -> 107 us per query + insert from 10k to 200k, which broke the
per-item scaling target. The banding parameters come from datasketch's own optimizer
(``_optimal_param``), weighted for recall.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from datasketch.lsh import _optimal_param

from madar.dedup.minhash import SIGNATURE_DTYPE, jaccard_estimates

_BAND_MIX = np.uint64(0x100000001B3)
_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)


#: LSH misses cost a duplicate in the corpus, LSH false candidates only cost one vectorized
#: comparison (every candidate is confirmed by its estimated Jaccard): weigh misses heavily.
#: At threshold 0.6 / 128 permutations this gives 31 bands of 4 rows: a pair at Jaccard 0.6
#: becomes a candidate with probability 0.986 (0.998 at 0.65), where datasketch's default
#: equal weights (18 x 7) find only 0.40 of them.
FALSE_POSITIVE_WEIGHT = 0.02
FALSE_NEGATIVE_WEIGHT = 0.98


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for ``threshold``, by datasketch's optimizer with misses weighed 49:1."""
    return _optimal_param(threshold, num_perm, FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """64-bit key of each band of each signature: shape (n, bands), as signed int64.

    Keys differ between bands (salted by band index), so one dict holds all bands.
    """
    sigs = np.atleast_2d(signatures)[:, : bands * rows].astype(np.uint64)
    sigs = sigs.reshape(sigs.shape[0], bands, rows)
    acc = np.broadcast_to(
        np.arange(1, bands + 1, dtype=np.uint64) * _BAND_SALT, sigs.shape[:2]
    ).copy()
    for j in range(rows):
        acc = (acc ^ sigs[:, :, j]) * _BAND_MIX
        acc ^= acc >> np.uint64(29)
    return acc.view(np.int64)


class NearDuplicateIndex:
    """LSH over MinHash signatures; ``query`` returns ids whose estimated Jaccard passes.

    ``ids`` are caller-chosen integers (the store's document ids); one id may be added
    several times (revisions of one article), each signature is kept.
    """

    def __init__(self, num_perm: int = 128, threshold: float = 0.6,
                 bands: int | None = None, rows: int | None = None) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        if bands is None or rows is None:
            bands, rows = lsh_bands(threshold, num_perm)
        if bands * rows > num_perm:
            raise ValueError("bands * rows exceeds num_perm")
        self.bands, self.rows = bands, rows
        self._buckets: dict[int, int] = {}
        self._overflow: dict[int, list[int]] = {}
        self._signatures = np.empty((1024, num_perm), dtype=SIGNATURE_DTYPE)
        self._ids = np.empty(1024, dtype=np.int64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def _reserve(self, extra: int) -> None:
        needed = self._size + extra
        if needed <= len(self._ids):
            return
        capacity = max(needed, int(len(self._ids) * 1.5))
        sigs = np.empty((capacity, self.num_perm), dtype=SIGNATURE_DTYPE)
        sigs[: self._size] = self._signatures[: self._size]
        ids = np.empty(capacity, dtype=np.int64)
        ids[: self._size] = self._ids[: self._size]
        self._signatures, self._ids = sigs, ids

    def add(self, doc_id: int, signature: np.ndarray) -> None:
        self.add_many([doc_id], np.asarray(signature, dtype=SIGNATURE_DTYPE)[np.newaxis, :])

    def add_many(self, doc_ids: Iterable[int], signatures: np.ndarray) -> None:
        """Bulk insert (used to rebuild the index from the store at start)."""
        signatures = np.asarray(signatures, dtype=SIGNATURE_DTYPE).reshape(-1, self.num_perm)
        ids = np.fromiter(doc_ids, dtype=np.int64, count=len(signatures))
        n = len(ids)
        if n == 0:
            return
        self._reserve(n)
        first = self._size
        self._signatures[first:first + n] = signatures
        self._ids[first:first + n] = ids
        self._size += n
        buckets, overflow = self._buckets, self._overflow
        keys = band_keys(signatures, self.bands, self.rows).tolist()
        for row, row_keys in enumerate(keys, start=first):
            for key in row_keys:
                current = buckets.setdefault(key, row)
                if current != row:
                    overflow.setdefault(key, []).append(row)

    def candidates(self, signature: np.ndarray) -> list[int]:
        """Rows sharing at least one band with ``signature`` (unconfirmed)."""
        rows: set[int] = set()
        for key in band_keys(signature, self.bands, self.rows)[0].tolist():
            row = self._buckets.get(key)
            if row is not None:
                rows.add(row)
                rows.update(self._overflow.get(key, ()))
        return sorted(rows)

    def query(self, signature: np.ndarray) -> list[tuple[int, float]]:
        """``(doc_id, estimated Jaccard)`` of confirmed near-duplicates, most similar first."""
        rows = self.candidates(signature)
        if not rows:
            return []
        sims = jaccard_estimates(np.asarray(signature), self._signatures[rows])
        best: dict[int, float] = {}
        for row, sim in zip(rows, sims.tolist(), strict=True):
            if sim >= self.threshold:
                doc_id = int(self._ids[row])
                best[doc_id] = max(sim, best.get(doc_id, 0.0))
        return sorted(best.items(), key=lambda item: -item[1])

    def nbytes(self) -> int:
        """Approximate memory held by the index (arrays + dicts, excluding spare capacity)."""
        import sys

        per_row = self.num_perm * 4 + 8
        dict_bytes = sys.getsizeof(self._buckets) + sys.getsizeof(self._overflow)
        # int keys (8-byte payload: 32-36 bytes each); row values are shared small ints/objects
        key_bytes = 36 * len(self._buckets)
        row_objects = 32 * self._size
        overflow_lists = sum(sys.getsizeof(v) + 36 for v in self._overflow.values())
        return self._size * per_row + dict_bytes + key_bytes + row_objects + overflow_lists
