"""MinHash signatures of word shingles, fast enough for every scraped article.

datasketch's ``MinHash.update`` hashes each shingle with SHA-1 in Python (about 10 ms per
article). Here each *word* is hashed once with CRC-32 (C speed, stable across processes and
machines, which matters because signatures are persisted), the words of each n-gram are
combined with numpy, and datasketch's own ``affine32`` permutation scheme (MurmurHash3
finalizer + ``a*h+b mod 2**32``) is applied to the whole array at once. The result is
exactly the ``hashvalues`` of a datasketch ``MinHash(scheme="affine32")`` fed with the same
shingle hashes, so ``datasketch.MinHash(num_perm, hashvalues=sig, scheme="affine32")`` and
its ``jaccard`` work on it.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix  # the scheme's own pre-mix, so signatures stay compatible

SIGNATURE_DTYPE = np.uint32

# Odd 64-bit multipliers that combine the word hashes of one n-gram (order-sensitive).
_NGRAM_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
     0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53],
    dtype=np.uint64,
)


def stable_hash64(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process (SQLite INTEGER range)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class MinHasher:
    """Turns normalized text into a MinHash signature (``num_perm`` uint32 values).

    ``shingle_size`` words per shingle; texts shorter than that become one shingle, an
    empty text gets the all-max signature (which matches nothing but another empty text).
    """

    def __init__(self, num_perm: int = 128, shingle_size: int = 3, seed: int = 1) -> None:
        if not 1 <= shingle_size <= len(_NGRAM_MULTIPLIERS):
            raise ValueError(f"shingle_size must be 1..{len(_NGRAM_MULTIPLIERS)}")
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        template = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
        a, b = template.permutations
        self._a = a.astype(np.uint32)[np.newaxis, :]
        self._b = b.astype(np.uint32)[np.newaxis, :]
        self._empty = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)

    def shingle_hashes(self, normalized_text: str) -> np.ndarray:
        """32-bit hashes of the word n-grams of the text (duplicates kept; min ignores them)."""
        words = normalized_text.split()
        if not words:
            return np.empty(0, dtype=np.uint32)
        crc = zlib.crc32
        word_hashes = np.fromiter(
            (crc(w.encode("utf-8", "surrogatepass")) for w in words),
            dtype=np.uint64, count=len(words),
        )
        n = min(self.shingle_size, len(words))
        count = len(words) - n + 1
        combined = np.zeros(count, dtype=np.uint64)
        for offset in range(n):
            combined ^= word_hashes[offset:offset + count] * _NGRAM_MULTIPLIERS[offset]
            combined = (combined << np.uint64(7)) | (combined >> np.uint64(57))
        return ((combined ^ (combined >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(
            np.uint32
        )

    def signature(self, normalized_text: str) -> np.ndarray:
        """The MinHash signature: ``num_perm`` uint32 values."""
        hashes = self.shingle_hashes(normalized_text)
        if hashes.size == 0:
            return self._empty.copy()
        mixed = _fmix(hashes, 32)[:, np.newaxis]
        return (mixed * self._a + self._b).min(axis=0)

    def to_datasketch(self, signature: np.ndarray) -> MinHash:
        """The same signature as a datasketch MinHash (for its ``jaccard`` and LSH classes)."""
        return MinHash(num_perm=self.num_perm, seed=self.seed, hashvalues=signature,
                       scheme="affine32")


def jaccard_estimates(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of ``signature`` with each row of ``others``."""
    if others.size == 0:
        return np.empty(0, dtype=np.float64)
    return (others == signature).mean(axis=1)
