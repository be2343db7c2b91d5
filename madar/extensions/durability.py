"""Commit the dedup store only after the feed has the item: feed and store agree after a kill.

The dedup pipeline writes an article into the store *before* the feed exporter writes its
line (pipelines run first, the exporter listens to ``item_scraped``). With the store's own
batching, a SIGKILL between the two either loses an item (store committed, line not
written) or repeats one (line written, store batch lost). This extension makes the order
strict: the store batches without committing (cron sets ``MADAR_STATE_COMMIT_EVERY`` and
``MADAR_STATE_COMMIT_SECONDS`` very high) and this extension, connected to ``item_scraped``
*after* Scrapy's FeedExporter, commits it once the line is in the OS
(:class:`~madar.extensions.feeds.LineFlushedFileFeedStorage`). A kill can then only leave a
line whose store entry was not committed; the cron entry point teaches the store those
lines when it recovers the feed (:func:`madar.cron.relearn_recovered`).

Enabled by ``MADAR_COMMIT_AFTER_EXPORT`` (cron runs). Redis stores write at once: there, a
kill between store and feed can still lose the one item in flight.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured


def pipeline_store(crawler: Any) -> Any:
    """The dedup pipeline's store of a running crawl (``None`` without one)."""
    engine = getattr(crawler, "engine", None)
    itemproc = getattr(getattr(engine, "scraper", None), "itemproc", None)
    for component in getattr(itemproc, "middlewares", ()):
        store = getattr(component, "store", None)
        if store is not None and callable(getattr(store, "flush", None)):
            return store
    return None


class CommitStoreAfterExport:
    """Extension: ``store.flush()`` after each exported item."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> CommitStoreAfterExport:
        if not crawler.settings.getbool("MADAR_COMMIT_AFTER_EXPORT", False):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item: Any = None, spider: Any = None, response: Any = None) -> None:
        store = pipeline_store(self.crawler)
        if store is not None:
            store.flush()
