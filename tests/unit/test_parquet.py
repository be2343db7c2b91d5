"""The Parquet feed exporter: typed columns from the Article item, values as in JSON Lines,
one clear line when pyarrow is missing."""

from __future__ import annotations

import datetime as dt
import io
import sys

import pytest

from madar.exporters.parquet import (
    MISSING_PYARROW,
    ParquetItemExporter,
    ParquetUnavailable,
    article_schema,
    require_pyarrow,
)
from madar.items import ARTICLE_FIELDS, Article

pa = pytest.importorskip("pyarrow", reason="pyarrow: pip install -r requirements-parquet.txt")
import pyarrow.parquet as pq  # noqa: E402

UTC = dt.timezone.utc


def articles() -> list:
    return [
        Article(url="https://madaralyoum.com/a/", post_id=7, title="عنوان",
                published="2017-08-10T09:12:31+03:00", modified=None, tags=["أ", "ب"],
                images=[{"url": "https://madaralyoum.com/i.jpg", "caption": None}],
                related=["https://madaralyoum.com/b/"], text="نص",
                fetched_at="2026-11-29T03:00:00+00:00"),
        {**{name: None for name in ARTICLE_FIELDS}, "url": "https://madaralyoum.com/b/",
         "published": "2016-01-02", "categories": [], "tags": [], "images": [],
         "related": [], "language": "ar", "revision": 2, "text_normalized": "نص"},
    ]


def export(items: list, **kwargs) -> pa.Table:
    buffer = io.BytesIO()
    exporter = ParquetItemExporter(buffer, **kwargs)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return pq.read_table(io.BytesIO(buffer.getvalue()))


def test_columns_are_typed_from_the_item():
    schema = article_schema()
    assert schema.field("post_id").type == pa.int64()
    assert schema.field("tags").type == pa.list_(pa.string())
    assert schema.field("images").type == pa.list_(
        pa.struct([("url", pa.string()), ("caption", pa.string())]))
    for name in ("published", "modified", "fetched_at"):
        assert schema.field(name).type == pa.timestamp("us", tz="UTC")
    assert [n for n in schema.names if not n.endswith("_iso")] == list(ARTICLE_FIELDS)


def test_rows_hold_the_feed_values():
    table = export(articles())
    first, second = table.to_pylist()
    assert first["published"] == dt.datetime(2017, 8, 10, 6, 12, 31, tzinfo=UTC)
    assert first["published_iso"] == "2017-08-10T09:12:31+03:00"
    assert first["fetched_at"] == dt.datetime(2026, 11, 29, 3, tzinfo=UTC)
    assert first["images"] == [{"url": "https://madaralyoum.com/i.jpg", "caption": None}]
    assert first["tags"] == ["أ", "ب"] and first["modified"] is None
    # A day-only date: midnight UTC as a timestamp, the day itself in the text column.
    assert second["published"] == dt.datetime(2016, 1, 2, tzinfo=UTC)
    assert second["published_iso"] == "2016-01-02"
    assert second["revision"] == 2 and second["text_normalized"] == "نص"


def test_an_empty_feed_still_has_the_schema():
    table = export([])
    assert table.num_rows == 0 and "fetched_at" in table.schema.names


def test_without_pyarrow_one_line_says_how_to_get_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ParquetUnavailable, match=r"requirements-parquet\.txt"):
        require_pyarrow()
    from madar.reextract.__main__ import main

    warc = tmp_path / "a.warc.gz"
    warc.write_bytes(b"")
    assert main([str(warc), "-o", str(tmp_path / "x.parquet")]) == 2
    assert capsys.readouterr().err.strip().endswith(MISSING_PYARROW)
