"""Feed files that a failed or killed run cannot silently lose or corrupt.

Every exported line reaches the OS in one write (a SIGKILL keeps every finished item), and a
feed that cannot be written stops the crawl at once (finish reason ``feed_error``) rather
than losing items quietly. Cron runs write ``….jsonl.part`` and rename it when the run ends;
the next run keeps the complete lines of a killed run's file. docs/operations.md,
docs/security.md.
"""

from __future__ import annotations

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


# --- failures ---------------------------------------------------------------------------


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
    for folder in (path.parent, *path.parents):
        if folder.is_dir():
            try:
                return f" ({shutil.disk_usage(folder).free // 1024} KiB free on {folder})"
            except OSError:
                return ""
    return ""


def cannot_write(path: Path, error: OSError) -> str:
    """Why the feed file cannot be written, in words: a parent path that is a file is named
    as such (the OS says only "File exists" or "Not a directory")."""
    for folder in path.parents:
        if folder.exists():
            if not folder.is_dir():
                return (f"cannot write the feed {path}: parent path {folder} is a file, "
                        "not a directory")
            break
    return f"cannot write the feed {path}: {error.strerror or error}{_space_note(path)}"


# --- storage ----------------------------------------------------------------------------


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
        # FeedExporter builds its storages when the spider opens (and a throw-away one per
        # URI template before; held weakly, it is gone by then): check before any request.
        crawler.signals.connect(storage.check_writable, signal=signals.engine_started)
        return storage

    def check_writable(self) -> None:
        """Fail the crawl at once when the feed file cannot be created."""
        path = Path(self.path)
        if "%(" in str(path):  # a URI template, not a feed
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab"):
                pass
        except OSError as error:
            self.fail(cannot_write(path, error))

    def open(self, spider: Any) -> IO[bytes]:
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _LineWriter(path, self.write_mode, self.fail)  # type: ignore[return-value]
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
        if getattr(crawler, "engine", None) is not None:
            deferred_from_coro(crawler.engine.close_spider_async(reason=CLOSE_REASON))


# --- dated files (cron) -----------------------------------------------------------------


def date_params(started: dt.datetime) -> dict[str, str]:
    """The UTC date parts of a feed name; ``stamp`` (``20261129T034005Z``) sorts by time and
    is safe in file names on every OS."""
    utc = started.astimezone(dt.timezone.utc)
    return {"year": f"{utc:%Y}", "month": f"{utc:%m}", "day": f"{utc:%d}",
            "stamp": f"{utc:%Y%m%dT%H%M%SZ}"}


@functools.cache
def worker_id() -> str:
    """``MADAR_WORKER_ID`` if set, else ``<hostname>-<pid>``, safe in a file name: names
    this process's feed (``%(worker)s``) and, in distributed mode, its heartbeat."""
    raw = os.environ.get("MADAR_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_") or str(os.getpid())


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: add ``worker``, ``year``, ``month``, ``day`` and ``stamp`` (UTC).

    The time is the setting ``MADAR_RUN_STARTED`` (ISO 8601, set by the cron entry point so
    it knows the file name in advance), else the moment the feed is opened.
    """
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
    """What :func:`recover_feed` did to one ``.part`` file."""

    part: str
    feed: str
    lines_kept: int
    lines_dropped: int
    bytes_dropped: int


def recover_feed(part: Path) -> Recovery:
    """Keep the complete, valid JSON lines of a killed run's feed; rename it to its final name.

    A line counts only when it ends with a newline and parses as JSON. The file is rewritten
    through a temporary name, so a crash during recovery leaves the original untouched.
    """
    data = part.read_bytes()
    kept: list[bytes] = []
    dropped = 0
    for line in data.splitlines(keepends=True):
        if not line.strip():
            continue
        try:
            if not line.endswith(b"\n"):
                raise ValueError("cut short")
            json.loads(line)
        except ValueError:
            dropped += 1
            continue
        kept.append(line)
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
