"""Rebuild the corpus from WARC files with the crawl's page objects and pipelines (docs/warc.md)."""
