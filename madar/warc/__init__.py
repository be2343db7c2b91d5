"""Raw pages kept as WARC (ISO 28500): written during a crawl, read back for re-extraction.

:mod:`madar.warc.writer` records every HTML response of a crawl (``-s MADAR_WARC=dir/``);
:mod:`madar.warc.reader` reads such files, and Common Crawl's CC-NEWS files, back as
the responses of one site (``python -m madar.reextract``).
"""
