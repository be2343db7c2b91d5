"""The Article item and its JSON Schema: the users' contract.

Field order here is the key order of every JSON line in the feed. The hand-written
``madar/schemas/article.schema.json`` says the same in JSON Schema (types, formats, one
description per field); a unit test holds the two to the same fields in the same order,
and the validation pipeline checks every item against the schema.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from importlib import resources
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
#: Each field's empty value (``None`` or ``[]``; ``url`` has none).
ARTICLE_DEFAULTS: dict[str, Any] = {
    f.name: f.default if f.default_factory is MISSING else f.default_factory()
    for f in fields(Article) if f.default is not MISSING or f.default_factory is not MISSING}
#: ``madar/schemas/article.schema.json``, read as package data (works from a zipped egg).
ARTICLE_SCHEMA: dict[str, Any] = json.loads(
    resources.files("madar.schemas").joinpath("article.schema.json").read_text("utf-8"))

