"""Read one site's HTML responses back from WARC files (madar's own, or CC-NEWS) with FastWARC.

Only response records on the site's host and port are read past their headers. A record
cut short (its ``WARC-Block-Digest`` does not match) is skipped and counted; see docs/warc.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

try:  # optional (requirements-warc.txt): only re-extraction reads WARC files
    from fastwarc.warc import ArchiveIterator, WarcRecordType
except ImportError as missing:  # pragma: no cover - exercised by the lean install
    raise ImportError("reading WARC files needs FastWARC: "
                      "pip install -r requirements-warc.txt") from missing

from madar.urls import same_host

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ArchivedResponse:
    """One HTTP response as the crawl received it (picklable: sent to worker processes)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str  # the WARC-Date as Article.fetched_at writes a time


def fetched_at_from_warc_date(value: str) -> str:
    """``2026-12-03T08:00:00Z`` -> ``2026-12-03T08:00:00+00:00`` (fractions dropped)."""
    when = dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc)
    return when.replace(microsecond=0).isoformat(timespec="seconds")


@dataclass
class ArchiveReader:
    """The site's responses in archive order over several WARC files, and what was skipped."""

    base_url: str
    records: int = 0  # response records of any host
    other_hosts: int = 0
    hosts_seen: Counter = field(default_factory=Counter)  # other hosts, named if none is ours
    damaged: int = 0
    truncated: list[str] = field(default_factory=list)

    def responses(self, paths: Iterable[Path]) -> Iterator[ArchivedResponse]:
        for path in paths:
            yield from self._read(Path(path))

    def _read(self, path: Path) -> Iterator[ArchivedResponse]:
        # same_host's answer for a URL that starts with the site's origin, without its 11 us
        site = self.base_url
        origin = (site.rstrip("/") + "/",) if same_host(site, site) else ()
        with path.open("rb") as stream:
            try:
                for record in ArchiveIterator(stream, record_types=WarcRecordType.response,
                                              parse_http=False, auto_decode="all"):
                    self.records += 1
                    url = record.headers.get("WARC-Target-URI") or ""
                    if not (url.startswith(origin) or same_host(url, site)):
                        self.other_hosts += 1
                        self.hosts_seen[urlsplit(url).netloc or "?"] += 1
                        continue
                    # FastWARC hands out a record cut short too; one without a digest is kept
                    if (not record.verify_block_digest(consume=False)
                            and record.headers.get("WARC-Block-Digest")):
                        self._damaged(path, url)
                        continue
                    record.parse_http()
                    http = record.http_headers
                    yield ArchivedResponse(
                        url=url, status=http.status_code, headers=list(http.items()),
                        body=record.reader.read(),
                        fetched_at=fetched_at_from_warc_date(record.headers["WARC-Date"]))
            except OSError as error:  # a gzip member or record header cut short
                self._damaged(path, str(error))

    def _damaged(self, path: Path, where: str) -> None:
        self.damaged += 1
        if str(path) not in self.truncated:
            self.truncated.append(str(path))
        logger.warning("WARC file %s: a record is cut short or damaged (%s); skipped, the "
                       "complete records are read", path, where)
