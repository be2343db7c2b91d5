"""The spider's arguments bound the crawl as documented: max_pages, since, related_depth."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from mirror import ground_truth, serve_mirror
from tests.crawl import read_jsonl, run_crawl, stats_from_log

pytestmark = pytest.mark.slow

ARTICLES = 120
SEED = 3
LATEST_NEWS = "/category/آخر-الأخبار/"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    log = tmp_path_factory.mktemp("mirror") / "requests.jsonl"
    with serve_mirror(articles=ARTICLES, seed=SEED, log_path=log) as server:
        server.log_path = log
        yield server


def _crawl(mirror, tmp_path, **args):
    mark = len(read_jsonl(mirror.log_path))
    out = tmp_path / "out.jsonl"
    # Bounded crawls take a sample of the mirror, whose undated posts can sink the coverage of
    # a small sample under the monitor's threshold: coverage is not what these tests judge.
    result = run_crawl(mirror.base_url, out, tmp_path / "state",
                       args={k: str(v) for k, v in args.items()},
                       settings={"MADAR_MONITOR_COVERAGE_MIN_ITEMS": "1000"})
    assert result.returncode == 0, stats_from_log(result.stderr)
    paths = [unquote(urlsplit(r["path"]).path) for r in read_jsonl(mirror.log_path)[mark:]]
    return read_jsonl(out), paths


def _listing_pages(paths):
    return sorted({p for p in paths if p.startswith(LATEST_NEWS)})


def test_max_pages_bounds_the_listing_walk(mirror, tmp_path):
    items, paths = _crawl(mirror, tmp_path, max_pages=2, related_depth=0)
    assert _listing_pages(paths) == [LATEST_NEWS, LATEST_NEWS + "page/2/"]
    # home page (10) + two listing pages (20), overlapping: far fewer than the whole site
    assert 10 <= len(items) <= 30


def test_related_depth_zero_misses_the_orphans_and_default_finds_them(mirror, tmp_path):
    truth = ground_truth(mirror.base_url, articles=ARTICLES, seed=SEED)
    orphans = {t["url"] for t in truth if t["_special"] == "orphan"}
    assert orphans
    items, _ = _crawl(mirror, tmp_path, related_depth=0)
    assert not orphans & {i["url"] for i in items}
    items, _ = _crawl(mirror, tmp_path / "again")  # default: unlimited depth
    assert orphans <= {i["url"] for i in items}


def test_since_stops_paginating_at_older_articles(mirror, tmp_path):
    truth = ground_truth(mirror.base_url, articles=ARTICLES, seed=SEED)
    dates = sorted(t["published"][:10] for t in truth if t["published"])
    since = dates[len(dates) * 3 // 4]  # the newest quarter
    items, paths = _crawl(mirror, tmp_path, since=since, related_depth=0)
    full_listing = (ARTICLES + 9) // 10
    assert 1 <= len(_listing_pages(paths)) < full_listing
    assert items
    assert all(i["published"] is None or i["published"][:10] >= since for i in items)


def test_bad_arguments_fail_fast(mirror, tmp_path):
    result = run_crawl("ftp://example.invalid", tmp_path / "x.jsonl", tmp_path / "s")
    assert result.returncode == 2
    assert "-a base_url=ftp://example.invalid: expected an absolute http(s) URL" in result.stderr


def test_max_pages_zero_walks_no_listing(mirror, tmp_path):
    items, paths = _crawl(mirror, tmp_path, max_pages=0, related_depth=0)
    assert _listing_pages(paths) == []
    assert 1 <= len(items) <= 10  # the home page's latest posts


def _truth_dates(mirror) -> dict[str, str]:
    truth = ground_truth(mirror.base_url, articles=ARTICLES, seed=SEED)
    return {unquote(urlsplit(t["url"]).path): t["published"][:10]
            for t in truth if t["published"]}


def test_since_keeps_older_articles_out_of_the_output_and_the_frontier(mirror, tmp_path):
    dates = _truth_dates(mirror)
    since = sorted(dates.values())[len(dates) // 2]  # the newer half
    items, paths = _crawl(mirror, tmp_path, since=since)  # related links followed (default)
    assert items
    assert all(i["published"] is None or i["published"][:10] >= since for i in items)
    fetched_older = sorted(p for p in set(paths) if dates.get(p, "9999") < since)
    assert fetched_older == [], "articles older than since were requested"
    newer_listed = {p for p, d in dates.items() if d >= since}
    emitted = {unquote(urlsplit(i["url"]).path) for i in items}
    assert len(emitted & newer_listed) >= len(newer_listed) * 0.9


def test_max_articles_is_a_hard_cap_and_a_clean_end(mirror, tmp_path):
    items, _ = _crawl(mirror, tmp_path, max_articles=7)  # _crawl asserts exit status 0
    assert len(items) == 7
