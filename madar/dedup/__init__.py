"""Scrapy-free deduplication core: MinHash signatures, a compact LSH index, the decision rules.

- ``madar.dedup.minhash``: ``MinHasher`` (normalized text -> uint32 signature), ``stable_hash64``
- ``madar.dedup.index``: ``NearDuplicateIndex`` (in-memory LSH with Jaccard confirmation)
- ``madar.dedup.decide``: ``Deduplicator`` (the rules, over a ``madar.state.SeenStore``)

The pipeline (``madar.pipelines.dedup``) and the stores (``madar.state``) build on these; a
cron entry point or a notebook can use them without Scrapy. (``decide`` is not imported
here: it depends on ``madar.state``, which depends on ``minhash``.)
"""
