"""Scrapy extensions for running madar unattended: crawl report, progress line, item
quality stats and Spidermon monitors, and the dated, crash-safe feed files of cron runs."""
