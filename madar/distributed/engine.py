"""What a worker needs to know about its own Scrapy engine.

Scrapy has no public "is this engine holding requests" call besides ``spider_is_idle()``,
which also asks the scheduler (here: the *shared* queue, which is not this worker's work).
These helpers read the engine's in-progress set (``ExecutionEngine._slot.inprogress``, the
set ``spider_is_idle`` and ``close_spider`` themselves rely on) and degrade gracefully if a
future Scrapy renames it: in-flight tracking then reports requests done at the next
heartbeat, and busy detection falls back to the downloader.
"""

from __future__ import annotations

from typing import Any


def locally_busy(engine: Any) -> bool:
    """Does this worker hold a request (downloading, parsing, or start requests pending)?"""
    slot = getattr(engine, "_slot", None)
    if slot is not None and slot.inprogress:
        return True
    return bool(engine.downloader.active) or getattr(engine, "_start", None) is not None


def in_progress(engine: Any) -> Any:
    """The requests the engine holds (downloading or being parsed), or None if unknown."""
    slot = getattr(engine, "_slot", None)
    return getattr(slot, "inprogress", None)


def scheduler_of(engine: Any) -> Any:
    """``engine.scheduler`` (public since Scrapy 2.19), else the engine slot's."""
    scheduler = getattr(engine, "scheduler", None)
    if scheduler is None:
        slot = getattr(engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
    return scheduler


def wake(engine: Any) -> None:
    """Ask the engine to pull from the scheduler now rather than at its next 5 s tick."""
    slot = getattr(engine, "_slot", None)
    if slot is not None and slot.closing is None:
        slot.nextcall.schedule()
