"""A compact in-memory MinHash LSH index: band keys in sorted numpy arrays, signatures in one
matrix.

Why not ``datasketch.MinHashLSH``: it keeps, per article, a list of band byte strings plus one
Python ``set`` per band bucket, measured at about 9.5 KB per article with these parameters
(bench/README.md). Here the band keys of all indexed rows live in one sorted ``int64`` array
with an aligned ``int32`` row array (12 bytes per band, ~370 bytes per article at 31 bands),
searched with ``np.searchsorted``; rows added since the last merge wait in a small dict and
are merged (one sort) when they reach 5 % of the index. Signatures sit in one growing
``uint32`` matrix for the Jaccard confirmation. About 0.9 KB per article in all, and a
rebuild from stored signatures is one vectorized key computation and one sort. The banding
parameters come from datasketch's own optimizer (``_optimal_param``).
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

    Keys differ between bands (salted by band index), so one table holds all bands.
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

    #: merge pending rows into the sorted arrays when they exceed this share of the index
    MERGE_SHARE = 0.05
    MERGE_MIN_ROWS = 2000

    def __init__(self, num_perm: int = 128, threshold: float = 0.6,
                 bands: int | None = None, rows: int | None = None) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        if bands is None or rows is None:
            bands, rows = lsh_bands(threshold, num_perm)
        if bands * rows > num_perm:
            raise ValueError("bands * rows exceeds num_perm")
        self.bands, self.rows = bands, rows
        self._signatures = np.empty((1024, num_perm), dtype=SIGNATURE_DTYPE)
        self._ids = np.empty(1024, dtype=np.int64)
        self._size = 0
        # rows [0, _merged) are in the sorted arrays; rows [_merged, _size) in _pending
        self._keys = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int32)
        self._merged = 0
        self._pending: dict[int, list[int]] = {}

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
        """Insert rows; a large batch (the rebuild at start) goes straight into one sort."""
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
        if self._size - self._merged > max(self.MERGE_MIN_ROWS, self.MERGE_SHARE * self._merged):
            self._merge()
            return
        pending = self._pending
        for row, row_keys in enumerate(band_keys(signatures, self.bands, self.rows).tolist(),
                                       start=first):
            for key in row_keys:
                pending.setdefault(key, []).append(row)

    def _merge(self) -> None:
        """Fold every row not yet in the sorted arrays into them (one stable sort)."""
        start = self._merged
        new_keys = band_keys(self._signatures[start:self._size], self.bands, self.rows)
        new_rows = np.repeat(np.arange(start, self._size, dtype=np.int32), self.bands)
        keys = np.concatenate([self._keys, new_keys.ravel()])
        rows = np.concatenate([self._rows, new_rows])
        order = np.argsort(keys, kind="stable")
        self._keys, self._rows = keys[order], rows[order]
        self._merged = self._size
        self._pending = {}

    def candidates(self, signature: np.ndarray) -> list[int]:
        """Rows sharing at least one band with ``signature`` (unconfirmed)."""
        keys = band_keys(signature, self.bands, self.rows)[0]
        lo = np.searchsorted(self._keys, keys, side="left")
        hi = np.searchsorted(self._keys, keys, side="right")
        found: set[int] = set()
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            if b > a:
                found.update(self._rows[a:b].tolist())
        if self._pending:
            for key in keys.tolist():
                found.update(self._pending.get(key, ()))
        return sorted(found)

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
        """Memory held by the index (arrays + pending dict), excluding spare capacity."""
        import sys

        pending = sys.getsizeof(self._pending) + sum(
            36 + sys.getsizeof(v) + 32 * len(v) for v in self._pending.values())
        return (self._size * (self.num_perm * 4 + 8) + self._keys.nbytes + self._rows.nbytes
                + pending)
