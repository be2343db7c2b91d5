"""Commit the dedup store only after the feed has the item: feed and store agree after a kill.

The dedup pipeline writes an article into the store *before* the feed exporter writes its
line (pipelines run first, the exporter listens to ``item_scraped``), and several items can
be between the two at once. Committing the store on its own schedule, a SIGKILL between the
two either loses an item (store committed, line not written: the next run skips it) or
repeats one (line written, store batch lost). So, in a crawl, the dedup pipeline commits
only when every article it stored has been through ``item_scraped`` and after handing the
feed files' buffers to the OS (:func:`flush_feeds`; settings.py maps both plain paths and
``file://`` to the line-flushed storage, the flush covers any other buffered storage), and
never once a feed failed
(:meth:`madar.pipelines.dedup.DeduplicatePipeline.commit_if_safe`). A kill can then only
leave lines whose store entries were not committed; the cron entry point teaches the store
those lines when it recovers the feed (:func:`madar.cron.relearn_recovered`).

:class:`CommitStoreAfterExport` (``MADAR_COMMIT_AFTER_EXPORT``, cron runs), connected to
``item_scraped`` after Scrapy's FeedExporter, asks for that commit right after each export
(the pipeline's own signal handler comes later, after every extension's). Redis stores
write at once: there, a kill between store and feed can still lose the items in flight.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


def _pipeline_components(crawler: Any) -> Any:
    engine = getattr(crawler, "engine", None)
    itemproc = getattr(getattr(engine, "scraper", None), "itemproc", None)
    return getattr(itemproc, "middlewares", ())


def pipeline_store(crawler: Any) -> Any:
    """The dedup pipeline's store of a running crawl (``None`` without one)."""
    for component in _pipeline_components(crawler):
        store = getattr(component, "store", None)
        if store is not None and callable(getattr(store, "flush", None)):
            return store
    return None


def _extension(crawler: Any, class_path: str) -> Any:
    from scrapy.utils.misc import load_object

    cls = load_object(class_path)
    for component in getattr(getattr(crawler, "extensions", None), "middlewares", ()):
        if isinstance(component, cls):
            return component
    return None


def flush_feeds(crawler: Any) -> bool:
    """Hand every open feed file's buffered lines to the OS; ``False`` when one failed.

    A failure (disk full) is reported through :class:`~madar.safety.feeds.FeedWriteGuard`
    (``madar/feed/failed``; the crawl stops), so nothing is committed after it.
    """
    exporter = _extension(crawler, "scrapy.extensions.feedexport.FeedExporter")
    for slot in getattr(exporter, "slots", ()):
        file = getattr(slot, "file", None)
        if file is None or getattr(file, "closed", False):
            continue
        try:
            file.flush()
        except (OSError, ValueError) as error:
            message = (f"the feed {slot.uri} could not be written: "
                       f"{getattr(error, 'strerror', None) or error}")
            guard = _extension(crawler, "madar.safety.feeds.FeedWriteGuard")
            if guard is not None:
                guard.fail(message)
            else:
                from madar.safety.feeds import ERROR_KEY, FAILED_KEY

                logger.error("Feed output failed: %s", message)
                crawler.stats.set_value(FAILED_KEY, 1)
                crawler.stats.set_value(ERROR_KEY, message)
            return False
    return True


def written_feed_lines(crawler: Any) -> Iterator[dict[str, Any]]:
    """The complete JSON lines now in the crawl's local feed files (regular files only)."""
    exporter = _extension(crawler, "scrapy.extensions.feedexport.FeedExporter")
    for slot in getattr(exporter, "slots", ()):
        path = getattr(getattr(slot, "storage", None), "path", None)
        if not isinstance(path, str) or not Path(path).is_file():
            continue
        try:
            with Path(path).open("rb") as handle:
                for line in handle:
                    if not line.endswith(b"\n"):
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict):
                        yield record
        except OSError as error:
            logger.warning("Cannot read back the feed %s: %s", path, error)


class CommitStoreAfterExport:
    """Extension: commit the dedup store after each exported item, when that is safe."""

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
        for component in _pipeline_components(self.crawler):
            commit_exported = getattr(component, "commit_exported", None)
            if callable(commit_exported) and getattr(component, "store", None) is not None:
                commit_exported(item)
                return
        store = pipeline_store(self.crawler)  # a store owner that does not track exports
        if store is not None:
            store.flush()
