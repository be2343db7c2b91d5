"""The unattended entry point: ``python -m madar.cron`` (one run per cron tick).

One run: takes ``<state-dir>/cron.lock`` (``flock``; held elsewhere: exit 75 at once; the
kernel frees it when the holder dies), recovers what a killed run left (``*.jsonl.part``:
complete lines kept and taught to the memory; the next walk is a *catch-up* over the whole
listing), crawls incrementally in this process into
``<data-dir>/YYYY/MM/DD/madar-<stamp>.jsonl.part`` with its log and report, renames the
feed and exits 0, or 1 with one line on stderr when the crawl failed (cron mails it).
Exit statuses: 0 success, 1 crawl failed, 2 bad usage, 75 another run holds the lock.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from madar.feeds import (
    DATED_FEED_TEMPLATE,
    PART_SUFFIX,
    date_params,
    finalize_feed,
    recover_feeds,
)
from madar.outcome import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE, crawl_failures
from madar.spiders.arguments import BadArgument, SpiderArguments
from madar.state import state_dir as default_state_dir

EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL


LOCK_NAME = "cron.lock"
#: Present while a run is in progress; left behind by a run that did not complete.
RUN_MARKER_NAME = "cron-run.json"

#: Settings a cron run always uses (on top of the project's settings.py).
CRON_SETTINGS: dict[str, Any] = {
    "MADAR_INCREMENTAL": True,
    # Each dated feed holds only new and changed articles, --full runs included.
    "MADAR_EMIT_KNOWN": False,
    "MADAR_PROGRESS": False,
    # The log file is new for each run (its name holds the start time). Append, because
    # Scrapy opens it twice (process, then crawler): 'w' would erase the recovery lines.
    "LOG_FILE_APPEND": True,
}


class LockBusy(RuntimeError):
    """Another process holds the run lock (the message says who)."""


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on *path* for the run; the file says who holds it."""
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
        yield  # closing the file releases the lock (so does the holder's death)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass
class RunPlan:
    """Where one run writes, and how it crawls."""

    started: dt.datetime
    data_dir: Path
    state_dir: Path
    log_dir: Path
    catch_up: bool = False
    recovered: list[str] = field(default_factory=list)

    @property
    def params(self) -> dict[str, str]:
        return date_params(self.started)

    @property
    def feed_template(self) -> str:
        return str(self.data_dir / DATED_FEED_TEMPLATE) + PART_SUFFIX

    @property
    def feed_part(self) -> Path:
        return Path(self.feed_template % self.params)

    @property
    def log_file(self) -> Path:
        p = self.params
        return self.log_dir / p["year"] / p["month"] / p["day"] / f"madar-{p['stamp']}.log"

    @property
    def marker(self) -> Path:
        return self.state_dir / RUN_MARKER_NAME


def crawl_settings(plan: RunPlan, overrides: dict[str, str], *, incremental: bool = True):
    """The project's settings plus what a cron run needs, plus ``-s`` overrides last."""
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "madar.settings")
    settings = get_project_settings()
    for name, value in CRON_SETTINGS.items():
        settings.set(name, value, priority="cmdline")
    settings.set("MADAR_INCREMENTAL", incremental, priority="cmdline")
    settings.set("MADAR_INCREMENTAL_CATCH_UP", plan.catch_up, priority="cmdline")
    settings.set("MADAR_STATE_DIR", str(plan.state_dir), priority="cmdline")
    settings.set("MADAR_RUN_STARTED", plan.started.isoformat(), priority="cmdline")
    settings.set("FEEDS", {plan.feed_template: {
        "format": "jsonlines",
        "encoding": "utf-8",
        "store_empty": True,
    }}, priority="cmdline")
    settings.set("LOG_FILE", str(plan.log_file), priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def relearn_recovered(settings: Any, feeds: list[Path]) -> int:
    """Teach the dedup store the recovered lines it does not know (the kill hit between the
    line's write and the store's commit). Returns how many; each goes through the dedup
    pipeline's own rules, so the store ends up as if the killed run had committed."""
    from madar.pipelines.dedup import DeduplicatePipeline
    from madar.state import open_store
    from madar.urls import canonical_url

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
            try:
                pipeline.process_item(item)
            except Exception:  # DropItem: the store already had the story under another URL
                continue
        store.flush()
    finally:
        store.close()
    if unknown:
        logging.getLogger("madar.cron").warning(
            "Recovered feeds held %d article(s) the dedup store had not committed; "
            "added them", len(unknown))
    return len(unknown)


def run_complete(stats: dict[str, Any]) -> bool:
    """Did the crawl walk everything it meant to (so the next run may stop early)?

    Only an interrupted crawl did not; one article that failed for good does not make the
    next run walk the whole listing again (it is fetched again anyway: it stays unknown).
    """
    return stats.get("finish_reason") == "finished"


def _stats_of(crawler: Any) -> dict[str, Any]:
    """The crawl's stats; ``{}`` when it never started (Scrapy 2.19 raises then)."""
    try:
        return dict(crawler.stats.get_stats()) if crawler.stats else {}
    except RuntimeError:
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


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


def _spider_args(options: argparse.Namespace) -> dict[str, str]:
    """``-a`` values plus what ``--base-url`` and ``--max-pages`` say."""
    spider_args = dict(options.spider_args)
    if options.base_url:
        spider_args["base_url"] = options.base_url
    if options.max_pages is not None:
        spider_args["max_pages"] = str(options.max_pages)
    return spider_args


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        SpiderArguments.parse(_spider_args(options))
    except BadArgument as error:
        print(f"madar.cron: bad spider argument {error}", file=sys.stderr)
        return EXIT_USAGE
    overrides = dict(options.settings)
    state_dir = Path(options.state_dir or overrides.get("MADAR_STATE_DIR")
                     or default_state_dir()).resolve()
    plan = RunPlan(started=_now(), data_dir=Path(options.data_dir).resolve(),
                   state_dir=state_dir, log_dir=Path(options.log_dir).resolve())
    lock = state_dir / LOCK_NAME
    try:
        with run_lock(lock):
            return _run_locked(plan, options, overrides)
    except LockBusy as busy:
        print(f"madar.cron: another run is in progress ({busy}; lock {lock}); "
              "exiting without crawling", file=sys.stderr)
        return EXIT_LOCKED


def _run_locked(plan: RunPlan, options: argparse.Namespace, overrides: dict[str, str]) -> int:
    recoveries = recover_feeds(plan.data_dir)
    plan.recovered = [r.feed for r in recoveries]
    plan.catch_up = plan.marker.exists() or bool(plan.recovered)
    plan.log_file.parent.mkdir(parents=True, exist_ok=True)
    _write_json(plan.marker, {"pid": os.getpid(), "started": plan.started.isoformat(),
                              "feed": str(plan.feed_part), "log": str(plan.log_file)})

    from scrapy.crawler import CrawlerProcess

    settings = crawl_settings(plan, overrides, incremental=not options.full)
    spider_args = _spider_args(options)
    if spider_args.get("base_url"):  # the memory is this site's, recovery included
        settings.set("MADAR_BASE_URL", SpiderArguments.parse(
            {"base_url": spider_args["base_url"]}).base_url, priority="cmdline")

    process = CrawlerProcess(settings)  # from here on, logging goes to the run's log file
    log = logging.getLogger("madar.cron")
    for recovery in recoveries:
        log.warning("Recovered the feed of an interrupted run: %s (%d lines kept, %d dropped)",
                    recovery.feed, recovery.lines_kept, recovery.lines_dropped)
    if plan.catch_up:
        log.info("The previous run did not complete: catch-up run (whole listing, only "
                 "unknown articles)")
    if plan.recovered:
        relearn_recovered(settings, [Path(feed) for feed in plan.recovered])
    crawler = process.create_crawler("madar")
    start_errors: list[Any] = []
    try:
        deferred = process.crawl(crawler, **spider_args)
        deferred.addErrback(start_errors.append)  # e.g. a bad spider argument
        process.start()
    except Exception as error:  # a setting that breaks the engine before it runs
        start_errors.append(error)
    stats = _stats_of(crawler)
    if start_errors:
        error = start_errors[0]
        text = error.getErrorMessage() if hasattr(error, "getErrorMessage") else repr(error)
        log.error("The crawl could not run: %s", text)
        print(f"madar.cron: the crawl could not run: {text}; log: {plan.log_file}",
              file=sys.stderr)
        finalize_feed(plan.feed_part)
        return EXIT_CRAWL_FAILED
    feed = finalize_feed(plan.feed_part)
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
