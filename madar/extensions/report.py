"""The crawl report: what a run did, as a table in the log and as JSON
(``<feed>.report.json`` beside every local file feed, and ``MADAR_REPORT_PATH``), built from
the stats when the engine stops, after the monitors ran. docs/operations.md shows one."""

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

def _sub_counts(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """``{"a": 3}`` from ``{prefix + "a": 3}`` (one level deep), largest first."""
    found = {k.removeprefix(prefix): v for k, v in stats.items()
             if k.startswith(prefix) and "/" not in k.removeprefix(prefix)
             and isinstance(v, (int, float))}
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else None


def build_report(stats: dict[str, Any], *, spider: str = "madar",
                 feeds: list[str] | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict (pure: tests feed it a stats dict)."""
    duration = stats.get("elapsed_time_seconds")
    statuses = _sub_counts(stats, "downloader/response_status_count/")
    items = int(stats.get("item_scraped_count", 0))

    def count(key: str) -> int:
        return int(stats.get(key, 0))

    return {
        "spider": spider,
        "started": _iso(stats.get("start_time")),
        "finished": _iso(stats.get("finish_time")),
        "duration_seconds": round(float(duration), 1) if duration is not None else None,
        "finish_reason": stats.get("finish_reason"),
        "feeds": feeds or [],
        "pages": {
            "requests": count("downloader/request_count"),
            "fetched": count("downloader/response_count"),
            "by_status": statuses,
            "by_kind": _sub_counts(stats, "madar/pages/"),
        },
        "articles": {
            "emitted": items,
            "new": count("madar/dedup/new"),
            "updated": count("madar/dedup/revised"),
            "duplicates": _sub_counts(stats, "madar/duplicates/"),
            "dropped": _sub_counts(stats, "madar/dropped/"),
        },
        "errors": {
            "log_errors": count("log_count/ERROR"),
            "log_warnings": count("log_count/WARNING"),
            "retries": count("retry/count"),
            "gave_up": count("retry/max_reached"),
            "download_errors": count("downloader/exception_count"),
            "http_errors": {k: v for k, v in statuses.items() if int(k) >= 400},
            "spider_exceptions": count("spider_exceptions/count"),
        },
        "field_coverage": field_coverage(stats, items),
        "theme_markup": theme_markup_shares(stats),
        "monitors": {
            "failed": stats.get("madar/monitor/failed"),
            "failures": list(stats.get("madar/monitor/failures") or []),
        },
        "incremental": _sub_counts(stats, "madar/incremental/"),
    }


def render_report(report: dict[str, Any]) -> str:
    """The report as an aligned plain-text table for the log."""
    pages, articles, errors = report["pages"], report["articles"], report["errors"]

    def row(label: str, value: Any) -> str:
        return f"  {label:<28} {value}"

    def counts(mapping: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in mapping.items()) or "none"

    def shares(mapping: dict[str, float]) -> list[str]:
        return [f"{name} {share:.0%}" for name, share in mapping.items()]

    lines = [
        f"Crawl report ({report['spider']}): {report['finish_reason']}, "
        f"{report['duration_seconds']} s",
        row("pages fetched", f"{pages['fetched']} of {pages['requests']} requests"),
        row("  by status", counts(pages["by_status"])),
        row("  by kind", counts(pages["by_kind"])),
        row("articles emitted", articles["emitted"]),
        row("  new / updated", f"{articles['new']} / {articles['updated']}"),
        row("  duplicates dropped", counts(articles["duplicates"])),
        row("  invalid dropped", counts(articles["dropped"])),
        row("errors / warnings (log)", f"{errors['log_errors']} / {errors['log_warnings']}"),
        row("retries / gave up", f"{errors['retries']} / {errors['gave_up']}"),
        row("download errors", errors["download_errors"]),
    ]
    coverage = shares(report["field_coverage"])
    lines += [row("field coverage" if start == 0 else "", ", ".join(coverage[start:start + 6]))
              for start in range(0, len(coverage), 6)]
    if report["theme_markup"]:
        lines.append(row("read from theme markup", ", ".join(shares(report["theme_markup"]))))
    if report["incremental"]:
        lines.append(row("incremental", counts(report["incremental"])))
    verdict = {None: "not run", 0: "passed", 1: "FAILED"}.get(report["monitors"]["failed"], "?")
    lines.append(row("monitors", verdict))
    lines += [row("", failure) for failure in report["monitors"]["failures"]]
    lines += [row("feed", feed) for feed in report["feeds"]]
    return "\n".join(lines)


def report_path_for(feed: Path) -> Path:
    final = final_name(feed)
    return final.with_name(final.name + ".report.json")


class CrawlReport:
    """Extension: log the report and write it beside the run's local file feeds."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.feeds: list[Path] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlReport:
        if not crawler.settings.getbool("MADAR_REPORT_ENABLED"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def feed_slot_closed(self, slot: Any) -> None:
        scheme = urlparse(slot.uri).scheme
        if scheme in ("", "file"):
            self.feeds.append(Path(file_uri_to_path(slot.uri) if scheme else slot.uri))

    def engine_stopped(self) -> None:
        report = build_report(self.crawler.stats.get_stats(),
                              spider=getattr(self.crawler.spidercls, "name", "madar"),
                              feeds=[str(final_name(feed)) for feed in self.feeds])
        logger.info("%s", render_report(report))
        targets = [report_path_for(feed) for feed in self.feeds]
        if self.crawler.settings.get("MADAR_REPORT_PATH"):
            targets.append(Path(self.crawler.settings.get("MADAR_REPORT_PATH")))
        text = json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"
        for target in targets:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            except OSError:
                logger.exception("Could not write the crawl report to %s", target)
