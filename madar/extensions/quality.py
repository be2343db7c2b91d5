"""Per-item quality stats: field coverage and JSON Schema conformance of emitted items.

Connected to ``item_scraped`` (after every pipeline, i.e. exactly what lands in the feed).
Stats: ``madar/fields/<field>`` counts items where the field is non-empty (not ``None``,
``""`` or ``[]``) (the spider adds ``madar/fields/<field>/<theme|metadata|none>``: which
source gave the field on each article page, see :func:`field_sources`);
``madar/schema/checked``, ``madar/schema/invalid`` and ``madar/schema/invalid/<field>``
count schema validation against the shipped Article schema
(:mod:`madar.schema`). The first ``MADAR_SCHEMA_LOG_LIMIT`` (default 5) invalid items are
logged with their errors. The monitors and the crawl report read these stats.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from madar.items import ARTICLE_FIELDS
from madar.schema import schema_errors

logger = logging.getLogger(__name__)

FIELDS_PREFIX = "madar/fields"
SCHEMA_PREFIX = "madar/schema"


def is_filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def field_coverage(stats: dict[str, Any], items: int | None = None) -> dict[str, float]:
    """Share of emitted items with each Article field filled (``{}`` without items)."""
    total = stats.get("item_scraped_count", 0) if items is None else items
    if not total:
        return {}
    return {name: round(stats.get(f"{FIELDS_PREFIX}/{name}", 0) / total, 4)
            for name in ARTICLE_FIELDS}


def count_field_sources(stats: Any, sources: dict[str, str]) -> None:
    """Add one article page's ``{field: source}`` to a Scrapy stats collector."""
    for field, source in sources.items():
        stats.inc_value(f"{FIELDS_PREFIX}/{field}/{source}")


def field_sources(stats: dict[str, Any], field: str) -> dict[str, int]:
    """Article pages whose ``field`` came from the theme's markup, from metadata, or nowhere."""
    return {source: int(stats.get(f"{FIELDS_PREFIX}/{field}/{source}", 0) or 0)
            for source in ("theme", "metadata", "none")}


class ItemQualityStats:
    """Count filled fields and schema violations of every emitted item."""

    def __init__(self, stats: Any, log_limit: int = 5) -> None:
        self.stats = stats
        self.log_limit = log_limit
        self._logged = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ItemQualityStats:
        if not crawler.settings.getbool("MADAR_ITEM_QUALITY_ENABLED", True):
            raise NotConfigured
        extension = cls(crawler.stats, crawler.settings.getint("MADAR_SCHEMA_LOG_LIMIT", 5))
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item: Any, spider: Any = None, response: Any = None) -> None:
        data = ItemAdapter(item).asdict()
        for name in ARTICLE_FIELDS:
            if is_filled(data.get(name)):
                self.stats.inc_value(f"{FIELDS_PREFIX}/{name}")
        self.stats.inc_value(f"{SCHEMA_PREFIX}/checked")
        errors = schema_errors(data)
        if not errors:
            return
        self.stats.inc_value(f"{SCHEMA_PREFIX}/invalid")
        for field in sorted({e.split(":", 1)[0].split("/", 1)[0] for e in errors}):
            self.stats.inc_value(f"{SCHEMA_PREFIX}/invalid/{field}")
        if self._logged < self.log_limit:
            self._logged += 1
            logger.warning("Item breaks the Article JSON Schema: %s\n  %s",
                           data.get("url"), "\n  ".join(errors[:10]))
