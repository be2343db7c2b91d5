"""Drop items that break the Article contract, with a reason a user can count and grep.

One stage: the Article JSON Schema (``madar/schemas/article.schema.json``, compiled once
with fastjsonschema; a violation is ``bad_<field>``), then the rules a schema cannot say.
Each invalid item raises ``DropItem`` with one reason (the first broken rule of
:func:`check_article`), counted as ``madar/dropped/<reason>``; the first
``MADAR_DROP_LOG_LIMIT`` drops of a reason are logged at WARNING with the URL, later ones at
DEBUG. Scrapy's own "Dropped:" line, which prints the whole item, is demoted to DEBUG. The
reasons: docs/architecture.md.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import fastjsonschema
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from madar import settings as project
from madar.items import ARTICLE_DEFAULTS, ARTICLE_SCHEMA
from madar.text.arabic import LETTERS
from madar.text.dates import as_utc

logger = logging.getLogger(__name__)

# Runs of letters, counted by the regex engine (faster than a str.isalpha() loop; runs, not
# single letters, so findall builds one string per word instead of one per letter: 2.4x).
# It also counts the rare non-decimal numerals (½, ², Ⅻ), which cannot tip a real article.
_ARABIC_LETTERS = re.compile(f"[{LETTERS}]+")
_LETTERS = re.compile(r"[^\W\d_]+")
#: the language check looks at this many characters (enough for a verdict, bounded cost)
_LANGUAGE_SAMPLE = 20_000
_OLDEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

_DATES = ("published", "modified", "fetched_at")
_schema_check = fastjsonschema.compile(ARTICLE_SCHEMA)


class InvalidArticle(ValueError):
    """Why an item is not a valid article: ``reason`` (stats key part) and a detail."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ValidationRules:
    min_text_chars: int = project.MADAR_MIN_TEXT_CHARS
    max_text_chars: int = project.MADAR_MAX_TEXT_CHARS
    min_arabic_share: float = project.MADAR_MIN_ARABIC_SHARE
    require_published: bool = project.MADAR_REQUIRE_PUBLISHED


def arabic_share(text: str) -> float:
    """Share of the letters in (a bounded sample of) ``text`` that are Arabic script."""
    sample = text[:_LANGUAGE_SAMPLE]
    letters = sum(map(len, _LETTERS.findall(sample)))
    if letters == 0:
        return 0.0
    return sum(map(len, _ARABIC_LETTERS.findall(sample))) / letters


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def schema_error(record: dict[str, Any]) -> tuple[str, str] | None:
    """``(field, message)`` of the first schema violation of a JSON-ready record, or None."""
    try:
        _schema_check(record)
    except fastjsonschema.JsonSchemaValueException as error:
        path = [str(part) for part in error.path[1:]] or ["item"]
        return path[0], f"{'/'.join(path)}: {error.message}"
    return None


def check_article(data: Any, rules: ValidationRules = ValidationRules(),
                  now: datetime | None = None) -> None:
    """Raise :class:`InvalidArticle` for the first broken rule; return None when valid."""
    try:
        record = {**ARTICLE_DEFAULTS, **ItemAdapter(data)}  # shallow: asdict() deep-copies
    except TypeError as exc:
        raise InvalidArticle("not_an_item", type(data).__name__) from exc
    for name in ("url", "title", "text"):
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidArticle(f"no_{name}")
    broken = schema_error(record)
    if broken is not None:
        raise InvalidArticle(f"bad_{broken[0]}", broken[1])
    if any(c.isspace() for c in record["url"]):
        raise InvalidArticle("bad_url", _short(record["url"]))
    for name in _DATES:
        if record[name] is not None and as_utc(record[name]) is None:
            raise InvalidArticle(f"bad_{name}", _short(record[name]))
    if record["published"] is None:
        if rules.require_published:
            raise InvalidArticle("no_published")
    elif not _OLDEST <= as_utc(record["published"]) <= (  # type: ignore[operator]
            now or datetime.now(timezone.utc)) + timedelta(days=2):
        raise InvalidArticle("bad_published", _short(record["published"]))
    text: str = record["text"]
    if len(text.strip()) < rules.min_text_chars:
        raise InvalidArticle("short_text", f"{len(text.strip())} chars")
    if len(text) > rules.max_text_chars:
        raise InvalidArticle("huge_text", f"{len(text)} chars")
    if record["language"] != "ar":
        raise InvalidArticle("bad_language", _short(record["language"]))
    share = arabic_share(record["title"] + " " + text)
    if share < rules.min_arabic_share:
        raise InvalidArticle("not_arabic", f"{share:.0%} Arabic letters")


def _url_of(item: Any) -> str:
    try:
        url = ItemAdapter(item).get("url")
    except TypeError:
        return "?"
    return url if isinstance(url, str) else "?"


class ValidateArticlePipeline:
    """Item pipeline: pass valid articles, drop the rest with a counted reason."""

    def __init__(self, stats: Any = None, rules: ValidationRules = ValidationRules(),
                 log_limit: int = 10) -> None:
        self.stats = stats
        self.rules = rules
        self.log_limit = log_limit
        self.dropped: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ValidateArticlePipeline:
        s = crawler.settings
        rules = ValidationRules(
            min_text_chars=s.getint("MADAR_MIN_TEXT_CHARS"),
            max_text_chars=s.getint("MADAR_MAX_TEXT_CHARS"),
            min_arabic_share=s.getfloat("MADAR_MIN_ARABIC_SHARE"),
            require_published=s.getbool("MADAR_REQUIRE_PUBLISHED"),
        )
        return cls(crawler.stats, rules, s.getint("MADAR_DROP_LOG_LIMIT"))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        try:
            check_article(item, self.rules)
        except InvalidArticle as invalid:
            self._count(invalid, item)
            raise DropItem(f"invalid article ({invalid}): {_url_of(item)}",
                           log_level="DEBUG") from None
        if self.stats is not None and not ItemAdapter(item).get("published"):
            self.stats.inc_value("madar/missing/published")
        return item

    def _count(self, invalid: InvalidArticle, item: Any) -> None:
        reason = invalid.reason
        self.dropped[reason] += 1
        if self.stats is not None:
            self.stats.inc_value(f"madar/dropped/{reason}")
        seen = self.dropped[reason]
        level = logging.WARNING if seen <= self.log_limit else logging.DEBUG
        suffix = " (further drops for this reason are logged at DEBUG)" \
            if seen == self.log_limit else ""
        logger.log(level, "Dropped invalid article (%s): %s%s", invalid, _url_of(item), suffix)

    def close_spider(self, spider: Any = None) -> None:
        if self.dropped:
            logger.info("Validation dropped %d items: %s", sum(self.dropped.values()),
                        dict(self.dropped.most_common()))
