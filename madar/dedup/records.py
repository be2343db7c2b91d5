"""What the dedup rules need from a memory: the records and the store interface.

The stores (``madar.state``: SQLite locally, Redis when shared) implement
:class:`SeenStore`; they answer lookups and record claims, atomically where several
workers share them. The rules themselves are in ``madar.dedup.decide``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from madar.dedup.minhash import Signature, stable_hash64


def url_key(url: str) -> int:
    """The 64-bit key a URL is stored under (the URL text is kept once, on its document).

    ``url`` must already be canonical (``madar.urls.canonical_url``), as the pipeline's are.
    """
    return stable_hash64(url)


def any_url_key(url: str) -> int:
    """``url_key`` of the canonical form of any URL (for callers outside the pipeline)."""
    from madar.urls import canonical_url

    try:
        return url_key(canonical_url(url))
    except ValueError:
        return url_key(url.strip())


@dataclass(frozen=True)
class SeenRecord:
    """A kept article as the store knows it (its latest revision)."""

    doc_id: int
    url: str
    post_id: int | None
    text_hash: int
    content_hash: int
    revision: int
    modified: str | None


@dataclass(frozen=True)
class UrlSighting:
    """What was last seen at one URL: the document it belongs to and that page's content."""

    record: SeenRecord
    content_hash: int


@dataclass(frozen=True)
class NewArticle:
    """Everything a store records about an article it is asked to keep."""

    url: str
    post_id: int | None
    text_hash: int
    content_hash: int
    modified: str | None
    signature: Signature


@dataclass(frozen=True)
class Conflict:
    """A claim lost to an article recorded meanwhile (another worker, or a stale revision).

    ``reason`` is ``url``, ``post_id``, ``text`` or ``near``; ``record`` is the winner.
    """

    reason: str
    record: SeenRecord


@runtime_checkable
class SeenStore(Protocol):
    """What the dedup rules need from persistent state."""

    num_perm: int
    threshold: float

    def lookup_url(self, url: str) -> UrlSighting | None: ...

    def lookup_post_id(self, post_id: int) -> SeenRecord | None: ...

    def lookup_text_hash(self, text_hash: int) -> SeenRecord | None: ...

    def knows_url(self, url: str) -> bool:
        """Cheap "was this URL already seen (kept or as a duplicate)?" for schedulers."""
        ...

    def near_candidates(self, signature: Signature) -> list[tuple[SeenRecord, float]]:
        """Kept articles whose estimated Jaccard with ``signature`` reaches the threshold."""
        ...

    def add(self, article: NewArticle) -> SeenRecord | Conflict:
        """Keep a new article: claim its URL, post id and text hash (and, in Redis, re-check
        near-duplicates) in one atomic step; return the new record or the winner."""
        ...

    def revise(self, record: SeenRecord, article: NewArticle) -> SeenRecord | Conflict:
        """Record a new revision of ``record`` if it is still current (compare-and-set)."""
        ...

    def alias(self, url: str, doc_id: int, content_hash: int) -> None:
        """Remember that ``url`` showed a duplicate of ``doc_id`` (so it is known next run)."""
        ...

    def count(self) -> int:
        """Number of kept articles."""
        ...

    def flush(self) -> None:
        """Make everything recorded so far durable."""
        ...

    def close(self) -> None: ...
