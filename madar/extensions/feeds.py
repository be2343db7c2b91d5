"""Dated feed files that a killed run cannot corrupt.

A cron run writes ``data/YYYY/MM/DD/madar-<stamp>.jsonl.part`` through Scrapy's FEEDS, with
the date parts supplied by :func:`dated_uri_params` (``FEED_URI_PARAMS``). Readers only
look at ``*.jsonl``: the ``.part`` name is renamed away when the run ends
(:func:`finalize_feed`). :class:`LineFlushedFileFeedStorage` hands every JSON line to the
OS as soon as it is exported, so a run killed with SIGKILL loses no completed item; at
most its last line is cut short. The next run finds the ``.part`` file,
keeps its complete lines, drops a partial last one and renames it
(:func:`recover_feed`): those items are already in the dedup store, so they must stay in
the corpus.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage

PART_SUFFIX = ".part"
#: The feed a cron run writes (relative to the data directory), as a FEEDS URI template.
DATED_FEED_TEMPLATE = "%(year)s/%(month)s/%(day)s/madar-%(stamp)s.jsonl"


def run_stamp(started: dt.datetime) -> str:
    """``20261129T034005Z``: sorts by time, safe in file names on every OS."""
    return started.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def date_params(started: dt.datetime) -> dict[str, str]:
    utc = started.astimezone(dt.timezone.utc)
    return {"year": f"{utc:%Y}", "month": f"{utc:%m}", "day": f"{utc:%d}",
            "stamp": run_stamp(utc)}


def dated_uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: add ``year``, ``month``, ``day`` and ``stamp`` (UTC).

    The time is the setting ``MADAR_RUN_STARTED`` (ISO 8601, set by the cron entry point so
    it knows the file name in advance), else the moment the feed is opened.
    """
    started_text = spider.crawler.settings.get("MADAR_RUN_STARTED")
    started = (dt.datetime.fromisoformat(started_text) if started_text
               else dt.datetime.now(dt.timezone.utc))
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.timezone.utc)
    return {**params, **date_params(started)}


class _LineFlushedWriter(io.BufferedWriter):
    """A buffered file that passes each write (one JSON line) straight to the OS."""

    def write(self, data: Any) -> int:
        written = super().write(data)
        self.flush()
        return written


class LineFlushedFileFeedStorage(FileFeedStorage):
    """``FEED_STORAGES = {"file": ...}``: like Scrapy's, but nothing waits in a buffer."""

    def open(self, spider: Any) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return _LineFlushedWriter(io.FileIO(path, self.write_mode))


def final_name(path: Path) -> Path:
    """The reader-visible name of a feed (``x.jsonl.part`` -> ``x.jsonl``)."""
    return path.with_name(path.name[: -len(PART_SUFFIX)]) if path.name.endswith(
        PART_SUFFIX) else path


def finalize_feed(part: Path) -> Path | None:
    """Rename a finished run's ``.part`` feed to its final name (atomic on one filesystem)."""
    if not part.exists():
        return None
    target = final_name(part)
    os.replace(part, target)
    return target


@dataclass
class Recovery:
    """What :func:`recover_feed` did to one ``.part`` file."""

    part: str
    feed: str
    lines_kept: int
    lines_dropped: int
    bytes_dropped: int


def recover_feed(part: Path) -> Recovery:
    """Keep the complete, valid JSON lines of a killed run's feed; rename it to its final name.

    A line counts only when it ends with a newline and parses as JSON; anything after the
    last good line (a line cut short by SIGKILL) is dropped. The file is rewritten through a
    temporary name and renamed, so a crash during recovery leaves the original untouched.
    """
    data = part.read_bytes()
    kept: list[bytes] = []
    dropped = 0
    for line in data.splitlines(keepends=True):
        if line.endswith(b"\n") and line.strip():
            try:
                json.loads(line)
            except ValueError:
                dropped += 1
                continue
            kept.append(line)
        elif line.strip():
            dropped += 1
    body = b"".join(kept)
    target = final_name(part)
    tmp = part.with_name(part.name + ".recovering")
    with tmp.open("wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    part.unlink(missing_ok=True)
    result = Recovery(str(part), str(target), len(kept), dropped, len(data) - len(body))
    report = target.with_name(target.name + ".report.json")
    if not report.exists():
        report.write_text(json.dumps({"recovered": True, **asdict(result)}, indent=2) + "\n",
                          encoding="utf-8")
    return result


def recover_feeds(data_dir: Path) -> list[Recovery]:
    """Recover every ``.part`` feed under *data_dir* (call only while holding the run lock)."""
    return [recover_feed(part) for part in sorted(Path(data_dir).rglob(f"*{PART_SUFFIX}"))
            if part.is_file()]
