"""``scrapy crawl`` that exits 1 when the feed output was lost.

Scrapy's own ``crawl`` exits 0 as soon as the crawl could start, even when no line of the
feed could be written (read-only directory, full disk). This command is Scrapy's, plus a
look at the finished crawl's stats (:func:`madar.feeds.feed_failures`): when the
feeds are incomplete it prints one line to stderr and exits 1.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from madar.feeds import feed_failures


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        try:
            stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        except RuntimeError:
            stats = {}
        problems = feed_failures(stats)
        if problems:
            print(f"madar: crawl FAILED, output incomplete: {'; '.join(problems)}",
                  file=sys.stderr)
            self.exitcode = 1
