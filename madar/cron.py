"""The unattended entry point: ``python -m madar.cron``, one incremental run per cron tick.

Holds ``<state-dir>/cron.lock``, recovers what a killed run left, crawls into a dated
``….jsonl.part`` feed with its log and report, and renames the feed. Exit status: 0 success,
1 crawl failed (one line on stderr, which cron mails), 2 bad usage, 75 another run holds the
lock. docs/operations.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
from twisted.python.failure import Failure

from madar.feeds import DATED_FEED_TEMPLATE, PART_SUFFIX, date_params, finalize_feed, recover_feeds
from madar.outcome import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE, crawl_failures, crawl_stats
from madar.pipelines.dedup import DeduplicatePipeline
from madar.spiders.arguments import BadArgument, SpiderArguments
from madar.state import open_store
from madar.state import state_dir as default_state_dir
from madar.urls import canonical_url

EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL
LOCK_NAME = "cron.lock"
#: Present while a run is in progress; left behind by a run that did not complete.
RUN_MARKER_NAME = "cron-run.json"

log = logging.getLogger("madar.cron")  # __name__ is "__main__" under python -m


class LockBusy(RuntimeError):
    """Another process holds the run lock (the message says who)."""


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on *path*; the kernel frees it when the holder dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise LockBusy(handle.read().strip() or "unknown process") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {_now().isoformat(timespec='seconds')}\n")
        handle.flush()
        yield


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass
class RunPlan:
    """Where one run writes, and whether it catches up after a run that did not complete."""

    started: dt.datetime
    data_dir: Path
    state_dir: Path
    log_dir: Path
    catch_up: bool = False

    @property
    def feed_template(self) -> str:
        return str(self.data_dir / DATED_FEED_TEMPLATE) + PART_SUFFIX

    @property
    def feed_part(self) -> Path:
        return Path(self.feed_template % date_params(self.started))

    @property
    def log_file(self) -> Path:
        p = date_params(self.started)
        return self.log_dir / p["year"] / p["month"] / p["day"] / f"madar-{p['stamp']}.log"

    @property
    def marker(self) -> Path:
        return self.state_dir / RUN_MARKER_NAME


def crawl_settings(plan: RunPlan, overrides: dict[str, str], *, incremental: bool = True):
    """The project's settings plus what a cron run needs, ``-s`` overrides last."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "madar.settings")
    settings = get_project_settings()
    settings.setdict({
        "MADAR_INCREMENTAL": incremental,
        "MADAR_INCREMENTAL_CATCH_UP": plan.catch_up,
        # Each dated feed holds only new and changed articles, --full runs included.
        "MADAR_EMIT_KNOWN": False,
        "MADAR_PROGRESS": False,
        "MADAR_STATE_DIR": str(plan.state_dir),
        "MADAR_RUN_STARTED": plan.started.isoformat(),  # the feed's name (uri_params)
        "FEEDS": {plan.feed_template: {"format": "jsonlines", "encoding": "utf-8",
                                       "store_empty": True}},
        "LOG_FILE": str(plan.log_file),
        # Scrapy opens the log twice (process, then crawler): 'w' would erase recovery lines.
        "LOG_FILE_APPEND": True,
        **overrides,
    }, priority="cmdline")
    return settings


def relearn_recovered(settings: Any, feeds: list[Path]) -> int:
    """Teach the dedup store the recovered lines it does not know (the kill came between a
    line's write and the store's commit), through the dedup pipeline's own rules."""
    lines = [json.loads(line) for feed in feeds
             for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return 0
    store = open_store(settings)
    try:
        unknown = [item for item in lines if isinstance(item.get("url"), str)
                   and not store.knows_url(canonical_url(item["url"]))]
        pipeline = DeduplicatePipeline(settings, None, store=store)
        for item in unknown:
            with contextlib.suppress(Exception):  # DropItem: known under another URL
                pipeline.process_item(item)
        store.flush()
    finally:
        store.close()
    if unknown:
        log.warning("Recovered feeds held %d article(s) the dedup store had not committed; "
                    "added them", len(unknown))
    return len(unknown)


def run_complete(stats: dict[str, Any]) -> bool:
    """Did the crawl walk everything it meant to, so the next run may stop early? An article
    that failed for good does not matter: it stays unknown and is fetched again."""
    return stats.get("finish_reason") == "finished"


def _key_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m madar.cron",
        description="One unattended, incremental crawl (for cron): lock, dated feed, log, "
                    "report, exit status.")
    parser.add_argument("--base-url", help="site to crawl (default: setting MADAR_BASE_URL)")
    parser.add_argument("--data-dir", default="data", help="feeds root (default: data)")
    parser.add_argument("--state-dir", default=None,
                        help="dedup store and lock (default: setting MADAR_STATE_DIR)")
    parser.add_argument("--log-dir", default="logs", help="per-run logs (default: logs)")
    parser.add_argument("--max-pages", type=int, default=None,
                        help="listing pages to walk at most")
    parser.add_argument("--full", action="store_true",
                        help="not incremental: walk the whole listing (dedup still applies)")
    parser.add_argument("-a", dest="spider_args", action="append", type=_key_value,
                        default=[], metavar="NAME=VALUE", help="spider argument")
    parser.add_argument("-s", dest="settings", action="append", type=_key_value,
                        default=[], metavar="NAME=VALUE", help="Scrapy setting")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print the feed and report paths on success too")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    spider_args = dict(options.spider_args)
    if options.base_url:
        spider_args["base_url"] = options.base_url
    if options.max_pages is not None:
        spider_args["max_pages"] = str(options.max_pages)
    overrides = dict(options.settings)
    try:
        base_url = SpiderArguments.parse(spider_args).base_url
    except BadArgument as error:
        print(f"madar.cron: bad spider argument {error}", file=sys.stderr)
        return EXIT_USAGE
    if base_url:  # the memory is this site's, recovery included
        overrides["MADAR_BASE_URL"] = base_url
    state_dir = Path(options.state_dir or overrides.get("MADAR_STATE_DIR")
                     or default_state_dir()).resolve()
    plan = RunPlan(_now(), Path(options.data_dir).resolve(), state_dir,
                   Path(options.log_dir).resolve())
    lock = state_dir / LOCK_NAME
    try:
        with run_lock(lock):
            return _run_locked(plan, options, spider_args, overrides)
    except LockBusy as busy:
        print(f"madar.cron: another run is in progress ({busy}; lock {lock}); "
              "exiting without crawling", file=sys.stderr)
        return EXIT_LOCKED


def _run_locked(plan: RunPlan, options: argparse.Namespace, spider_args: dict[str, str],
                overrides: dict[str, str]) -> int:
    recoveries = recover_feeds(plan.data_dir)
    plan.catch_up = plan.marker.exists() or bool(recoveries)
    plan.log_file.parent.mkdir(parents=True, exist_ok=True)
    plan.marker.write_text(json.dumps({"pid": os.getpid(), "started": plan.started.isoformat(),
                                       "feed": str(plan.feed_part), "log": str(plan.log_file)}),
                           encoding="utf-8")
    settings = crawl_settings(plan, overrides, incremental=not options.full)
    process = CrawlerProcess(settings)  # from here on, logging goes to the run's log file
    for recovery in recoveries:
        log.warning("Recovered the feed of an interrupted run: %s (%d lines kept, %d dropped)",
                    recovery.feed, recovery.lines_kept, recovery.lines_dropped)
    if plan.catch_up:
        log.info("The previous run did not complete: catch-up run (whole listing, only "
                 "unknown articles)")
    relearn_recovered(settings, [Path(recovery.feed) for recovery in recoveries])
    crawler = process.create_crawler("madar")
    start_errors: list[Failure] = []
    try:
        process.crawl(crawler, **spider_args).addErrback(start_errors.append)
        process.start()
    except Exception as error:  # a setting that breaks the engine before it runs
        start_errors.append(Failure(error))
    feed = finalize_feed(plan.feed_part)
    if start_errors:
        text = start_errors[0].getErrorMessage()
        log.error("The crawl could not run: %s", text)
        print(f"madar.cron: the crawl could not run: {text}; log: {plan.log_file}",
              file=sys.stderr)
        return EXIT_CRAWL_FAILED
    stats = crawl_stats(crawler)
    if run_complete(stats):
        plan.marker.unlink(missing_ok=True)
    failures = crawl_failures(stats)
    if failures:
        print(f"madar.cron: crawl FAILED: {'; '.join(failures)}; log: {plan.log_file}",
              file=sys.stderr)
        return EXIT_CRAWL_FAILED
    if options.verbose:
        mode = "catch-up" if plan.catch_up else ("full" if options.full else "incremental")
        print(f"madar.cron: ok ({mode}), {stats.get('item_scraped_count', 0)} items -> "
              f"{feed}; log: {plan.log_file}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
