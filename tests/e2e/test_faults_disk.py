"""Faults on our side, storage: an unwritable output directory or a full disk gives one
clear error and a non-zero exit status, never a "successful" run with a missing feed.

- read-only directory: a read-only bind mount (as root, where chmod does not stop
  writes) or ``chmod 0555`` (as a normal user);
- full disk: a 64 KiB tmpfs (as root) or ``/dev/full`` (every write fails with ENOSPC).
Both through ``scrapy crawl -O`` (this project's crawl command) and through
``python -m madar.cron``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mirror import ground_truth, serve_mirror
from tests.crawl import FAST_LOCAL, REPO, read_jsonl, run_crawl

pytestmark = pytest.mark.slow


def _mount(*args: str) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").write_bytes(b"x")
        (folder / ".probe").unlink()
        return True
    except OSError:
        return False


@pytest.fixture
def readonly_dir(tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    mounted = False
    os.chmod(folder, 0o555)
    if _writable(folder):  # root ignores permissions: bind-mount read-only instead
        os.chmod(folder, 0o755)
        mounted = _mount("--bind", str(folder), str(folder)) and _mount(
            "-o", "remount,bind,ro", str(folder))
        if _writable(folder):
            if mounted:
                subprocess.run(["umount", str(folder)], check=False)
            pytest.skip("cannot make a read-only directory here")
    yield folder
    if mounted:
        subprocess.run(["umount", str(folder)], check=False)
    os.chmod(folder, 0o755)


@pytest.fixture
def full_disk(tmp_path):
    """A feed path on a full file system: a tiny tmpfs, else a symlink to /dev/full."""
    folder = tmp_path / "small"
    folder.mkdir()
    if _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)):
        yield folder / "articles.jsonl"
        subprocess.run(["umount", str(folder)], check=False)
        return
    if not Path("/dev/full").exists():
        pytest.skip("no tmpfs mount and no /dev/full")
    (folder / "articles.jsonl").symlink_to("/dev/full")
    yield folder / "articles.jsonl"


@pytest.fixture(scope="module")
def mirror():
    with serve_mirror(articles=60, seed=9) as server:  # _stories() uses the same numbers
        yield server


def test_scrapy_crawl_into_readonly_dir_fails_before_crawling(mirror, readonly_dir, tmp_path):
    result = run_crawl(mirror.base_url, readonly_dir / "articles.jsonl", tmp_path / "state",
                       timeout=120)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Feed output failed: cannot write the feed" in result.stderr
    assert "madar: crawl FAILED: cannot write the feed" in result.stderr
    assert "'finish_reason': 'feed_error'" in result.stderr
    assert "'item_scraped_count'" not in result.stderr, "nothing may be scraped into nowhere"


def test_scrapy_crawl_onto_a_full_disk_fails(mirror, full_disk, tmp_path):
    result = run_crawl(mirror.base_url, full_disk, tmp_path / "state", timeout=120)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Feed output failed" in result.stderr
    assert "No space left on device" in result.stderr
    assert "madar: crawl FAILED: an item could not be written to the feed" in result.stderr


def test_cron_run_with_readonly_data_dir_exits_1(mirror, readonly_dir, tmp_path):
    cmd = [sys.executable, "-m", "madar.cron", "--base-url", mirror.base_url,
           "--data-dir", str(readonly_dir / "data"), "--state-dir", str(tmp_path / "state"),
           "--log-dir", str(tmp_path / "logs")]
    for key, value in FAST_LOCAL.items():
        cmd += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "FAILED" in result.stderr or "could not run" in result.stderr
    log = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").rglob("*.log"))
    assert "Read-only file system" in log or "Permission denied" in log or \
        "Read-only file system" in result.stderr, log[-3000:]


def test_articles_lost_to_a_full_disk_are_fetched_by_the_next_run(mirror, full_disk,
                                                                     tmp_path):
    """Every story ends up in the failed run's feed or the next (incremental) run's, none in
    both.

    Compared by story (mirror ground truth), not URL: of two near-duplicate URLs the one
    fetched first is kept, and the fetch order differs between runs."""
    state = tmp_path / "state"
    first = run_crawl(mirror.base_url, full_disk, state, timeout=120)
    assert first.returncode == 1
    again = run_crawl(mirror.base_url, tmp_path / "again.jsonl", state, timeout=120,
                      args={"incremental": "1"})
    fresh = run_crawl(mirror.base_url, tmp_path / "fresh.jsonl", tmp_path / "fresh-state",
                      timeout=120)
    assert again.returncode == 0 and fresh.returncode == 0
    written = [] if full_disk.is_symlink() else [  # /dev/full keeps nothing
        row["url"] for row in _complete_lines(full_disk)]
    again_urls = [row["url"] for row in read_jsonl(tmp_path / "again.jsonl")]
    fresh_urls = [row["url"] for row in read_jsonl(tmp_path / "fresh.jsonl")]
    story = _stories(mirror.base_url)
    kept = Counter(story.get(u, u) for u in written + again_urls)
    expected = {story.get(u, u) for u in fresh_urls}
    assert set(kept) == expected, f"lost: {len(expected - set(kept))}"
    assert not [s for s, n in kept.items() if n > 1], "a story in both runs' feeds"


def _stories(base_url: str) -> dict[str, str]:
    """URL -> the URL of its story's first publication (mirror ground truth)."""
    records = ground_truth(base_url, articles=60, seed=9)
    by_post = {r["post_id"]: r for r in records}
    return {r["url"]: by_post[r["_duplicate_of"]]["url"] if r["_duplicate_of"] else r["url"]
            for r in records}


def _complete_lines(path: Path) -> list[dict]:
    rows = []
    for line in path.read_bytes().splitlines(keepends=True):
        if line.endswith(b"\n"):
            with contextlib.suppress(ValueError):
                rows.append(json.loads(line))
    return rows
