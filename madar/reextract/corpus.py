"""The one-process half of re-extraction: archive order, dedup, the feed, the report.

The main process reads the archives, sends the site's article pages in batches to the
workers (:mod:`madar.reextract.worker`) and takes their items back in archive order; dedup
and every later pipeline run here, then the feed exporter ``FEED_EXPORTERS`` names for the
output's extension (the crawl's JSON Lines, Parquet...). The components talk as in a crawl:
the items go through ``process_item``, and ``item_scraped`` / ``item_dropped`` and the
spider signals reach the pipelines and the item-quality extension through the crawler.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from madar.extensions.progress import format_progress, progress_enabled
from madar.extensions.quality import count_field_coverage
from madar.extensions.report import build_report, render_report, report_path_for
from madar.pipelines.dedup import DeduplicatePipeline
from madar.reextract.worker import Extracted, Extractor, split_pipelines
from madar.spiders.madar import MadarSpider
from madar.urls import is_article_candidate
from madar.warc.reader import ArchivedResponse, ArchiveReader

logger = logging.getLogger(__name__)

#: Extensions of the crawl that also make sense here (stats of the items only).
KEPT_EXTENSIONS: tuple[str, ...] = ()
#: Archived responses per task sent to a worker (amortizes the inter-process round trip).
BATCH_SIZE = 16


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
    """madar's settings (whatever the working directory), then ``overrides``."""
    settings = Settings()
    settings.setmodule("madar.settings", priority="project")
    extensions = settings.getdict("EXTENSIONS")
    settings.set("EXTENSIONS", {k: v for k, v in extensions.items() if k in KEPT_EXTENSIONS})
    settings.set("EXTENSIONS_BASE", {"scrapy.extensions.corestats.CoreStats": 0})
    settings.set("REDIS_URL", None)  # dedup in this run's own local store
    settings.set("TWISTED_REACTOR_ENABLED", False)  # no engine, no network: no reactor
    settings.update(overrides, priority="cmdline")
    return settings.copy_to_dict()


def build_crawler(settings: dict[str, Any], base_url: str) -> tuple[Crawler, Any]:
    """A crawler with madar's settings and its spider, never started (no engine)."""
    quiet = logging.getLogger("scrapy")  # its start-up lines say nothing new here
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        crawler = get_crawler(MadarSpider, settings)
    finally:
        quiet.setLevel(level)
    spider = MadarSpider.from_crawler(crawler, base_url=base_url, related_depth=0)
    crawler.spider = spider
    return crawler, spider


def feed_formats(settings: dict[str, Any] | None = None) -> dict[str, str]:
    """Format name -> exporter class path, as ``-O file.<format>`` resolves them."""
    return Settings(settings or project_settings({})).getwithbase("FEED_EXPORTERS")


# -- workers -------------------------------------------------------------------------------

_EXTRACTOR: Extractor | None = None


def _start_worker(settings: dict[str, Any], base_url: str) -> None:
    global _EXTRACTOR
    _EXTRACTOR = Extractor(*build_crawler(settings, base_url))


def _extract(batch: list[ArchivedResponse]) -> Extracted:
    assert _EXTRACTOR is not None
    return _EXTRACTOR.extract(batch)


def _batches(responses: Iterable[ArchivedResponse], stats: Any) -> Iterator[list]:
    batch: list[ArchivedResponse] = []
    for response in responses:
        stats.inc_value("downloader/response_count")
        stats.inc_value(f"downloader/response_status_count/{response.status}")
        if not is_article_candidate(response.url):
            stats.inc_value("madar/pages/not_article_url")  # the crawl never parsed it so
            continue
        batch.append(response)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def extracted_in_order(batches: Iterable[list[ArchivedResponse]], workers: int,
                       settings: dict[str, Any], base_url: str) -> Iterator[Extracted]:
    """Each batch's extraction, in input order; ``workers`` processes (0: this one)."""
    if workers == 0:
        extractor = Extractor(*build_crawler(settings, base_url))
        yield from (extractor.extract(batch) for batch in batches)
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    # ProcessPoolExecutor, not Pool: a worker that dies (OOM killer) fails the run with
    # BrokenProcessPool instead of leaving it waiting forever for a lost batch.
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(settings, base_url)) as pool:
        pending: deque = deque()
        for batch in batches:  # at most 4 batches per worker in flight: bounded memory
            pending.append(pool.submit(_extract, batch))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# -- the run -------------------------------------------------------------------------------

def _merge(stats: Any, delta: dict[str, Any]) -> None:
    for key, value in delta.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            stats.inc_value(key, value)
        else:
            stats.set_value(key, value)


class Progress:
    """The crawl's progress line, as one INFO log line at most once per interval."""

    def __init__(self, enabled: bool, interval: float) -> None:
        self.enabled = enabled
        self.interval = interval
        self.started = self.last = time.monotonic()

    def update(self, pages: int, items: int) -> None:
        now = time.monotonic()
        if self.enabled and now - self.last >= self.interval:
            self.last = now
            logger.info("%s", format_progress(pages, items, None, now - self.started))


def open_storage(crawler: Crawler, path: Path) -> Any:
    """The crawl's storage for a local feed file (``FEED_STORAGES["file"]``: each line
    handed to the OS at once, so the dedup memory never holds an article the file lacks)."""
    storage_cls = load_object(crawler.settings.getwithbase("FEED_STORAGES")["file"])
    return build_from_crawler(storage_cls, crawler, path.resolve().as_uri(),
                              feed_options={"overwrite": True})


def open_exporter(crawler: Crawler, fmt: str, file: Any) -> Any:
    """The feed exporter the crawl would use for ``-O file.<fmt>``, with its feed options."""
    settings = crawler.settings
    exporter_cls = load_object(settings.getwithbase("FEED_EXPORTERS")[fmt])
    return build_from_crawler(exporter_cls, crawler, file,
                              encoding=settings.get("FEED_EXPORT_ENCODING"),
                              fields_to_export=settings.getlist("FEED_EXPORT_FIELDS") or None,
                              indent=settings.getint("FEED_EXPORT_INDENT"))


def reextract(options: Options) -> dict[str, Any]:
    """Run re-extraction; return the report (also logged and written beside the output)."""
    scratch = None if options.state_dir else Path(tempfile.mkdtemp(prefix="madar-reextract-"))
    try:
        return _run(options, options.state_dir or scratch)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _run(options: Options, state_dir: Path) -> dict[str, Any]:
    settings = project_settings({**(options.settings or {}), "MADAR_STATE_DIR": str(state_dir)})
    crawler, spider = build_crawler(settings, options.base_url)
    stats = crawler.stats
    _, shared = split_pipelines(crawler)
    pipelines = [build_from_crawler(cls, crawler) for cls in shared]
    reader = ArchiveReader(options.base_url)
    progress = Progress(progress_enabled(crawler.settings.get("MADAR_PROGRESS"), sys.stderr),
                        crawler.settings.getfloat("MADAR_PROGRESS_INTERVAL", 1.0))
    part = options.output.with_name(options.output.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    for pipeline in pipelines:
        if hasattr(pipeline, "open_spider"):
            pipeline.open_spider(spider)
    send = crawler.signals.send_catch_log
    storage = open_storage(crawler, part)
    file = storage.open(spider)
    try:
        exporter = open_exporter(crawler, options.output_format, file)
        exporter.start_exporting()
        batches = _batches(reader.responses(options.archives), stats)
        for extracted in extracted_in_order(batches, options.workers, settings,
                                            options.base_url):
            _merge(stats, extracted.stats)
            for item, fingerprint in extracted.items:
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
                count_field_coverage(stats, item)
                send(signals.item_scraped, item=item, response=None, spider=spider)
            progress.update(stats.get_value("downloader/response_count", 0),
                            stats.get_value("item_scraped_count", 0))
        exporter.finish_exporting()
    finally:
        storage.store(file)  # closes it; a killed run leaves FILE.part with every line
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider(spider)
    os.replace(part, options.output)
    stats.set_value("madar/reextract/archives", len(options.archives))
    stats.set_value("madar/reextract/records", reader.records)
    stats.set_value("madar/reextract/other_hosts", reader.other_hosts)
    stats.set_value("madar/reextract/damaged", reader.damaged)
    stats.set_value("madar/reextract/workers", options.workers)
    # Where the CPU went: this process (reading, dedup, feed) and the workers (extraction).
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    stats.set_value("madar/reextract/cpu_s_main", round(own.ru_utime + own.ru_stime, 2))
    stats.set_value("madar/reextract/cpu_s_workers",
                    round(workers.ru_utime + workers.ru_stime, 2))
    # Each response record stands for one request of the crawl that wrote it.
    stats.set_value("downloader/request_count", stats.get_value("downloader/response_count", 0))
    reason = "finished" if reader.records > reader.other_hosts or not reader.records \
        else "no_site_records"
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason=reason)
    return write_report(stats.get_stats(), options, reader)


def write_report(stats: dict[str, Any], options: Options, reader: ArchiveReader
                 ) -> dict[str, Any]:
    report = build_report(stats, spider="madar reextract", feeds=[str(options.output)])
    report["archives"] = {"files": len(options.archives), "response_records": reader.records,
                          "other_hosts": reader.other_hosts, "damaged": reader.damaged,
                          "hosts_seen": dict(reader.hosts_seen.most_common(5)),
                          "truncated_files": reader.truncated, "workers": options.workers,
                          "cpu_seconds": {
                              "main": stats.get("madar/reextract/cpu_s_main"),
                              "workers": stats.get("madar/reextract/cpu_s_workers")}}
    logger.info("%s\n  %-28s %s files, %s response records (%s of other hosts, %s cut "
                "short)", render_report(report), "archives", len(options.archives),
                reader.records, reader.other_hosts, reader.damaged)
    target = report_path_for(options.output)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n",
                      encoding="utf-8")
    return report
