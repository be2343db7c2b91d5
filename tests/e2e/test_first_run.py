"""A new user's first day, from the shell: bad arguments and an unreachable site get one
clear line and a non-zero exit status (issue 11)."""

from __future__ import annotations

import re
import sys

import pytest

from tests.crawl import REPO, run_crawl

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
    import subprocess

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
