"""``scrapy crawl`` whose exit status tells whether the crawl worked.

Scrapy's own ``crawl`` exits 0 as soon as the crawl could start: with the site unreachable,
the monitors failed or no line of the feed written. This command is Scrapy's plus two
checks:

- before anything starts, the spider's arguments (``-a``): a bad one is one line on stderr
  (which argument, what was given, what is accepted) and exit status 2, as argparse does;
- after the crawl, its stats (:func:`madar.outcome.crawl_failures`): a failed crawl is one
  line on stderr and exit status 1. Before that, one line says what was emitted, how many
  articles the memory knew from earlier runs and where it lives
  (:func:`madar.outcome.memory_summary`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from madar.outcome import EXIT_CRAWL_FAILED, EXIT_USAGE, crawl_failures, memory_summary
from madar.spiders.arguments import BadArgument


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            return
        try:
            spider_class = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            return  # Scrapy reports the unknown spider itself
        check = getattr(spider_class, "check_arguments", None)
        if check is None:
            return
        try:
            check(dict(opts.spargs))
        except BadArgument as error:
            print(f"{args[0]}: bad spider argument {error}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None

    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_CRAWL_FAILED
            return
        try:
            stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        except RuntimeError:
            stats = {}
        summary = memory_summary(stats, crawler.settings.get("MADAR_BASE_URL"))
        if summary and not stats.get("madar/memory/busy"):
            print(f"{args[0]}: {summary}", file=sys.stderr)
        failures = crawl_failures(stats)
        if failures:
            print(f"{args[0]}: crawl FAILED: {'; '.join(failures)}", file=sys.stderr)
            self.exitcode = EXIT_CRAWL_FAILED
