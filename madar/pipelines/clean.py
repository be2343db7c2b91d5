"""First pipeline step: make every readable field of an article clean display text.

The rules live in :mod:`madar.text.clean` (pure functions on strings); this module maps them
over the item's readable fields and counts what it repaired in the crawl stats, under
``madar/clean/``:

- ``madar/clean/mojibake/win1256``, ``madar/clean/mojibake/latin1`` — fields repaired;
- ``madar/clean/html/entities``, ``madar/clean/html/tags`` — markup that reached a field;
- ``madar/clean/presentation_forms`` — fields with Arabic presentation forms folded;
- ``madar/clean/items`` — items cleaned.

With ``MADAR_EXPORT_NORMALIZED = True`` the item also gets ``text_normalized``, the matching
form used by dedup (:func:`madar.text.arabic.normalize_for_matching`). An ``Article``
dataclass cannot hold an extra field, so such an item is returned as a dict with the Article
fields in contract order followed by ``text_normalized``; every later pipeline and the feed
exporters work on either through ``ItemAdapter``.
"""

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


def _clean_optional(text: str, stats: Stats | None, inline: bool = True) -> str | None:
    return (clean_inline if inline else clean_text)(text, stats=stats) or None


def _clean_list(values: list[Any], stats: Stats | None) -> list[Any]:
    """Clean each string, dropping empties and exact duplicates (first one wins)."""
    seen: dict[Any, None] = {}
    for value in values:
        cleaned = clean_inline(value, stats=stats) if isinstance(value, str) else value
        if cleaned:
            seen.setdefault(cleaned)
    return list(seen)


def _clean_image(image: Any, stats: Stats | None) -> Any:
    if isinstance(image, dict) and isinstance(image.get("caption"), str):
        return {**image, "caption": _clean_optional(image["caption"], stats)}
    return image


def clean_fields(item: MutableMapping[str, Any], stats: Stats | None = None) -> None:
    """Clean the readable fields of any article-shaped mapping in place.

    Works on an ``ItemAdapter`` as well as a dict; fields that are absent or of an unexpected
    type are left for validation to judge. Cleaned to empty, a text field becomes None (so
    validation sees it missing); empty list entries are dropped.
    """
    for name in (*INLINE_FIELDS, *TEXT_FIELDS):
        value = item.get(name)
        if isinstance(value, str):
            item[name] = _clean_optional(value, stats, inline=name not in TEXT_FIELDS)
    for name in LIST_FIELDS:
        value = item.get(name)
        if isinstance(value, list):
            item[name] = _clean_list(value, stats)
    images = item.get("images")
    if isinstance(images, list):
        item["images"] = [_clean_image(image, stats) for image in images]


class CleanTextPipeline:
    """Clean title, text, captions, tags, categories, category, author, dateline, date text."""

    def __init__(self, stats: Any = None, export_normalized: bool = False) -> None:
        self.stats = stats
        self.export_normalized = export_normalized

    @classmethod
    def from_crawler(cls, crawler: Any) -> CleanTextPipeline:
        return cls(
            stats=crawler.stats,
            export_normalized=crawler.settings.getbool("MADAR_EXPORT_NORMALIZED"),
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
