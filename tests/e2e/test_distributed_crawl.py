"""Two ``scrapy crawl madar`` workers share one crawl of the mirror through a real Redis.

Together they must collect every in-scope article exactly once, each must do part of the
work, the mirror must see no article page (and the home page) fetched twice, and both must
stop by themselves. A later run on the same Redis (what cron does) walks the listings again
but fetches and emits no old article.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import redis

from madar import settings as project_settings
from madar.distributed import CrawlKeys
from madar.urls import canonical_url
from mirror import ground_truth, serve_mirror
from tests.crawl import FAST_LOCAL, REPO, read_jsonl, run_crawl, stats_from_log
from tests.servers import redis_server
from tests.truth import corpus_problems

pytestmark = pytest.mark.slow

ARTICLES = 240
SEED = 11
WORKERS = ("w1", "w2")
#: Each worker must exit by itself well before this (seconds).
TIMEOUT = 300
#: Fast close for tests; the default (5 s) is for real networks.
SETTINGS = {"MADAR_REDIS_IDLE_CLOSE_SECONDS": "2"}
ADDON = "madar.distributed.DistributedAddon"
if ADDON not in json.dumps(project_settings.ADDONS):
    # Until madar/settings.py enables it (test_distributed_redis checks that it does).
    SETTINGS["ADDONS"] = json.dumps({**project_settings.ADDONS, ADDON: 100})


def run_workers(base_url: str, tmp: Path, redis_url: str, workers=WORKERS) -> dict[str, dict]:
    """Start the workers at once (threads running subprocesses); wait for all of them."""
    results: dict[str, dict] = {}

    def work(name: str) -> None:
        pattern = tmp / "madar-%(worker)s.jsonl"
        result = run_crawl(base_url, pattern, tmp / f"state-{name}", settings=SETTINGS,
                           env={"REDIS_URL": redis_url, "MADAR_WORKER_ID": name},
                           timeout=TIMEOUT)
        results[name] = {"result": result, "items": read_jsonl(tmp / f"madar-{name}.jsonl")}

    threads = [threading.Thread(target=work, args=(name,)) for name in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def article_fetches(requests: list[dict], base_url: str, truth: list[dict]) -> Counter:
    truth_paths = {unquote(urlsplit(t["url"]).path) for t in truth}
    fetched = Counter()
    for r in requests:
        path = unquote(urlsplit(canonical_url(base_url + r["path"])).path)
        if path in truth_paths and r["status"] == 200:
            fetched[path] += 1
    return fetched


def start_worker(name: str, base_url: str, tmp: Path, redis_url: str,
                 settings: dict[str, str]) -> subprocess.Popen:
    """One ``scrapy crawl madar`` worker in the background; its log in ``tmp/<name>.log``."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "madar", "-a", f"base_url={base_url}",
           "-O", f"{tmp}/{name}.jsonl:jsonlines"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "REDIS_URL": redis_url, "MADAR_WORKER_ID": name}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=(tmp / f"{name}.log").open("w"))


def exit_status(worker: subprocess.Popen, failure: str, timeout: float = 120) -> int:
    """The worker's exit status once it stopped by itself; the test fails if it does not."""
    try:
        return worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        pytest.fail(failure)


def wait_for_requests(log_path: Path, count: int, timeout: float = 60) -> None:
    """Until the mirror has answered ``count`` requests (the crawl is under way)."""
    deadline = time.monotonic() + timeout
    while len(read_jsonl(log_path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="module")
def shared(tmp_path_factory, redis_url):
    tmp = tmp_path_factory.mktemp("distributed")
    log_path = tmp / "requests.jsonl"
    with serve_mirror(articles=ARTICLES, seed=SEED, log_path=log_path) as mirror:
        workers = run_workers(mirror.base_url, tmp, redis_url)
        requests = read_jsonl(log_path)
        yield {"workers": workers, "requests": requests, "tmp": tmp, "log_path": log_path,
               "base_url": mirror.base_url, "redis_url": redis_url,
               "truth": ground_truth(mirror.base_url, articles=ARTICLES, seed=SEED)}


def _logs(shared) -> str:
    return "\n".join(stats_from_log(w["result"].stderr) for w in shared["workers"].values())


def test_workers_exit_by_themselves(shared):
    for name, worker in shared["workers"].items():
        result = worker["result"]
        assert result.returncode == 0, f"{name}\n{result.stderr[-5000:]}"
        assert "Traceback" not in result.stderr, f"{name}\n{result.stderr[-5000:]}"
        assert "'finish_reason': 'finished'" in result.stderr, stats_from_log(result.stderr)
        assert "is finished" in result.stderr, "closed by the shared-crawl rule"
    keys = CrawlKeys.for_base_url(shared["base_url"])
    client = redis.Redis.from_url(shared["redis_url"])
    assert client.zcard(keys.queue) == 0
    assert client.zcard(keys.workers) == 0, "workers leave when they close"


def test_together_every_in_scope_article_exactly_once(shared):
    items = [i for w in shared["workers"].values() for i in w["items"]]
    problems = corpus_problems((item["url"] for item in items), shared["truth"])
    assert not problems, "\n".join(problems[:10]) + "\n" + _logs(shared)


def test_each_worker_did_a_share(shared):
    shares = {name: len(w["items"]) for name, w in shared["workers"].items()}
    assert all(n > 0 for n in shares.values()), f"articles per worker: {shares}"
    for name, worker in shared["workers"].items():
        assert "'downloader/response_status_count/200'" in worker["result"].stderr, name


def test_mirror_saw_each_page_once(shared):
    requests = shared["requests"]
    fetched = article_fetches(requests, shared["base_url"], shared["truth"])
    twice = [p for p, n in fetched.items() if n > 1]
    assert not twice, f"article pages fetched twice: {twice[:5]}"
    home = [r for r in requests if r["path"] == "/" and r["method"] == "GET"]
    assert len(home) == 1, f"home page fetched {len(home)} times"


def test_next_run_walks_listings_but_fetches_no_old_article(shared, tmp_path):
    """Cron on the same Redis: a new run, the same mirror. Nothing is new."""
    before = len(read_jsonl(shared["log_path"]))
    workers = run_workers(shared["base_url"], tmp_path, shared["redis_url"], workers=("w3",))
    result = workers["w3"]["result"]
    assert result.returncode == 0, stats_from_log(result.stderr)
    assert "new run" in result.stderr
    assert workers["w3"]["items"] == []
    requests = read_jsonl(shared["log_path"])[before:]
    assert any(r["path"] == "/" for r in requests), "the home page is walked again"
    assert not article_fetches(requests, shared["base_url"], shared["truth"]), (
        "an article of the previous run was fetched again")


def test_a_killed_worker_loses_nothing_and_keeps_nobody_waiting(shared, tmp_path, redis_url):
    """SIGKILL one of two workers mid-crawl: its heartbeat ages out (TTL 3 s here), the
    requests it held go back to the queue, and the survivor finishes the whole crawl and
    exits by itself: every article page the undisturbed crawl fetched (same mirror) is
    fetched. Only pages the victim was holding may be fetched a second time."""
    db_url = redis_url.rsplit("/", 1)[0] + "/1"  # apart from the shared crawl's item store
    settings = {**FAST_LOCAL, **SETTINGS, "MADAR_REDIS_HEARTBEAT_TTL": "3",
                "MADAR_STATE_DIR": str(tmp_path / "state")}
    log_path = tmp_path / "requests.jsonl"
    with serve_mirror(articles=ARTICLES, seed=SEED, log_path=log_path) as mirror:
        survivor, victim = (start_worker(name, mirror.base_url, tmp_path, db_url, settings)
                            for name in ("survivor", "victim"))
        wait_for_requests(log_path, 40)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        returncode = exit_status(survivor, "the surviving worker did not exit by itself")
        log = (tmp_path / "survivor.log").read_text()
        assert returncode == 0, log[-5000:]
        assert "'finish_reason': 'finished'" in log, stats_from_log(log)
        truth = ground_truth(mirror.base_url, articles=ARTICLES, seed=SEED)
        fetched = article_fetches(read_jsonl(log_path), mirror.base_url, truth)
    undisturbed = article_fetches(shared["requests"], shared["base_url"], shared["truth"])
    missing = set(undisturbed) - set(fetched)
    assert not missing, f"{len(missing)} article pages never fetched: {sorted(missing)[:3]}"
    twice = [p for p, n in fetched.items() if n > 1]
    # At most what the victim held: its downloads plus responses waiting to be parsed.
    assert len(twice) <= 2 * int(FAST_LOCAL["CONCURRENT_REQUESTS"]), twice


def test_seeded_crawl_fetches_the_home_page_once(tmp_path, redis_url):
    """``python -m madar.distributed seed`` queues the home page; a worker started later
    takes it from the queue (its own start request is filtered) and crawls the site."""
    db_url = redis_url.rsplit("/", 1)[0] + "/2"
    log_path = tmp_path / "requests.jsonl"
    with serve_mirror(articles=60, seed=SEED, log_path=log_path) as mirror:
        seeded = subprocess.run(
            [sys.executable, "-m", "madar.distributed", "seed", "--redis-url", db_url,
             "--base-url", mirror.base_url], cwd=REPO, capture_output=True, text=True,
            timeout=60, check=False)
        assert seeded.returncode == 0, seeded.stderr
        assert json.loads(seeded.stdout)["queued"] == [mirror.base_url + "/"]
        workers = run_workers(mirror.base_url, tmp_path, db_url, workers=("late",))
        result = workers["late"]["result"]
        requests = read_jsonl(log_path)
    assert result.returncode == 0, stats_from_log(result.stderr)
    assert "joining (1 requests queued)" in result.stderr
    assert [r["path"] for r in requests].count("/") == 1
    assert len(workers["late"]["items"]) > 20


def test_a_worker_that_loses_redis_stops_and_fails(tmp_path):
    """Redis goes away mid-crawl: past the heartbeat TTL the other workers would count this
    one dead, so it stops by itself with ``redis_unreachable`` and exit status 1, keeping
    the lines it wrote."""
    settings = {**FAST_LOCAL, **SETTINGS, "MADAR_REDIS_HEARTBEAT_TTL": "3",
                "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.2",
                "MADAR_STATE_DIR": str(tmp_path / "state")}
    log_path = tmp_path / "requests.jsonl"
    with serve_mirror(articles=60, seed=SEED, log_path=log_path) as mirror:
        with redis_server(tmp_path / "redis") as url:
            worker = start_worker("lone", mirror.base_url, tmp_path, url, settings)
            wait_for_requests(log_path, 10)
        # Redis is stopped, the mirror still answers
        returncode = exit_status(worker, "the worker did not stop after losing Redis")
    log = (tmp_path / "lone.log").read_text()
    assert returncode == 1, log[-3000:]
    assert "'finish_reason': 'redis_unreachable'" in log, stats_from_log(log)
    assert "Redis unreachable" in log
