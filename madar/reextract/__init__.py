"""Rebuild the corpus from WARC files: ``python -m madar.reextract ARCHIVE... -o out.jsonl``.

The crawl's own code runs on the archived responses, nothing fetched again: the spider's
article callback and page objects, then the item pipelines of ``ITEM_PIPELINES``. The
pipelines before dedup (clean, validate: per item, no shared memory) run with extraction in
worker processes (:mod:`madar.reextract.worker`); dedup and the feed run in the one main
process (:mod:`madar.reextract.corpus`), in archive order, so the output holds no
duplicate and its order is stable. See docs/warc.md.
"""
