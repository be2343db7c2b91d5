"""Read the HTML responses of one site back from WARC files (madar's own, or CC-NEWS).

FastWARC reads (bench/bench_reextract.py measures it against warcio's ArchiveIterator on
madar's own files). Only ``response`` records whose target URI is on
the site's host (and port) are read past their headers, so a Common Crawl file that holds
thousands of other sites costs little more than a scan. Payloads are decoded (chunked,
gzip...) when their headers say so; madar's own records are stored decoded already.

A file cut short (a killed crawl, a partial download) yields every complete record before
the cut. FastWARC hands out the cut record too, with a partial body, so a record whose
``WARC-Block-Digest`` does not match its block is skipped and counted (``damaged``, the
file in ``truncated``); a record without a digest cannot be checked and is kept.
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
    #: the WARC-Date as ``Article.fetched_at`` writes a time (ISO 8601, UTC, seconds)
    fetched_at: str


def fetched_at_from_warc_date(value: str) -> str:
    """``2026-12-03T08:00:00Z`` -> ``2026-12-03T08:00:00+00:00`` (fractions dropped)."""
    when = dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc)
    return when.replace(microsecond=0).isoformat(timespec="seconds")


@dataclass
class ArchiveReader:
    """Iterate the site's responses in archive order over several WARC files."""

    base_url: str
    records: int = 0  # response records seen (any host)
    other_hosts: int = 0
    #: response records of other hosts, by host[:port]: named when none is the site's
    hosts_seen: Counter = field(default_factory=Counter)
    damaged: int = 0  # records of the site whose block digest does not match (cut short)
    truncated: list[str] = field(default_factory=list)

    def responses(self, paths: Iterable[Path]) -> Iterator[ArchivedResponse]:
        for path in paths:
            yield from self._read(Path(path))

    def _read(self, path: Path) -> Iterator[ArchivedResponse]:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream, record_types=WarcRecordType.response,
                                      parse_http=False, auto_decode="all")
            try:
                for record in records:
                    self.records += 1
                    url = record.headers.get("WARC-Target-URI") or ""
                    if not same_host(url, self.base_url):
                        self.other_hosts += 1
                        self.hosts_seen[urlsplit(url).netloc or "?"] += 1
                        continue
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
