"""The theme-change alarm and the live self-check against the mirror over HTTP: silent and
passing on the mirror as it is, failing and naming the fields when its markup is renamed."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from mirror import serve_mirror
from tests.crawl import REPO, run_crawl, stats_from_log

pytestmark = pytest.mark.slow

ARTICLES = 60
SEED = 5


def _stat(stderr: str, key: str) -> int:
    """An integer stat from the crawl log's stats dump (0 when absent)."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", stats_from_log(stderr))
    return int(match[1]) if match else 0


def selfcheck(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "madar.selfcheck", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("drift", [False, True], ids=["normal", "renamed-markup"])
def test_crawl_alarm(drift: bool, tmp_path) -> None:
    with serve_mirror(articles=ARTICLES, seed=SEED, theme_drift=drift) as mirror:
        result = run_crawl(mirror.base_url, tmp_path / "out.jsonl", tmp_path / "state",
                           args={"max_pages": "2"})
    # a failed monitor fails the crawl command (exit 1): the operator hears of it
    assert result.returncode == (1 if drift else 0), stats_from_log(result.stderr)
    items = _stat(result.stderr, "item_scraped_count")
    pages = sum(_stat(result.stderr, f"madar/fields/title/{source}")
                for source in ("theme", "metadata", "none"))
    assert pages >= 10, stats_from_log(result.stderr)
    if not drift:
        assert _stat(result.stderr, "madar/monitor/failed") == 0, stats_from_log(result.stderr)
        assert _stat(result.stderr, "madar/fields/title/theme") >= items  # pages, not items
        return
    assert _stat(result.stderr, "madar/monitor/failed") == 1
    failures = next(line for line in result.stderr.splitlines()
                    if "Theme markup" in line and "no longer read" in line)
    for field in ("title", "text", "published", "related"):
        assert re.search(rf"\b{field} \d", failures), failures


def test_selfcheck_passes_on_the_mirror() -> None:
    with serve_mirror(articles=ARTICLES, seed=SEED) as mirror:
        result = selfcheck("--base-url", mirror.base_url, "--pages", "4")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "home page: ok, listing: ok, articles read: 4" in result.stdout
    for field in ("title", "text", "published"):
        assert re.search(rf"^{field} +4 +0 +0 +100% +core ok", result.stdout, re.M), result.stdout


def test_selfcheck_fails_and_names_the_fields_on_renamed_markup() -> None:
    with serve_mirror(articles=ARTICLES, seed=SEED, theme_drift=True) as mirror:
        result = selfcheck("--base-url", mirror.base_url, "--pages", "3")
    assert result.returncode == 1, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("FAILED: core fields")
    for field in ("title", "text", "published", "related"):
        assert field in last


@pytest.mark.parametrize("args", [["--pages", "0"], ["--pages", "x"],
                                  ["--base-url", "ftp://example"], ["--nope"]])
def test_selfcheck_bad_argument_is_one_line_and_exit_2(args: list[str]) -> None:
    result = selfcheck(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
