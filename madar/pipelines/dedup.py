"""Drop articles already in the corpus; re-emit changed ones as new revisions.

A *snapshot* (plain ``scrapy crawl``) also emits the articles the memory knows unchanged;
an *incremental* run only new and changed ones (``MADAR_INCREMENTAL``, ``MADAR_EMIT_KNOWN``).
Duplicates of another article are dropped either way (rules: :mod:`madar.dedup.decide`;
memory: :mod:`madar.state`). The memory commits only when the feed holds every stored
article: docs/architecture.md, "Feed and memory agree, even after kill -9".
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from madar.dedup.decide import Deduplicator, Fingerprint, Verdict
from madar.dedup.index import band_keys_many, lsh_bands
from madar.dedup.minhash import MinHasher
from madar.feeds import FAILED_KEY as FEED_FAILED_KEY
from madar.incremental import parse_flag
from madar.state import SeenStore, dedup_parameters, memory_location, open_store
from madar.text.arabic import normalize_for_matching
from madar.urls import canonical_url

logger = logging.getLogger(__name__)


def _canonical(url: str) -> str:
    try:
        return canonical_url(url)
    except ValueError:  # unparsable (e.g. a broken IPv6 host): key on the URL as given
        return url.strip()


def _text(value: Any) -> str:
    return normalize_for_matching(value) if isinstance(value, str) else ""


def _is_post_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _emit_known(settings: Any) -> bool:
    """``MADAR_EMIT_KNOWN`` when set, else a snapshot unless the run is incremental (Redis
    mode with ``MADAR_REDIS_REMEMBER_ARTICLES`` never fetches a known article again)."""
    if settings.get("MADAR_EMIT_KNOWN") is not None:
        return parse_flag(settings.get("MADAR_EMIT_KNOWN"))
    if settings.get("REDIS_URL") and parse_flag(settings.get("MADAR_REDIS_REMEMBER_ARTICLES"),
                                                True):
        return False
    return not parse_flag(settings.get("MADAR_INCREMENTAL"), False)


class DeduplicatePipeline:
    """Item pipeline over a :class:`~madar.dedup.decide.SeenStore`; stats
    ``madar/duplicates/<reason>``, ``madar/dedup/{new,revised,known,skipped}``,
    ``madar/memory/*``; ``MADAR_DUPLICATES_FEED`` receives the dropped duplicates."""

    def __init__(self, settings: Any, stats: Any = None, store: SeenStore | None = None
                 ) -> None:
        self.settings = settings
        self.stats = stats
        params = dedup_parameters(settings)
        self.hasher = MinHasher(params["num_perm"], params["shingle_size"], params["seed"])
        self.bands = lsh_bands(params["threshold"], params["num_perm"])
        self.store = store
        self.dedup: Deduplicator | None = None
        self._feed_path = settings.get("MADAR_DUPLICATES_FEED")
        self._feed: IO[str] | None = None
        self.emit_known = _emit_known(settings)
        self._emitted_urls: set[str] = set()  # this run's: a snapshot emits each once
        #: In a crawl (``from_crawler``) the store commits when the feed has the articles.
        self.commit_after_feed = False
        #: Items past the feed (written or dropped) between commits, at least.
        self.commit_lines = max(1, int(settings.get("MADAR_STATE_COMMIT_LINES") or 1))
        self._since_commit = 0
        self._awaiting_line: dict[int, Fingerprint] = {}  # id(item) -> what was stored
        self._written: list[Fingerprint] = []  # lines written since the last commit

    @classmethod
    def from_crawler(cls, crawler: Any) -> DeduplicatePipeline:
        pipeline = cls(crawler.settings, crawler.stats)
        pipeline.commit_after_feed = True
        # Item pipelines connect after every extension: this handler runs after FeedExporter's.
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_not_exported, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_not_exported, signal=signals.item_error)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        if self.store is None:
            self.store = open_store(self.settings)
        if self.commit_after_feed and hasattr(self.store, "autocommit"):
            self.store.autocommit = False
        self.dedup = Deduplicator(self.store)
        if self._feed_path:
            path = Path(self._feed_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._feed = path.open("a", encoding="utf-8")
        known = self.store.count()
        location = memory_location(self.settings)
        mode = "snapshot" if self.emit_known else "incremental"
        if self.stats is not None:
            self.stats.set_value("madar/dedup/known_at_start", known)
            self.stats.set_value("madar/memory/known_at_start", known)
            self.stats.set_value("madar/memory/location", location)
            self.stats.set_value("madar/memory/mode", mode)
        logger.info("Memory: %d articles known from earlier runs (%s); %s", known, location,
                    "known ones are emitted again (snapshot)" if self.emit_known
                    else "only new and changed articles are emitted")

    def close_spider(self, spider: Any = None) -> None:
        if self.store is not None:
            if self.feed_failed:
                self._forget_unwritten()
            self.store.close()
            self.store = None
        self._awaiting_line.clear()
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    @property
    def feed_failed(self) -> bool:
        """Did a feed fail to take an item this crawl (then nothing more is committed)?"""
        return bool(self.stats is not None and self.stats.get_value(FEED_FAILED_KEY))

    @property
    def awaiting_line(self) -> int:
        """Stored articles whose feed line is not written yet."""
        return len(self._awaiting_line)

    def item_scraped(self, item: Any = None) -> None:
        stored = self._awaiting_line.pop(id(item), None)
        if stored is not None and not self.feed_failed:
            self._written.append(stored)
        self._commit_if_safe()

    def item_not_exported(self, item: Any = None) -> None:
        """``item_dropped`` / ``item_error`` after this pipeline (a later pipeline's choice)."""
        self._awaiting_line.pop(id(item), None)
        self._commit_if_safe()

    def _commit_if_safe(self) -> None:
        self._since_commit += 1
        if (self._since_commit < self.commit_lines or self.store is None or self._awaiting_line
                or self.feed_failed):
            return
        self.store.flush()
        self._written.clear()
        self._since_commit = 0

    def _forget_unwritten(self) -> None:
        """After a feed failure: roll the open batch back, learn again what was written."""
        assert self.store is not None and self.dedup is not None
        rollback = getattr(self.store, "rollback", None)
        if rollback is None:  # Redis wrote at once: nothing to take back
            logger.warning("Feed output failed: the dedup store (%s) keeps this run's "
                           "articles; those missing from the feed are not fetched again",
                           type(self.store).__name__)
            return
        forgotten = rollback()
        for stored in self._written:
            self.dedup.check(stored)
        if forgotten:
            logger.warning("Feed output failed: the dedup store forgets this run's %d "
                           "uncommitted write(s) and learns again the %d article(s) whose "
                           "lines were written; the next run fetches the others",
                           forgotten, len(self._written))

    def fingerprint(self, item: ItemAdapter) -> Fingerprint:
        post_id, modified = item.get("post_id"), item.get("modified")
        normalized = item.get("text_normalized")  # MADAR_EXPORT_NORMALIZED: already there
        return Fingerprint.build(
            self.hasher,
            url=_canonical(item["url"]),
            post_id=post_id if _is_post_id(post_id) else None,
            normalized_title=_text(item.get("title")),
            normalized_text=normalized if isinstance(normalized, str)
            else _text(item.get("text")),
            modified=modified if isinstance(modified, str) else None,
        )

    def with_band_keys(self, fingerprints: list[Fingerprint]) -> list[Fingerprint]:
        """``fingerprints`` with their LSH band keys, computed at once (numpy: ~4 us each):
        re-extraction's workers do it, not its main process's dedup decision (~20 us)."""
        keys = band_keys_many([fp.signature for fp in fingerprints], *self.bands)
        return [replace(fp, band_keys=k) for fp, k in zip(fingerprints, keys, strict=True)]

    def process_item(self, item: Any, spider: Any = None,
                     fingerprint: Fingerprint | None = None) -> Any:
        """Emit or drop ``item``. ``fingerprint``: computed beforehand (re-extraction does
        it in its worker processes, where the CPU is)."""
        if self.dedup is None:
            self.open_spider(spider)
        assert self.dedup is not None
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        if not isinstance(url, str) or not url:  # nothing to key on (validation drops these)
            self._inc("madar/dedup/skipped")
            return item
        fingerprint = fingerprint or self.fingerprint(adapter)
        verdict = self.dedup.check(fingerprint)
        if verdict.emit or self._known_here(verdict, fingerprint):
            self._emitted_urls.add(fingerprint.url)
            adapter["revision"] = verdict.revision
            if not verdict.emit:  # a snapshot: the article the memory holds at this URL
                self._inc("madar/dedup/known")
                return item
            self._inc("madar/dedup/new" if verdict.revision == 1 else "madar/dedup/revised")
            if self.commit_after_feed:
                self._awaiting_line[id(item)] = fingerprint
            return item
        self._inc(f"madar/duplicates/{verdict.reason}")
        self._write_duplicate(adapter, verdict)
        raise DropItem(f"duplicate ({verdict.reason}) of {verdict.duplicate_of}: {url}",
                       log_level="DEBUG")

    def _known_here(self, verdict: Verdict, fingerprint: Fingerprint) -> bool:
        return (self.emit_known and verdict.reason == "url"
                and verdict.duplicate_of == fingerprint.url
                and fingerprint.url not in self._emitted_urls)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def _write_duplicate(self, adapter: ItemAdapter, verdict: Verdict) -> None:
        if self._feed is None:
            return
        record = {**adapter.asdict(), "duplicate_of": verdict.duplicate_of,
                  "duplicate_reason": verdict.reason}
        if verdict.similarity is not None:
            record["similarity"] = round(verdict.similarity, 4)
        self._feed.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._feed.flush()
