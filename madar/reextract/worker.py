"""The per-item half of re-extraction, run in each worker process.

An archived response is turned back into the Scrapy response the spider received (same
class, headers, body, and the crawl's charset rule), handed to the spider's own article
callback, and its item goes through the pipelines that precede dedup and gets its dedup
fingerprint (the costly half of dedup; the decision stays in the main process). The stats
(page kinds, cleaning, validation drops) travel back with each batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.misc import build_from_crawler, load_object

from madar.dedup.decide import Fingerprint
from madar.middlewares.charset import Utf8CharsetMiddleware
from madar.middlewares.fetchtime import META_FETCHED_AT
from madar.pipelines.dedup import DeduplicatePipeline
from madar.warc.reader import ArchivedResponse

logger = logging.getLogger(__name__)



def pipeline_classes(crawler: Crawler) -> list[type]:
    """``ITEM_PIPELINES`` in order, as classes."""
    from scrapy.utils.conf import build_component_list

    return [load_object(p) if isinstance(p, str) else p
            for p in build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))]


def split_pipelines(crawler: Crawler) -> tuple[list[type], list[type]]:
    """(per-item pipelines before dedup, dedup and the rest)."""
    classes = pipeline_classes(crawler)
    cut = (classes.index(DeduplicatePipeline) if DeduplicatePipeline in classes
           else len(classes))
    return classes[:cut], classes[cut:]


@dataclass
class Extracted:
    """What one batch gave: items in archive order with their dedup fingerprints (None
    without a URL: dedup lets such an item pass), and the stats it counted."""

    items: list[tuple[Any, Fingerprint | None]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def rebuild_response(archived: ArchivedResponse, charset: Utf8CharsetMiddleware) -> Any:
    """The response as the spider saw it: Scrapy's class for its headers and body, the
    crawl's charset rule applied, ``fetched_at`` in its meta."""
    request = Request(archived.url, meta={META_FETCHED_AT: archived.fetched_at})
    headers = Headers(archived.headers)
    cls = responsetypes.from_args(headers=headers, url=archived.url, body=archived.body)
    response = cls(url=archived.url, status=archived.status, headers=headers,
                   body=archived.body, request=request)
    return charset.process_response(request, response)


class Extractor:
    """Spider callback + per-item pipelines, on one worker's own crawler and stats."""

    def __init__(self, crawler: Crawler, spider: Any) -> None:
        self.crawler = crawler
        self.spider = spider
        self.charset = Utf8CharsetMiddleware(crawler.stats)
        per_item, _ = split_pipelines(crawler)
        self.pipelines = [build_from_crawler(cls, crawler) for cls in per_item]
        # Dedup's fingerprint (normalization + MinHash) is per item: computed here; only the
        # decision, which needs every earlier item, is left to the main process.
        self.fingerprints = DeduplicatePipeline(crawler.settings)
        for pipeline in self.pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider(spider)

    def _items(self, archived: ArchivedResponse) -> Iterator[Any]:
        if not 200 <= archived.status < 300:  # HttpErrorMiddleware's rule
            self.crawler.stats.inc_value("madar/reextract/skipped_status")
            return
        response = rebuild_response(archived, self.charset)
        for result in self.spider.parse_article(response, depth=0) or ():
            if not isinstance(result, Request):
                yield result

    def extract(self, batch: list[ArchivedResponse]) -> Extracted:
        out = Extracted()
        for archived in batch:
            for item in self._items(archived):
                try:
                    for pipeline in self.pipelines:
                        item = pipeline.process_item(item, self.spider)
                except DropItem:  # counted by the pipeline; Scrapy's own counters here
                    self.crawler.stats.inc_value("item_dropped_count")
                    self.crawler.stats.inc_value("item_dropped_reasons_count/DropItem")
                    continue
                except Exception:  # as Scrapy does: logged, counted, the run goes on
                    logger.exception("Error processing item of %s", archived.url)
                    self.crawler.stats.inc_value("madar/reextract/item_errors")
                    continue
                url = ItemAdapter(item).get("url")
                fingerprint = (self.fingerprints.fingerprint(ItemAdapter(item))
                               if isinstance(url, str) and url else None)
                out.items.append((item, fingerprint))
        out.stats = self.crawler.stats.get_stats()
        self.crawler.stats.clear_stats()
        return out
