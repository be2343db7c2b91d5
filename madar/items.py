"""The Article item, the users' contract: field order is the key order of each feed line.
``madar/schemas/article.schema.json`` describes the same fields (a unit test holds them
together)."""

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
    """One news article as published on the site (each field described in the schema)."""

    url: str
    post_id: int | None = None
    shortlink: str | None = None
    title: str | None = None
    published: str | None = None
    published_raw: str | None = None
    modified: str | None = None
    category: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    dateline: str | None = None
    text: str | None = None
    images: list[Image] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    language: str = "ar"
    fetched_at: str | None = None
    revision: int = 1


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
#: Each field's empty value (``None`` or ``[]``; ``url`` has none).
ARTICLE_DEFAULTS: dict[str, Any] = {
    f.name: f.default if f.default_factory is MISSING else f.default_factory()
    for f in fields(Article) if f.default is not MISSING or f.default_factory is not MISSING}
#: ``madar/schemas/article.schema.json``, read as package data (works from a zipped egg).
ARTICLE_SCHEMA: dict[str, Any] = json.loads(
    resources.files("madar.schemas").joinpath("article.schema.json").read_text("utf-8"))

