"""Drop items that break the Article contract, with a reason a user can count and grep.

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
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from madar.text.arabic import LETTERS
from madar.text.dates import as_utc

logger = logging.getLogger(__name__)

_ARABIC_LETTER = re.compile(f"[{LETTERS}]")
# Letters, counted by the regex engine (5x faster than a str.isalpha() loop); it also counts
# the rare non-decimal numerals (½, ², Ⅻ), which cannot tip the share of a real article.
_LETTER = re.compile(r"[^\W\d_]")
#: the language check looks at this many characters (enough for a verdict, bounded cost)
_LANGUAGE_SAMPLE = 20_000
_OLDEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

_OPTIONAL_STR = ("shortlink", "published_raw", "category", "author", "dateline")
_STR_LISTS = ("categories", "tags", "related")
_OPTIONAL_ISO = ("modified", "fetched_at")


class InvalidArticle(ValueError):
    """Why an item is not a valid article: ``reason`` (stats key part) and a detail."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ValidationRules:
    min_text_chars: int = 50
    max_text_chars: int = 500_000
    min_arabic_share: float = 0.5
    require_published: bool = False


def arabic_share(text: str) -> float:
    """Share of the letters in (a bounded sample of) ``text`` that are Arabic script."""
    sample = text[:_LANGUAGE_SAMPLE]
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return 0.0
    return len(_ARABIC_LETTER.findall(sample)) / letters


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_article(data: Any, rules: ValidationRules = ValidationRules(),
                  now: datetime | None = None) -> None:
    """Raise :class:`InvalidArticle` for the first broken rule; return None when valid."""
    try:
        item = ItemAdapter(data)
    except TypeError as exc:
        raise InvalidArticle("not_an_item", type(data).__name__) from exc
    get = item.get

    url = get("url")
    if url is None or url == "":
        raise InvalidArticle("no_url")
    if not isinstance(url, str):
        raise InvalidArticle("bad_url", _short(url))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise InvalidArticle("bad_url", _short(url))

    for name in ("title", "text"):
        value = get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidArticle(f"no_{name}")
        if not isinstance(value, str):
            raise InvalidArticle(f"bad_{name}", type(value).__name__)

    published = get("published")
    if published is None or published == "":
        if rules.require_published:
            raise InvalidArticle("no_published")
    else:
        if not isinstance(published, str):
            raise InvalidArticle("bad_published", _short(published))
        when = as_utc(published)
        latest = (now or datetime.now(timezone.utc)) + timedelta(days=2)
        if when is None or not _OLDEST <= when <= latest:
            raise InvalidArticle("bad_published", _short(published))

    _check_types(get)

    text: str = get("text")
    if len(text.strip()) < rules.min_text_chars:
        raise InvalidArticle("short_text", f"{len(text.strip())} chars")
    if len(text) > rules.max_text_chars:
        raise InvalidArticle("huge_text", f"{len(text)} chars")
    language = get("language", "ar")
    if language != "ar":
        raise InvalidArticle("bad_language", _short(language))
    share = arabic_share(get("title") + " " + text)
    if share < rules.min_arabic_share:
        raise InvalidArticle("not_arabic", f"{share:.0%} Arabic letters")


def _check_types(get: Any) -> None:
    post_id = get("post_id")
    if post_id is not None and not (_is_int(post_id) and 0 < post_id < 2**63):
        raise InvalidArticle("bad_post_id", _short(post_id))
    for name in _OPTIONAL_STR:
        if get(name) is not None and not isinstance(get(name), str):
            raise InvalidArticle(f"bad_{name}", type(get(name)).__name__)
    for name in _OPTIONAL_ISO:
        value = get(name)
        if value is not None and not (isinstance(value, str) and as_utc(value)):
            raise InvalidArticle(f"bad_{name}", _short(value))
    for name in _STR_LISTS:
        value = get(name, [])
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidArticle(f"bad_{name}", _short(value))
    images = get("images", [])
    if images is not None:
        if not isinstance(images, list):
            raise InvalidArticle("bad_images", type(images).__name__)
        for image in images:
            if not (isinstance(image, dict) and isinstance(image.get("url"), str)
                    and isinstance(image.get("caption"), (str, type(None)))
                    and set(image) <= {"url", "caption"}):
                raise InvalidArticle("bad_images", _short(image))
    revision = get("revision", 1)
    if not (_is_int(revision) and revision >= 1):
        raise InvalidArticle("bad_revision", _short(revision))


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
            min_text_chars=s.getint("MADAR_MIN_TEXT_CHARS", 50),
            max_text_chars=s.getint("MADAR_MAX_TEXT_CHARS", 500_000),
            min_arabic_share=s.getfloat("MADAR_MIN_ARABIC_SHARE", 0.5),
            require_published=s.getbool("MADAR_REQUIRE_PUBLISHED", False),
        )
        return cls(crawler.stats, rules, s.getint("MADAR_DROP_LOG_LIMIT", 10))

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
