"""Feed files that a failed or killed run cannot silently lose or corrupt.

Each exported line reaches the OS in one write, and a feed that cannot be written stops the
crawl (finish reason ``feed_error``). Cron writes ``….jsonl.part`` and renames it at the end;
the next run keeps the complete lines of a killed run's file (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import logging
import os
import re
import shutil
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

FAILED_KEY = "madar/feed/failed"
ERROR_KEY = "madar/feed/error"
CLOSE_REASON = "feed_error"
PART_SUFFIX = ".part"
#: The feed a cron run writes (relative to the data directory), as a FEEDS URI template.
DATED_FEED_TEMPLATE = "%(year)s/%(month)s/%(day)s/madar-%(stamp)s.jsonl"


def feed_failures(stats: dict[str, Any]) -> list[str]:
    """Why the feeds of a finished crawl are incomplete (``[]`` when they are not)."""
    problems = []
    if stats.get(FAILED_KEY):
        problems.append(str(stats.get(ERROR_KEY) or "feed output failed"))
    for key, value in stats.items():
        if key.startswith("feedexport/failed_count/") and value:
            problems.append(f"{value} feed(s) could not be stored ({key.rsplit('/', 1)[-1]})")
    return problems


def _space_note(path: Path) -> str:
    folder = next((folder for folder in path.parents if folder.is_dir()), Path("/"))
    try:
        return f" ({shutil.disk_usage(folder).free // 1024} KiB free on {folder})"
    except OSError:
        return ""


def cannot_write(path: Path, error: OSError) -> str:
    """Why the feed cannot be written, in words: a parent that is a file is named as such
    (the OS says only "File exists" or "Not a directory")."""
    existing = next((folder for folder in path.parents if folder.exists()), None)
    if existing is not None and not existing.is_dir():
        return f"cannot write the feed {path}: parent path {existing} is a file, not a directory"
    return f"cannot write the feed {path}: {error.strerror or error}{_space_note(path)}"


class _LineWriter(io.FileIO):
    """An unbuffered file: each write (one exported line) reaches the OS whole, or fails
    loudly through ``on_error``."""

    def __init__(self, path: Path, mode: str, on_error: Any) -> None:
        super().__init__(path, mode)
        self._on_error = on_error

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                done += super().write(view[done:]) or 0
        except OSError as error:
            path = Path(str(self.name))
            self._on_error(f"an item could not be written to the feed {path}: "
                           f"{error.strerror or error}{_space_note(path)}")
            raise
        return done


class LineFlushedFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, but nothing waits in a buffer and failures stop the crawl."""

    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, uri: str, *,
                     feed_options: dict[str, Any] | None = None) -> LineFlushedFileFeedStorage:
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        # Scrapy opens the file at the first item: check it can be created before any request.
        crawler.signals.connect(storage.check_writable, signal=signals.engine_started)
        return storage

    def check_writable(self) -> None:
        if "%(" not in str(self.path):  # a URI template FeedExporter built to test the scheme
            with contextlib.suppress(OSError):
                self._open("ab").close()

    def open(self, spider: Any) -> IO[bytes]:
        return self._open(self.write_mode)  # type: ignore[return-value]

    def _open(self, mode: str) -> _LineWriter:
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _LineWriter(path, mode, self.fail)
        except OSError as error:
            self.fail(cannot_write(path, error))
            raise

    def fail(self, message: str) -> None:
        """Log, count and stop the crawl on the first feed failure (later ones add nothing)."""
        crawler = self.crawler
        if crawler is None or crawler.stats.get_value(FAILED_KEY):
            return
        crawler.stats.set_value(FAILED_KEY, 1)
        crawler.stats.set_value(ERROR_KEY, message)
        logger.error("Feed output failed: %s. Stopping the crawl (finish reason %r): "
                     "nothing more could be saved.", message, CLOSE_REASON)
        if crawler.engine is not None:
            deferred_from_coro(crawler.engine.close_spider_async(reason=CLOSE_REASON))


# --- dated files (cron) -----------------------------------------------------------------


def date_params(started: dt.datetime) -> dict[str, str]:
    """The UTC date parts of a feed name; ``stamp`` (``20261129T034005Z``) sorts by time."""
    utc = started.astimezone(dt.timezone.utc)
    return {"year": f"{utc:%Y}", "month": f"{utc:%m}", "day": f"{utc:%d}",
            "stamp": f"{utc:%Y%m%dT%H%M%SZ}"}


@functools.cache
def worker_id() -> str:
    """``MADAR_WORKER_ID``, else ``<hostname>-<pid>``, safe in a file name: names this
    process's feed (``%(worker)s``) and, in distributed mode, its heartbeat."""
    raw = os.environ.get("MADAR_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_") or str(os.getpid())


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: add ``worker`` and the date parts of ``MADAR_RUN_STARTED`` (set
    by cron, which needs the file name in advance), else of now."""
    started_text = spider.crawler.settings.get("MADAR_RUN_STARTED")
    started = (dt.datetime.fromisoformat(started_text) if started_text
               else dt.datetime.now(dt.timezone.utc))
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.timezone.utc)
    return {**params, "worker": worker_id(), **date_params(started)}


def final_name(path: Path) -> Path:
    """The reader-visible name of a feed (``x.jsonl.part`` -> ``x.jsonl``)."""
    return path.with_name(path.name.removesuffix(PART_SUFFIX))


def finalize_feed(part: Path) -> Path | None:
    """Rename a finished run's ``.part`` feed to its final name (atomic on one filesystem)."""
    if not part.exists():
        return None
    target = final_name(part)
    os.replace(part, target)
    return target


@dataclass
class Recovery:
    part: str
    feed: str
    lines_kept: int
    lines_dropped: int
    bytes_dropped: int


def _complete(line: bytes) -> bool:
    """Ends with a newline and parses as JSON (a killed write can cut the last line)."""
    try:
        json.loads(line)
    except ValueError:
        return False
    return line.endswith(b"\n")


def recover_feed(part: Path) -> Recovery:
    """Keep the complete JSON lines of a killed run's feed, under its final name (through a
    temporary file: a crash during recovery leaves the original untouched)."""
    data = part.read_bytes()
    lines = [line for line in data.splitlines(keepends=True) if line.strip()]
    kept = [line for line in lines if _complete(line)]
    body = b"".join(kept)
    target = final_name(part)
    tmp = part.with_name(part.name + ".recovering")
    with tmp.open("wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    part.unlink()
    result = Recovery(str(part), str(target), len(kept), len(lines) - len(kept),
                      len(data) - len(body))
    report = target.with_name(target.name + ".report.json")
    if not report.exists():
        report.write_text(json.dumps({"recovered": True, **asdict(result)}, indent=2) + "\n",
                          encoding="utf-8")
    return result


def recover_feeds(data_dir: Path) -> list[Recovery]:
    """Recover every ``.part`` feed under *data_dir* (call only while holding the run lock)."""
    return [recover_feed(part) for part in sorted(Path(data_dir).rglob(f"*{PART_SUFFIX}"))
            if part.is_file()]
