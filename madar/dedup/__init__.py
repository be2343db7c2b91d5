"""Deduplication without Scrapy: MinHash signatures (``minhash``), the LSH index (``index``),
the rules and the memory logic (``decide``); ``madar.state`` stores it, never imported here."""
