"""``python -m madar.cron`` against the offline mirror, as cron runs it: incremental runs,
the run lock, and runs killed half-way (SIGKILL / SIGTERM) followed by a normal run."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from madar.urls import canonical_url
from mirror import MirrorServer, serve_mirror
from tests.crawl import read_jsonl
from tests.cron_runs import all_lines, feeds, log_tail, run_cron, start_cron
from tests.truth import Truth

pytestmark = pytest.mark.slow

ARTICLES = 120
SEED = 11


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("mirror") / "requests.jsonl"
    with serve_mirror(articles=ARTICLES, seed=SEED, log_path=str(log_path)) as server:
        yield server, log_path, Truth(server.base_url, ARTICLES, SEED)


@pytest.fixture(scope="module")
def reference(mirror, tmp_path_factory):
    """One complete cron run on a fresh state: the full set of stories."""
    server, _, truth = mirror
    root = tmp_path_factory.mktemp("reference")
    result = run_cron(server.base_url, root)
    assert result.returncode == 0, log_tail(root, result)
    rows = all_lines(root)
    assert rows, log_tail(root, result)
    stories = truth.stories(r["url"] for r in rows)
    assert max(stories.values()) == 1, "one story emitted twice in a single run"
    return root, rows, set(stories)


def request_lines(log_path: Path) -> list[dict]:
    return read_jsonl(log_path)


def test_first_run_writes_dated_feed_report_and_log(reference, mirror):
    root, rows, _ = reference
    _, _, truth = mirror
    (feed,) = feeds(root)
    assert feed.parent.relative_to(root / "data").parts[0].isdigit()  # data/YYYY/MM/DD/
    assert feed.name.startswith("madar-") and not list((root / "data").rglob("*.part"))
    report = json.loads(feed.with_name(feed.name + ".report.json").read_text())
    assert report["articles"]["emitted"] == len(rows) == report["articles"]["new"]
    assert report["monitors"]["failed"] == 0, report["monitors"]
    assert report["finish_reason"] == "finished"
    assert len(list((root / "logs").rglob("madar-*.log"))) == 1
    found = {r["url"] for r in rows}
    assert found <= set(truth.by_url), "every item is an article of the site"
    assert len(found & truth.in_scope) >= 0.9 * len(truth.in_scope)
    assert not (root / "state" / "cron-run.json").exists(), "a complete run leaves no marker"


def test_second_run_emits_nothing_and_fetches_no_article(reference, mirror):
    root, _, _ = reference
    server, log_path, truth = mirror
    before = len(request_lines(log_path))
    result = run_cron(server.base_url, root)
    assert result.returncode == 0, log_tail(root, result)
    newest = feeds(root)[-1]
    assert len(feeds(root)) == 2 and newest.read_text() == ""
    requests = request_lines(log_path)[before:]
    paths = [r["path"] for r in requests]
    articles = [p for p in paths if truth.is_article_request(server.base_url, p)]
    assert not articles, f"known articles fetched again: {articles[:5]}"
    listing = [p for p in paths if p.startswith("/category/")]
    assert len(listing) == 1, paths
    # robots.txt (Scrapy's check, then its Sitemap: lines), the feed, the sitemap index, the
    # newest post sitemap, the home page, latest-news page 1
    assert len(paths) <= 7, paths
    report = json.loads(newest.with_name(newest.name + ".report.json").read_text())
    assert report["incremental"]["stopped_at_page"] == 1
    assert report["monitors"]["failed"] == 0, report["monitors"]


def test_second_run_while_the_first_holds_the_lock_exits_at_once(mirror, tmp_path):
    server, _, _ = mirror
    slow = {"DOWNLOAD_DELAY": "0.25", "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "RANDOMIZE_DOWNLOAD_DELAY": "False"}
    first = start_cron(server.base_url, tmp_path, "--max-pages", "2", settings=slow)
    try:
        lock = tmp_path / "state" / "cron.lock"
        deadline = time.monotonic() + 60
        while not (lock.exists() and f"pid {first.pid} " in lock.read_text()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.1)
        second = run_cron(server.base_url, tmp_path, timeout=60)
        assert second.returncode == 75, second.stderr
        assert "another run is in progress" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        # "at once" without a clock: the second run did not wait for the first to finish
        assert first.poll() is None, "the first run must still be crawling"
        _, first_err = first.communicate(timeout=300)
        assert first.returncode == 0, first_err + log_tail(tmp_path)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert len(feeds(tmp_path)) == 1, "only the first run wrote a feed"


@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGTERM])
def test_killed_run_then_normal_run_give_the_full_set_once(kill_signal, mirror, reference,
                                                          tmp_path):
    server, _, truth = mirror
    _, _, full = reference
    slow = {"DOWNLOAD_DELAY": "0.03", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    first = start_cron(server.base_url, tmp_path, settings=slow)
    try:
        deadline = time.monotonic() + 120
        while True:
            parts = list((tmp_path / "data").rglob("*.jsonl.part"))
            if parts and parts[0].read_bytes().count(b"\n") >= 15:
                break
            assert first.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.send_signal(kill_signal)
        first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode != 0
    if kill_signal == signal.SIGKILL:
        assert list((tmp_path / "data").rglob("*.jsonl.part")), "SIGKILL leaves the .part"
        assert (tmp_path / "state" / "cron-run.json").exists()
    second = run_cron(server.base_url, tmp_path)
    assert second.returncode == 0, log_tail(tmp_path, second)
    assert not list((tmp_path / "data").rglob("*.part"))
    rows = all_lines(tmp_path)
    urls = Counter(r["url"] for r in rows)
    assert not [u for u, n in urls.items() if n > 1], "an article in two feeds"
    stories = truth.stories(urls)
    assert not [s for s, n in stories.items() if n > 1], "one story in two feeds"
    assert set(stories) == full, (
        f"missing {sorted(full - set(stories))[:3]}, extra {sorted(set(stories) - full)[:3]}")
    last = feeds(tmp_path)[-1]
    report = json.loads(last.with_name(last.name + ".report.json").read_text())
    assert report["incremental"].get("catch_up") == 1, "the run after a kill catches up"


class HideNewest:
    """A mirror reply hook that serves the site as it was before its *k* newest posts:
    every link to them points to an old post instead, and the posts themselves answer 404.
    Removing the hook "publishes" them (newest first in the listing, as on the real site)."""

    def __init__(self, server: MirrorServer, k: int) -> None:
        site = server.mirror.site
        fresh = [p for p in site.listed if p.status == 200 and not p.special]
        self.hidden = fresh[:k]
        decoy = fresh[-1]
        self.paths = {unquote(p.path) for p in self.hidden}
        self.ids = {str(p.id) for p in self.hidden}
        self.rewrites = [(re.compile(re.escape(p.path), re.IGNORECASE), decoy.path)
                         for p in self.hidden]
        self.rewrites += [(re.compile(rf"(?<=[?&]p=){p.id}(?!\d)"), str(decoy.id))
                          for p in self.hidden]
        self.urls = {server.base_url + p.path for p in self.hidden}

    def __call__(self, handler, reply):
        path, _, query = handler.path.partition("?")
        decoded = unquote(path)
        if (decoded in self.paths or decoded.removesuffix("amp/") in self.paths
                or any(f"p={i}" == q for q in query.split("&") for i in self.ids)):
            return dataclasses.replace(reply, status=404, body=b"hidden", headers={})
        if "html" not in reply.content_type:
            return reply
        try:
            text = reply.body.decode("utf-8")
        except UnicodeDecodeError:
            return reply
        for pattern, replacement in self.rewrites:
            text = pattern.sub(replacement, text)
        return dataclasses.replace(reply, body=text.encode("utf-8"))


def test_run_after_new_articles_emits_exactly_those(mirror, reference, tmp_path):
    server, _, truth = mirror
    _, _, full = reference
    hide = HideNewest(server, 5)
    server.reply_hooks.append(hide)
    try:
        first = run_cron(server.base_url, tmp_path)
    finally:
        server.reply_hooks.remove(hide)
    assert first.returncode == 0, log_tail(tmp_path, first)
    before = {r["url"] for r in all_lines(tmp_path)}
    hidden = {canonical_url(u) for u in hide.urls}
    assert hidden and not hidden & before, "the hidden posts were not reachable"
    second = run_cron(server.base_url, tmp_path)
    assert second.returncode == 0, log_tail(tmp_path, second)
    got = {r["url"] for r in read_jsonl(feeds(tmp_path)[-1])}
    assert not got & before, "nothing emitted before is emitted again"
    assert hidden <= got, f"new articles missed: {sorted(hidden - got)[:3]}"
    # Besides the new posts, only what they alone link to may appear (an orphan post).
    linked = {u for h in hidden for u in truth.by_url[h]["related"]}
    assert got - hidden <= linked, sorted(got - hidden - linked)[:3]
    union = truth.stories(before | got)
    assert set(union) == full and max(union.values()) == 1


def test_a_bad_base_url_exits_2_with_one_line_before_locking(tmp_path):
    result = run_cron("ftp://not-a-site", tmp_path, timeout=120)
    assert result.returncode == 2
    line = [x for x in result.stderr.splitlines() if x.startswith("madar.cron:")]
    assert line == ["madar.cron: bad spider argument -a base_url=ftp://not-a-site: expected "
                    "an absolute http(s) URL (e.g. base_url=http://127.0.0.1:8000)"], (
        result.stderr)
    assert "Unhandled error" not in result.stderr
