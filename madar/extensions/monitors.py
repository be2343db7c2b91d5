"""Spidermon monitors run when the spider closes: did this crawl go right?

:class:`CrawlHealthMonitorSuite` (``SPIDERMON_SPIDER_CLOSE_MONITORS``) runs Spidermon's own
finish-reason and field-coverage monitors (``SPIDERMON_EXPECTED_FINISH_REASONS``,
``SPIDERMON_FIELD_COVERAGE_RULES``, skipped below ``SPIDERMON_MONITOR_SKIPPING_RULES``) and
ours for what Spidermon cannot say: items expected unless an incremental run found nothing
new (``MADAR_MONITOR_MIN_ITEMS``), ERROR lines other than given-up retries
(``MADAR_MONITOR_MAX_ERRORS``), retry and failed-request ratios judged from
``MADAR_MONITOR_RATIO_MIN_REQUESTS`` requests (``MADAR_MONITOR_MAX_RETRY_RATIO``,
``MADAR_MONITOR_MAX_FAILED_RATIO``), and the theme-change alarm
(``MADAR_THEME_MARKUP_MIN_SHARE`` of ``MADAR_THEME_MARKUP_FIELDS``). Items that break the
JSON Schema never get here: the validation pipeline drops them.

:class:`RecordMonitorResult` sets ``madar/monitor/failed`` (0 or 1) and, on failure,
``madar/monitor/failures`` and one ERROR line; the cron entry point then exits 1.
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

MONITOR_PREFIX = "madar/monitor"


class _MadarMonitor(Monitor):
    longMessage = False  # the log shows our message, not unittest's repr of the values

    @property
    def stats(self) -> dict[str, Any]:
        return self.data.stats

    @property
    def settings(self) -> Any:
        return self.data.crawler.settings

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)


@monitors.name("Items")
class ItemsExpectedMonitor(_MadarMonitor):
    @monitors.name("new items when expected")
    def test_items_when_expected(self) -> None:
        # "incremental": the dedup pipeline emits only new and changed articles (also in
        # Redis mode, whose shared dupefilter never fetches a known article again).
        incremental = (self.stats.get("madar/memory/mode") == "incremental"
                       or self.stat("madar/incremental/enabled"))
        known = (self.stat("madar/memory/known_at_start")
                 or self.stat("madar/incremental/known_at_start")
                 or self.stat("madar/dedup/known_at_start"))
        first_run = not known
        if incremental and not first_run:
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

    def _requests_to_judge(self) -> int:
        requests = self.stat("downloader/request_count")
        needed = self.settings.getint("MADAR_MONITOR_RATIO_MIN_REQUESTS")
        if requests < needed:
            self.skipTest(f"{requests} requests: too few for a ratio (needs {needed})")
        return requests

    @monitors.name("retry ratio")
    def test_retry_ratio(self) -> None:
        requests = self._requests_to_judge()
        limit = self.settings.getfloat("MADAR_MONITOR_MAX_RETRY_RATIO")
        ratio = self.stat("retry/count") / requests
        self.assertLessEqual(ratio, limit, f"retry ratio {ratio:.1%} over {limit:.0%}")

    @monitors.name("failed request ratio")
    def test_failed_ratio(self) -> None:
        """Requests lost for good: retries exhausted, server errors, spider exceptions.
        (4xx answers are the site's dead links, shown in the report, not judged here.)"""
        requests = self._requests_to_judge()
        limit = self.settings.getfloat("MADAR_MONITOR_MAX_FAILED_RATIO")
        server_errors = sum(
            int(v) for k, v in self.stats.items()
            if k.startswith("httperror/response_ignored_status_count/5"))
        # A 5xx retried to the end counts in both stats: take the larger, not the sum.
        failed = (max(self.stat("retry/max_reached"), server_errors)
                  + self.stat("spider_exceptions/count"))
        ratio = failed / requests
        self.assertLessEqual(ratio, limit, f"{failed} requests failed for good "
                                           f"({ratio:.1%}, limit {limit:.0%})")


@monitors.name("Theme markup")
class ThemeMarkupMonitor(_MadarMonitor):
    """The theme-change alarm: core fields must still come from the theme's own markup.

    When the site changes its theme, metadata keeps titles and dates coming and the corpus
    degrades quietly (no related links, worse bodies); the share of pages read through the
    theme's markup drops first.
    """

    @monitors.name("core fields read from the theme's markup")
    def test_theme_markup_share(self) -> None:
        minimum = self.settings.getfloat("MADAR_THEME_MARKUP_MIN_SHARE")
        needed = self.settings.getint("MADAR_MONITOR_COVERAGE_MIN_ITEMS")
        fields = self.settings.getlist("MADAR_THEME_MARKUP_FIELDS")
        low, judged = [], 0
        for field in fields:
            counts = field_sources(self.stats, field)
            pages = sum(counts.values())
            if pages < needed:
                continue
            judged += 1
            share = counts["theme"] / pages
            if share < minimum:
                low.append(f"{field} {share:.1%} < {minimum:.0%} "
                           f"(metadata {counts['metadata']}, none {counts['none']})")
        if not judged:
            self.skipTest(f"fewer than {needed} article pages: too few to judge the markup")
        if low:
            self.fail("theme markup no longer read (did the site change its theme?): "
                      + ", ".join(low))


class RecordMonitorResult(Action):
    """Write the verdict into the stats and, on failure, one ERROR line into the log."""

    def run_action(self) -> None:
        stats = self.data.crawler.stats
        failed = self.result.monitors_failed_results
        if not failed:
            stats.set_value(f"{MONITOR_PREFIX}/failed", 0)
            return
        reasons = [f"{r.monitor.name}: {_last_line(r.error)}" for r in failed]
        stats.set_value(f"{MONITOR_PREFIX}/failed", 1)
        stats.set_value(f"{MONITOR_PREFIX}/failures", reasons)
        logger.error("Crawl monitors failed (%d):\n  %s", len(reasons), "\n  ".join(reasons))


def _last_line(error: Any) -> str:
    lines = [line for line in str(error or "").strip().splitlines() if line.strip()]
    text = lines[-1] if lines else "failed"
    return text.removeprefix("AssertionError: ")


class CrawlHealthMonitorSuite(SpiderCloseMonitorSuite):
    """Spidermon's finish-reason and field-coverage monitors, and ours for what it lacks
    (its suite applies ``SPIDERMON_MONITOR_SKIPPING_RULES``)."""

    monitors = [  # noqa: RUF012 - Spidermon's declarative API
        FinishReasonMonitor,
        ItemsExpectedMonitor,
        ErrorsMonitor,
        FieldCoverageMonitor,
        ThemeMarkupMonitor,
    ]
    monitors_finished_actions = [RecordMonitorResult]  # noqa: RUF012
