"""The self-check's verdict from what the crawl gave (no network: the crawl is in tests/e2e)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from scrapy.utils.test import get_crawler

from madar.extensions.quality import count_field_sources
from madar.selfcheck import CORE_FIELDS, Visit, judge, render_table

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
THEME = {name: "theme" for name in ("title", "published", "category", "tags", "author", "text",
                                   "related")}


def _article(n: int, **changes) -> tuple[dict[str, Any], dict[str, str]]:
    """An emitted item and its field sources, as the spider counts them."""
    item = {"url": f"https://madaralyoum.com/{n}/", "title": f"خبر {n}",
            "published": "2026-12-02T10:00:00+03:00", "text": "نص الخبر " * 20,
            "related": [f"https://madaralyoum.com/{n + 1}/"], "tags": [], "author": None}
    item.update(changes.pop("item", {}))
    return item, {**THEME, **changes}


def _visit(*articles: tuple[dict[str, Any], dict[str, str]]) -> Visit:
    stats = get_crawler().stats
    stats.set_value("madar/pages/listing_pages", 1)
    for _, sources in articles:
        count_field_sources(stats, sources)
    return Visit(items=[item for item, _ in articles], stats=stats.get_stats(),
                 site_name="مدار اليوم - أخبار", home_ok=True)


def _failed(visit: Visit) -> dict[str, list[str]]:
    return {r.name: r.suspicious for r in judge(visit, 0.8, NOW) if r.failed}


def test_a_site_read_through_its_markup_passes() -> None:
    visit = _visit(*(_article(n) for n in range(5)))
    assert _failed(visit) == {}
    table = render_table(visit, judge(visit, 0.8, NOW))
    assert table.startswith("home page: ok, listing: ok, articles read: 5\n")
    for field in CORE_FIELDS:
        assert f"\n{field} " in table


def test_suspicious_values_fail_their_core_field() -> None:
    visit = _visit(_article(1, item={"title": "مدار اليوم"}),
                   _article(2, item={"published": "2027-01-01"}),
                   _article(3, item={"text": ""}), _article(4), _article(5))
    failed = _failed(visit)
    assert set(failed) == {"title", "published", "text"}
    assert "title equals the site name" in failed["title"][0]
    assert "date in the future (2027-01-01)" in failed["published"][0]
    assert "empty text" in failed["text"][0]


def test_fields_served_by_metadata_fail_below_the_share() -> None:
    visit = _visit(*(_article(n, title="metadata") for n in range(3)), _article(3), _article(4))
    assert set(_failed(visit)) == {"title"}  # 2 of 5 from the theme < 80 %


def test_no_article_fails_every_core_field() -> None:
    assert set(_failed(_visit())) == set(CORE_FIELDS)
