"""Drop articles already in the corpus; re-emit changed ones as new revisions.

The rules (first seen wins; URL, post id, text hash, MinHash near-duplicates; updates get a
new ``revision``) are in :mod:`madar.dedup.decide`; the memory that makes them hold across
runs and workers is :mod:`madar.state` (SQLite under ``MADAR_STATE_DIR``, or Redis when
``REDIS_URL`` is set).

Stats: ``madar/duplicates/{url,post_id,text,near}`` for drops (``url`` also counts
unchanged articles seen again), ``madar/dedup/new`` and ``madar/dedup/revised`` for emitted
items. ``MADAR_DUPLICATES_FEED`` (a path) receives each dropped duplicate as one JSON line
with ``duplicate_of`` (the kept article's URL), ``duplicate_reason`` and, for near
duplicates, ``similarity``.

Durability (in a crawl, i.e. built by ``from_crawler``): the store must never commit an
article whose feed line is not in the OS, or a killed or failed run loses it for good (the
next run skips it), and should commit every line that is, or a failed run's next run
repeats it. An article is stored here, several steps before the feed exporter writes it
(``item_scraped``), and several items can be in between at once. So the pipeline tracks
the stored articles not yet through ``item_scraped`` / ``item_dropped`` / ``item_error``
and, whenever none is left, hands the feed files' buffers to the OS
(:func:`madar.extensions.durability.flush_feeds`) and commits: one small WAL commit per
exported article (the SQLite store's own ``commit_every`` / ``commit_seconds`` only apply
outside a crawl). Once a feed failed (``madar/feed/failed``,
:class:`~madar.safety.feeds.FeedWriteGuard`) it never commits again and rolls the open
batch back at close (the articles whose lines were not written): those are fetched again
next run. Redis stores write at once; there, a failed or killed run can still lose the
articles in flight (unchanged).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from madar.dedup.decide import Deduplicator, Fingerprint, Verdict
from madar.dedup.minhash import MinHasher
from madar.safety.feeds import FAILED_KEY as FEED_FAILED_KEY
from madar.state import SeenStore, dedup_parameters, open_store
from madar.urls import canonical_url

logger = logging.getLogger(__name__)


def _normalize(text: str) -> str:
    from madar.text.normalize import normalize_for_matching

    return normalize_for_matching(text)


def _canonical(url: str) -> str:
    try:
        return canonical_url(url)
    except ValueError:  # unparsable (e.g. a broken IPv6 host): key on the URL as given
        return url.strip()


def _is_post_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _str_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


class DeduplicatePipeline:
    """Item pipeline over a :class:`~madar.state.SeenStore`."""

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
        #: Commits wait for the feed (set by ``from_crawler``: item signals exist).
        self.commit_after_feed = False
        self.crawler: Any = None
        self._unexported: set[int] = set()  # id() of stored items not yet through a signal
        self._feed_failed = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> DeduplicatePipeline:
        from scrapy import signals

        pipeline = cls(crawler.settings, crawler.stats)
        pipeline.crawler = crawler
        pipeline.commit_after_feed = True
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(pipeline.item_done, signal=signal)
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
        logger.info("Dedup state: %s with %d known articles", type(self.store).__name__,
                    self.store.count())

    def close_spider(self, spider: Any = None) -> None:
        if self.counts:
            logger.info("Dedup: %s", dict(self.counts.most_common()))
        if self.store is not None:
            if self.crawler is not None and not self.feed_failed:
                from madar.extensions.durability import flush_feeds

                flush_feeds(self.crawler)  # the final commit, too, only after the lines
            if self.feed_failed:
                self._forget_unwritten()
            self.store.close()
            self.store = None
        self._unexported.clear()
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    # -- commits ---------------------------------------------------------------------------

    @property
    def feed_failed(self) -> bool:
        """Did a feed fail to take an item this crawl (then nothing more is committed)?"""
        if not self._feed_failed and self.stats is not None:
            self._feed_failed = bool(self.stats.get_value(FEED_FAILED_KEY))
        return self._feed_failed

    @property
    def unexported(self) -> int:
        """Stored articles that have not been through the feed exporter yet."""
        return len(self._unexported)

    def item_done(self, item: Any = None, **kwargs: Any) -> None:
        """``item_scraped`` / ``item_dropped`` / ``item_error``: commit if that is safe."""
        self._unexported.discard(id(item))
        self.commit_if_safe()

    def commit_exported(self, item: Any) -> bool:
        """``item``'s feed line is written: commit now unless other stored items still wait
        for theirs (or a feed failed). Returns whether it committed."""
        self._unexported.discard(id(item))
        return self.commit_if_safe()

    def commit_if_safe(self) -> bool:
        """Commit the store's open batch when every article in it has its feed line in the
        OS (feeds flushed here first) and no feed failed. Returns whether it committed."""
        store = self.store
        if store is None or self._unexported or self.feed_failed:
            return False
        if not getattr(store, "pending", 1):  # SQLite with nothing to commit
            return False
        if self.crawler is not None:
            from madar.extensions.durability import flush_feeds

            if not flush_feeds(self.crawler):  # the lines are not in the OS: keep the batch
                return False
        store.flush()
        return True

    def _forget_unwritten(self) -> None:
        rollback = getattr(self.store, "rollback", None)
        if not callable(rollback):  # Redis wrote at once: nothing to take back
            logger.warning("Feed output failed: the dedup store (%s) keeps this run's "
                           "articles; those missing from the feed are not fetched again",
                           type(self.store).__name__)
            return
        forgotten = rollback()
        relearned = self._relearn_written() if forgotten else 0
        if forgotten:
            logger.warning("Feed output failed: the dedup store forgets this run's %d "
                           "uncommitted write(s) and learns again the %d article(s) whose "
                           "lines the feed did receive; the next run fetches the others",
                           forgotten, relearned)

    def _relearn_written(self) -> int:
        """After a rollback: learn again the complete lines the local feeds did receive
        (written while another article was still in flight), so the next run does not
        repeat them."""
        if self.crawler is None or self.store is None or self.dedup is None:
            return 0
        from madar.extensions.durability import written_feed_lines

        learned = 0
        for record in written_feed_lines(self.crawler):
            url = record.get("url")
            if not isinstance(url, str) or not url or self.store.knows_url(url):
                continue
            try:
                verdict = self.dedup.check(self.fingerprint(ItemAdapter(record)))
            except Exception:  # a line this pipeline would not have emitted: skip it
                logger.debug("Cannot relearn feed line %s", url, exc_info=True)
                continue
            learned += bool(verdict.emit)
        self.store.flush()
        return learned

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

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if self.dedup is None:
            self.open_spider(spider)
        assert self.dedup is not None
        adapter = ItemAdapter(item)
        if not isinstance(adapter.get("url"), str) or not adapter.get("url"):
            # Without a URL there is nothing to key on; the validator normally drops these.
            self._inc("madar/dedup/skipped")
            return item
        verdict = self.dedup.check(self.fingerprint(adapter))
        if verdict.emit:
            adapter["revision"] = verdict.revision
            self._inc("madar/dedup/new" if verdict.revision == 1 else "madar/dedup/revised")
            if self.commit_after_feed:
                self._unexported.add(id(item))
            return item
        self._inc(f"madar/duplicates/{verdict.reason}")
        self._write_duplicate(adapter, verdict)
        logger.debug("Duplicate (%s) of %s: %s", verdict.reason, verdict.duplicate_of,
                     adapter.get("url"))
        raise DropItem(f"duplicate ({verdict.reason}) of {verdict.duplicate_of}: "
                       f"{adapter.get('url')}", log_level="DEBUG")

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
