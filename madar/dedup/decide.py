"""The deduplication rules, independent of Scrapy and of the memory's backend.

First seen wins. An article whose canonical URL is known is a duplicate ``url`` when its
content (title + text) and ``modified`` are unchanged, else a new revision; the same for a
known post id (a post moved and changed). Otherwise the memory keeps it, unless its
normalized text (``text``) or a near-duplicate (``near``, MinHash LSH) is kept already.
"""

from __future__ import annotations

from dataclasses import dataclass

from madar.dedup.minhash import MinHasher, stable_hash64
from madar.dedup.records import Conflict, NewArticle, SeenRecord, SeenStore
from madar.text.dates import as_utc


@dataclass(frozen=True)
class Fingerprint(NewArticle):
    """What the rules compare, built once per item; also what a store keeps."""

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
