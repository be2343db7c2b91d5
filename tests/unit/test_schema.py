"""The hand-written Article JSON Schema matches items.py, is valid, and is inside the egg."""

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

from madar.items import ARTICLE_FIELDS, ARTICLE_SCHEMA, Article
from madar.pipelines.validate import schema_error

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


def test_schema_follows_the_dataclass():
    assert tuple(ARTICLE_SCHEMA["properties"]) == ARTICLE_FIELDS, "same fields, same order"
    assert ARTICLE_SCHEMA["required"] == list(ARTICLE_FIELDS)
    jsonschema.Draft202012Validator.check_schema(ARTICLE_SCHEMA)


def test_every_field_is_described():
    assert not [n for n, p in ARTICLE_SCHEMA["properties"].items() if not p.get("description")]


def test_a_default_article_is_valid_and_the_sample_too():
    assert schema_error(dataclasses.asdict(Article(url="https://madaralyoum.com/p/"))) is None
    assert schema_error(GOOD) is None
    validator = jsonschema.Draft202012Validator(ARTICLE_SCHEMA)
    assert not list(validator.iter_errors(GOOD)), "any JSON Schema tool agrees"


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
    broken = schema_error(item)
    assert broken is not None and broken[0] == field, broken
    assert not jsonschema.Draft202012Validator(ARTICLE_SCHEMA).is_valid(item)


def test_missing_key_is_reported():
    item = dict(GOOD)
    del item["published"]
    broken = schema_error(item)
    assert broken is not None and "published" in broken[1], broken


def test_schema_is_package_data_of_the_egg(tmp_path):
    """scrapyd runs the project from a zipped egg: the schema must load from inside it."""
    build = subprocess.run(
        [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path),
         "--bdist-dir", str(tmp_path / "bdist")],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120)
    assert build.returncode == 0, build.stderr
    (egg,) = tmp_path.glob("madar-*.egg")
    assert "madar/schemas/article.schema.json" in zipfile.ZipFile(egg).namelist()
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import madar.items as s;"
            "assert s.__file__.startswith(sys.argv[1]), s.__file__;"
            "print(json.dumps(s.ARTICLE_SCHEMA['required']))")
    run = subprocess.run([sys.executable, "-I", "-c", code, str(egg)], cwd=tmp_path,
                         capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == list(ARTICLE_FIELDS)
