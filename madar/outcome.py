"""Did a finished crawl succeed? One answer for ``scrapy crawl`` and ``python -m madar.cron``
(their exit statuses: docs/crawling.md)."""

from __future__ import annotations

from typing import Any

from madar.extensions.memory import STATS_KEY as MEMORY_BUSY_KEY
from madar.feeds import feed_failures
from madar.middlewares.reachability import STATS_KEY as UNREACHABLE_KEY
from madar.settings import SPIDERMON_EXPECTED_FINISH_REASONS

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2

#: Finish reasons of a crawl that did what it was asked (a max_articles cap included).
NORMAL_FINISH_REASONS = frozenset(SPIDERMON_EXPECTED_FINISH_REASONS)


def crawl_stats(crawler: Any) -> dict[str, Any]:
    """The crawl's stats; ``{}`` when it never started (Scrapy 2.19 raises then)."""
    try:
        return dict(crawler.stats.get_stats()) if crawler.stats else {}
    except RuntimeError:
        return {}


def crawl_failures(stats: dict[str, Any]) -> list[str]:
    """Why a finished crawl counts as failed (``[]``: it did not). An unreachable site, a busy
    memory or lost feed output is the only reason given: it explains the rest."""
    if stats.get(UNREACHABLE_KEY):
        return [f"site unreachable: {stats[UNREACHABLE_KEY]}"]
    if stats.get(MEMORY_BUSY_KEY):
        return [f"memory busy: {stats[MEMORY_BUSY_KEY]}"]
    failures = feed_failures(stats)
    if failures:
        return failures
    reason = stats.get("finish_reason")
    if reason not in NORMAL_FINISH_REASONS:
        failures.append(f"finish_reason={reason!r}")
    monitor_failed = stats.get("madar/monitor/failed")
    if monitor_failed:
        texts = stats.get("madar/monitor/failures")
        failures += [f"monitor {text}" for text in texts] if texts else ["monitors failed"]
    elif monitor_failed is None and stats.get("log_count/ERROR", 0):
        failures.append(f"{stats['log_count/ERROR']} errors logged (monitors did not run)")
    return failures


def memory_summary(stats: dict[str, Any], base_url: str | None = None) -> str | None:
    """One line for the end of a crawl: what it emitted, how much of it the memory knew
    from earlier runs, and where that memory lives (``None`` when no dedup ran)."""
    location = stats.get("madar/memory/location")
    if location is None or stats.get(MEMORY_BUSY_KEY):
        return None
    new, revised = stats.get("madar/dedup/new", 0), stats.get("madar/dedup/revised", 0)
    if stats.get("madar/memory/mode") == "incremental":
        what = f"{new} new, {revised} revised (incremental: known articles not emitted)"
    else:
        what = (f"{new} new, {revised} revised, {stats.get('madar/dedup/known', 0)} already "
                "known from earlier runs")
    forget = f"python -m madar.state forget --base-url {base_url or 'URL'}"
    return (f"{stats.get('item_scraped_count', 0)} articles emitted: {what}; memory: "
            f"{stats.get('madar/memory/known_at_start', 0)} articles before this run, in "
            f"{location} (to start over: {forget})")
