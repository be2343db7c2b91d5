"""The Article item: the users' contract.

Field order here is the key order of every JSON line in the feed, so it is part of the
contract too. Everything else that describes an article (the JSON Schema, the validator,
the README table) is derived from this one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypedDict


class Image(TypedDict):
    url: str
    caption: str | None


@dataclass
class Article:
    """One news article as published on the site."""

    #: canonical absolute URL, percent-encoded
    url: str
    #: WordPress post id, when the page reveals it
    post_id: int | None = None
    #: WordPress shortlink (``/?p=ID``)
    shortlink: str | None = None
    #: headline as published (diacritics kept), no markup
    title: str | None = None
    #: ISO 8601 (with UTC offset when a time is known), ``YYYY-MM-DD`` for a day only
    published: str | None = None
    #: the visible date string as shown on the page, unparsed
    published_raw: str | None = None
    #: ISO 8601 last modification, same format as ``published``
    modified: str | None = None
    #: primary category, as in the breadcrumb
    category: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    #: the place that opens the story (``طهران`` in ``طهران – مدار اليوم``)
    dateline: str | None = None
    #: body paragraphs in order, joined by a blank line
    text: str | None = None
    images: list[Image] = field(default_factory=list)
    #: canonical URLs from the check-also and related-posts boxes
    related: list[str] = field(default_factory=list)
    language: str = "ar"
    #: UTC time of the download, ISO 8601
    fetched_at: str | None = None
    #: 1 for the first version seen; incremented when a known article changes
    revision: int = 1


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))


def article_from_dict(data: dict[str, Any]) -> Article:
    """Build an Article from a mapping, ignoring keys that are not fields."""
    return Article(**{k: v for k, v in data.items() if k in ARTICLE_FIELDS})
