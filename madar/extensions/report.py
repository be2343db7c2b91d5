"""The crawl report: what a run did, for a person (a table in the log) and for tools (JSON).

Built from the crawl's stats when the engine stops (after the monitors ran and the feeds
were closed): pages by kind and status, articles new / updated / duplicate / dropped by
reason (``bad_<field>``: broke the JSON Schema), errors and retries, field coverage, the
share of article pages read through the theme's markup per field, the monitors' verdict,
incremental figures. Written as ``<feed>.report.json`` beside every
local file feed (``x.jsonl.part`` -> ``x.jsonl.report.json``) and to
``MADAR_REPORT_PATH`` when set; ``MADAR_REPORT_ENABLED`` switches it off.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scrapy import signals
from scrapy.exceptions import NotConfigured
from w3lib.url import file_uri_to_path

from madar.extensions.quality import field_coverage, theme_markup_shares
from madar.feeds import final_name

logger = logging.getLogger(__name__)

REPORT_SUFFIX = ".report.json"


def _sub_counts(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """``{"a": 3}`` from ``{prefix + "a": 3}``, sorted by count (largest first)."""
    found = {k[len(prefix):]: v for k, v in stats.items()
             if k.startswith(prefix) and isinstance(v, (int, float)) and "/" not in
             k[len(prefix):]}
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else None


def build_report(stats: dict[str, Any], *, spider: str = "madar",
                 feeds: list[str] | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict (pure: tests feed it a stats dict)."""
    started, finished = stats.get("start_time"), stats.get("finish_time")
    duration = stats.get("elapsed_time_seconds")
    if duration is None and isinstance(started, dt.datetime) and isinstance(
            finished, dt.datetime):
        duration = (finished - started).total_seconds()
    items = int(stats.get("item_scraped_count", 0))
    statuses = _sub_counts(stats, "downloader/response_status_count/")
    requests = int(stats.get("downloader/request_count", 0))
    return {
        "spider": spider,
        "started": _iso(started),
        "finished": _iso(finished),
        "duration_seconds": round(float(duration), 1) if duration is not None else None,
        "finish_reason": stats.get("finish_reason"),
        "feeds": feeds or [],
        "pages": {
            "requests": requests,
            "fetched": int(stats.get("downloader/response_count", 0)),
            "by_status": statuses,
            "by_kind": _sub_counts(stats, "madar/pages/"),
        },
        "articles": {
            "emitted": items,
            "new": int(stats.get("madar/dedup/new", 0)),
            "updated": int(stats.get("madar/dedup/revised", 0)),
            "duplicates": _sub_counts(stats, "madar/duplicates/"),
            "dropped": _sub_counts(stats, "madar/dropped/"),
        },
        "errors": {
            "log_errors": int(stats.get("log_count/ERROR", 0)),
            "log_warnings": int(stats.get("log_count/WARNING", 0)),
            "retries": int(stats.get("retry/count", 0)),
            "gave_up": int(stats.get("retry/max_reached", 0)),
            "download_errors": int(stats.get("downloader/exception_count", 0)),
            "http_errors": {k: v for k, v in statuses.items() if k.isdigit() and int(k) >= 400},
            "spider_exceptions": int(stats.get("spider_exceptions/count", 0)),
        },
        "field_coverage": field_coverage(stats, items),
        "theme_markup": theme_markup_shares(stats),
        "monitors": {
            "failed": stats.get("madar/monitor/failed"),
            "failures": list(stats.get("madar/monitor/failures") or []),
        },
        "incremental": {
            key.rsplit("/", 1)[1]: value for key, value in stats.items()
            if key.startswith("madar/incremental/")
        },
    }


def _row(label: str, value: Any, width: int = 28) -> str:
    return f"  {label:<{width}} {value}"


def render_report(report: dict[str, Any]) -> str:
    """The report as an aligned plain-text table for the log."""
    pages, articles, errors = report["pages"], report["articles"], report["errors"]

    def counts(mapping: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in mapping.items()) or "none"

    monitors = report["monitors"]
    verdict = {None: "not run", 0: "passed", 1: "FAILED"}.get(monitors["failed"], "?")
    lines = [
        f"Crawl report ({report['spider']}): {report['finish_reason']}, "
        f"{report['duration_seconds']} s",
        _row("pages fetched", f"{pages['fetched']} of {pages['requests']} requests"),
        _row("  by status", counts(pages["by_status"])),
        _row("  by kind", counts(pages["by_kind"])),
        _row("articles emitted", articles["emitted"]),
        _row("  new / updated", f"{articles['new']} / {articles['updated']}"),
        _row("  duplicates dropped", counts(articles["duplicates"])),
        _row("  invalid dropped", counts(articles["dropped"])),
        _row("errors / warnings (log)", f"{errors['log_errors']} / {errors['log_warnings']}"),
        _row("retries / gave up", f"{errors['retries']} / {errors['gave_up']}"),
        _row("download errors", errors["download_errors"]),
    ]
    if report["field_coverage"]:
        shares = [f"{name} {share:.0%}" for name, share in report["field_coverage"].items()]
        for start in range(0, len(shares), 6):
            lines.append(_row("field coverage" if start == 0 else "",
                              ", ".join(shares[start:start + 6])))
    if report.get("theme_markup"):
        shares = [f"{name} {share:.0%}" for name, share in report["theme_markup"].items()]
        lines.append(_row("read from theme markup", ", ".join(shares)))
    if report["incremental"]:
        lines.append(_row("incremental", counts(report["incremental"])))
    lines.append(_row("monitors", verdict))
    lines += [_row("", failure) for failure in monitors["failures"]]
    lines += [_row("feed", feed) for feed in report["feeds"]]
    return "\n".join(lines)


def _local_path(uri: str) -> Path | None:
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return Path(file_uri_to_path(uri))
    if scheme in ("", ) or (len(scheme) == 1 and uri[1:3] in (":\\", ":/")):
        return Path(uri)
    return None


def report_path_for(feed: Path) -> Path:
    final = final_name(feed)
    return final.with_name(final.name + REPORT_SUFFIX)


class CrawlReport:
    """Extension: log the report and write it beside the run's file feeds."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.feeds: list[str] = []
        self.extra_path = crawler.settings.get("MADAR_REPORT_PATH")
        self.report: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlReport:
        if not crawler.settings.getbool("MADAR_REPORT_ENABLED"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def feed_slot_closed(self, slot: Any) -> None:
        self.feeds.append(slot.uri)

    def engine_stopped(self) -> None:
        stats = self.crawler.stats.get_stats()
        spider = getattr(self.crawler.spidercls, "name", "madar")
        paths = [p for p in (_local_path(uri) for uri in self.feeds) if p is not None]
        self.report = build_report(stats, spider=spider,
                                   feeds=[str(final_name(p)) for p in paths])
        logger.info("%s", render_report(self.report))
        targets = [report_path_for(p) for p in paths]
        if self.extra_path:
            targets.append(Path(self.extra_path))
        text = json.dumps(self.report, ensure_ascii=False, indent=2, default=str) + "\n"
        for target in targets:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            except OSError:
                logger.exception("Could not write the crawl report to %s", target)
