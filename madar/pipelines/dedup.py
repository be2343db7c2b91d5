"""Drop articles already in the corpus; re-emit changed ones as new revisions.

Two modes. A *snapshot* (the default of a plain ``scrapy crawl``) emits every article it
reaches: one the memory knows unchanged comes out with its current revision (stat
``madar/dedup/known``). *Incremental* (``MADAR_INCREMENTAL``, ``-a incremental=1``, cron)
emits only new and changed articles. ``MADAR_EMIT_KNOWN`` overrides the choice (cron's
``--full`` walks everything but emits only what changed). Either way duplicates of
another article (``post_id``, ``text``, ``near``) are dropped, and the stats say what the
memory knew at the start and where it lives (``madar/memory/{known_at_start,location,mode}``).

The rules are :mod:`madar.dedup.decide`; the memory that makes them hold across runs and
workers is :mod:`madar.state`. Stats: ``madar/duplicates/{url,post_id,text,near}``,
``madar/dedup/{new,revised,skipped}``. ``MADAR_DUPLICATES_FEED`` (a path) receives each
dropped duplicate as a JSON line with ``duplicate_of``, ``duplicate_reason`` and, for near
duplicates, ``similarity``.

Kill safety: the memory never commits an article the feed does not hold. Articles are
stored here, before the feed exporter writes their lines on ``item_scraped``. Item
pipelines connect their handlers after every extension, so this pipeline's
``item_scraped`` handler runs after Scrapy's FeedExporter wrote the line (straight to the
OS: :mod:`madar.feeds`); there, when no stored article still awaits its line, the store
commits. After a feed failure (``madar/feed/failed``) nothing more is committed: at close
the open batch is rolled back and the articles whose lines were written are learned
again; the others are fetched next run. A kill can leave lines the memory has not
committed: the cron entry point teaches them back (:func:`madar.cron.relearn_recovered`).
Redis stores write at once, so there a kill can still lose the items in flight.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from madar.dedup.decide import Deduplicator, Fingerprint, Verdict
from madar.dedup.minhash import MinHasher
from madar.feeds import FAILED_KEY as FEED_FAILED_KEY
from madar.incremental import parse_flag
from madar.state import SeenStore, dedup_parameters, memory_location, open_store
from madar.urls import canonical_url

logger = logging.getLogger(__name__)


def _normalize(text: str) -> str:
    from madar.text.arabic import normalize_for_matching

    return normalize_for_matching(text)


def _canonical(url: str) -> str:
    try:
        return canonical_url(url)
    except ValueError:  # unparsable (e.g. a broken IPv6 host): key on the URL as given
        return url.strip()


def _is_post_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _emit_known(settings: Any) -> bool:
    """``MADAR_EMIT_KNOWN`` when set, else a snapshot unless the run is incremental (or in
    Redis mode with ``MADAR_REDIS_REMEMBER_ARTICLES``)."""
    if settings is None:
        return False
    explicit = settings.get("MADAR_EMIT_KNOWN")
    if explicit is not None:
        return parse_flag(explicit)
    if settings.get("REDIS_URL") and parse_flag(settings.get("MADAR_REDIS_REMEMBER_ARTICLES"),
                                                True):
        return False  # Redis mode never fetches a known article again: incremental by nature
    return not parse_flag(settings.get("MADAR_INCREMENTAL"), False)


def _str_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


class DeduplicatePipeline:
    """Item pipeline over a :class:`~madar.dedup.records.SeenStore`."""

    def __init__(self, settings: Any = None, stats: Any = None,
                 store: SeenStore | None = None) -> None:
        self.settings = settings
        self.stats = stats
        params = dedup_parameters(settings)
        self.hasher = MinHasher(params["num_perm"], params["shingle_size"], params["seed"])
        self.store = store
        self.dedup: Deduplicator | None = None
        self._feed_path = settings.get("MADAR_DUPLICATES_FEED") if settings else None
        self._feed: IO[str] | None = None
        self.counts: Counter[str] = Counter()
        self.emit_known = _emit_known(settings)
        self._emitted_urls: set[str] = set()  # this run's: a snapshot emits each once
        #: In a crawl (``from_crawler``) the store commits when the feed has the articles.
        self.commit_after_feed = False
        self._awaiting_line: dict[int, Fingerprint] = {}  # id(item) -> what was stored
        self._written: list[Fingerprint] = []  # lines written since the last commit

    @classmethod
    def from_crawler(cls, crawler: Any) -> DeduplicatePipeline:
        pipeline = cls(crawler.settings, crawler.stats)
        pipeline.commit_after_feed = True
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_not_exported, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_not_exported, signal=signals.item_error)
        return pipeline

    # -- lifecycle ---------------------------------------------------------------------------

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
        location = memory_location(self.settings) if self.settings is not None else "?"
        if self.stats is not None:
            self.stats.set_value("madar/dedup/known_at_start", known)
            self.stats.set_value("madar/memory/known_at_start", known)
            self.stats.set_value("madar/memory/location", location)
            self.stats.set_value("madar/memory/mode",
                                 "snapshot" if self.emit_known else "incremental")
        logger.info("Memory: %d articles known from earlier runs (%s); %s", known, location,
                    "known ones are emitted again (snapshot)" if self.emit_known
                    else "only new and changed articles are emitted")

    def close_spider(self, spider: Any = None) -> None:
        if self.counts:
            logger.info("Dedup: %s", dict(self.counts.most_common()))
        if self.store is not None:
            if self.feed_failed:
                self._forget_unwritten()
            self.store.close()
            self.store = None
        self._awaiting_line.clear()
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    # -- commits ---------------------------------------------------------------------------

    @property
    def feed_failed(self) -> bool:
        """Did a feed fail to take an item this crawl (then nothing more is committed)?"""
        return bool(self.stats is not None and self.stats.get_value(FEED_FAILED_KEY))

    @property
    def awaiting_line(self) -> int:
        """Stored articles whose feed line is not written yet."""
        return len(self._awaiting_line)

    def item_scraped(self, item: Any = None, **kwargs: Any) -> None:
        """After FeedExporter's handler: ``item``'s line is written (unless a feed failed)."""
        stored = self._awaiting_line.pop(id(item), None)
        if stored is not None and not self.feed_failed:
            self._written.append(stored)
        self._commit_if_safe()

    def item_not_exported(self, item: Any = None, **kwargs: Any) -> None:
        """``item_dropped`` / ``item_error`` after this pipeline (a later pipeline's choice)."""
        self._awaiting_line.pop(id(item), None)
        self._commit_if_safe()

    def _commit_if_safe(self) -> None:
        if self.store is None or self._awaiting_line or self.feed_failed:
            return
        self.store.flush()
        self._written.clear()

    def _forget_unwritten(self) -> None:
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

    # -- items -------------------------------------------------------------------------------

    def fingerprint(self, item: ItemAdapter) -> Fingerprint:
        post_id = item.get("post_id")
        return Fingerprint.build(
            self.hasher,
            url=_canonical(item["url"]),
            post_id=post_id if _is_post_id(post_id) else None,
            normalized_title=_normalize(_str_or_empty(item.get("title"))),
            normalized_text=_normalize(_str_or_empty(item.get("text"))),
            modified=item.get("modified") if isinstance(item.get("modified"), str) else None,
        )

    def process_item(self, item: Any, spider: Any = None,
                     fingerprint: Fingerprint | None = None) -> Any:
        """Emit or drop ``item``. ``fingerprint``: :meth:`fingerprint` of this item computed
        beforehand (re-extraction computes it in its worker processes, where the CPU is)."""
        if self.dedup is None:
            self.open_spider(spider)
        assert self.dedup is not None
        adapter = ItemAdapter(item)
        if not isinstance(adapter.get("url"), str) or not adapter.get("url"):
            # Without a URL there is nothing to key on; the validator normally drops these.
            self._inc("madar/dedup/skipped")
            return item
        fingerprint = fingerprint or self.fingerprint(adapter)
        verdict = self.dedup.check(fingerprint)
        if verdict.emit:
            self._emitted_urls.add(fingerprint.url)
            adapter["revision"] = verdict.revision
            self._inc("madar/dedup/new" if verdict.revision == 1 else "madar/dedup/revised")
            if self.commit_after_feed:
                self._awaiting_line[id(item)] = fingerprint
            return item
        if self._known_here(verdict, fingerprint):
            # A snapshot: the article the memory holds at this very URL, unchanged.
            self._emitted_urls.add(fingerprint.url)
            adapter["revision"] = verdict.revision
            self._inc("madar/dedup/known")
            return item
        self._inc(f"madar/duplicates/{verdict.reason}")
        self._write_duplicate(adapter, verdict)
        logger.debug("Duplicate (%s) of %s: %s", verdict.reason, verdict.duplicate_of,
                     adapter.get("url"))
        raise DropItem(f"duplicate ({verdict.reason}) of {verdict.duplicate_of}: "
                       f"{adapter.get('url')}", log_level="DEBUG")

    def _known_here(self, verdict: Verdict, fingerprint: Fingerprint) -> bool:
        return (self.emit_known and verdict.reason == "url"
                and verdict.duplicate_of == fingerprint.url
                and fingerprint.url not in self._emitted_urls)

    def _inc(self, key: str) -> None:
        self.counts[key.removeprefix("madar/")] += 1
        if self.stats is not None:
            self.stats.inc_value(key)

    def _write_duplicate(self, adapter: ItemAdapter, verdict: Verdict) -> None:
        if self._feed is None:
            return
        record = adapter.asdict()
        record["duplicate_of"] = verdict.duplicate_of
        record["duplicate_reason"] = verdict.reason
        if verdict.similarity is not None:
            record["similarity"] = round(verdict.similarity, 4)
        self._feed.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._feed.flush()
