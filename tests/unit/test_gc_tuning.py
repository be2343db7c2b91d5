"""The crawl's garbage-collector tuning gives the process back what it had."""

from __future__ import annotations

import gc

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from madar.extensions.gctuning import YOUNG_THRESHOLD, GcTuning, tuned_gc


@pytest.fixture
def host_gc():
    """The test process's collector as it was, whatever a test leaves."""
    threshold = gc.get_threshold()
    yield threshold
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_host_s_own_freeze_and_threshold_survive(host_gc):
    gc.freeze()  # the host's (a pre-fork server's, say)
    gc.set_threshold(1234, *host_gc[1:])
    with tuned_gc():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == 1234


def test_of_two_crawls_the_last_to_close_restores(host_gc):
    gc.set_threshold(1234, *host_gc[1:])
    first, second = (GcTuning.from_crawler(get_crawler(settings_dict={"MADAR_GC_TUNING": True}))
                     for _ in range(2))
    first.spider_opened()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD and gc.get_freeze_count() > 0
    second.spider_opened()
    first.spider_closed()
    first.spider_closed()  # a second close of the same crawl counts once
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD and gc.get_freeze_count() > 0
    second.spider_closed()
    assert gc.get_threshold()[0] == 1234 and gc.get_freeze_count() == 0


def test_the_extension_follows_the_crawl_s_signals(host_gc):
    crawler = get_crawler(settings_dict={"MADAR_GC_TUNING": True, "EXTENSIONS_BASE": {}})
    extension = GcTuning.from_crawler(crawler)  # held: signal handlers are weak references
    crawler.signals.send_catch_log(signals.spider_opened, spider=None)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert gc.get_threshold() == host_gc and gc.get_freeze_count() == 0
    assert not extension.tuned


def test_off_leaves_the_collector_alone():
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(get_crawler(settings_dict={"MADAR_GC_TUNING": False}))
