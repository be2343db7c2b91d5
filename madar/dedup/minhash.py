"""MinHash signatures of word shingles in plain Python (numpy, when installed, is faster).

The values equal datasketch 2.x's ``MinHash(num_perm, seed, scheme="affine32")`` for the same
shingle hashes (tested), so stored signatures stay valid, without datasketch, scipy and numpy
(220 MB). A signature is ``array('I')`` of ``num_perm`` values, stored little-endian.
"""

from __future__ import annotations

import hashlib
import random
import re
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
#: Where str.split() splits and bytes.split() does not (a matching form has none of them).
_NOT_BYTES_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
                              "\u205f\u3000]")
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
    """``(a, b)`` of the permutations ``h -> a*h + b mod 2**32``, drawn as datasketch draws
    them with numpy's ``RandomState(seed)``: MT19937 seeded by ``init_genrand``."""
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
    """A signed 64-bit hash of ``text``, the same in every process (it is persisted)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def signature_bytes(signature: Sequence[int]) -> bytes:
    """The stored form: little-endian uint32."""
    values = array("I", signature)
    if sys.byteorder == "big":  # pragma: no cover - little-endian machines only in CI
        values.byteswap()
    return values.tobytes()


def signature_from_bytes(blob: bytes) -> Signature:
    values = array("I")
    values.frombytes(blob)
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    return values


class MinHasher:
    """Normalized text -> MinHash signature of its ``shingle_size``-word shingles (CRC-32 per
    word, n-grams combined). A shorter text is one shingle; an empty one gets all-max values."""

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
        if _NOT_BYTES_SPACE.search(normalized_text):
            words = [w.encode("utf-8", "surrogatepass") for w in normalized_text.split()]
        else:  # the same words, 1.4x faster
            words = normalized_text.encode("utf-8", "surrogatepass").split()
        return list(map(zlib.crc32, words))

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
        multiplication and one addition permute them all; ``array('Q')`` reads the minimum."""
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
    """The same arithmetic as :class:`MinHasher` on numpy arrays."""

    def __init__(self, a: list[int], b: list[int]) -> None:
        self.np = np = numpy
        self.a = np.array(a, dtype=np.uint32)[np.newaxis, :]
        self.b = np.array(b, dtype=np.uint32)[np.newaxis, :]
        self.multipliers = np.array(_NGRAM_MULTIPLIERS, dtype=np.uint64)
        # rotating a xor is xoring the rotations: word k of n is rotated 7 * (n - k) bits
        assert 7 * len(_NGRAM_MULTIPLIERS) < 64, "a rotation must stay below 64 bits"
        self.shifts = [np.array([7 * (n - k) for k in range(n)], dtype=np.uint64)
                       for n in range(len(_NGRAM_MULTIPLIERS) + 1)]

    def shingle_hashes(self, word_hashes: list[int], shingle_size: int) -> Any:
        np = self.np
        words = np.array(word_hashes, dtype=np.uint64)
        n = min(shingle_size, len(words))
        count = len(words) - n + 1
        products = words[:, np.newaxis] * self.multipliers[:n]  # (word, position in n-gram)
        rotated = (products << self.shifts[n]) | (products >> (64 - self.shifts[n]))
        combined = rotated[:count, 0]
        for offset in range(1, n):
            combined = combined ^ rotated[offset:offset + count, offset]
        return (combined ^ (combined >> np.uint64(32))).astype(np.uint32)

    def signature(self, word_hashes: list[int], shingle_size: int) -> Signature:
        np = self.np
        hashes = self.shingle_hashes(word_hashes, shingle_size)
        hashes ^= hashes >> np.uint32(16)  # murmur3_fmix32, element-wise, in place
        hashes *= np.uint32(0x85EBCA6B)
        hashes ^= hashes >> np.uint32(13)
        hashes *= np.uint32(0xC2B2AE35)
        hashes ^= hashes >> np.uint32(16)
        permuted = hashes[:, np.newaxis] * self.a  # (shingle, permutation)
        permuted += self.b
        return array("I", permuted.min(axis=0).tobytes())


def jaccard_estimates(signature: Sequence[int], others: Iterable[Sequence[int]]) -> list[float]:
    """Estimated Jaccard similarity of ``signature`` with each of ``others``: equal values."""
    size = len(signature)
    return [sum(map(int.__eq__, signature, other)) / size for other in others]
