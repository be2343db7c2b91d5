"""Scrapy extensions for unattended runs: memory lock, monitors, crawl report, progress."""
