"""MinHash signatures of word shingles, in plain Python (numpy, when installed, is faster).

Each *word* is hashed once with CRC-32 (C speed, stable across processes and machines, which
matters because signatures are persisted); the word hashes of each n-gram are combined into
one 32-bit shingle hash; the ``affine32`` permutation scheme of datasketch 2.x (MurmurHash3
32-bit finalizer, then ``a*h + b mod 2**32`` with ``a`` odd, ``a`` and ``b`` drawn from
numpy's legacy ``RandomState(seed)``, i.e. MT19937 seeded with ``init_genrand``) gives the
``num_perm`` minima. The values equal datasketch's ``MinHash(num_perm, seed,
scheme="affine32").hashvalues`` for the same shingle hashes (a unit test checks it when
datasketch is installed), so signatures stored by earlier versions stay valid.

Why not depend on datasketch or numpy: datasketch pulls scipy and numpy (about 220 MB, more
than the rest of the install); madar needs neither. In plain Python the permutations run
on big integers holding every shingle as a 64-bit lane (one multiplication per
permutation); when numpy is importable the same arithmetic runs vectorized, with identical
results (a unit test compares both), several times faster.

A signature is an ``array('I')`` of ``num_perm`` values; it is stored as little-endian
bytes (:func:`signature_bytes`, :func:`signature_from_bytes`).
"""

from __future__ import annotations

import hashlib
import random
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

try:  # optional accelerator (not in requirements.txt): same values, computed vectorized
    import numpy
except ImportError:  # pragma: no cover - exercised by the lean install
    numpy = None

Signature = array  # array('I'): num_perm unsigned 32-bit values

_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
# Odd 64-bit multipliers that combine the word hashes of one n-gram (order-sensitive).
_NGRAM_MULTIPLIERS = (
    0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
    0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53,
)


def murmur3_fmix32(value: int) -> int:
    """MurmurHash3's 32-bit finalizer (an avalanching bijection on 32-bit integers)."""
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & _MASK32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & _MASK32
    return value ^ (value >> 16)


def affine32_permutations(num_perm: int, seed: int) -> tuple[list[int], list[int]]:
    """``(a, b)`` of the permutations ``h -> a*h + b mod 2**32`` (``a`` odd: a bijection),
    drawn as numpy's ``RandomState(seed).randint`` draws them for datasketch: MT19937
    seeded with ``init_genrand(seed)``, ``a`` from 31 random bits, ``b`` from 32."""
    state = [seed & _MASK32]
    for i in range(1, 624):
        previous = state[-1]
        state.append((1812433253 * (previous ^ (previous >> 30)) + i) & _MASK32)
    generator = random.Random()
    generator.setstate((3, (*state, 624), None))
    a = [((generator.getrandbits(32) & 0x7FFFFFFF) * 2 + 1) & _MASK32 for _ in range(num_perm)]
    b = [generator.getrandbits(32) for _ in range(num_perm)]
    return a, b


def stable_hash64(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process (SQLite INTEGER range)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def signature_bytes(signature: Sequence[int]) -> bytes:
    """The stored form: ``num_perm`` little-endian uint32."""
    values = signature if isinstance(signature, array) else array("I", signature)
    if sys.byteorder == "big":  # pragma: no cover - little-endian machines only in CI
        values = array("I", values)
        values.byteswap()
    return values.tobytes()


def signature_from_bytes(blob: bytes) -> Signature:
    """A signature from its stored form."""
    values = array("I")
    values.frombytes(blob)
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    return values


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
        self._a, self._b = affine32_permutations(num_perm, seed)
        self._empty = array("I", [_MASK32] * num_perm)
        self._vectorized = _Vectorized(self._a, self._b) if numpy is not None else None

    def _word_hashes(self, normalized_text: str) -> list[int]:
        crc = zlib.crc32
        return [crc(w.encode("utf-8", "surrogatepass")) for w in normalized_text.split()]

    def shingle_hashes(self, normalized_text: str) -> list[int]:
        """32-bit hashes of the word n-grams of the text (duplicates kept; min ignores them)."""
        words = self._word_hashes(normalized_text)
        if not words:
            return []
        if self._vectorized is not None:
            return self._vectorized.shingle_hashes(words, self.shingle_size).tolist()
        n = min(self.shingle_size, len(words))
        count = len(words) - n + 1
        # Position by position over all shingles at once (one comprehension per word of
        # the n-gram, not a Python loop per shingle): xor in the word's product, rotate.
        combined = [0] * count
        for offset, multiplier in enumerate(_NGRAM_MULTIPLIERS[:n]):
            combined = [((mixed := value ^ ((word * multiplier) & _MASK64)) << 7
                         | mixed >> 57) & _MASK64
                        for value, word in zip(combined, words[offset:offset + count],
                                               strict=True)]
        return [(value ^ (value >> 32)) & _MASK32 for value in combined]

    def signature(self, normalized_text: str) -> Signature:
        """The MinHash signature: ``num_perm`` uint32 values."""
        if self._vectorized is not None:
            words = self._word_hashes(normalized_text)
            if not words:
                return array("I", self._empty)
            return self._vectorized.signature(words, self.shingle_size)
        hashes = self.shingle_hashes(normalized_text)
        if not hashes:
            return array("I", self._empty)
        return self._signature_lanes([murmur3_fmix32(h) for h in hashes])

    def _signature_lanes(self, mixed: list[int]) -> Signature:
        """Every shingle in a 64-bit lane of one big integer: ``a*h + b`` fits a lane, so one
        multiplication and one addition permute them all; the low 32 bits of each lane are
        the permuted values, whose minimum is read back through ``array('Q')``."""
        count = len(mixed)
        order = sys.byteorder  # lanes in the machine's order, as array('Q') reads them
        lanes = int.from_bytes(array("Q", mixed).tobytes(), order)
        ones = int.from_bytes(array("Q", [1] * count).tobytes(), order)
        low_halves = ones * _MASK32
        size = 8 * count
        values = array("Q")
        minima = []
        for a, b in zip(self._a, self._b, strict=True):
            values.frombytes(((lanes * a + ones * b) & low_halves).to_bytes(size, order))
            minima.append(min(values))
            del values[:]
        return array("I", minima)


class _Vectorized:
    """The same arithmetic as :class:`MinHasher` on numpy arrays (used when numpy is there)."""

    def __init__(self, a: list[int], b: list[int]) -> None:
        self.np = np = numpy
        self.a = np.array(a, dtype=np.uint32)[np.newaxis, :]
        self.b = np.array(b, dtype=np.uint32)[np.newaxis, :]
        self.multipliers = np.array(_NGRAM_MULTIPLIERS, dtype=np.uint64)

    def shingle_hashes(self, word_hashes: list[int], shingle_size: int) -> Any:
        np = self.np
        words = np.array(word_hashes, dtype=np.uint64)
        n = min(shingle_size, len(words))
        count = len(words) - n + 1
        combined = np.zeros(count, dtype=np.uint64)
        for offset in range(n):
            combined ^= words[offset:offset + count] * self.multipliers[offset]
            combined = (combined << np.uint64(7)) | (combined >> np.uint64(57))
        return ((combined ^ (combined >> np.uint64(32))) & np.uint64(_MASK32)).astype(
            np.uint32)

    def signature(self, word_hashes: list[int], shingle_size: int) -> Signature:
        np = self.np
        hashes = self.shingle_hashes(word_hashes, shingle_size)
        hashes = hashes ^ (hashes >> np.uint32(16))  # murmur3_fmix32, element-wise
        hashes = hashes * np.uint32(0x85EBCA6B)
        hashes = hashes ^ (hashes >> np.uint32(13))
        hashes = hashes * np.uint32(0xC2B2AE35)
        hashes = hashes ^ (hashes >> np.uint32(16))
        minima = (hashes[:, np.newaxis] * self.a + self.b).min(axis=0)
        return array("I", minima.astype(np.uint32).tobytes())


def jaccard_estimates(signature: Sequence[int], others: Iterable[Sequence[int]]) -> list[float]:
    """Estimated Jaccard similarity of ``signature`` with each of ``others`` (share of equal
    values)."""
    size = len(signature)
    return [sum(map(int.__eq__, signature, other)) / size for other in others]
