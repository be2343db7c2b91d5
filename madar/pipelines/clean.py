"""First pipeline step: every readable field of an article becomes clean display text
(rules: :mod:`madar.text.clean`), repairs counted as ``madar/clean/<repair>`` and cleaned
items as ``madar/clean/items``. ``MADAR_EXPORT_NORMALIZED`` adds ``text_normalized``; an
``Article`` cannot hold it, so such an item goes on as a dict in contract order."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from itemadapter import ItemAdapter

from madar.text.arabic import normalize_for_matching
from madar.text.clean import Stats, clean_inline, clean_text

STATS_PREFIX = "madar/clean/"

#: Article fields cleaned as single lines, as display text, and as lists of single lines.
INLINE_FIELDS = ("title", "published_raw", "category", "author", "dateline")
TEXT_FIELDS = ("text",)
LIST_FIELDS = ("categories", "tags")


def clean_fields(item: MutableMapping[str, Any], stats: Stats | None = None) -> None:
    """Clean the readable fields of an article-shaped mapping (or ItemAdapter) in place.

    A text cleaned to nothing becomes None (validation sees it missing); list entries are
    deduplicated, empty ones dropped; values of an unexpected type are left for validation.
    """
    for name in (*INLINE_FIELDS, *TEXT_FIELDS):
        value = item.get(name)
        if isinstance(value, str):
            clean = clean_text if name in TEXT_FIELDS else clean_inline
            item[name] = clean(value, stats=stats) or None
    for name in LIST_FIELDS:
        values = item.get(name)
        if isinstance(values, list):
            cleaned = (clean_inline(v, stats=stats) if isinstance(v, str) else v for v in values)
            item[name] = list(dict.fromkeys(v for v in cleaned if v))
    images = item.get("images")
    if isinstance(images, list):
        item["images"] = [
            {**image, "caption": clean_inline(image["caption"], stats=stats) or None}
            if isinstance(image, dict) and isinstance(image.get("caption"), str) else image
            for image in images]


class CleanTextPipeline:
    def __init__(self, stats: Any = None, export_normalized: bool = False) -> None:
        self.stats = stats
        self.export_normalized = export_normalized

    @classmethod
    def from_crawler(cls, crawler: Any) -> CleanTextPipeline:
        return cls(crawler.stats, crawler.settings.getbool("MADAR_EXPORT_NORMALIZED"))

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
        if isinstance(item, dict) or "text_normalized" in adapter.field_names():
            adapter["text_normalized"] = normalized
            return item
        return {**adapter, "text_normalized": normalized}  # shallow: asdict() deep-copies
