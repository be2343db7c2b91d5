"""Scrapy-free deduplication core: MinHash signatures, a compact LSH index, the decision rules.

The pipeline (``madar.pipelines.dedup``) and the stores (``madar.state``) build on these; a
cron entry point or a notebook can use them without Scrapy.
"""

from madar.dedup.decide import Deduplicator, Fingerprint, Verdict
from madar.dedup.index import NearDuplicateIndex
from madar.dedup.minhash import MinHasher, stable_hash64

__all__ = [
    "Deduplicator",
    "Fingerprint",
    "MinHasher",
    "NearDuplicateIndex",
    "Verdict",
    "stable_hash64",
]
