"""``-O articles.parquet``: one row per article, columns typed from the Article item.

Columns, the ``*_iso`` text beside each timestamp, row groups: docs/warc.md. pyarrow is
optional (requirements-parquet.txt).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from madar.items import ARTICLE_FIELDS, Article
from madar.text.dates import as_utc

#: Article fields holding ISO 8601 times, stored as UTC timestamps.
TIMESTAMP_FIELDS = ("published", "modified", "fetched_at")
#: Of those, the ones whose ISO text (offset, day-only dates) is kept beside the timestamp.
ISO_TEXT_FIELDS = ("published", "modified")
MISSING_PYARROW = ("Parquet output needs pyarrow: pip install -r requirements-parquet.txt "
                   "(or write JSON Lines: -O articles.jsonl)")


class ParquetUnavailable(RuntimeError):
    """pyarrow is not installed."""


def require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ParquetUnavailable(MISSING_PYARROW) from None
    return pyarrow


def _arrow_type(pa: Any, hint: Any) -> Any:
    """The Arrow type of an Article annotation (``str | None``, ``list[Image]``...)."""
    if isinstance(hint, types.UnionType):
        (inner,) = [h for h in typing.get_args(hint) if h is not type(None)]
        return _arrow_type(pa, inner)
    if typing.get_origin(hint) is list:
        return pa.list_(_arrow_type(pa, typing.get_args(hint)[0]))
    if typing.is_typeddict(hint):
        return pa.struct([(name, _arrow_type(pa, sub))
                          for name, sub in typing.get_type_hints(hint).items()])
    return {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}[hint]


def article_schema(extra_fields: tuple[str, ...] = ()) -> Any:
    """The Arrow schema of the Article item, plus string columns for ``extra_fields``."""
    pa = require_pyarrow()
    hints = typing.get_type_hints(Article)
    columns = []
    for name in ARTICLE_FIELDS:
        if name in TIMESTAMP_FIELDS:
            columns.append(pa.field(name, pa.timestamp("us", tz="UTC")))
            if name in ISO_TEXT_FIELDS:
                columns.append(pa.field(f"{name}_iso", pa.string()))
        else:
            columns.append(pa.field(name, _arrow_type(pa, hints[name])))
    columns += [pa.field(name, pa.string()) for name in extra_fields]
    return pa.schema(columns)


def utc_timestamp(value: Any) -> dt.datetime | None:
    """An ISO 8601 string as an aware datetime (a date alone: its midnight UTC)."""
    return as_utc(value) if isinstance(value, str) else None


class ParquetItemExporter(BaseItemExporter):
    """Feed exporter (``FEED_EXPORTERS["parquet"]``): rows buffered, written per row group."""

    def __init__(self, file: IO[bytes], *, row_group_size: int = 1000, **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.pa = require_pyarrow()
        self.file = file
        self.row_group_size = max(1, row_group_size)
        self.rows: list[dict[str, Any]] = []
        self.writer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], *args: Any, **kwargs: Any
                     ) -> ParquetItemExporter:
        size = crawler.settings.getint("MADAR_PARQUET_ROW_GROUP")
        return cls(file, *args, row_group_size=size, **kwargs)

    def export_item(self, item: Any) -> None:
        row = dict(ItemAdapter(item).items())
        for name in TIMESTAMP_FIELDS:
            if name in ISO_TEXT_FIELDS:
                row[f"{name}_iso"] = row.get(name)
            row[name] = utc_timestamp(row.get(name))
        if self.fields_to_export:
            row = {name: row.get(name) for name in self.fields_to_export}
        self.rows.append(row)
        if len(self.rows) >= self.row_group_size:
            self._write_rows()

    def _write_rows(self) -> None:
        if self.writer is None:  # the first row group names the extra columns
            known = set(ARTICLE_FIELDS) | {f"{n}_iso" for n in ISO_TEXT_FIELDS}
            schema = article_schema(tuple(dict.fromkeys(
                key for row in self.rows for key in row if key not in known)))
            if self.fields_to_export:
                schema = self.pa.schema([schema.field(n) if n in schema.names
                                         else self.pa.field(n, self.pa.string())
                                         for n in self.fields_to_export])
            self.writer = self.pa.parquet.ParquetWriter(self.file, schema, compression="zstd")
        if self.rows:
            table = self.pa.Table.from_pylist(self.rows, schema=self.writer.schema)
            self.writer.write_table(table)
            self.rows = []

    def finish_exporting(self) -> None:
        self._write_rows()  # an empty feed still gets the schema
        self.writer.close()
