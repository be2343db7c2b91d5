"""Compare Parquet rows (pyarrow or ``datasets``) with the JSON Lines items of the same run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from madar.exporters.parquet import ISO_TEXT_FIELDS, TIMESTAMP_FIELDS, utc_timestamp


def _as_utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):  # a pandas.Timestamp
        value = value.to_pydatetime()
    return value.astimezone(dt.timezone.utc)


def mismatches(rows: list[dict], items: list[dict]) -> list[str]:
    """``url: field`` for every value that differs (timestamps compared as instants, their
    ISO text exactly); empty when the Parquet file holds the feed's values."""
    if len(rows) != len(items):
        return [f"{len(rows)} rows for {len(items)} items"]
    found = []
    for row, item in zip(rows, items, strict=True):
        for name, value in item.items():
            if name in TIMESTAMP_FIELDS:
                same = _as_utc(row[name]) == utc_timestamp(value)
                if name in ISO_TEXT_FIELDS:
                    same = same and row[f"{name}_iso"] == value
            else:
                same = row[name] == value
            if not same:
                found.append(f"{item['url']}: {name}")
    return found
