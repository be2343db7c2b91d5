"""Faults on our side, processes: cron runs killed with SIGKILL several times in a row (some
at a random early moment, some once the feed holds a random number of lines), then one run
left alone.

Afterwards: the union of all feeds is the full set of stories, no article (or story) twice,
every line of every feed valid JSON (no ``.part`` left), and the SQLite dedup store passes
``PRAGMA integrity_check`` after every kill."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from mirror import serve_mirror
from tests.cron_runs import all_lines, log_tail, run_cron, start_cron
from tests.truth import Truth

pytestmark = pytest.mark.slow

ARTICLES = 120
SEED = 31
KILLS = 5
#: Slow enough that a kill lands mid-crawl (a full run takes ~10 s at this pace).
SLOW = {"DOWNLOAD_DELAY": "0.04", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}


def integrity(state_root: Path) -> str:
    db = next(state_root.glob("sites/*/seen.sqlite3"), state_root / "sites" / "none")
    if not db.exists():
        return "ok"
    connection = sqlite3.connect(db)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def parts(root: Path) -> set[Path]:
    return set((root / "data").rglob("*.jsonl.part"))


def new_lines(root: Path, old_parts: set[Path]) -> int:
    """Lines in the feeds started after ``old_parts`` were listed (this run's feed)."""
    total = 0
    for part in parts(root) - old_parts:
        with contextlib.suppress(FileNotFoundError):  # renamed meanwhile
            total += part.read_bytes().count(b"\n")
    return total


def wait_for_lines(root: Path, old_parts: set[Path], wanted: int, process,
                   limit: float = 120) -> None:
    """Until this run's feed holds ``wanted`` lines (or the run ends)."""
    deadline = time.monotonic() + limit
    while (new_lines(root, old_parts) < wanted and process.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.02)


@pytest.fixture(scope="module")
def killed_runs(tmp_path_factory):
    """KILLS cron runs killed with SIGKILL, then one normal run: even kills land at a random
    moment of the first 2 s (often before the feed opens), odd ones once the feed holds a
    random number of new lines (mid-feed, whatever the machine's speed)."""
    root = tmp_path_factory.mktemp("kills")
    rng = random.Random(SEED)
    with serve_mirror(articles=ARTICLES, seed=SEED) as mirror:
        truth = Truth(mirror.base_url, ARTICLES, SEED)
        kills = []
        for number in range(KILLS):
            old_parts = parts(root)
            process = start_cron(mirror.base_url, root, settings=SLOW)
            if number % 2:
                wait_for_lines(root, old_parts, rng.randint(1, 15), process)
            else:
                time.sleep(rng.uniform(0.3, 2.0))
            still_running = process.poll() is None
            process.kill()
            process.communicate(timeout=60)
            kills.append({"mid_feed": number % 2 == 1, "killed": still_running,
                          "new_lines": new_lines(root, old_parts),
                          "integrity": integrity(root / "state")})
        last = run_cron(mirror.base_url, root, timeout=300)
    print("kills:", kills)
    return {"root": root, "truth": truth, "kills": kills, "last": last}


def test_kills_hit_running_crawls_and_the_last_run_succeeds(killed_runs):
    kills = killed_runs["kills"]
    assert sum(k["killed"] for k in kills) >= 3, f"most kills must hit a running crawl {kills}"
    assert sum(k["new_lines"] > 0 for k in kills) >= 1, f"some kill must hit mid-feed {kills}"
    last = killed_runs["last"]
    assert last.returncode == 0, log_tail(killed_runs["root"], last)


def test_dedup_store_never_corrupted(killed_runs):
    assert [k["integrity"] for k in killed_runs["kills"]] == ["ok"] * KILLS
    assert integrity(killed_runs["root"] / "state") == "ok"


def test_every_line_of_every_feed_is_valid_json_and_no_part_is_left(killed_runs):
    root = killed_runs["root"]
    assert not list((root / "data").rglob("*.part")), "a .part feed was left behind"
    assert all_lines(root)  # fails on any line that is not valid JSON


def test_no_article_and_no_story_twice(killed_runs):
    rows = all_lines(killed_runs["root"])
    urls = Counter(r["url"] for r in rows)
    assert not [u for u, n in urls.items() if n > 1], "an article in two feeds"
    stories = killed_runs["truth"].stories(urls)
    assert not [s for s, n in stories.items() if n > 1], "one story in two feeds"


def test_union_of_feeds_is_the_full_set(killed_runs):
    truth = killed_runs["truth"]
    stories = truth.stories(r["url"] for r in all_lines(killed_runs["root"]))
    expected = {truth.story[u] for u in truth.in_scope}
    assert set(stories) == expected, (
        f"missing {sorted(expected - set(stories))[:3]}, extra "
        f"{sorted(set(stories) - expected)[:3]}")
