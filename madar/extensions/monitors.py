"""Spidermon monitors run when the spider closes: did this crawl go right?

Spidermon's own finish-reason and field-coverage monitors, and ours for what it lacks: items
expected unless an incremental run found nothing new, ERROR lines other than given-up
retries, retry and failed-request ratios, and the theme-change alarm. Thresholds: the
``MADAR_MONITOR_*`` and ``MADAR_THEME_MARKUP_*`` settings; the verdict goes into the stats.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, monitors
from spidermon.contrib.scrapy.monitors import (
    FieldCoverageMonitor,
    FinishReasonMonitor,
    SpiderCloseMonitorSuite,
)
from spidermon.core.actions import Action

from madar.extensions.quality import field_sources

logger = logging.getLogger(__name__)

# Spidermon 1.2x logs through Spider.log(), deprecated in Scrapy 2.13+; harmless, but each
# warning would count as a WARNING of the crawl.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated",
                        category=ScrapyDeprecationWarning)

class _MadarMonitor(Monitor):
    longMessage = False  # the log shows our message, not unittest's repr of the values

    def stat(self, key: str) -> int:
        return int(self.data.stats.get(key, 0) or 0)

    @property
    def settings(self) -> Any:
        return self.data.crawler.settings


@monitors.name("Items")
class ItemsExpectedMonitor(_MadarMonitor):
    @monitors.name("new items when expected")
    def test_items_when_expected(self) -> None:
        # An incremental run (also Redis mode, whose dupefilter never fetches a known article
        # again) over a known corpus may rightly find nothing new.
        incremental = (self.data.stats.get("madar/memory/mode") == "incremental"
                       or self.stat("madar/incremental/enabled"))
        known = (self.stat("madar/memory/known_at_start")
                 or self.stat("madar/incremental/known_at_start")
                 or self.stat("madar/dedup/known_at_start"))
        if incremental and known:
            self.skipTest("incremental run over a known corpus: zero new items is normal")
        minimum = self.settings.getint("MADAR_MONITOR_MIN_ITEMS")
        items = self.stat("item_scraped_count")
        self.assertGreaterEqual(items, minimum,
                                f"{items} items emitted, expected at least {minimum}")


@monitors.name("Errors")
class ErrorsMonitor(_MadarMonitor):
    @monitors.name("errors in the log")
    def test_error_log_count(self) -> None:
        limit = self.settings.getint("MADAR_MONITOR_MAX_ERRORS")
        # "Gave up retrying" lines are judged by the failed-request ratio below.
        errors = self.stat("log_count/ERROR") - self.stat("retry/max_reached")
        self.assertLessEqual(errors, limit, f"{errors} ERROR log lines (limit {limit}), "
                                            "not counting requests given up after retries")

    def _ratio(self, failed: int, limit_setting: str) -> tuple[float, float]:
        requests = self.stat("downloader/request_count")
        needed = self.settings.getint("MADAR_MONITOR_RATIO_MIN_REQUESTS")
        if requests < needed:
            self.skipTest(f"{requests} requests: too few for a ratio (needs {needed})")
        return failed / requests, self.settings.getfloat(limit_setting)

    @monitors.name("retry ratio")
    def test_retry_ratio(self) -> None:
        ratio, limit = self._ratio(self.stat("retry/count"), "MADAR_MONITOR_MAX_RETRY_RATIO")
        self.assertLessEqual(ratio, limit, f"retry ratio {ratio:.1%} over {limit:.0%}")

    @monitors.name("failed request ratio")
    def test_failed_ratio(self) -> None:
        """Retries exhausted, server errors, spider exceptions (4xx are the site's dead
        links: in the report, not judged). A 5xx retried to the end counts in both stats."""
        server_errors = sum(int(v) for k, v in self.data.stats.items()
                            if k.startswith("httperror/response_ignored_status_count/5"))
        failed = (max(self.stat("retry/max_reached"), server_errors)
                  + self.stat("spider_exceptions/count"))
        ratio, limit = self._ratio(failed, "MADAR_MONITOR_MAX_FAILED_RATIO")
        self.assertLessEqual(ratio, limit, f"{failed} requests failed for good "
                                           f"({ratio:.1%}, limit {limit:.0%})")


@monitors.name("Theme markup")
class ThemeMarkupMonitor(_MadarMonitor):
    """After a theme change metadata keeps titles and dates coming while the corpus degrades
    quietly; the share of pages read through the theme's markup drops first."""

    @monitors.name("core fields read from the theme's markup")
    def test_theme_markup_share(self) -> None:
        minimum = self.settings.getfloat("MADAR_THEME_MARKUP_MIN_SHARE")
        needed = self.settings.getint("MADAR_MONITOR_COVERAGE_MIN_ITEMS")
        low, judged = [], 0
        for field in self.settings.getlist("MADAR_THEME_MARKUP_FIELDS"):
            counts = field_sources(self.data.stats, field)
            pages = sum(counts.values())
            if pages < needed:
                continue
            judged += 1
            if counts["theme"] / pages < minimum:
                low.append(f"{field} {counts['theme'] / pages:.1%} < {minimum:.0%} "
                           f"(metadata {counts['metadata']}, none {counts['none']})")
        if not judged:
            self.skipTest(f"fewer than {needed} article pages: too few to judge the markup")
        if low:
            self.fail("theme markup no longer read (did the site change its theme?): "
                      + ", ".join(low))


class RecordMonitorResult(Action):
    """``madar/monitor/failed`` (0 or 1) and, on failure, ``madar/monitor/failures`` and one
    ERROR line: the crawl command and cron then exit 1."""

    def run_action(self) -> None:
        stats = self.data.crawler.stats
        failed = self.result.monitors_failed_results
        stats.set_value("madar/monitor/failed", int(bool(failed)))
        if not failed:
            return
        reasons = [f"{r.monitor.name}: {_last_line(r.error)}" for r in failed]
        stats.set_value("madar/monitor/failures", reasons)
        logger.error("Crawl monitors failed (%d):\n  %s", len(reasons), "\n  ".join(reasons))


def _last_line(error: Any) -> str:
    lines = [line for line in str(error or "").splitlines() if line.strip()]
    return lines[-1].removeprefix("AssertionError: ") if lines else "failed"


class CrawlHealthMonitorSuite(SpiderCloseMonitorSuite):
    """Spidermon's suite applies ``SPIDERMON_MONITOR_SKIPPING_RULES``."""

    monitors = [  # noqa: RUF012 - Spidermon's declarative API
        FinishReasonMonitor,
        ItemsExpectedMonitor,
        ErrorsMonitor,
        FieldCoverageMonitor,
        ThemeMarkupMonitor,
    ]
    monitors_finished_actions = [RecordMonitorResult]  # noqa: RUF012
