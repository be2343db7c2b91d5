"""Does madar still read the live site? ``python -m madar.selfcheck [--base-url URL] [--pages N]``

Runs the ``madar`` spider over the home page, the latest-news listing and N articles (nothing
stored) and prints, per field, where it came from and the suspicious values. Exit status 1
when a core field is not read from the theme's markup or looks wrong, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, NoReturn

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings

from madar import settings as defaults
from madar.extensions.quality import field_sources
from madar.pages import HtmlDocument
from madar.pages.base import SOURCE_FIELDS
from madar.pages.document import element_text
from madar.rendering import is_html_response
from madar.spiders.arguments import BadArgument, SpiderArguments
from madar.spiders.madar import MadarSpider
from madar.text.dates import iso_day

#: Fields the crawl cannot do without: a failing one makes the check fail.
CORE_FIELDS = tuple(defaults.MADAR_THEME_MARKUP_FIELDS)
#: Rows of the table, in this order.
TABLE_FIELDS = ("title", "published", "author", "category", "tags", "dateline", "text",
                "images", "related", "shortlink", "post_id")
SOURCES = ("theme", "metadata", "none")
#: Stats of download errors and HTTP error pages, shown by kind (the crawl's log names URLs).
FAILURE_STATS = ("downloader/exception_type_count/", "httperror/response_ignored_status_count/")


@dataclass
class Visit:
    """What the crawl showed: its items, its stats and the site's name from its home page."""

    items: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    site_name: str | None = None
    home_ok: bool = False

    def item_scraped(self, item: Any) -> None:
        self.items.append(ItemAdapter(item).asdict())

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if request.callback == spider.parse_home and is_html_response(response):
            home = HtmlDocument(response.url, response.text)
            self.home_ok = True
            self.site_name = home.meta_first("og:site_name") or element_text(home.first("title"))


@dataclass
class FieldReport:
    name: str
    coverage: float
    sources: dict[str, int] | None  # None: the field has no recorded source
    suspicious: list[str]
    failed: bool


def site_names(home_title: str | None) -> set[str]:
    """The site's name as its home page gives it: whole, and each part around a separator
    (``مدار اليوم - أخبار سوريا`` names ``مدار اليوم`` too)."""
    parts = re.split(r"\s+[-–—|:»]\s+", home_title or "")
    return {name.strip() for name in [home_title or "", *parts] if name.strip()}


def _suspicious(name: str, value: Any, site_name: set[str], now: dt.datetime) -> str | None:
    if name == "text" and len(value or "") < defaults.MADAR_MIN_TEXT_CHARS:
        return f"text of {len(value)} characters" if value else "empty text"
    if name == "title" and value and value.strip() in site_name:
        return "title equals the site name"
    if name == "published" and value:
        day = iso_day(value)
        if day is None:
            return f"unreadable date {value!r}"
        if day > (now + dt.timedelta(days=1)).date():
            return f"date in the future ({day})"
    return None


def judge(visit: Visit, min_share: float, now: dt.datetime | None = None) -> list[FieldReport]:
    """One report per table field; core fields fail below ``min_share`` or when suspicious."""
    now = now or dt.datetime.now(dt.timezone.utc)
    site_name = site_names(visit.site_name)
    total = len(visit.items)
    reports = []
    for name in TABLE_FIELDS:
        filled = sum(item.get(name) not in (None, "", [], {}) for item in visit.items)
        coverage = filled / total if total else 0.0
        sources = field_sources(visit.stats, name) if name in SOURCE_FIELDS else None
        suspicious = [f"{reason}: {item['url']}" for item in visit.items
                      if (reason := _suspicious(name, item.get(name), site_name, now))]
        failed = name in CORE_FIELDS and (
            not total or coverage < min_share or bool(suspicious)
            or (sources is not None and sources["theme"] / total < min_share))
        reports.append(FieldReport(name, coverage, sources, suspicious, failed))
    return reports


def render_table(visit: Visit, reports: list[FieldReport]) -> str:
    listing_ok = visit.stats.get("madar/pages/listing_pages", 0) > 0
    not_articles = visit.stats.get("madar/pages/not_article", 0)
    lines = [f"home page: {'ok' if visit.home_ok else 'FAILED'}, listing: "
             f"{'ok' if listing_ok else 'FAILED'}, articles read: {len(visit.items)}"
             + (f", not articles: {not_articles}" if not_articles else ""),
             "", f"{'field':<11} {'theme':>6} {'metadata':>9} {'none':>5} {'coverage':>9}  "
                 "verdict / suspicious values"]
    for report in reports:
        counts = [str(report.sources[s]) if report.sources else "-" for s in SOURCES]
        verdict = "FAIL" if report.failed else ("core ok" if report.name in CORE_FIELDS else "")
        notes = "; ".join(report.suspicious[:3])
        if len(report.suspicious) > 3:
            notes += f"; … {len(report.suspicious) - 3} more"
        lines.append(f"{report.name:<11} {counts[0]:>6} {counts[1]:>9} {counts[2]:>5} "
                     f"{report.coverage:>8.0%}  {verdict}{' – ' if verdict and notes else ''}"
                     f"{notes}")
    failures = [f"request failed: {key} = {count}" for key, count in sorted(visit.stats.items())
                if key.startswith(FAILURE_STATS)]
    lines += failures[:5]
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        self.exit(2, f"madar.selfcheck: {message}\n")


def _base_url(value: str) -> str:
    try:
        return str(SpiderArguments.parse({"base_url": value}).base_url)
    except BadArgument:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {value!r}") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {value!r}")
    return int(value)


def crawl(base_url: str, pages: int) -> Visit:
    """The madar spider over the home page, the latest-news listing and ``pages`` articles,
    with the project's settings minus all that would store or judge a crawl."""
    visit = Visit()
    settings = Settings()
    settings.setmodule(defaults, priority="project")
    with tempfile.TemporaryDirectory(prefix="madar-selfcheck-") as state_dir:
        settings.setdict({"ITEM_PIPELINES": {}, "FEEDS": {}, "MADAR_STATE_DIR": state_dir,
                          "REDIS_URL": None, "MADAR_WARC": None, "SPIDERMON_ENABLED": False,
                          "MADAR_REPORT_ENABLED": False, "MADAR_PROGRESS": "off",
                          "LOG_LEVEL": "WARNING"}, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(MadarSpider)
        crawler.signals.connect(visit.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(visit.response_received, signal=signals.response_received)
        process.crawl(crawler, base_url=base_url, max_pages="1", max_articles=str(pages))
        process.start()
    visit.stats = crawler.stats.get_stats()
    return visit


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m madar.selfcheck", description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", type=_base_url, default=defaults.MADAR_BASE_URL)
    parser.add_argument("--pages", type=_positive, default=5,
                        help="articles to fetch and read (default 5)")
    args = parser.parse_args(argv)
    visit = crawl(args.base_url, args.pages)
    reports = judge(visit, defaults.MADAR_THEME_MARKUP_MIN_SHARE)
    print(f"madar self-check of {args.base_url} ({args.pages} articles asked)")
    print(render_table(visit, reports))
    failed = [r.name for r in reports if r.failed]
    if not visit.items:
        print("FAILED: no article could be read", file=sys.stderr)
        return 1
    if failed:
        print(f"FAILED: core fields not read from the theme's markup or suspicious: "
              f"{', '.join(failed)}", file=sys.stderr)
        return 1
    print("OK: every core field read from the theme's markup")
    return 0


if __name__ == "__main__":
    sys.exit(main())
