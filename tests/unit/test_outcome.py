"""When a finished crawl counts as failed: one rule for `scrapy crawl` and cron."""

from __future__ import annotations

import pytest

from madar.outcome import crawl_failures


@pytest.mark.parametrize(("stats", "failed"), [
    ({"finish_reason": "finished", "madar/monitor/failed": 0}, []),
    ({"finish_reason": "closespider_itemcount", "madar/monitor/failed": 0}, []),
    ({"finish_reason": "shutdown", "madar/monitor/failed": 0}, ["finish_reason='shutdown'"]),
    ({"finish_reason": "finished", "madar/monitor/failed": 1,
      "madar/monitor/failures": ["Items/x: 0 items"]}, ["monitor Items/x: 0 items"]),
    ({"finish_reason": "finished", "log_count/ERROR": 3},
     ["3 errors logged (monitors did not run)"]),
    ({}, ["finish_reason=None"]),
    ({"finish_reason": "feed_error", "madar/feed/failed": 1, "madar/feed/error": "disk full",
      "madar/monitor/failed": 1, "madar/monitor/failures": ["Finish: feed_error"]},
     ["disk full"]),
    # The site's cause explains everything else: it alone is reported.
    ({"finish_reason": "site_unreachable", "madar/monitor/failed": 1,
      "madar/monitor/failures": ["Finish: x", "Items: 0"],
      "madar/unreachable": "Connection refused (http://127.0.0.1:1/robots.txt)"},
     ["site unreachable: Connection refused (http://127.0.0.1:1/robots.txt)"]),
])
def test_crawl_failures(stats, failed):
    assert crawl_failures(stats) == failed
