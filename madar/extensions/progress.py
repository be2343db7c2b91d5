"""A live progress line on stderr for interactive runs: pages, items, queue, rate; in archive
mode also articles done/total (the sitemaps' count) and the estimated time left.

``MADAR_PROGRESS``: ``auto`` (default: on only when stderr is a terminal, so cron mails and
Scrapyd logs stay clean), ``true`` or ``false``. ``MADAR_PROGRESS_INTERVAL`` seconds between
updates (default 1). The line is redrawn in place (``\\r``) and cleared when the spider
closes.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from madar.incremental import parse_flag


def progress_enabled(setting: Any, stream: IO[str]) -> bool:
    if setting is None or str(setting).strip().lower() == "auto":
        return bool(getattr(stream, "isatty", lambda: False)())
    return parse_flag(setting)


def format_progress(pages: int, items: int, queued: int | None, elapsed: float) -> str:
    rate = pages / elapsed * 60 if elapsed > 0 else 0.0
    queue = "?" if queued is None else str(queued)
    return (f"pages {pages:>6}  items {items:>6}  queue {queue:>5}  "
            f"{rate:>6.0f} pages/min  {int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}")


def format_archive(fetched: int, known: int, total: int, elapsed: float) -> str:
    """``archive done/total (pct) ETA h:mm:ss`` from the sitemaps' count (archive mode).

    ``known``: listed articles the memory already held (skipped at once, so they count as
    done but not toward the rate)."""
    done = fetched + known
    total = max(total, done)  # listing-only articles are not in the sitemaps' count
    share = done / total * 100 if total else 100.0
    rate = fetched / elapsed if elapsed > 0 else 0.0
    if done >= total:
        eta = "0:00:00"
    elif rate > 0:
        seconds = int((total - done) / rate)
        eta = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    else:
        eta = "?"
    return f"archive {done}/{total} ({share:.0f}%)  ETA {eta}"


class ProgressLine:
    """Extension: redraw one status line on stderr every interval."""

    def __init__(self, crawler: Any, interval: float, stream: IO[str]) -> None:
        self.crawler = crawler
        self.interval = interval
        self.stream = stream
        self.started = time.monotonic()
        self._loop: task.LoopingCall | None = None
        self._width = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLine:
        stream = sys.stderr
        if not progress_enabled(crawler.settings.get("MADAR_PROGRESS", "auto"), stream):
            raise NotConfigured
        extension = cls(crawler, crawler.settings.getfloat("MADAR_PROGRESS_INTERVAL", 1.0),
                        stream)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def _queued(self) -> int | None:
        engine = getattr(self.crawler, "engine", None)
        try:
            # ``engine.scheduler`` is public from Scrapy 2.19; ``engine.slot`` before.
            scheduler = (engine.scheduler if hasattr(type(engine), "scheduler")
                         else engine.slot.scheduler)
            return len(scheduler) + len(engine.downloader.active)
        except (AttributeError, TypeError):
            return None

    def line(self) -> str:
        stats = self.crawler.stats
        elapsed = time.monotonic() - self.started
        line = format_progress(int(stats.get_value("response_received_count", 0)),
                               int(stats.get_value("item_scraped_count", 0)),
                               self._queued(), elapsed)
        total = stats.get_value("madar/archive/total")
        if total:
            line += "  " + format_archive(int(stats.get_value("madar/archive/done", 0)),
                                          int(stats.get_value("madar/archive/known", 0)),
                                          int(total), elapsed)
        return line

    def draw(self) -> None:
        text = self.line()
        self._width = max(self._width, len(text))
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()

    def clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def filter(self, record: logging.LogRecord) -> bool:
        """A logging filter: wipe the progress line before a log line is written below it."""
        self.clear()
        return True

    def _log_handlers(self) -> list[logging.Handler]:
        return [h for h in logging.getLogger().handlers
                if isinstance(h, logging.StreamHandler)
                and getattr(h, "stream", None) is self.stream]

    def spider_opened(self, spider: Any) -> None:
        for handler in self._log_handlers():
            handler.addFilter(self)
        self.started = time.monotonic()
        self._loop = task.LoopingCall(self.draw)
        self._loop.start(self.interval, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.clear()
        for handler in self._log_handlers():
            handler.removeFilter(self)
