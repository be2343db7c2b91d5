"""``scrapy crawl`` whose exit status tells whether the crawl worked (Scrapy's own exits 0
once the crawl could start): a bad spider argument is one line on stderr and status 2 before
anything starts; a failed crawl (:func:`madar.outcome.crawl_failures`) one line and status 1.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from madar.outcome import EXIT_CRAWL_FAILED, EXIT_USAGE, crawl_failures, crawl_stats, memory_summary
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
        try:
            if hasattr(spider_class, "check_arguments"):
                spider_class.check_arguments(dict(opts.spargs))
        except BadArgument as error:
            print(f"{args[0]}: bad spider argument {error}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_CRAWL_FAILED
            return
        stats = crawl_stats(crawler)
        summary = memory_summary(stats, crawler.settings.get("MADAR_BASE_URL"))
        if summary:
            print(f"{args[0]}: {summary}", file=sys.stderr)
        failures = crawl_failures(stats)
        if failures:
            print(f"{args[0]}: crawl FAILED: {'; '.join(failures)}", file=sys.stderr)
            self.exitcode = EXIT_CRAWL_FAILED
