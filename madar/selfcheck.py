"""Live self-check: does madar still read the site? ``python -m madar.selfcheck``.

Fetches the home page, the latest-news listing and N articles with the project's settings
(robots.txt obeyed, AutoThrottle and delays as configured; nothing is stored: no pipelines,
no feed, no state), extracts them with the page objects and prints one row per field: where
the field came from (theme markup / metadata / none), how often it is filled, and the
suspicious values (empty text, a date in the future, a title equal to the site's name).

Exit status: 0 when every core field (title, text, published, related) is read from the
theme's markup and filled on at least ``MADAR_THEME_MARKUP_MIN_SHARE`` of the articles with
no suspicious value; 1 otherwise (or when no article could be read); 2 for a bad argument.

    python -m madar.selfcheck [--base-url URL] [--pages N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings

from madar.pages import ListingPage, article_page_for
from madar.pages.base import SOURCE_FIELDS
from madar.pages.document import HtmlDocument, element_text
from madar.rendering import is_html_response
from madar.spiders.madar import FALLBACK_LATEST_NEWS_PATH
from madar.urls import canonical_url, is_article_candidate, same_host

#: Fields the crawl cannot do without: a failing one makes the check fail.
CORE_FIELDS = ("title", "text", "published", "related")
#: Rows of the table, in this order.
TABLE_FIELDS = ("title", "published", "author", "category", "tags", "dateline", "text",
                "images", "related", "shortlink", "post_id")
MIN_TEXT_CHARS = 50


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
        self.base_url = base_url.rstrip("/")
        self.pages = pages
        self.visit = visit
        self._seen: set[str] = set()
        self._waiting: list[str] = []  # candidate article URLs not requested yet
        self._asked = 0  # article requests made, minus the ones that failed

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + "/", callback=self.parse_home,
                             errback=self.failed, priority=10)

    def failed(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        self.visit.failures.append(f"{getattr(request, 'url', '?')}: {failure.getErrorMessage()}")

    def article_failed(self, failure: Any) -> Iterator[scrapy.Request]:
        self.failed(failure)
        self._asked -= 1
        yield from self._next_articles()

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        if not is_html_response(response):
            self.visit.failures.append(f"{response.url}: not HTML")
            return
        self.visit.home_ok = True
        document = HtmlDocument(response.url, response.text)
        self.visit.site_name = (document.meta_first("og:site_name")
                                or element_text(document.first("title")))
        page = ListingPage(response.url, response.text, document=document)
        latest = page.latest_news_url() or self.base_url + FALLBACK_LATEST_NEWS_PATH
        yield scrapy.Request(latest, callback=self.parse_listing, errback=self.failed,
                             priority=5)
        yield from self._articles(page.article_links())

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not is_html_response(response):
            self.visit.failures.append(f"{response.url}: not HTML")
            return
        self.visit.listing_ok = True
        yield from self._articles(ListingPage(response.url, response.text).article_links())

    def _articles(self, links: list[str]) -> Iterator[scrapy.Request]:
        for link in links:
            url = urljoin(self.base_url + "/", link)
            if same_host(url, self.base_url) and is_article_candidate(url):
                url = canonical_url(url)
                if url not in self._seen:
                    self._seen.add(url)
                    self._waiting.append(url)
        yield from self._next_articles()

    def _next_articles(self) -> Iterator[scrapy.Request]:
        while self._waiting and self._asked < self.pages:
            self._asked += 1
            yield scrapy.Request(self._waiting.pop(0), callback=self.parse_article,
                                 errback=self.article_failed)

    def parse_article(self, response: Response) -> Iterator[scrapy.Request]:
        if not is_html_response(response):
            self.visit.failures.append(f"{response.url}: not HTML")
        else:
            fetched_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            page = article_page_for(response.url, response.text, fetched_at)
            if page is not None:
                item = asdict(page.to_item())
                self.visit.articles.append(Checked(response.url, item, dict(page.field_sources)))
                return
            self.visit.not_articles.append(response.url)
        self._asked -= 1
        yield from self._next_articles()


# --- judging -------------------------------------------------------------------------------

def is_filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


@dataclass
class FieldReport:
    name: str
    coverage: float
    sources: dict[str, int] | None  # None: the field has no recorded source
    suspicious: list[str]
    failed: bool


_TITLE_SEPARATOR = re.compile(r"\s+[-–—|:»]\s+")


def site_names(home_title: str | None) -> set[str]:
    """The site's name as its home page gives it: whole, and each part around a separator
    (``مدار اليوم - أخبار سوريا`` names ``مدار اليوم`` too)."""
    if not home_title or not home_title.strip():
        return set()
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(home_title) if p.strip()]
    return {home_title.strip(), *parts}


def _suspicious(name: str, article: Checked, site_name: set[str], now: dt.datetime
                ) -> str | None:
    value = article.item.get(name)
    if name == "text" and (not value or len(value) < MIN_TEXT_CHARS):
        return "empty text" if not value else f"text of {len(value)} characters"
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
        filled = sum(is_filled(a.item.get(name)) for a in visit.articles)
        coverage = filled / total if total else 0.0
        sources = None
        if name in SOURCE_FIELDS:
            sources = {s: 0 for s in ("theme", "metadata", "none")}
            for article in visit.articles:
                sources[article.sources.get(name, "none")] += 1
        suspicious = [f"{reason}: {a.url}" for a in visit.articles
                      if (reason := _suspicious(name, a, site_name, now))]
        failed = name in CORE_FIELDS and (
            not total or coverage < min_share or bool(suspicious)
            or (sources is not None and sources["theme"] / total < min_share))
        reports.append(FieldReport(name, coverage, sources, suspicious, failed))
    return reports


def render_table(visit: Visit, reports: list[FieldReport]) -> str:
    total = len(visit.articles)
    lines = [f"home page: {'ok' if visit.home_ok else 'FAILED'}, listing: "
             f"{'ok' if visit.listing_ok else 'FAILED'}, articles read: {total}"
             + (f", not articles: {len(visit.not_articles)}" if visit.not_articles else ""),
             "", f"{'field':<11} {'theme':>6} {'metadata':>9} {'none':>5} {'coverage':>9}  "
                 "verdict / suspicious values"]
    for report in reports:
        if report.sources is None:
            theme = metadata = none = "-"
        else:
            theme, metadata, none = (str(report.sources[s]) for s in ("theme", "metadata",
                                                                      "none"))
        verdict = "FAIL" if report.failed else ("core ok" if report.name in CORE_FIELDS else "")
        notes = "; ".join(report.suspicious[:3])
        if len(report.suspicious) > 3:
            notes += f"; … {len(report.suspicious) - 3} more"
        lines.append(f"{report.name:<11} {theme:>6} {metadata:>9} {none:>5} "
                     f"{report.coverage:>8.0%}  {verdict}{' – ' if verdict and notes else ''}"
                     f"{notes}")
    for failure in visit.failures[:5]:
        lines.append(f"request failed: {failure}")
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"madar.selfcheck: {message}\n")


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {value!r}")
    return value.rstrip("/")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {value!r}")
    return number


def project_settings() -> Settings:
    """The project's settings, minus everything that would store or judge a crawl."""
    settings = Settings()
    settings.setmodule("madar.settings", priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("FEEDS", {}, priority="cmdline")
    settings.set("SPIDERMON_ENABLED", False, priority="cmdline")
    settings.set("MADAR_REPORT_ENABLED", False, priority="cmdline")
    settings.set("MADAR_PROGRESS", "off", priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    return settings


def run(base_url: str, pages: int, settings: Settings | None = None) -> Visit:
    """Crawl the home page, the listing and ``pages`` articles; what was read."""
    visit = Visit()
    process = CrawlerProcess(settings or project_settings())
    process.crawl(SelfCheckSpider, base_url=base_url, pages=pages, visit=visit)
    process.start()
    return visit


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m madar.selfcheck", description=__doc__.split("\n")[0])
    settings = project_settings()
    parser.add_argument("--base-url", type=_base_url,
                        default=settings.get("MADAR_BASE_URL", "https://madaralyoum.com"))
    parser.add_argument("--pages", type=_positive, default=5,
                        help="articles to fetch and read (default 5)")
    args = parser.parse_args(argv)
    visit = run(args.base_url, args.pages, settings)
    min_share = settings.getfloat("MADAR_THEME_MARKUP_MIN_SHARE", 0.8)
    reports = judge(visit, min_share)
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
