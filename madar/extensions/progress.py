"""A progress line for interactive runs: Scrapy's LogStats with madar's line (pages, items,
queue, rate; in archive mode articles done/total and the time left) every
``MADAR_PROGRESS_INTERVAL`` s. ``MADAR_PROGRESS``: ``auto`` (only when stderr is a terminal,
so cron mails and Scrapyd logs stay clean), true or false."""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.logstats import LogStats

from madar.incremental import parse_flag

logger = logging.getLogger(__name__)


def progress_enabled(setting: Any, stream: IO[str]) -> bool:
    if setting is None or str(setting).strip().lower() == "auto":
        return stream.isatty()
    return parse_flag(setting)


def format_progress(pages: int, items: int, queued: int | None, elapsed: float) -> str:
    rate = pages / elapsed * 60 if elapsed > 0 else 0.0
    queue = "?" if queued is None else str(queued)
    return (f"pages {pages:>6}  items {items:>6}  queue {queue:>5}  "
            f"{rate:>6.0f} pages/min  {int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}")


def format_archive(fetched: int, known: int, total: int, elapsed: float) -> str:
    """``archive done/total (pct) ETA h:mm:ss`` from the sitemaps' count; ``known`` articles
    (skipped at once) count as done but not toward the rate."""
    done = fetched + known
    total = max(total, done)  # listing-only articles are not in the sitemaps' count
    rate = fetched / elapsed if elapsed > 0 else 0.0
    if done >= total:
        eta = "0:00:00"
    elif rate > 0:
        seconds = int((total - done) / rate)
        eta = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    else:
        eta = "?"
    return f"archive {done}/{total} ({done / total * 100 if total else 100.0:.0f}%)  ETA {eta}"


class ProgressLine(LogStats):
    def __init__(self, crawler: Any, interval: float) -> None:
        super().__init__(crawler.stats, interval)
        self.crawler = crawler
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLine:
        if not progress_enabled(crawler.settings.get("MADAR_PROGRESS"), sys.stderr):
            raise NotConfigured
        extension = cls(crawler, crawler.settings.getfloat("MADAR_PROGRESS_INTERVAL"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        super().spider_opened(spider)

    def log(self, spider: Any) -> None:
        stats = self.crawler.stats
        elapsed = time.monotonic() - self.started
        try:
            queued: int | None = len(self.crawler.engine.scheduler)
        except RuntimeError:  # no engine: not crawling
            queued = None
        line = format_progress(stats.get_value("response_received_count", 0),
                               stats.get_value("item_scraped_count", 0), queued, elapsed)
        total = stats.get_value("madar/archive/total")
        if total:
            line += "  " + format_archive(stats.get_value("madar/archive/done", 0),
                                          stats.get_value("madar/archive/known", 0),
                                          total, elapsed)
        logger.info("%s", line, extra={"spider": spider})
