"""The shipped Article JSON Schema is generated from items.py, valid, and inside the egg."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from madar.items import ARTICLE_FIELDS, Article
from madar.schema import (
    CONSTRAINTS,
    FALLBACK_DESCRIPTIONS,
    field_comments,
    generate_article_schema,
    load_article_schema,
    render_schema,
    schema_errors,
    shipped_schema_path,
)

REPO = Path(__file__).resolve().parents[2]

GOOD = {
    "url": "https://madaralyoum.com/%d8%a7%d8%ac%d8%aa%d9%85%d8%a7%d8%b9/",
    "post_id": 1234,
    "shortlink": "https://madaralyoum.com/?p=1234",
    "title": "اجتماع روسي – ايراني",
    "published": "2017-08-10T14:05:00+03:00",
    "published_raw": "أغسطس 10, 2017",
    "modified": "2017-08-10",
    "category": "آخر الأخبار",
    "categories": ["آخر الأخبار"],
    "tags": [],
    "author": None,
    "dateline": "طهران",
    "text": "فقرة أولى\n\nفقرة ثانية",
    "images": [{"url": "https://madaralyoum.com/a.jpg", "caption": None}],
    "related": ["https://madaralyoum.com/x/"],
    "language": "ar",
    "fetched_at": "2026-11-29T03:00:00+00:00",
    "revision": 1,
}


def test_shipped_file_equals_generated():
    assert shipped_schema_path().read_text(encoding="utf-8") == render_schema(
        generate_article_schema()), "stale schema: run python -m madar.schema --write"


def test_schema_follows_the_dataclass():
    schema = generate_article_schema()
    assert tuple(schema["properties"]) == ARTICLE_FIELDS, "same fields, same order"
    assert schema["required"] == list(ARTICLE_FIELDS)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert load_article_schema() == schema


def test_every_field_is_described_once():
    schema = generate_article_schema()
    undocumented = [n for n, p in schema["properties"].items() if not p.get("description")]
    assert not undocumented
    assert set(CONSTRAINTS) <= set(ARTICLE_FIELDS)
    # a fallback for a field items.py already documents would be dead text
    assert not set(FALLBACK_DESCRIPTIONS) & set(field_comments(Article))


def test_a_default_article_is_valid_and_the_sample_too():
    assert schema_errors(dataclasses.asdict(Article(url="https://madaralyoum.com/p/"))) == []
    assert schema_errors(GOOD) == []


@pytest.mark.parametrize(("field", "value"), [
    ("url", "madaralyoum.com/relative"),
    ("post_id", "1234"),
    ("post_id", 0),
    ("published", "10/08/2017"),
    ("published", "2017-08-10T14:05:00"),  # a time without its UTC offset
    ("revision", 0),
    ("tags", "a,b"),
    ("images", [{"url": "https://x/a.jpg"}]),  # caption key missing
    ("title", ""),
])
def test_bad_values_are_reported(field, value):
    item = copy.deepcopy(GOOD)
    item[field] = value
    errors = schema_errors(item)
    assert errors and errors[0].startswith(field), errors


def test_missing_key_is_reported():
    item = dict(GOOD)
    del item["published"]
    assert any("published" in e for e in schema_errors(item))


def test_schema_is_package_data_of_the_egg(tmp_path):
    """scrapyd runs the project from a zipped egg: the schema must load from inside it."""
    build = subprocess.run(
        [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path),
         "--bdist-dir", str(tmp_path / "bdist")],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120)
    assert build.returncode == 0, build.stderr
    (egg,) = tmp_path.glob("madar-*.egg")
    assert "madar/schemas/article.schema.json" in zipfile.ZipFile(egg).namelist()
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import madar.schema as s;"
            "assert s.__file__.startswith(sys.argv[1]), s.__file__;"
            "print(json.dumps(s.load_article_schema()['required']))")
    run = subprocess.run([sys.executable, "-I", "-c", code, str(egg)], cwd=tmp_path,
                         capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == list(ARTICLE_FIELDS)
