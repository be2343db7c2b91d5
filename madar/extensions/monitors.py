"""Spidermon monitors run when the spider closes: did this crawl go right?

The suite :class:`CrawlHealthMonitorSuite` (setting ``SPIDERMON_SPIDER_CLOSE_MONITORS``)
checks that the crawl finished normally, produced items when new ones were expected, kept
errors and retries under thresholds, filled the important fields often enough and emitted
only items that match the Article JSON Schema. Counters come from Scrapy's own stats and
from :mod:`madar.extensions.quality`.

On failure, :class:`RecordMonitorResult` logs one ERROR line naming the failed checks and
sets ``madar/monitor/failed`` = 1 and ``madar/monitor/failures`` (the names); on success
``madar/monitor/failed`` = 0. The cron entry point turns a failure into a non-zero exit.

Thresholds (settings): ``MADAR_MONITOR_MIN_ITEMS`` (1), ``MADAR_MONITOR_MAX_ERRORS`` (0),
``MADAR_MONITOR_MAX_RETRY_RATIO`` (0.1), ``MADAR_MONITOR_MAX_FAILED_RATIO`` (0.05), both
judged from ``MADAR_MONITOR_RATIO_MIN_REQUESTS`` (100) requests on (one dead page costs a
small crawl 5 requests),
``MADAR_MONITOR_FIELD_COVERAGE`` ({"title": 0.99, "text": 0.99, "published": 0.95}),
``MADAR_MONITOR_COVERAGE_MIN_ITEMS`` (10: coverage of a handful of items says little),
``MADAR_MONITOR_MAX_SCHEMA_INVALID`` (0),
``MADAR_THEME_MARKUP_MIN_SHARE`` (0.8) of the pages whose ``MADAR_THEME_MARKUP_FIELDS``
(title, text, published, related) came from the theme's markup, judged from
``MADAR_MONITOR_COVERAGE_MIN_ITEMS`` article pages on.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from madar.extensions.quality import FIELDS_PREFIX, SCHEMA_PREFIX, field_sources

logger = logging.getLogger(__name__)

# Spidermon 1.2x logs through Spider.log(), deprecated in Scrapy 2.13+; harmless, but each
# warning would count as a WARNING of the crawl.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated",
                        category=ScrapyDeprecationWarning)

DEFAULT_FIELD_COVERAGE = {"title": 0.99, "text": 0.99, "published": 0.95}
DEFAULT_THEME_MARKUP_FIELDS = ("title", "text", "published", "related")
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


@monitors.name("Finish")
class FinishReasonMonitor(_MadarMonitor):
    @monitors.name("finished normally")
    def test_finish_reason(self) -> None:
        reason = self.stats.get("finish_reason")
        self.assertEqual(reason, "finished",
                         f"the crawl ended with finish_reason={reason!r}, not 'finished'")


@monitors.name("Items")
class ItemsExpectedMonitor(_MadarMonitor):
    @monitors.name("new items when expected")
    def test_items_when_expected(self) -> None:
        incremental = self.stat("madar/incremental/enabled")
        first_run = self.stat("madar/incremental/known_at_start") == 0
        if incremental and not first_run:
            self.skipTest("incremental run over a known corpus: zero new items is normal")
        minimum = self.settings.getint("MADAR_MONITOR_MIN_ITEMS", 1)
        items = self.stat("item_scraped_count")
        self.assertGreaterEqual(items, minimum,
                                f"{items} items emitted, expected at least {minimum}")


@monitors.name("Errors")
class ErrorsMonitor(_MadarMonitor):
    @monitors.name("errors in the log")
    def test_error_log_count(self) -> None:
        limit = self.settings.getint("MADAR_MONITOR_MAX_ERRORS", 0)
        # "Gave up retrying" lines are judged by the failed-request ratio below.
        errors = self.stat("log_count/ERROR") - self.stat("retry/max_reached")
        self.assertLessEqual(errors, limit, f"{errors} ERROR log lines (limit {limit}), "
                                            "not counting requests given up after retries")

    def _requests_to_judge(self) -> int:
        requests = self.stat("downloader/request_count")
        needed = self.settings.getint("MADAR_MONITOR_RATIO_MIN_REQUESTS", 100)
        if requests < needed:
            self.skipTest(f"{requests} requests: too few for a ratio (needs {needed})")
        return requests

    @monitors.name("retry ratio")
    def test_retry_ratio(self) -> None:
        requests = self._requests_to_judge()
        limit = self.settings.getfloat("MADAR_MONITOR_MAX_RETRY_RATIO", 0.1)
        ratio = self.stat("retry/count") / requests
        self.assertLessEqual(ratio, limit, f"retry ratio {ratio:.1%} over {limit:.0%}")

    @monitors.name("failed request ratio")
    def test_failed_ratio(self) -> None:
        """Requests lost for good: retries exhausted, server errors, spider exceptions.
        (4xx answers are the site's dead links, shown in the report, not judged here.)"""
        requests = self._requests_to_judge()
        limit = self.settings.getfloat("MADAR_MONITOR_MAX_FAILED_RATIO", 0.05)
        server_errors = sum(
            int(v) for k, v in self.stats.items()
            if k.startswith("httperror/response_ignored_status_count/5"))
        # A 5xx retried to the end counts in both stats: take the larger, not the sum.
        failed = (max(self.stat("retry/max_reached"), server_errors)
                  + self.stat("spider_exceptions/count"))
        ratio = failed / requests
        self.assertLessEqual(ratio, limit, f"{failed} requests failed for good "
                                           f"({ratio:.1%}, limit {limit:.0%})")


@monitors.name("Field coverage")
class FieldCoverageMonitor(_MadarMonitor):
    @monitors.name("important fields filled")
    def test_field_coverage(self) -> None:
        items = self.stat("item_scraped_count")
        needed = self.settings.getint("MADAR_MONITOR_COVERAGE_MIN_ITEMS", 10)
        if items < needed:
            self.skipTest(f"{items} items: too few to judge coverage (needs {needed})")
        rules = self.settings.getdict("MADAR_MONITOR_FIELD_COVERAGE") or DEFAULT_FIELD_COVERAGE
        low = []
        for field, minimum in rules.items():
            coverage = self.stat(f"{FIELDS_PREFIX}/{field}") / items
            if coverage < float(minimum):
                low.append(f"{field} {coverage:.1%} < {float(minimum):.0%}")
        if low:
            self.fail("field coverage too low: " + ", ".join(low))


@monitors.name("Theme markup")
class ThemeMarkupMonitor(_MadarMonitor):
    """The theme-change alarm: core fields must still come from the theme's own markup.

    When the site changes its theme, metadata keeps titles and dates coming and the corpus
    degrades quietly (no related links, worse bodies); the share of pages read through the
    theme's markup drops first.
    """

    @monitors.name("core fields read from the theme's markup")
    def test_theme_markup_share(self) -> None:
        minimum = self.settings.getfloat("MADAR_THEME_MARKUP_MIN_SHARE", 0.8)
        needed = self.settings.getint("MADAR_MONITOR_COVERAGE_MIN_ITEMS", 10)
        fields = (self.settings.getlist("MADAR_THEME_MARKUP_FIELDS")
                  or list(DEFAULT_THEME_MARKUP_FIELDS))
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


@monitors.name("Schema")
class SchemaMonitor(_MadarMonitor):
    @monitors.name("items match the Article JSON Schema")
    def test_schema(self) -> None:
        limit = self.settings.getint("MADAR_MONITOR_MAX_SCHEMA_INVALID", 0)
        invalid = self.stat(f"{SCHEMA_PREFIX}/invalid")
        fields = sorted(k.rsplit("/", 1)[1] for k in self.stats
                        if k.startswith(f"{SCHEMA_PREFIX}/invalid/"))
        self.assertLessEqual(invalid, limit,
                             f"{invalid} items break the schema (fields: {', '.join(fields)})")


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


class CrawlHealthMonitorSuite(MonitorSuite):
    monitors = [  # noqa: RUF012 - Spidermon's declarative API
        FinishReasonMonitor,
        ItemsExpectedMonitor,
        ErrorsMonitor,
        FieldCoverageMonitor,
        ThemeMarkupMonitor,
        SchemaMonitor,
    ]
    monitors_finished_actions = [RecordMonitorResult]  # noqa: RUF012
