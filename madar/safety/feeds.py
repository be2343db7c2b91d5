"""A feed that cannot be written stops the crawl and fails the run: no silent loss.

Scrapy's ``FeedExporter`` opens a feed file lazily (at the first item) and reports write
errors only as logged exceptions of a signal handler; the crawl goes on, every later item
is lost the same way, and ``scrapy crawl`` still exits 0. Worse, the dedup store keeps
learning the lost articles, so the next run would not fetch them again.

:class:`FeedWriteGuard` (an extension, after ``FeedExporter``):

- when the spider opens, opens each local feed file for append (creating its directory):
  a read-only or missing directory, a file that cannot be created, fails *before* the
  first request;
- after each ``item_scraped``, checks that every feed that accepts the item counted it
  (``FeedExporter`` counts an item only once its line was written; a full disk makes the
  write raise, so the count stays);
- on the first failure: logs one clear error, sets ``madar/feed/failed`` (and
  ``madar/feed/error``) in the stats and closes the spider with reason ``feed_error``.

``feed_failures(stats)`` says whether a finished crawl lost feed output (also a store
that failed when the feed was closed, ``feedexport/failed_count/*``); the ``crawl``
command of this project (``madar.commands.crawl``) and the cron entry point exit non-zero
on it.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

FAILED_KEY = "madar/feed/failed"
ERROR_KEY = "madar/feed/error"
CLOSE_REASON = "feed_error"


def feed_failures(stats: dict[str, Any]) -> list[str]:
    """Why the feeds of a finished crawl are incomplete (``[]`` when they are not)."""
    problems = []
    if stats.get(FAILED_KEY):
        problems.append(str(stats.get(ERROR_KEY) or "feed output failed"))
    for key, value in stats.items():
        if key.startswith("feedexport/failed_count/") and value:
            problems.append(f"{value} feed(s) could not be stored ({key.rsplit('/', 1)[-1]})")
    return problems


def _feed_exporter(crawler: Any) -> Any:
    from scrapy.extensions.feedexport import FeedExporter

    for component in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(component, FeedExporter):
            return component
    return None


def _local_path(slot: Any) -> Path | None:
    path = getattr(slot.storage, "path", None)
    return Path(path) if isinstance(path, str) and path else None


def _space_note(path: Path) -> str:
    for folder in (path.parent, *path.parents):
        if folder.exists():
            try:
                free = shutil.disk_usage(folder).free
            except OSError:
                return ""
            return f" ({free // 1024} KiB free on {folder})"
    return ""


class FeedWriteGuard:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.exporter: Any = None
        self._counts: dict[int, int] = {}
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> FeedWriteGuard:
        guard = cls(crawler)
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(guard.item_scraped, signal=signals.item_scraped)
        return guard

    def spider_opened(self, spider: Any = None) -> None:
        self.exporter = _feed_exporter(self.crawler)
        if self.exporter is None:
            return
        for slot in self.exporter.slots:
            self._counts[id(slot)] = slot.itemcount
            path = _local_path(slot)
            if path is None:
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("ab"):
                    pass
            except OSError as error:
                self.fail(f"cannot write the feed {path}: {error.strerror or error}"
                          f"{_space_note(path)}")
                return

    def item_scraped(self, item: Any = None, spider: Any = None, response: Any = None) -> None:
        if self.exporter is None or self.failed:
            return
        for slot in self.exporter.slots:
            last = self._counts.get(id(slot))
            self._counts[id(slot)] = slot.itemcount
            if last is not None and slot.itemcount == last and slot.filter.accepts(item):
                path = _local_path(slot)
                where = str(path) if path else slot.uri
                note = _space_note(path) if path else ""
                self.fail(f"an item could not be written to the feed {where} (see the "
                          f"error above; disk full?{note})")
                return

    def fail(self, message: str) -> None:
        if self.failed:
            return
        self.failed = True
        stats = self.crawler.stats
        stats.set_value(FAILED_KEY, 1)
        stats.set_value(ERROR_KEY, message)
        logger.error("Feed output failed: %s. Stopping the crawl (finish reason %r): "
                     "nothing more could be saved.", message, CLOSE_REASON)
        engine = getattr(self.crawler, "engine", None)
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))
