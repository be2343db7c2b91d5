"""Does madar still read the live site? ``python -m madar.selfcheck [--base-url URL] [--pages N]``

Reads the home page, the latest-news listing and N articles with the project's settings
(nothing stored) and prints, per field, where it came from and the suspicious values. Exit
status 1 when a core field is not read from the theme's markup or looks wrong, 2 for a bad
argument. docs/operations.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn
from urllib.parse import urljoin

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings

from madar import settings as defaults
from madar.pages import ListingPage, article_page_for
from madar.pages.base import SOURCE_FIELDS
from madar.pages.document import element_text
from madar.rendering import is_html_response
from madar.spiders.arguments import BadArgument, SpiderArguments
from madar.spiders.madar import FALLBACK_LATEST_NEWS_PATH
from madar.urls import canonical_url, is_article_candidate, same_host

#: Fields the crawl cannot do without: a failing one makes the check fail.
CORE_FIELDS = tuple(defaults.MADAR_THEME_MARKUP_FIELDS)
#: Rows of the table, in this order.
TABLE_FIELDS = ("title", "published", "author", "category", "tags", "dateline", "text",
                "images", "related", "shortlink", "post_id")
SOURCES = ("theme", "metadata", "none")


@dataclass
class Checked:
    """One article as the page objects read it."""

    url: str
    item: dict[str, Any]
    sources: dict[str, str]


@dataclass
class Visit:
    """What the self-check crawl saw (filled by the spider, read after the crawl)."""

    site_name: str | None = None
    home_ok: bool = False
    listing_ok: bool = False
    articles: list[Checked] = field(default_factory=list)
    not_articles: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class SelfCheckSpider(scrapy.Spider):
    """Home page -> latest-news listing -> the first N article links of both (a link that
    fails or is no article is replaced by the next one)."""

    name = "madar-selfcheck"

    def __init__(self, base_url: str, pages: int, visit: Visit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url
        self.pages = pages
        self.visit = visit
        self._seen: set[str] = set()
        self._waiting: list[str] = []  # candidate article URLs not requested yet
        self._asked = 0  # article requests made, minus the ones that failed

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + "/", callback=self.parse_listing,
                             cb_kwargs={"home": True}, errback=self.failed, priority=10)

    def failed(self, failure: Any) -> None:
        self.visit.failures.append(f"{failure.request.url}: {failure.getErrorMessage()}")

    def _html(self, response: Response) -> bool:
        if is_html_response(response):
            return True
        self.visit.failures.append(f"{response.url}: not HTML")
        return False

    def parse_listing(self, response: Response, home: bool = False) -> Iterator[scrapy.Request]:
        if not self._html(response):
            return
        page = ListingPage(response.url, response.text)
        if home:
            self.visit.home_ok = True
            self.visit.site_name = (page.document.meta_first("og:site_name")
                                    or element_text(page.document.first("title")))
            latest = page.latest_news_url() or self.base_url + FALLBACK_LATEST_NEWS_PATH
            yield scrapy.Request(latest, callback=self.parse_listing, errback=self.failed,
                                 priority=5)
        else:
            self.visit.listing_ok = True
        for link in page.article_links():
            url = urljoin(self.base_url + "/", link)
            if same_host(url, self.base_url) and is_article_candidate(url):
                url = canonical_url(url)
                if url not in self._seen:
                    self._seen.add(url)
                    self._waiting.append(url)
        yield from self._next_articles()

    def _next_articles(self, replace: bool = False) -> Iterator[scrapy.Request]:
        """Requests up to N articles; *replace*: one of them gave no article."""
        if replace:
            self._asked -= 1
        while self._waiting and self._asked < self.pages:
            self._asked += 1
            yield scrapy.Request(self._waiting.pop(0), callback=self.parse_article,
                                 errback=self.article_failed)

    def article_failed(self, failure: Any) -> Iterator[scrapy.Request]:
        self.failed(failure)
        yield from self._next_articles(replace=True)

    def parse_article(self, response: Response) -> Iterator[scrapy.Request]:
        if self._html(response):
            fetched_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            page = article_page_for(response.url, response.text, fetched_at)
            if page is not None:
                item = asdict(page.to_item())
                self.visit.articles.append(Checked(response.url, item, dict(page.field_sources)))
                return
            self.visit.not_articles.append(response.url)
        yield from self._next_articles(replace=True)


# --- judging -------------------------------------------------------------------------------


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
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return f"unreadable date {value!r}"
        if day > (now + dt.timedelta(days=1)).date():
            return f"date in the future ({value[:10]})"
    return None


def judge(visit: Visit, min_share: float, now: dt.datetime | None = None) -> list[FieldReport]:
    """One report per table field; core fields fail below ``min_share`` or when suspicious."""
    now = now or dt.datetime.now(dt.timezone.utc)
    site_name = site_names(visit.site_name)
    total = len(visit.articles)
    reports = []
    for name in TABLE_FIELDS:
        filled = sum(a.item.get(name) not in (None, "", [], {}) for a in visit.articles)
        coverage = filled / total if total else 0.0
        sources = None
        if name in SOURCE_FIELDS:
            sources = dict.fromkeys(SOURCES, 0)
            for article in visit.articles:
                sources[article.sources.get(name, "none")] += 1
        suspicious = [f"{reason}: {a.url}" for a in visit.articles
                      if (reason := _suspicious(name, a.item.get(name), site_name, now))]
        failed = name in CORE_FIELDS and (
            not total or coverage < min_share or bool(suspicious)
            or (sources is not None and sources["theme"] / total < min_share))
        reports.append(FieldReport(name, coverage, sources, suspicious, failed))
    return reports


def render_table(visit: Visit, reports: list[FieldReport]) -> str:
    lines = [f"home page: {'ok' if visit.home_ok else 'FAILED'}, listing: "
             f"{'ok' if visit.listing_ok else 'FAILED'}, articles read: {len(visit.articles)}"
             + (f", not articles: {len(visit.not_articles)}" if visit.not_articles else ""),
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
    lines += [f"request failed: {failure}" for failure in visit.failures[:5]]
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------


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


def project_settings() -> Settings:
    """The project's settings, minus everything that would store or judge a crawl."""
    settings = Settings()
    settings.setmodule(defaults, priority="project")
    settings.setdict({"ITEM_PIPELINES": {}, "FEEDS": {}, "SPIDERMON_ENABLED": False,
                      "MADAR_REPORT_ENABLED": False, "MADAR_PROGRESS": "off",
                      "LOG_LEVEL": "WARNING"}, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m madar.selfcheck", description=__doc__.split("\n")[0])
    settings = project_settings()
    parser.add_argument("--base-url", type=_base_url, default=settings.get("MADAR_BASE_URL"))
    parser.add_argument("--pages", type=_positive, default=5,
                        help="articles to fetch and read (default 5)")
    args = parser.parse_args(argv)
    visit = Visit()
    process = CrawlerProcess(settings)
    process.crawl(SelfCheckSpider, base_url=args.base_url, pages=args.pages, visit=visit)
    process.start()
    reports = judge(visit, settings.getfloat("MADAR_THEME_MARKUP_MIN_SHARE"))
    print(f"madar self-check of {args.base_url} ({args.pages} articles asked)")
    print(render_table(visit, reports))
    failed = [r.name for r in reports if r.failed]
    if not visit.articles:
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
