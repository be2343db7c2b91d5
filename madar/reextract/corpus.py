"""Re-extraction's two halves: the workers (spider callback, the pipelines before dedup, the
dedup fingerprint) and the main process (archive order, dedup and later pipelines, the
feed, the report). Components talk as in a crawl: ``process_item`` and signals."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from madar.dedup.decide import Fingerprint
from madar.extensions.gctuning import tuned_gc
from madar.extensions.progress import format_progress, progress_enabled
from madar.extensions.quality import count_field_coverage
from madar.extensions.report import build_report, render_report, report_path_for
from madar.middlewares.charset import Utf8CharsetMiddleware
from madar.middlewares.fetchtime import META_FETCHED_AT
from madar.pipelines.dedup import DeduplicatePipeline
from madar.spiders.madar import MadarSpider
from madar.urls import is_article_candidate
from madar.warc.reader import ArchivedResponse, ArchiveReader

logger = logging.getLogger(__name__)

#: Archived responses per task sent to a worker (amortizes the inter-process round trip).
BATCH_SIZE = 32
#: An extracted item and its dedup fingerprint (None without a URL: dedup lets it pass).
Extracted = list[tuple[Any, Fingerprint | None]]


@dataclass
class Options:
    archives: list[Path]
    output: Path
    output_format: str
    base_url: str
    workers: int
    state_dir: Path | None = None
    settings: dict[str, str] | None = None


def project_settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """madar's settings without the crawl's extensions, network or Redis, then ``overrides``."""
    settings = Settings()
    settings.setmodule("madar.settings", priority="project")
    settings.set("EXTENSIONS", {})
    settings.set("EXTENSIONS_BASE", {"scrapy.extensions.corestats.CoreStats": 0})
    settings.set("REDIS_URL", None)  # dedup in this run's own local store
    settings.set("TWISTED_REACTOR_ENABLED", False)  # no engine, no network: no reactor
    settings.set("MADAR_STATE_COMMIT_LINES", 1000)  # a killed run is run again anyway
    settings.update(overrides, priority="cmdline")
    return settings.copy_to_dict()


def feed_formats(settings: dict[str, Any] | None = None) -> dict[str, str]:
    """Format name -> exporter class path, as ``-O file.<format>`` resolves them."""
    return Settings(settings or project_settings({})).getwithbase("FEED_EXPORTERS")


def build_crawler(settings: dict[str, Any], base_url: str) -> tuple[Crawler, MadarSpider]:
    """A crawler with madar's settings and its spider, never started (no engine)."""
    scrapy_logger = logging.getLogger("scrapy")  # its start-up lines say nothing new here
    level = scrapy_logger.level
    scrapy_logger.setLevel(logging.WARNING)
    try:
        crawler = get_crawler(MadarSpider, settings)
    finally:
        scrapy_logger.setLevel(level)
    crawler.spider = MadarSpider.from_crawler(crawler, base_url=base_url, related_depth=0)
    return crawler, crawler.spider


def build_pipelines(crawler: Crawler, after_dedup: bool) -> list[Any]:
    """``ITEM_PIPELINES`` before dedup (per item: the workers'), or dedup and the rest."""
    classes = [load_object(path) for path in
               build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))]
    cut = classes.index(DeduplicatePipeline) if DeduplicatePipeline in classes else len(classes)
    pipelines = [build_from_crawler(cls, crawler)
                 for cls in (classes[cut:] if after_dedup else classes[:cut])]
    for pipeline in pipelines:
        if hasattr(pipeline, "open_spider"):
            pipeline.open_spider(crawler.spider)
    return pipelines


# -- workers -------------------------------------------------------------------------------

class _PlainStats(MemoryStatsCollector):
    """Scrapy's collector without its per-call wrapper (a check for a deprecated argument,
    ~2.5 us a call, ~8 a page)."""

    __getattribute__ = object.__getattribute__


class Extractor:
    """Spider callback + the pipelines before dedup, on one worker's own crawler and stats."""

    def __init__(self, settings: dict[str, Any], base_url: str) -> None:
        self.crawler, self.spider = build_crawler(settings, base_url)
        self.crawler.stats = _PlainStats(self.crawler)  # before the components take it
        self.charset = Utf8CharsetMiddleware(self.crawler.stats)
        self.pipelines = build_pipelines(self.crawler, after_dedup=False)
        # the fingerprint (normalization + MinHash) is per item; the decision is the main's
        self.fingerprints = DeduplicatePipeline(self.crawler.settings)

    def _items(self, archived: ArchivedResponse) -> Iterator[Any]:
        if not 200 <= archived.status < 300:  # HttpErrorMiddleware's rule
            self.crawler.stats.inc_value("madar/reextract/skipped_status")
            return
        # the response as the spider saw it: Scrapy's class, the crawl's charset rule; the
        # URL as the crawl requested it (not quoted again: ~20 us for an Arabic one)
        request = Request(archived.url, meta={META_FETCHED_AT: archived.fetched_at,
                                              "verbatim_url": True})
        headers = Headers(archived.headers)
        cls = responsetypes.from_args(headers=headers, url=archived.url, body=archived.body)
        response = cls(url=archived.url, status=archived.status, body=archived.body,
                       request=request)
        response.headers = headers  # Scrapy's setter keeps them (its constructor copies them)
        response = self.charset.process_response(request, response)
        for result in self.spider.parse_article(response, depth=0) or ():
            if not isinstance(result, Request):
                yield result

    def extract(self, batch: list[ArchivedResponse]) -> tuple[Extracted, dict[str, Any]]:
        """The batch's items in archive order, and the stats they counted."""
        stats = self.crawler.stats
        out: Extracted = []
        for archived in batch:
            for item in self._items(archived):
                try:
                    for pipeline in self.pipelines:
                        item = pipeline.process_item(item, self.spider)
                except DropItem:  # counted by the pipeline; Scrapy's own counters here
                    stats.inc_value("item_dropped_count")
                    stats.inc_value("item_dropped_reasons_count/DropItem")
                    continue
                except Exception:  # as Scrapy does: logged, counted, the run goes on
                    logger.exception("Error processing item of %s", archived.url)
                    stats.inc_value("madar/reextract/item_errors")
                    continue
                adapter = ItemAdapter(item)
                has_url = isinstance(adapter.get("url"), str) and adapter["url"]
                out.append((item, self.fingerprints.fingerprint(adapter) if has_url else None))
        keyed = iter(self.fingerprints.with_band_keys([fp for _, fp in out if fp]))
        out = [(item, fp and next(keyed)) for item, fp in out]
        counted = stats.get_stats()
        stats.set_stats({})  # a new dict: clear_stats() would empty ``counted`` too
        return out, counted


_EXTRACTOR: Extractor | None = None


def _start_worker(settings: dict[str, Any], base_url: str) -> None:
    global _EXTRACTOR
    _EXTRACTOR = Extractor(settings, base_url)


def _extract(batch: list[ArchivedResponse]) -> tuple[Extracted, dict[str, Any]]:
    return _EXTRACTOR.extract(batch)


def extracted_in_order(batches: Iterable[list[ArchivedResponse]], workers: int,
                       settings: dict[str, Any], base_url: str
                       ) -> Iterator[tuple[Extracted, dict[str, Any]]]:
    """Each batch's extraction, in input order; ``workers`` processes (0: this one)."""
    if workers == 0:
        yield from map(Extractor(settings, base_url).extract, batches)
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    # what is imported lives as long as the processes: tuned as in a crawl, and forked, the
    # frozen objects are never copied by a worker's collections;
    # not Pool: a worker that dies (OOM killer) fails the run instead of hanging it
    with tuned_gc(), ProcessPoolExecutor(workers, mp_context=context,
                                         initializer=_start_worker,
                                         initargs=(settings, base_url)) as pool:
        pending: deque = deque()
        for batch in batches:  # at most 4 batches per worker in flight: bounded memory
            pending.append(pool.submit(_extract, batch))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# -- the main process ----------------------------------------------------------------------

class Counts(Counter):
    """Per-page counts handed to the stats collector once per batch: its ``inc_value``
    (Scrapy's, wrapped, or another STATS_CLASS's) runs per key and batch, not ~25 per page."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self[key] += count

    def add_to(self, stats: Any) -> None:
        for key, count in self.items():
            stats.inc_value(key, count)
        self.clear()


def _batches(responses: Iterable[ArchivedResponse], stats: Any) -> Iterator[list]:
    batch: list[ArchivedResponse] = []
    counts = Counts()
    for response in responses:
        counts["downloader/response_count"] += 1
        counts[f"downloader/response_status_count/{response.status}"] += 1
        if not is_article_candidate(response.url):
            counts["madar/pages/not_article_url"] += 1  # the crawl never parsed it so
            continue
        batch.append(response)
        if len(batch) >= BATCH_SIZE:
            counts.add_to(stats)
            yield batch
            batch = []
    counts.add_to(stats)
    if batch:
        yield batch


def _merge(stats: Any, counted: dict[str, Any]) -> None:
    for key, value in counted.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            stats.inc_value(key, value)
        else:
            stats.set_value(key, value)


def open_feed(crawler: Crawler, path: Path, fmt: str) -> tuple[Any, Any, Any]:
    """The crawl's storage for a local file (each line handed to the OS at once: the memory
    never holds an article the file lacks) and the exporter ``-O file.<fmt>`` would use."""
    settings = crawler.settings
    storage = build_from_crawler(load_object(settings.getwithbase("FEED_STORAGES")["file"]),
                                 crawler, path.resolve().as_uri(),
                                 feed_options={"overwrite": True})
    file = storage.open(crawler.spider)
    exporter = build_from_crawler(load_object(settings.getwithbase("FEED_EXPORTERS")[fmt]),
                                  crawler, file, encoding=settings.get("FEED_EXPORT_ENCODING"),
                                  fields_to_export=settings.getlist("FEED_EXPORT_FIELDS") or None,
                                  indent=settings.getint("FEED_EXPORT_INDENT"))
    return storage, file, exporter


def reextract(options: Options) -> dict[str, Any]:
    """Run re-extraction; return the report (also logged and written beside the output)."""
    with tempfile.TemporaryDirectory(prefix="madar-reextract-",
                                     ignore_cleanup_errors=True) as scratch:
        return _run(options, options.state_dir or Path(scratch))  # a fresh memory by default


def _run(options: Options, state_dir: Path) -> dict[str, Any]:
    # the site's memory, as ``-a base_url`` makes it in a crawl (where the spider sets it)
    settings = project_settings({**(options.settings or {}), "MADAR_STATE_DIR": str(state_dir),
                                 "MADAR_BASE_URL": options.base_url})
    crawler, spider = build_crawler(settings, options.base_url)
    stats, send = crawler.stats, crawler.signals.send_catch_log
    reader = ArchiveReader(options.base_url)
    show_progress = progress_enabled(crawler.settings.get("MADAR_PROGRESS"), sys.stderr)
    interval = crawler.settings.getfloat("MADAR_PROGRESS_INTERVAL")
    started = last_shown = time.monotonic()
    send(signals.spider_opened, spider=spider)
    pipelines = build_pipelines(crawler, after_dedup=True)
    part = options.output.with_name(options.output.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    storage, file, exporter = open_feed(crawler, part, options.output_format)
    try:
        exporter.start_exporting()
        batches = _batches(reader.responses(options.archives), stats)
        coverage = Counts()
        for items, counted in extracted_in_order(batches, options.workers, settings,
                                                 options.base_url):
            _merge(stats, counted)
            for item, fingerprint in items:
                try:
                    for pipeline in pipelines:
                        item = (pipeline.process_item(item, spider, fingerprint=fingerprint)
                                if isinstance(pipeline, DeduplicatePipeline)
                                else pipeline.process_item(item, spider))
                except DropItem as drop:
                    send(signals.item_dropped, item=item, response=None, exception=drop,
                         spider=spider)
                    continue
                exporter.export_item(item)
                count_field_coverage(coverage, item)
                send(signals.item_scraped, item=item, response=None, spider=spider)
            coverage.add_to(stats)
            if show_progress and time.monotonic() - last_shown >= interval:
                last_shown = time.monotonic()
                logger.info("%s", format_progress(
                    stats.get_value("downloader/response_count", 0),
                    stats.get_value("item_scraped_count", 0), None, last_shown - started))
        exporter.finish_exporting()
    finally:
        storage.store(file)  # closes it; a killed run leaves FILE.part with every line
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider(spider)
    os.replace(part, options.output)
    # each response record stands for one request of the crawl that wrote it
    stats.set_value("downloader/request_count", stats.get_value("downloader/response_count", 0))
    no_site = reader.records and reader.records == reader.other_hosts
    send(signals.spider_closed, spider=spider,
         reason="no_site_records" if no_site else "finished")
    return write_report(stats.get_stats(), options, reader)


def write_report(stats: dict[str, Any], options: Options, reader: ArchiveReader
                 ) -> dict[str, Any]:
    report = build_report(stats, spider="madar reextract", feeds=[str(options.output)])
    # where the CPU went: this process (reading, dedup, feed) and the workers (extraction)
    own, workers = (resource.getrusage(resource.RUSAGE_SELF),
                    resource.getrusage(resource.RUSAGE_CHILDREN))
    report["archives"] = {"files": len(options.archives), "response_records": reader.records,
                          "other_hosts": reader.other_hosts, "damaged": reader.damaged,
                          "hosts_seen": dict(reader.hosts_seen.most_common(5)),
                          "truncated_files": reader.truncated, "workers": options.workers,
                          "cpu_seconds": {
                              "main": round(own.ru_utime + own.ru_stime, 2),
                              "workers": round(workers.ru_utime + workers.ru_stime, 2)}}
    logger.info("%s\n  %-28s %s files, %s response records (%s of other hosts, %s cut "
                "short)", render_report(report), "archives", len(options.archives),
                reader.records, reader.other_hosts, reader.damaged)
    target = report_path_for(options.output)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n",
                      encoding="utf-8")
    return report
