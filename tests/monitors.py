"""Run the crawl's Spidermon suite on a set of stats, as the spider's close would."""

from __future__ import annotations

from scrapy import Spider
from scrapy.utils.test import get_crawler
from spidermon.contrib.scrapy.runners import SpiderMonitorRunner

from madar.extensions.monitors import CrawlHealthMonitorSuite
from tests.crawl import project_settings


class MadarSpider(Spider):
    name = "madar"


def judge(stats: dict, settings: dict | None = None) -> dict:
    """The stats after the suite ran (``madar/monitor/failed``, ``madar/monitor/failures``)."""
    crawler = get_crawler(MadarSpider, project_settings(**(settings or {})))
    spider = MadarSpider.from_crawler(crawler)
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    SpiderMonitorRunner(spider=spider).run(
        CrawlHealthMonitorSuite(crawler=crawler), stats=crawler.stats.get_stats(),
        stats_history=[], crawler=crawler, spider=spider, sc_spider_name="madar", job=None)
    return crawler.stats.get_stats()
