"""``-O articles.parquet``: one row per article, typed columns, for pandas and ``datasets``.

The columns follow the Article item (:mod:`madar.items`), typed from its annotations:
strings, ``post_id``/``revision`` int64, ``tags``/``categories``/``related`` lists of
strings, ``images`` a list of ``{url, caption}`` structs. ``published``, ``modified`` and
``fetched_at`` are ``timestamp[us, UTC]``; as a timestamp cannot keep the page's UTC offset
or tell a day-only date, ``published_iso`` and ``modified_iso`` keep the feed's ISO strings.
Keys beyond the item (``text_normalized``) in the first row group become string columns.

Rows are written in row groups of ``MADAR_PARQUET_ROW_GROUP``; the file is complete only
when the feed closes (a killed crawl leaves no readable Parquet: JSON Lines is the durable
feed). pyarrow is optional (``requirements-parquet.txt``); without it the exporter stops
with one line saying so.
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
    """The ``pyarrow`` module, or :class:`ParquetUnavailable` with the one-line fix."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ParquetUnavailable(MISSING_PYARROW) from None
    return pyarrow


def _arrow_type(pa: Any, hint: Any) -> Any:
    """The Arrow type of an Article annotation (``str | None``, ``list[Image]``...)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (inner,) = [h for h in typing.get_args(hint) if h is not type(None)]
        return _arrow_type(pa, inner)
    if typing.get_origin(hint) is list:
        return pa.list_(_arrow_type(pa, typing.get_args(hint)[0]))
    if typing.is_typeddict(hint):
        return pa.struct([(name, _arrow_type(pa, sub))
                          for name, sub in typing.get_type_hints(hint).items()])
    simple = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    return simple[hint]


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
    """An ISO 8601 string as an aware UTC datetime (a date alone: its midnight UTC)."""
    parsed = as_utc(value) if isinstance(value, str) else None
    return parsed.astimezone(dt.timezone.utc) if parsed is not None else None


def article_row(item: Any) -> dict[str, Any]:
    """One item as a row of :func:`article_schema` (timestamps parsed, ISO text kept)."""
    row = dict(ItemAdapter(item).items())
    for name in TIMESTAMP_FIELDS:
        if name in ISO_TEXT_FIELDS:
            row[f"{name}_iso"] = row.get(name)
        row[name] = utc_timestamp(row.get(name))
    return row


class ParquetItemExporter(BaseItemExporter):
    """Feed exporter (``FEED_EXPORTERS["parquet"]``): rows buffered, written per row group."""

    def __init__(self, file: IO[bytes], *, row_group_size: int = 1000, **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.pa = require_pyarrow()
        self.file = file
        self.row_group_size = max(1, row_group_size)
        self.rows: list[dict[str, Any]] = []
        self.schema: Any = None
        self.writer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], *args: Any, **kwargs: Any
                     ) -> ParquetItemExporter:
        size = crawler.settings.getint("MADAR_PARQUET_ROW_GROUP", 1000)
        return cls(file, *args, row_group_size=size, **kwargs)

    def export_item(self, item: Any) -> None:
        row = article_row(item)
        if self.fields_to_export:
            row = {name: row.get(name) for name in self.fields_to_export}
        self.rows.append(row)
        if len(self.rows) >= self.row_group_size:
            self._write_rows()

    def _open(self) -> None:
        known = set(ARTICLE_FIELDS) | {f"{n}_iso" for n in ISO_TEXT_FIELDS}
        extra = tuple(dict.fromkeys(k for row in self.rows for k in row if k not in known))
        schema = article_schema(extra)
        if self.fields_to_export:
            schema = self.pa.schema([schema.field(n) if n in schema.names
                                     else self.pa.field(n, self.pa.string())
                                     for n in self.fields_to_export])
        self.schema = schema
        self.writer = self.pa.parquet.ParquetWriter(self.file, schema, compression="zstd")

    def _write_rows(self) -> None:
        if self.writer is None:
            self._open()
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def finish_exporting(self) -> None:
        self._write_rows()  # an empty feed still gets the schema
        self.writer.close()
