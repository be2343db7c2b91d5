"""Deduplication without Scrapy: MinHash signatures (``minhash``), the LSH index (``index``),
the records a memory keeps (``records``) and the rules over them (``decide``). The stores
that persist the records are ``madar.state``; this package never imports them."""
