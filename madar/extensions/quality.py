"""Field stats: where each field of an article page came from (the theme's markup,
metadata, or nowhere; counted by the spider) and how often each field is filled
(Spidermon's field coverage counts)."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from madar.items import ARTICLE_FIELDS

FIELDS_PREFIX = "madar/fields"
COVERAGE_ROOT = "spidermon_item_scraped_count"
COVERAGE_PREFIX = f"{COVERAGE_ROOT}/Article"


def field_coverage(stats: dict[str, Any], items: int | None = None) -> dict[str, float]:
    """Share of emitted items with each Article field filled (``{}`` without items)."""
    total = stats.get("item_scraped_count", 0) if items is None else items
    if not total:
        return {}
    return {name: round(stats.get(f"{COVERAGE_PREFIX}/{name}", 0) / total, 4)
            for name in ARTICLE_FIELDS}


def count_field_coverage(stats: Any, item: Any) -> None:
    """Count one item's filled fields as Spidermon's extension does under madar's settings
    (None, falsy values, "N/A" and "-" skipped), where it does not run: re-extraction."""
    prefix = f"{COVERAGE_ROOT}/{type(item).__name__}"
    stats.inc_value(COVERAGE_ROOT)
    stats.inc_value(prefix)
    for name, value in ItemAdapter(item).items():
        if value and not (type(value) is str and value in ("N/A", "-")):
            stats.inc_value(f"{prefix}/{name}")


def count_field_sources(stats: Any, sources: dict[str, str]) -> None:
    """Add one article page's ``{field: source}`` to a Scrapy stats collector."""
    for field, source in sources.items():
        stats.inc_value(f"{FIELDS_PREFIX}/{field}/{source}")


def field_sources(stats: dict[str, Any], field: str) -> dict[str, int]:
    """Article pages whose ``field`` came from the theme's markup, from metadata, or nowhere."""
    return {source: int(stats.get(f"{FIELDS_PREFIX}/{field}/{source}", 0) or 0)
            for source in ("theme", "metadata", "none")}


def theme_markup_shares(stats: dict[str, Any]) -> dict[str, float]:
    """Per counted field, the share of article pages that got it from the theme's markup."""
    fields = sorted({key.split("/")[2] for key in stats
                     if key.startswith(f"{FIELDS_PREFIX}/") and key.count("/") == 3})
    shares = {}
    for field in fields:
        counts = field_sources(stats, field)
        if sum(counts.values()):
            shares[field] = round(counts["theme"] / sum(counts.values()), 4)
    return shares
