"""Archive mode (``-a archive=1``) against a mirror whose archive the navigation no longer
reaches: 30 % of the posts are listed only in the sitemaps.

Checks every in-scope article once and nothing else (no WordPress page, category or tag),
the request budget (articles + sitemaps + robots.txt + the listing pages walked), the
``since``/``until`` window in both sitemap styles, and a backfill killed with SIGKILL and
restarted with the same JOBDIR."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from madar.spiders.madar import MadarSpider
from madar.urls import canonical_url
from mirror import ground_truth, serve_mirror
from mirror.changes import SiteChanges
from tests.crawl import FAST_LOCAL, REPO, read_jsonl, run_crawl, stats_from_log
from tests.truth import corpus_problems

pytestmark = pytest.mark.slow

ARTICLES = 300
SEED = 12
CHANGES = SiteChanges(archive_only=0.3)
SITEMAP = r"\.xml$"


def stat(log: str, key: str) -> int:
    for line in log.splitlines():
        if line.strip().startswith(f"'{key}':"):
            return int(line.split(":")[-1].strip(" ,}"))
    return 0


def article_paths(truth: list[dict]) -> set[str]:
    return {unquote(urlsplit(t["url"]).path) for t in truth}


def classify(requests: list[dict], base: str, truth: list[dict]) -> Counter:
    """Count the mirror's logged requests by kind."""
    articles = article_paths(truth)
    kinds: Counter = Counter()
    for r in requests:
        path = r["path"]
        if path == "/robots.txt":
            kinds["robots"] += 1
        elif path.endswith(".xml"):
            kinds["sitemaps"] += 1
        elif path == "/" or "/category/" in path or "/page/" in path:
            kinds["listing"] += 1
        elif unquote(urlsplit(canonical_url(base + path)).path) in articles:
            kinds["articles" if r["status"] != 500 else "article_errors"] += 1
        elif path.startswith("/?p="):
            kinds["shortlinks"] += 1
        else:
            kinds["other"] += 1
    return kinds


@pytest.fixture(scope="module")
def archive_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archive")
    log_path = tmp / "requests.jsonl"
    with serve_mirror(ARTICLES, SEED, log_path=log_path, changes=CHANGES) as mirror:
        out = tmp / "archive.jsonl"
        result = run_crawl(mirror.base_url, out, tmp / "state", args={"archive": "1"})
        assert result.returncode == 0, stats_from_log(result.stderr)
        yield {"items": read_jsonl(out), "log": result.stderr, "base": mirror.base_url,
               "truth": ground_truth(mirror.base_url, ARTICLES, SEED, CHANGES),
               "requests": read_jsonl(log_path), "site": mirror.mirror.site}


def test_archive_collects_every_in_scope_article_once_and_nothing_else(archive_crawl):
    truth = archive_crawl["truth"]
    hidden = [t for t in truth if t["_special"] == "archive-only"]
    assert len(hidden) >= 0.25 * len(truth), "the mirror must hide ~30 % from navigation"
    problems = corpus_problems((i["url"] for i in archive_crawl["items"]), truth)
    assert not problems, "\n".join(problems[:10]) + stats_from_log(archive_crawl["log"])


def test_each_source_is_counted_and_no_article_is_fetched_twice(archive_crawl):
    log = archive_crawl["log"]
    assert stat(log, "madar/source/sitemap") >= len(archive_crawl["site"].posts) * 0.6
    assert stat(log, "madar/source/home") >= 1
    kinds = classify(archive_crawl["requests"], archive_crawl["base"], archive_crawl["truth"])
    fetched = Counter(r["path"] for r in archive_crawl["requests"] if r["status"] == 200)
    twice = [p for p, n in fetched.items() if n > 1 and p != "/robots.txt"]
    assert not twice, twice[:5]
    print("requests by kind:", dict(kinds))


def test_requests_are_articles_sitemaps_robots_and_the_listing_walked(archive_crawl):
    site = archive_crawl["site"]
    kinds = classify(archive_crawl["requests"], archive_crawl["base"], archive_crawl["truth"])
    in_scope = sum(p.in_scope for p in site.posts)
    # Yoast: the index and one post sitemap (< 1,000 posts); page/category/tag/author not.
    assert kinds["sitemaps"] == 2
    # robots.txt twice: Scrapy's RobotsTxtMiddleware, then the sitemap discovery.
    assert kinds["robots"] == 2
    assert kinds["articles"] == in_scope
    # The home page and the first listing pages: the walk stops at the first listing page
    # that adds nothing the sitemaps did not already name.
    assert kinds["listing"] <= 3, kinds
    assert kinds["other"] == 0, kinds
    assert sum(kinds.values()) <= in_scope + 2 + 2 + 3 + 5 + 1, kinds  # + 500 retries, shortlink


def _window_truth(site, since: dt.date, until: dt.date, by_lastmod: bool) -> set[str]:
    def day(post) -> dt.date:
        return (post.modified if by_lastmod else post.published).date()

    return {post.path for post in site.posts
            if post.in_scope and since <= day(post) <= until}


@pytest.mark.parametrize("style, by_lastmod", [("yoast", True), ("core", False)])
def test_since_until_bound_the_archive_exactly(tmp_path, style, by_lastmod):
    since, until = dt.date(2019, 1, 1), dt.date(2020, 6, 30)
    with serve_mirror(ARTICLES, SEED, sitemaps=style, changes=CHANGES) as mirror:
        out = tmp_path / "chunk.jsonl"
        result = run_crawl(mirror.base_url, out, tmp_path / "state",
                           args={"archive": "1", "since": str(since), "until": str(until)})
        assert result.returncode == 0, stats_from_log(result.stderr)
        expected = _window_truth(mirror.mirror.site, since, until, by_lastmod)
        got = [unquote(urlsplit(i["url"]).path) for i in read_jsonl(out)]
    duplicates = {p.path for p in mirror.mirror.site.posts if p.duplicate_of}
    originals = {mirror.mirror.site.by_id[p.duplicate_of].path
                 for p in mirror.mirror.site.posts if p.duplicate_of}
    assert len(got) == len(set(got))
    expected_paths = {unquote(p) for p in expected}
    missing = expected_paths - set(got) - {unquote(p) for p in duplicates | originals}
    assert expected_paths and not missing, sorted(missing)[:5]
    assert set(got) <= expected_paths, sorted(set(got) - expected_paths)[:5]


# --- kill and resume ------------------------------------------------------------------------

SLOW = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
        "DOWNLOAD_DELAY": "0.05"}


def start_crawl(base: str, out: Path, state: Path, jobdir: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "madar", "-a", f"base_url={base}",
           "-a", "archive=1", "-o", f"{out}:jsonlines"]
    for key, value in {**FAST_LOCAL, **SLOW, "MADAR_STATE_DIR": str(state),
                       "JOBDIR": str(jobdir)}.items():
        cmd += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "graceful"])
def test_a_stopped_backfill_resumes_with_every_article_once(tmp_path, stop):
    """SIGKILL: Scrapy's JOBDIR queue is lost, the sources are walked again and the memory
    skips what was stored. SIGTERM: Scrapy saves its queue and the run continues it."""
    log_path = tmp_path / "requests.jsonl"
    with serve_mirror(ARTICLES, SEED, log_path=log_path, changes=CHANGES) as mirror:
        first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
        process = start_crawl(mirror.base_url, first, tmp_path / "state", tmp_path / "job")
        deadline = time.monotonic() + 300
        while len(read_jsonl(first)) < ARTICLES // 2 and process.poll() is None:
            assert time.monotonic() < deadline, "the first run never got halfway"
            time.sleep(0.2)
        assert process.poll() is None, "the first run finished before the kill"
        process.send_signal(stop)
        process.communicate(timeout=120)
        paused = (tmp_path / "job" / MadarSpider.PAUSED_MARK).exists()
        assert paused is (stop == signal.SIGTERM)
        before_kill = len(read_jsonl(log_path))
        process = start_crawl(mirror.base_url, second, tmp_path / "state", tmp_path / "job")
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stats_from_log(stderr)
        truth = ground_truth(mirror.base_url, ARTICLES, SEED, CHANGES)
    items = read_jsonl(first) + read_jsonl(second)
    assert read_jsonl(first) and read_jsonl(second)
    problems = corpus_problems((i["url"] for i in items), truth)
    assert not problems, "\n".join(problems[:10]) + stats_from_log(stderr)
    requests = read_jsonl(log_path)
    articles = article_paths(truth)

    def article_fetches(rows: list[dict]) -> Counter:
        return Counter(unquote(urlsplit(canonical_url(mirror.base_url + r["path"])).path)
                       for r in rows if r["status"] == 200
                       and unquote(urlsplit(canonical_url(mirror.base_url + r["path"])).path)
                       in articles)

    before, after = article_fetches(requests[:before_kill]), article_fetches(
        requests[before_kill:])
    refetched = set(before) & set(after)
    # In flight at the kill: at most the concurrent requests (+ items between the pipeline
    # and the feed, which the next run fetches again).
    assert len(refetched) <= int(SLOW["CONCURRENT_REQUESTS"]) + 4, sorted(refetched)[:8]
    print(f"killed after {len(before)} article fetches; refetched {len(refetched)}")
