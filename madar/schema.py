"""The JSON Schema of the Article item, derived from ``madar/items.py``.

``items.py`` is the one source of truth: field names, order and types come from the dataclass,
descriptions from its ``#:`` comments. This module *generates* the schema (at development time,
``python -m madar.schema --write``) and *loads* the shipped copy
(``madar/schemas/article.schema.json``, package data inside the egg) at run time through
``importlib.resources``, so it works from a zipped egg in Scrapyd as well as from a checkout.
A unit test checks that the shipped file equals the generated one.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import inspect
import json
import sys
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from madar import items
from madar.items import Article

SCHEMA_PACKAGE = "madar.schemas"
SCHEMA_RESOURCE = "article.schema.json"
SCHEMA_ID = "https://github.com/madar-corpus/madar/schemas/article.schema.json"

#: ISO 8601: a day, or a day and a time with a UTC offset (the contract in items.py).
ISO_DATE_OR_DATETIME = (
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$"
)
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
HTTP_URL = r"^https?://[^\s]+$"

#: Value constraints the type alone cannot say; keys must be Article fields (tested).
CONSTRAINTS: dict[str, dict[str, Any]] = {
    "url": {"pattern": HTTP_URL, "minLength": 8},
    "post_id": {"minimum": 1},
    "shortlink": {"pattern": r"^https?://[^\s]+[?&]p=\d+$"},
    "title": {"minLength": 1},
    "published": {"pattern": ISO_DATE_OR_DATETIME},
    "modified": {"pattern": ISO_DATE_OR_DATETIME},
    "related": {"items": {"pattern": HTTP_URL}},
    "language": {"pattern": r"^[a-z]{2,3}$"},
    "fetched_at": {"pattern": ISO_DATETIME},
    "revision": {"minimum": 1},
}

#: Descriptions of fields that have no ``#:`` comment in items.py (a comment there wins).
FALLBACK_DESCRIPTIONS: dict[str, str] = {
    "categories": "all categories of the post, primary first, as shown on the page",
    "tags": "the post's tags, in page order",
    "author": "author name as shown on the page",
    "images": "images of the article body in order: absolute URL and caption (or null)",
    "language": "ISO 639-1 language code of the text",
}


def field_comments(cls: type = Article) -> dict[str, str]:
    """The ``#:`` comment lines directly above each field of *cls*, joined."""
    source_lines, _ = inspect.getsourcelines(cls)
    tree = ast.parse(inspect.getsource(cls))
    class_node = tree.body[0]
    assert isinstance(class_node, ast.ClassDef)
    comments: dict[str, str] = {}
    for node in class_node.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        lines: list[str] = []
        index = node.lineno - 2  # the line above, 0-based
        while index >= 0 and source_lines[index].strip().startswith("#:"):
            lines.insert(0, source_lines[index].strip()[2:].strip())
            index -= 1
        if lines:
            comments[node.target.id] = " ".join(lines).replace("``", "`")
    return comments


def _type_schema(hint: Any) -> dict[str, Any]:
    """JSON Schema of one Python type hint (the few kinds items.py uses)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) != 1:
            raise TypeError(f"unsupported union {hint!r}")
        inner = _type_schema(non_null[0])
        if type(None) in args:
            inner = {**inner, "type": [inner["type"], "null"]}
        return inner
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        return {"type": "array", "items": _type_schema(item_hint)}
    if typing.is_typeddict(hint):
        hints = typing.get_type_hints(hint)
        return {
            "type": "object",
            "properties": {name: _type_schema(h) for name, h in hints.items()},
            "required": sorted(hint.__required_keys__, key=list(hints).index),
            "additionalProperties": False,
        }
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema mapping for {hint!r}")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def generate_article_schema() -> dict[str, Any]:
    """Build the Article JSON Schema from the dataclass (types, order, docs)."""
    unknown = set(CONSTRAINTS) - {f.name for f in dataclasses.fields(Article)}
    if unknown:
        raise ValueError(f"CONSTRAINTS name fields Article does not have: {sorted(unknown)}")
    hints = typing.get_type_hints(Article, vars(items))
    comments = field_comments(Article)
    properties: dict[str, Any] = {}
    for f in dataclasses.fields(Article):
        prop: dict[str, Any] = {}
        description = comments.get(f.name) or FALLBACK_DESCRIPTIONS.get(f.name)
        if description:
            prop["description"] = description
        prop.update(_merge(_type_schema(hints[f.name]), CONSTRAINTS.get(f.name, {})))
        if f.default is not dataclasses.MISSING and f.default is not None:
            prop["default"] = f.default
        properties[f.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Article",
        "description": (inspect.getdoc(Article) or "").strip()
        + " One JSON object per line of the feed; keys appear in this order. Every key is"
        " always present (null or [] when unknown); consumers should ignore keys they do"
        " not know (optional extras such as `text_normalized`).",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": True,
    }


def render_schema(schema: dict[str, Any]) -> str:
    """The exact text of the shipped file (stable: diffs stay readable)."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


@functools.cache
def load_article_schema() -> dict[str, Any]:
    """The shipped schema, read as package data (works inside a zipped egg)."""
    text = resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    return json.loads(text)


@functools.cache
def article_validator():
    """A ``jsonschema`` validator for the shipped schema (format checks on)."""
    import jsonschema  # imported late: only runs that validate need it

    schema = load_article_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(item: dict[str, Any]) -> list[str]:
    """Human-readable schema violations of one item (``[]`` when valid)."""
    errors = sorted(article_validator().iter_errors(item), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path)) or '<item>'}: {e.message}" for e in errors]


def shipped_schema_path() -> Path:
    """Where the schema lives in a source checkout (for ``--write``)."""
    return Path(__file__).resolve().parent / "schemas" / SCHEMA_RESOURCE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print or write the Article JSON Schema.")
    parser.add_argument("--write", action="store_true",
                        help=f"write it to {shipped_schema_path()}")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the shipped file differs from the generated one")
    options = parser.parse_args(argv)
    text = render_schema(generate_article_schema())
    if options.write:
        shipped_schema_path().write_text(text, encoding="utf-8")
    elif options.check:
        if shipped_schema_path().read_text(encoding="utf-8") != text:
            print("article.schema.json is stale: run python -m madar.schema --write",
                  file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
