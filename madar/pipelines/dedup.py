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

    @classmethod
    def from_crawler(cls, crawler: Any) -> DeduplicatePipeline:
        return cls(crawler.settings, crawler.stats)

    # -- lifecycle ---------------------------------------------------------------------------

    def open_spider(self, spider: Any = None) -> None:
        if self.store is None:
            self.store = open_store(self.settings)
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
            self.store.close()
            self.store = None
        if self._feed is not None:
            self._feed.close()
            self._feed = None

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
