"""Distributed-mode building blocks against a real redis-server: worker coordination,
the shared dupefilter, the ``python -m madar.distributed`` commands, the add-on."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import redis
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.request import RequestFingerprinter

from madar.distributed import CrawlKeys, DistributedAddon, SharedCrawl
from madar.distributed.scheduler import SharedDupeFilter
from madar.feeds import uri_params
from tests.crawl import REPO

pytestmark = pytest.mark.slow

BASE = "http://127.0.0.1:8123"


@pytest.fixture
def server(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def keys():
    return CrawlKeys.for_base_url(BASE)


def test_keys_are_per_site_and_cluster_safe():
    keys = CrawlKeys.for_base_url("https://MadarAlYoum.com/some/page")
    assert keys.queue == "madar:{madaralyoum.com}:requests"
    assert CrawlKeys.for_base_url(BASE).prefix == "madar:{127.0.0.1:8123}"
    assert CrawlKeys.for_base_url(BASE, "crawl:%(host)s").workers == "crawl:127.0.0.1:8123:workers"


def test_first_worker_starts_a_run_later_ones_join(server, keys):
    server.sadd(keys.seen_this_run, "listing-of-last-run")
    server.sadd(keys.seen_articles, "article-of-last-run")
    a, b = SharedCrawl(server, keys, "a"), SharedCrawl(server, keys, "b")
    assert a.join() is True
    assert not server.exists(keys.seen_this_run), "a new run forgets last run's listings"
    assert server.sismember(keys.seen_articles, "article-of-last-run"), "articles are kept"
    server.sadd(keys.seen_this_run, "home")
    assert b.join() is False
    assert server.sismember(keys.seen_this_run, "home"), "joining must not forget anything"
    assert a.status().live_workers == 2


def test_interrupted_run_is_resumed_not_restarted(server, keys):
    server.zadd(keys.queue, {b"left-over-request": 0})
    server.sadd(keys.seen_this_run, "home")
    assert SharedCrawl(server, keys, "a").join() is False
    assert server.sismember(keys.seen_this_run, "home")


def test_pop_marks_the_worker_busy_in_the_same_step(server, keys):
    a, b = SharedCrawl(server, keys, "a"), SharedCrawl(server, keys, "b")
    a.join(), b.join()
    server.zadd(keys.queue, {b"low": 0, b"high": -10})
    assert a.pop() == b"high", "lowest score (= highest priority) first"
    assert a.pop() == b"low"
    assert a.pop() is None
    state = b.heartbeat(busy=False)
    assert (state.queued, state.busy_workers, state.quiet) == (0, 1, False)
    a.heartbeat(busy=False)
    assert b.status().quiet


class Held:
    """A stand-in for a popped Request (weakly referenced, like a request Scrapy holds)."""


def test_held_requests_are_released_when_done(server, keys):
    a = SharedCrawl(server, keys, "a")
    a.join()
    server.zadd(keys.queue, {b"r1": 0, b"r2": -5})
    first, second = Held(), Held()
    a.hold(first, a.pop())
    a.hold(second, a.pop())
    assert server.hlen(keys.inflight) == 2
    del first  # Scrapy let go of r2 (first popped): it is done
    gc.collect()
    a.heartbeat(busy=True)
    assert server.hkeys(keys.inflight) == [b"a\nr1"], "r2 (first popped) is done"
    server.zadd(keys.queue, {b"r3": 0})
    third = Held()
    del second
    a.hold(third, a.pop())  # popping reports `second` done
    assert server.hkeys(keys.inflight) == [b"a\nr3"]
    del third
    gc.collect()
    a.heartbeat(busy=False)
    assert server.hlen(keys.inflight) == 0


def test_requests_held_by_a_dead_worker_are_queued_again(server, keys):
    dying, survivor = SharedCrawl(server, keys, "dying", ttl=0.3), SharedCrawl(server, keys, "b")
    dying.join(), survivor.join()
    server.zadd(keys.queue, {b"listing": -5, b"article": 0})
    held = Held()  # never released: the worker dies holding it
    dying.hold(held, dying.pop())
    assert survivor.status().queued == 1
    time.sleep(0.5)  # the dying worker sends no heartbeat any more
    state = survivor.heartbeat(busy=False)
    assert (state.requeued, state.queued, state.live_workers, state.busy_workers) == (1, 2, 1, 0)
    assert survivor.pop() == b"listing", "put back with its priority"
    assert server.hkeys(keys.inflight) == [b"b\nlisting"]


def test_a_new_worker_resumes_what_a_dead_run_held(server, keys):
    dying = SharedCrawl(server, keys, "dying", ttl=0.3)
    dying.join()
    server.zadd(keys.queue, {b"home": -10})
    held = Held()  # never released: the worker dies holding it
    dying.hold(held, dying.pop())
    time.sleep(0.5)
    assert SharedCrawl(server, keys, "next").join() is False, "resume, not a new run"
    assert server.zrange(keys.queue, 0, -1) == [b"home"]


def test_dead_workers_age_out(server, keys):
    a = SharedCrawl(server, keys, "a", ttl=0.3)
    a.join()
    a.heartbeat(busy=True)
    assert a.status().busy_workers == 1
    time.sleep(0.5)
    state = SharedCrawl(server, keys, "b").status()
    assert (state.live_workers, state.busy_workers) == (0, 0)


def test_leave_removes_the_worker(server, keys):
    a = SharedCrawl(server, keys, "a")
    a.join(), a.heartbeat(busy=True)
    a.leave()
    assert a.status().live_workers == 0 and a.status().busy_workers == 0
    # Scrapy closes the scheduler (leave) a loop turn before spider_closed stops the
    # heartbeat: a beat in between must not register the worker again
    a.heartbeat(busy=False)
    assert a.status().live_workers == 0


class _UrlOnly(RequestFingerprinter):
    """A project fingerprinter that ignores the method: the dupefilter must use it."""

    def fingerprint(self, request):
        return super().fingerprint(request.replace(method="GET", body=b""))


def test_dupefilter_uses_the_crawler_fingerprinter_and_two_scopes(server, keys):
    default = RequestFingerprinter()
    dupefilter = SharedDupeFilter(server, keys, fingerprinter=default)
    article = Request(BASE + "/2024/01/02/slug/?b=2&a=1")
    assert dupefilter.request_seen(article) is False
    assert dupefilter.request_seen(Request(BASE + "/2024/01/02/slug/?a=1&b=2")) is True
    assert server.sismember(keys.seen_articles, default.fingerprint(article).hex())
    listing = Request(BASE + "/category/news/page/2/")
    assert dupefilter.request_seen(listing) is False
    assert server.sismember(keys.seen_this_run, default.fingerprint(listing).hex())
    custom = SharedDupeFilter(server, keys, fingerprinter=_UrlOnly())
    assert custom.request_seen(Request(BASE + "/x-slug/", method="POST")) is False
    assert custom.request_seen(Request(BASE + "/x-slug/")) is True
    dupefilter.close("finished")
    assert server.scard(keys.seen_articles) == 2, "closing one worker keeps the fingerprints"
    forgetful = SharedDupeFilter(server, keys, fingerprinter=default, remember_articles=False)
    assert forgetful.key_for(article) == keys.seen_this_run


def test_addon_switches_only_with_redis_url():
    plain = Settings({"ADDONS": {DistributedAddon: 0}})
    DistributedAddon().update_settings(plain)
    assert "scrapy_redis" not in str(plain.get("SCHEDULER"))
    shared = Settings({"REDIS_URL": "redis://127.0.0.1:1/0"})
    DistributedAddon().update_settings(shared)
    assert shared.get("SCHEDULER") == "madar.distributed.scheduler.SharedScheduler"
    assert shared.get("DUPEFILTER_CLASS") == "madar.distributed.scheduler.SharedDupeFilter"
    assert shared.getbool("SCHEDULER_PERSIST")
    assert any("DistributedWorker" in str(k) for k in shared.getdict("EXTENSIONS"))


def test_a_project_scheduler_wins_and_the_worker_parts_stay_out(caplog):
    """The add-on sets the shared scheduler at add-on priority; a project SCHEDULER wins, and
    then the worker extension and middleware must not assume the shared one."""
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from madar.distributed.worker import DistributedWorker, ForgetFailedRequests

    crawler = get_crawler(settings_dict={"REDIS_URL": "redis://127.0.0.1:1/0",
                                         "SCHEDULER": "scrapy.core.scheduler.Scheduler"})
    with pytest.raises(NotConfigured):
        DistributedWorker.from_crawler(crawler)
    with pytest.raises(NotConfigured):
        ForgetFailedRequests.from_crawler(crawler)
    assert caplog.text.count("this worker crawls alone") == 1
    shared = get_crawler(settings_dict={"REDIS_URL": "redis://127.0.0.1:1/0",
                                        "SCHEDULER": "madar.distributed.scheduler.SharedScheduler"})
    assert isinstance(ForgetFailedRequests.from_crawler(shared), ForgetFailedRequests)


def test_project_enables_the_addon():
    from madar import settings

    assert "madar.distributed.DistributedAddon" in settings.ADDONS


def test_feed_uri_has_the_worker_id(monkeypatch):
    from madar.feeds import worker_id

    worker_id.cache_clear()
    monkeypatch.setenv("MADAR_WORKER_ID", "box 1/a")
    try:
        spider = SimpleNamespace(crawler=SimpleNamespace(settings={}))
        params = uri_params({"name": "madar"}, spider)
        assert "data/madar-%(worker)s.jsonl" % params == "data/madar-box_1_a.jsonl"  # noqa: UP031
    finally:
        worker_id.cache_clear()


def _cli(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "madar.distributed", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_seed_status_reset_commands(server, keys, redis_url):
    common = ["--redis-url", redis_url, "--base-url", BASE]
    first = _cli("seed", *common)
    assert first["queued"] == [BASE + "/"] and first["new_run"] is True
    again = _cli("seed", *common)
    assert again["queued"] == [] and again["already_seen"] == [BASE + "/"]
    status = _cli("status", *common)
    assert (status["queued"], status["live_workers"]) == (1, 0)
    items = "madar:{seen}:http_127.0.0.1_8123:urls"  # this site's item memory
    other = "madar:{seen}:http_127.0.0.1_9999:urls"  # another site's
    server.hset(items, "1", "x")
    server.hset(other, "1", "x")
    assert _cli("reset", *common)["keys_deleted"] >= 2
    assert server.zcard(keys.queue) == 0 and server.exists(items)
    _cli("reset", *common, "--items")
    assert not server.exists(items) and server.exists(other)
    server.delete(other)


def test_state_forget_deletes_this_sites_redis_memory_only(server, redis_url):
    items = "madar:{seen}:http_127.0.0.1_8123:urls"
    other = "madar:{seen}:http_127.0.0.1_9999:urls"
    server.hset(items, "1", "x")
    server.hset(other, "1", "x")
    result = subprocess.run([sys.executable, "-m", "madar.state", "forget", "--base-url", BASE],
                            cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr
    assert f"forgot {BASE}: 1 Redis keys" in result.stdout
    assert not server.exists(items) and server.exists(other)
    server.delete(other)


def test_reset_refuses_while_workers_are_alive(server, keys, redis_url):
    SharedCrawl(server, keys, "a").join()
    result = subprocess.run([sys.executable, "-m", "madar.distributed", "reset", "--redis-url",
                             redis_url, "--base-url", BASE], cwd=REPO, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode != 0 and "still alive" in result.stderr


def test_requests_that_failed_for_good_are_forgotten(server, keys):
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse
    from scrapy.statscollectors import MemoryStatsCollector

    from madar.distributed.worker import ForgetFailedRequests

    dupefilter = SharedDupeFilter(server, keys, fingerprinter=RequestFingerprinter())
    settings = Settings({"REDIS_URL": "redis://127.0.0.1:1/0"})
    DistributedAddon().update_settings(settings)  # the shared scheduler, as in a crawl
    crawler = SimpleNamespace(settings=settings,
                              engine=SimpleNamespace(scheduler=SimpleNamespace(df=dupefilter)))
    crawler.stats = MemoryStatsCollector(crawler)
    middleware = ForgetFailedRequests.from_crawler(crawler)
    ok, gone, busy, broken = (Request(f"{BASE}/{name}-slug/")
                              for name in ("ok", "gone", "busy", "broken"))
    for request in (ok, gone, busy, broken):
        assert dupefilter.request_seen(request) is False
    for request, status in ((ok, 200), (gone, 404), (busy, 503)):
        middleware.process_response(request, HtmlResponse(request.url, status=status))
    middleware.process_exception(broken, TimeoutError())
    for request in (ok, gone, busy, broken):
        assert dupefilter.request_seen(request), "not again in this run"
    assert crawler.stats.get_value("madar/distributed/retry_next_run/503") == 1
    assert SharedCrawl(server, keys, "next-run").join() is True
    assert dupefilter.request_seen(ok) and dupefilter.request_seen(gone)
    assert not dupefilter.request_seen(busy), "a 503 after all retries: try again next run"
    assert not dupefilter.request_seen(broken), "a timeout after all retries: next run"
    assert not server.exists(keys.failed_articles)


def test_add_unseen_checks_and_queues_in_one_step(server, keys):
    crawl = SharedCrawl(server, keys, "a")
    assert crawl.add_unseen(keys.seen_articles, "fp1", -5, b"request-1") is True
    assert crawl.add_unseen(keys.seen_articles, "fp1", -5, b"request-1-again") is False
    assert server.zrange(keys.queue, 0, -1, withscores=True) == [(b"request-1", -5.0)]
