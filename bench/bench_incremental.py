"""Requests of an incremental cron run over an unchanged site / requests of a full crawl.

For each mirror size (``--articles``, default 200 and 1000): a fresh offline mirror
(``mirror``) logs every request it serves; ``python -m madar.cron`` runs twice on one
state directory, as cron would an hour apart:

- ``full``: the first run (empty dedup store: it walks the whole listing, fetches every
  article);
- ``incremental``: the second run over the unchanged mirror (stops at the first listing page
  holding only known articles, fetches no article).

Figures: requests the mirror logged per run, items emitted, wall seconds (process start to
exit, Scrapy start-up included), and ``ratio = incremental requests / full requests``
(target <= 2 %). Settings: tests/crawl.py FAST_LOCAL (no delay, AutoThrottle off).
Results: bench/results/incremental.json.

    python bench/bench_incremental.py [--articles 200 1000] [--seed 3] [--note TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mirror import serve_mirror  # noqa: E402
from tests.crawl import FAST_LOCAL, read_jsonl  # noqa: E402

RESULTS = REPO / "bench" / "results" / "incremental.json"
TARGET = 0.02


def cron_run(base_url: str, root: Path) -> dict:
    cmd = [sys.executable, "-m", "madar.cron", "--base-url", base_url,
           "--data-dir", str(root / "data"), "--state-dir", str(root / "state"),
           "--log-dir", str(root / "logs")]
    for key, value in FAST_LOCAL.items():
        cmd += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}
    began = time.perf_counter()
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                            check=False, timeout=3600)
    wall = time.perf_counter() - began
    feed = sorted((root / "data").rglob("*.jsonl"))[-1]
    return {"exit": result.returncode, "wall_s": round(wall, 2),
            "items": len(read_jsonl(feed)), "stderr": result.stderr[-500:]}


def measure(articles: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        root = Path(tmp)
        log_path = root / "requests.jsonl"
        with serve_mirror(articles=articles, seed=seed, log_path=str(log_path)) as mirror:
            full = cron_run(mirror.base_url, root)
            full["requests"] = len(read_jsonl(log_path))
            again = cron_run(mirror.base_url, root)
            again["requests"] = len(read_jsonl(log_path)) - full["requests"]
            paths = [r["path"] for r in read_jsonl(log_path)[full["requests"]:]]
    for run in (full, again):
        if not run["stderr"]:
            del run["stderr"]
    ratio = again["requests"] / full["requests"]
    return {"articles": articles, "seed": seed, "full": full, "incremental": again,
            "incremental_paths": paths, "ratio": round(ratio, 5),
            "meets_target": ratio <= TARGET}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--note", default="", help="stored with the results")
    options = parser.parse_args()
    rows = [measure(n, options.seed) for n in options.articles]
    print(f"{'articles':>8} {'full req':>9} {'incr req':>9} {'ratio':>8} "
          f"{'full s':>7} {'incr s':>7} {'items':>6} {'new':>4}")
    for row in rows:
        full, incr = row["full"], row["incremental"]
        print(f"{row['articles']:>8} {full['requests']:>9} {incr['requests']:>9} "
              f"{row['ratio']:>8.2%} {full['wall_s']:>7} {incr['wall_s']:>7} "
              f"{full['items']:>6} {incr['items']:>4}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "incremental cron run / full crawl, requests",
        "target_ratio": TARGET,
        "note": options.note,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "settings": FAST_LOCAL,
        "runs": rows,
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
