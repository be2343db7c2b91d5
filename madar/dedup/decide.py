"""The deduplication rules and the memory logic they need, without Scrapy or a backend.

First seen wins: a known URL or post id is a duplicate unless its content or ``modified``
changed (then a revision); otherwise the memory keeps the article unless its text or a
near-duplicate is kept already (docs/architecture.md). Backends: ``madar.state``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from madar.dedup.index import confirmed
from madar.dedup.minhash import MinHasher, Signature, stable_hash64
from madar.text.dates import as_utc
from madar.urls import canonical_url


def url_key(url: str) -> int:
    """The 64-bit key of a canonical URL (the URL text is kept once, on its document)."""
    return stable_hash64(url)


@dataclass(frozen=True)
class SeenRecord:
    """A kept article as the memory knows it (its latest revision)."""

    doc_id: int
    url: str
    post_id: int | None
    text_hash: int
    content_hash: int
    revision: int
    modified: str | None


@dataclass(frozen=True)
class UrlSighting:
    """What was last seen at one URL: its document and that page's content hash."""

    record: SeenRecord
    content_hash: int


@dataclass(frozen=True)
class Fingerprint:
    """What the rules compare, built once per item; also what a store keeps of an article."""

    url: str
    post_id: int | None
    text_hash: int
    content_hash: int
    modified: str | None
    signature: Signature
    #: The signature's LSH band keys when computed beforehand (re-extraction's workers do a
    #: batch at once, ~4 us an article; else the index computes them, ~20 us). Only valid
    #: for the store's bands and rows: both sides take them from the same settings.
    band_keys: list[int] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(cls, hasher: MinHasher, *, url: str, post_id: int | None,
              normalized_title: str, normalized_text: str,
              modified: str | None = None) -> Fingerprint:
        return cls(
            url=url,
            post_id=post_id,
            text_hash=stable_hash64(normalized_text),
            content_hash=stable_hash64(normalized_title + "\n" + normalized_text),
            modified=modified,
            signature=hasher.signature(normalized_text),
        )


@dataclass(frozen=True)
class Conflict:
    """A claim lost to ``record`` (``reason``: url, post_id, text or near)."""

    reason: str
    record: SeenRecord
    similarity: float | None = None


class SeenStore(ABC):
    """The memory the dedup rules ask, written once over a backend's rows."""

    num_perm: int
    threshold: float

    @abstractmethod
    def _url(self, key: int) -> tuple[int, int] | None: ...  # (doc_id, content_hash)

    @abstractmethod
    def _doc_id(self, kind: str, key: int) -> int | None: ...  # kind: "post_id" or "text"

    @abstractmethod
    def _record(self, doc_id: int) -> SeenRecord | None:
        """None when the row is gone (a Redis memory forgotten or evicted meanwhile)."""

    @abstractmethod
    def _candidates(self, signature: Signature, band_keys: list[int] | None = None
                    ) -> list[tuple[int, Signature]]: ...  # LSH

    @abstractmethod
    def _new_doc_id(self) -> int: ...

    @abstractmethod
    def _store(self, record: SeenRecord, article: Fingerprint, new_signature: bool) -> bool:
        """Write a claim: ``record`` and ``article``'s keys (and signature); False when a
        field read since :meth:`_begin` changed meanwhile (another worker)."""

    @abstractmethod
    def alias(self, url: str, doc_id: int, content_hash: int) -> None:
        """Remember that ``url`` showed a duplicate of ``doc_id`` (known next run)."""

    @abstractmethod
    def count(self) -> int: ...  # kept articles

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _begin(self) -> None:
        """A claim starts: what is read from now on must still hold when it is stored."""

    @abstractmethod
    def flush(self) -> None:
        """Make everything recorded so far durable."""

    @staticmethod
    def _check_parameters(stored: dict[str, str], wanted: dict[str, str], where: str) -> None:
        """Signatures (and Redis's bands) compare only under the same parameters."""
        different = {k: (stored.get(k), v) for k, v in wanted.items() if stored.get(k) != v}
        if different:
            raise ValueError(f"the memory in {where} was built with other dedup parameters "
                             f"(stored, requested): {different}; use another MADAR_STATE_DIR "
                             "or MADAR_REDIS_PREFIX, or the stored parameters")

    def lookup_url(self, url: str) -> UrlSighting | None:
        found = self._url(url_key(url))
        record = self._record(found[0]) if found else None
        return UrlSighting(record, found[1]) if record else None

    def knows_url(self, url: str) -> bool:
        """Was this URL, in any spelling, seen (kept or as a duplicate)?"""
        try:
            url = canonical_url(url)
        except ValueError:
            url = url.strip()
        return self._url(url_key(url)) is not None

    def lookup_post_id(self, post_id: int) -> SeenRecord | None:
        doc_id = self._doc_id("post_id", post_id)
        return self._record(doc_id) if doc_id is not None else None

    def lookup_text_hash(self, text_hash: int) -> SeenRecord | None:
        doc_id = self._doc_id("text", text_hash)
        return self._record(doc_id) if doc_id is not None else None

    def near_candidates(self, signature: Signature, band_keys: list[int] | None = None
                        ) -> list[tuple[SeenRecord, float]]:
        """Kept articles whose estimated Jaccard with ``signature`` reaches the threshold."""
        found = confirmed(signature, self._candidates(signature, band_keys), self.threshold)
        records = [(self._record(doc_id), similarity) for doc_id, similarity in found]
        return [(record, similarity) for record, similarity in records if record]

    #: Lost compare-and-sets before :meth:`add` gives the race back to its caller.
    CLAIM_ATTEMPTS = 5

    def add(self, article: Fingerprint) -> SeenRecord | Conflict | None:
        """Keep a new article, or name the one that holds its URL, post id, text or a
        near-duplicate of it; None when other workers kept winning the claim."""
        for _ in range(self.CLAIM_ATTEMPTS):
            self._begin()
            conflict = self._taken(article)
            if conflict is not None:
                return conflict
            record = SeenRecord(self._new_doc_id(), article.url, article.post_id,
                                article.text_hash, article.content_hash, 1, article.modified)
            if self._store(record, article, new_signature=True):
                return record
        return None

    def _taken(self, article: Fingerprint) -> Conflict | None:
        sighting = self.lookup_url(article.url)
        if sighting is not None and sighting.record.url == article.url:
            return Conflict("url", sighting.record)
        owner = self.lookup_post_id(article.post_id) if article.post_id is not None else None
        if owner is not None:
            return Conflict("post_id", owner)
        owner = self.lookup_text_hash(article.text_hash)
        if owner is not None:
            return Conflict("text", owner)
        near = self.near_candidates(article.signature, article.band_keys)
        return Conflict("near", *near[0]) if near else None

    def revise(self, record: SeenRecord, article: Fingerprint) -> SeenRecord | Conflict:
        """Record a new revision of ``record`` if it is still current (compare-and-set)."""
        self._begin()
        current = self._record(record.doc_id)
        if current is None or current.revision != record.revision:  # gone or revised meanwhile
            return Conflict("url", current or record)
        post_id = record.post_id if record.post_id is not None else article.post_id
        revised = SeenRecord(record.doc_id, article.url, post_id, article.text_hash,
                             article.content_hash, record.revision + 1, article.modified)
        if self._store(revised, article, new_signature=article.text_hash != record.text_hash):
            return revised
        return Conflict("url", self._record(record.doc_id) or record)


@dataclass(frozen=True)
class Verdict:
    """``emit`` with ``revision``, or a duplicate with its ``reason`` and the kept URL."""

    emit: bool
    revision: int
    reason: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None


def is_newer(candidate: str | None, known: str | None) -> bool:
    """True when ``candidate`` is a later modification time than ``known``."""
    new, old = as_utc(candidate), as_utc(known)
    if new is None:
        return False
    return old is None or new > old


class Deduplicator:
    """Applies the rules against a :class:`SeenStore` and records the outcome in it."""

    #: attempts when a shared store reports that another worker changed the same article
    MAX_RETRIES = 3

    def __init__(self, store: SeenStore) -> None:
        self.store = store

    def check(self, fp: Fingerprint) -> Verdict:
        for _ in range(self.MAX_RETRIES):
            verdict = self._check_once(fp)
            if verdict is not None:
                return verdict
        # Still racing after retries: keeping a possible duplicate out is the safer side.
        known = self.store.lookup_url(fp.url)
        kept = known.record.url if known else None
        return Verdict(emit=False, revision=0, reason="url", duplicate_of=kept)

    def _check_once(self, fp: Fingerprint) -> Verdict | None:
        store = self.store
        sighting = store.lookup_url(fp.url)
        if sighting is not None:
            rec = sighting.record
            at_kept_url = rec.url == fp.url
            if sighting.content_hash == fp.content_hash and not (
                at_kept_url and is_newer(fp.modified, rec.modified)
            ):
                return self._duplicate("url", rec)
            if at_kept_url:
                return self._revise(rec, fp)
            # A URL that showed a duplicate now shows something else: judge it afresh.
        if fp.post_id is not None:
            rec = store.lookup_post_id(fp.post_id)
            if rec is not None:
                if rec.content_hash == fp.content_hash and not is_newer(fp.modified,
                                                                        rec.modified):
                    store.alias(fp.url, rec.doc_id, fp.content_hash)
                    return self._duplicate("post_id", rec)
                return self._revise(rec, fp)
        outcome = store.add(fp)  # or the text, or the near-duplicate, kept already
        if outcome is None:
            return None  # other workers kept winning the claim: re-run the rules
        if not isinstance(outcome, Conflict):
            return Verdict(emit=True, revision=outcome.revision)
        if outcome.reason in ("url", "post_id"):
            return None  # the same article was claimed meanwhile: re-run the rules
        store.alias(fp.url, outcome.record.doc_id, fp.content_hash)
        return self._duplicate(outcome.reason, outcome.record, outcome.similarity)

    def _revise(self, rec: SeenRecord, fp: Fingerprint) -> Verdict | None:
        outcome = self.store.revise(rec, fp)
        if isinstance(outcome, Conflict):
            return None  # someone else revised it meanwhile: look again
        return Verdict(emit=True, revision=outcome.revision)

    @staticmethod
    def _duplicate(reason: str, rec: SeenRecord, similarity: float | None = None) -> Verdict:
        return Verdict(emit=False, revision=rec.revision, reason=reason,
                       duplicate_of=rec.url, similarity=similarity)
