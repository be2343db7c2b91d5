"""Raw pages kept as WARC (ISO 28500): written during a crawl, read back for re-extraction."""
