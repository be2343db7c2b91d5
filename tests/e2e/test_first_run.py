"""A new user's first day, from the shell (issue 11): bad arguments and an unreachable site
get one clear line and a non-zero exit status; a plain crawl is a complete snapshot every
time, an incremental one emits only what is new; each site has its own memory, which
``python -m madar.state forget`` clears and only one crawl at a time may hold."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from madar.state import acquire, site_key
from mirror import ground_truth, serve_mirror
from tests.crawl import REPO, read_jsonl, run_crawl, stats_from_log

pytestmark = pytest.mark.slow

#: Lines Scrapy itself logs on every start (timestamped); everything else is ours.
LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[|^\s|^[{}'\]]")


def _own_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line and not LOG_LINE.match(line)]


@pytest.mark.parametrize(("argument", "expected"), [
    ("max_pages=abc", "-a max_pages=abc: expected a whole number >= 0"),
    ("related_depth=x", "-a related_depth=x: expected a whole number >= 0"),
    ("since=yesterday", "-a since=yesterday: expected a date YYYY-MM-DD"),
    ("max_articles=none0", "-a max_articles=none0: expected a whole number >= 1"),
    ("incremental=maybe", "-a incremental=maybe: expected 1 or 0"),
    ("max_page=3", "-a max_page=3: expected no such argument; the spider takes base_url"),
])
def test_a_bad_argument_is_one_line_and_exit_status_2(tmp_path, argument, expected):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "madar", "-a", argument,
         "-O", str(tmp_path / "out.jsonl"), "-s", f"MADAR_STATE_DIR={tmp_path / 'state'}"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = _own_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("madar: bad spider argument "), lines
    assert expected in lines[0]
    assert not (tmp_path / "out.jsonl").exists()


def test_an_unreachable_site_fails_at_once_with_the_cause(tmp_path):
    # Port 1 on loopback: nothing listens, the connection is refused. Polite defaults kept
    # (AutoThrottle, error backoff), as a user runs it.
    result = run_crawl("http://127.0.0.1:1", tmp_path / "out.jsonl", tmp_path / "state",
                       settings={"AUTOTHROTTLE_ENABLED": "True", "DOWNLOAD_DELAY": "0.5"},
                       timeout=120)
    assert result.returncode == 1
    lines = _own_lines(result.stderr)
    assert lines[-1] == ("madar: crawl FAILED: site unreachable: connection refused: "
                         "http://127.0.0.1:1/robots.txt"), lines
    # Given up after MADAR_UNREACHABLE_AFTER (3) refused tries, not after every retry of
    # robots.txt and of the home page (10 tries with a doubling backoff: minutes).
    assert "'finish_reason': 'site_unreachable'" in result.stderr
    assert re.search(r"'downloader/request_count': [123],", result.stderr), result.stderr[-3000:]


def test_a_site_that_never_answers_fails_after_the_first_contact_timeouts(tmp_path):
    # A socket that accepts connections (the kernel's backlog) and never answers them.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = run_crawl(base_url, tmp_path / "out.jsonl", tmp_path / "state",
                           settings={"MADAR_FIRST_CONTACT_TIMEOUT": "2"}, timeout=120)
    assert result.returncode == 1
    assert _own_lines(result.stderr)[-1] == (
        f"madar: crawl FAILED: site unreachable: no answer in time: {base_url}/robots.txt")
    # Each try waited MADAR_FIRST_CONTACT_TIMEOUT, not DOWNLOAD_TIMEOUT (30 s).
    assert "took longer than 2.0 seconds" in result.stderr, result.stderr[-3000:]
    assert "took longer than 30" not in result.stderr


# --- the memory: two modes, one memory per site -----------------------------------------

ARTICLES, SEED = 40, 11


@pytest.fixture(scope="module")
def mirror_a():
    with serve_mirror(articles=ARTICLES, seed=SEED) as server:
        yield server


def _urls(path: Path) -> set[str]:
    return {urlsplit(item["url"]).path for item in read_jsonl(path)}


def _complete(path: Path, base_url: str) -> bool:
    """Every in-scope article once: one of each republished pair (whichever the crawl met
    first), nothing else."""
    truth = [t for t in ground_truth(base_url, ARTICLES, SEED) if t["_in_scope"]]
    emitted = _urls(path)
    unique = sum(1 for t in truth if not t["_duplicate_of"])
    return (len(emitted) == len(read_jsonl(path)) == unique
            and emitted <= {urlsplit(t["url"]).path for t in truth})


def _summary(result) -> str:
    lines = [line for line in _own_lines(result.stderr) if "articles emitted" in line]
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


def test_the_readme_command_twice_gives_two_complete_files(mirror_a, tmp_path):
    state = tmp_path / "state"
    first = run_crawl(mirror_a.base_url, tmp_path / "one.jsonl", state)
    second = run_crawl(mirror_a.base_url, tmp_path / "two.jsonl", state)
    assert first.returncode == 0 and second.returncode == 0, stats_from_log(second.stderr)
    assert _complete(tmp_path / "one.jsonl", mirror_a.base_url)
    assert _urls(tmp_path / "two.jsonl") == _urls(tmp_path / "one.jsonl"), (
        "a snapshot emits the known articles too")
    assert {i["revision"] for i in read_jsonl(tmp_path / "two.jsonl")} == {1}
    known = len(read_jsonl(tmp_path / "one.jsonl"))
    assert f"0 new, 0 revised, {known} already known from earlier runs" in _summary(second)
    assert f"memory: {known} articles before this run, in {state}/sites/" in _summary(second)


def test_each_site_has_its_own_memory(mirror_a, tmp_path):
    """Mirror A, then mirror B (same seed, another port): B's output is complete."""
    state = tmp_path / "state"
    assert run_crawl(mirror_a.base_url, tmp_path / "a.jsonl", state).returncode == 0
    with serve_mirror(articles=ARTICLES, seed=SEED) as mirror_b:
        result = run_crawl(mirror_b.base_url, tmp_path / "b.jsonl", state,
                           args={"incremental": "1"})
        assert result.returncode == 0, stats_from_log(result.stderr)
        assert _complete(tmp_path / "b.jsonl", mirror_b.base_url)
        assert "memory: 0 articles before this run" in _summary(result)


def test_incremental_twice_the_second_emits_nothing_and_succeeds(mirror_a, tmp_path):
    state = tmp_path / "state"
    args = {"incremental": "1"}
    first = run_crawl(mirror_a.base_url, tmp_path / "one.jsonl", state, args=args)
    second = run_crawl(mirror_a.base_url, tmp_path / "two.jsonl", state, args=args)
    assert first.returncode == 0 and second.returncode == 0, stats_from_log(second.stderr)
    assert _complete(tmp_path / "one.jsonl", mirror_a.base_url)
    assert read_jsonl(tmp_path / "two.jsonl") == []
    assert "(incremental: known articles not emitted)" in _summary(second)
    assert "madar/monitor/failed': 0" in second.stderr


def test_forget_then_the_site_is_new_again(mirror_a, tmp_path):
    state = tmp_path / "state"
    args = {"incremental": "1"}
    assert run_crawl(mirror_a.base_url, tmp_path / "one.jsonl", state, args=args).returncode == 0
    forget = subprocess.run(
        [sys.executable, "-m", "madar.state", "forget", "--base-url", mirror_a.base_url,
         "--state-dir", str(state)], cwd=REPO, capture_output=True, text=True, timeout=120,
        check=False)
    assert forget.returncode == 0, forget.stderr
    assert forget.stdout.startswith(f"forgot {mirror_a.base_url}: ")
    again = run_crawl(mirror_a.base_url, tmp_path / "two.jsonl", state, args=args)
    assert again.returncode == 0
    assert _complete(tmp_path / "two.jsonl", mirror_a.base_url)


def test_a_second_crawl_of_a_site_whose_memory_is_held_refuses(mirror_a, tmp_path):
    """What two overlapping Scrapyd jobs do: the second finds the site's lock taken."""
    state = tmp_path / "state"
    site = state / "sites" / site_key(mirror_a.base_url)
    handle = acquire(site)  # as a running crawl holds it
    try:
        result = run_crawl(mirror_a.base_url, tmp_path / "out.jsonl", state, timeout=120)
    finally:
        handle.close()
    assert result.returncode == 1
    assert _own_lines(result.stderr)[-1].startswith(
        "madar: crawl FAILED: memory busy: another crawl of this site holds its memory (pid ")
    assert read_jsonl(tmp_path / "out.jsonl") == []
