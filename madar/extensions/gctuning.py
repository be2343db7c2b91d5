"""Python's garbage collector tuned for a crawl: ~0.5 ms of CPU a page on the mirror
(docs/benchmarks.md, "Session 4"), for madar as for any Scrapy crawl."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

#: Young collections every this many allocations (Python: 700); a page's objects die by
#: reference count, so collecting them ten times less often finds as little.
YOUNG_THRESHOLD = 7000

#: What the process had before the first user tuned it, and the users: the last to finish
#: restores it (a host's own freeze and thresholds are the host's).
_before: dict[str, Any] = {"users": 0, "threshold": None, "froze": False}


def tune() -> None:
    """Freeze what lives now (modules, Scrapy's machinery, settings: it lives through the
    crawl, out of every full collection's scan) and raise the young threshold."""
    if not _before["users"]:
        _before["threshold"] = gc.get_threshold()
        _before["froze"] = not gc.get_freeze_count()
        if _before["froze"]:
            gc.collect()  # garbage is not frozen
            gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *_before["threshold"][1:])
    _before["users"] += 1


def restore() -> None:
    """Undo :func:`tune`; the last user gives the process back what it had."""
    _before["users"] -= 1
    if not _before["users"]:
        if _before["froze"]:
            gc.unfreeze()
        gc.set_threshold(*_before["threshold"])


@contextmanager
def tuned_gc() -> Iterator[None]:
    tune()
    try:
        yield
    finally:
        restore()


class GcTuning:
    """The tuning for a crawl's life, spider opened to closed; ``MADAR_GC_TUNING = False``
    leaves the collector alone."""

    def __init__(self) -> None:
        self.tuned = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> GcTuning:
        if not crawler.settings.getbool("MADAR_GC_TUNING"):
            raise NotConfigured
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        if not self.tuned:
            self.tuned = True
            tune()

    def spider_closed(self) -> None:
        if self.tuned:
            self.tuned = False
            restore()
