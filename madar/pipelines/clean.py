"""First pipeline step: make every readable field of an article clean display text.

The rules live in :mod:`madar.text.clean` (pure functions); this class only applies them to
items and counts what it repaired in the crawl stats, under ``madar/clean/``:

- ``madar/clean/mojibake/win1256``, ``madar/clean/mojibake/latin1`` — fields repaired;
- ``madar/clean/html/entities``, ``madar/clean/html/tags`` — markup that reached a field;
- ``madar/clean/presentation_forms`` — fields with Arabic presentation forms folded;
- ``madar/clean/items`` — items cleaned.

With ``MADAR_EXPORT_NORMALIZED = True`` the item also gets ``text_normalized``, the matching
form used by dedup (:func:`madar.text.normalize.normalize_for_matching`). An ``Article``
dataclass cannot hold an extra field, so such an item is returned as a dict with the Article
fields in contract order followed by ``text_normalized``; every later pipeline and the feed
exporters work on either through ``ItemAdapter``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from madar.text.clean import clean_fields
from madar.text.normalize import normalize_for_matching

STATS_PREFIX = "madar/clean/"


class CleanTextPipeline:
    """Clean title, text, captions, tags, categories, category, author, dateline, date text."""

    def __init__(self, stats: Any = None, export_normalized: bool = False) -> None:
        self.stats = stats
        self.export_normalized = export_normalized

    @classmethod
    def from_crawler(cls, crawler: Any) -> CleanTextPipeline:
        return cls(
            stats=crawler.stats,
            export_normalized=crawler.settings.getbool("MADAR_EXPORT_NORMALIZED", False),
        )

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(STATS_PREFIX + key)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not ItemAdapter.is_item(item):
            return item  # not ours to judge: validation drops it with a reason
        adapter = ItemAdapter(item)
        clean_fields(adapter, stats=self._count)
        self._count("items")
        if not self.export_normalized:
            return item
        text = adapter.get("text")
        normalized = normalize_for_matching(text) if isinstance(text, str) else None
        if "text_normalized" in adapter.field_names() or isinstance(item, dict):
            adapter["text_normalized"] = normalized
            return item
        exported = adapter.asdict()
        exported["text_normalized"] = normalized
        return exported
