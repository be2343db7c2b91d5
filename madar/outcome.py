"""Did a finished crawl succeed? One answer for ``scrapy crawl`` and ``python -m madar.cron``.

A crawl failed when the site was unreachable, when another crawl held the site's memory,
when it ended for another reason than ``finished`` (a ``max_articles`` cap,
``closespider_itemcount``, is a normal end), when a monitor failed (or, without monitors,
errors were logged), or when feed output was lost. :func:`crawl_failures` lists the
reasons; an unreachable site, a busy memory or lost feed output alone, since each
explains the rest.

Exit statuses of the ``crawl`` command: 0 success, 1 crawl failed, 2 bad arguments. Cron
adds 75 (another run holds the lock).
"""

from __future__ import annotations

from typing import Any

from madar.extensions.memory import STATS_KEY as MEMORY_BUSY_KEY
from madar.feeds import feed_failures
from madar.middlewares.reachability import STATS_KEY as UNREACHABLE_KEY

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2

#: Finish reasons of a crawl that did what it was asked.
NORMAL_FINISH_REASONS = frozenset({"finished", "closespider_itemcount"})


def crawl_failures(stats: dict[str, Any]) -> list[str]:
    """Why a finished crawl counts as failed (``[]``: it did not)."""
    unreachable = stats.get(UNREACHABLE_KEY)
    if unreachable:
        return [f"site unreachable: {unreachable}"]
    busy = stats.get(MEMORY_BUSY_KEY)
    if busy:
        return [f"memory busy: {busy}"]
    lost = feed_failures(stats)
    if lost:  # it stopped the crawl: the finish reason and the monitors only repeat it
        return list(lost)
    failures = []
    reason = stats.get("finish_reason")
    if reason not in NORMAL_FINISH_REASONS:
        failures.append(f"finish_reason={reason!r}")
    monitor_failed = stats.get("madar/monitor/failed")
    if monitor_failed:
        failures += [f"monitor {text}" for text in stats.get("madar/monitor/failures") or []]
        if not stats.get("madar/monitor/failures"):
            failures.append("monitors failed")
    elif monitor_failed is None and stats.get("log_count/ERROR", 0):
        failures.append(f"{stats['log_count/ERROR']} errors logged (monitors did not run)")
    return failures


def memory_summary(stats: dict[str, Any], base_url: str | None = None) -> str | None:
    """One line for the end of a crawl: what it emitted, how much of it the memory knew
    from earlier runs, and where that memory lives (``None`` when no dedup ran)."""
    location = stats.get("madar/memory/location")
    if location is None:
        return None
    new, revised = stats.get("madar/dedup/new", 0), stats.get("madar/dedup/revised", 0)
    known = stats.get("madar/dedup/known", 0)
    before = stats.get("madar/memory/known_at_start", 0)
    if stats.get("madar/memory/mode") == "incremental":
        what = f"{new} new, {revised} revised (incremental: known articles not emitted)"
    else:
        what = f"{new} new, {revised} revised, {known} already known from earlier runs"
    forget = f"python -m madar.state forget --base-url {base_url}" if base_url else (
        "python -m madar.state forget --base-url URL")
    return (f"{stats.get('item_scraped_count', 0)} articles emitted: {what}; memory: "
            f"{before} articles before this run, in {location} (to start over: {forget})")

