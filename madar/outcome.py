"""Did a finished crawl succeed? One answer for ``scrapy crawl`` and ``python -m madar.cron``.

A crawl failed when the site was unreachable, when it ended for another reason than
``finished`` (a ``max_articles`` cap, ``closespider_itemcount``, is a normal end), when a
monitor failed (or, without monitors, errors were logged), or when feed output was lost.
:func:`crawl_failures` lists the reasons, the site's own cause first: it explains the rest.

Exit statuses of the ``crawl`` command: 0 success, 1 crawl failed, 2 bad arguments. Cron
adds 75 (another run holds the lock).
"""

from __future__ import annotations

from typing import Any

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
    failures = list(feed_failures(stats))
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
