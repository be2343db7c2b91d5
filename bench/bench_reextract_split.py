"""Re-extraction's CPU per page, split into its two halves, in one process (``--workers 0``):
the workers' part (``Extractor.extract``: spider callback, pipelines before dedup, the
fingerprint) and the main process's part (reading the WARC, dedup, the feed, the stats).

Both ratios of issue 14 follow from these two figures, W and M: 1 worker ÷ crawl is about
crawl CPU ÷ W, and 2 workers ÷ 1 at most 2W ÷ (W + M). Measuring them in process, without
the pool, is free of the inter-process noise, so a change of 0.05 ms shows.

    python bench/bench_reextract_split.py WARC... --base-url URL [--repeat 3] [--baseline DIR]

``--baseline DIR`` runs the same in another checkout (``git worktree add``), alternating
with this one, best of ``--repeat`` each: a before/after from one machine state.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(archives: list[Path], base_url: str) -> dict:
    """One re-extraction in this process: CPU ms per page of each half, and the items."""
    from madar.reextract import corpus

    spent = 0.0
    extract = corpus.Extractor.extract

    def timed(self, batch):
        nonlocal spent
        started = time.process_time()
        try:
            return extract(self, batch)
        finally:
            spent += time.process_time() - started

    corpus.Extractor.extract = timed
    with tempfile.TemporaryDirectory(prefix="bench-split-") as tmp:
        out = Path(tmp) / "out.jsonl"
        started = time.process_time()
        report = corpus.reextract(corpus.Options(
            archives=archives, output=out, output_format="jsonl", base_url=base_url,
            workers=0, settings={"MADAR_PROGRESS": "off", "LOG_LEVEL": "WARNING"}))
        total = time.process_time() - started
        items = out.read_bytes()
    pages = report["pages"]["fetched"]
    return {"pages": pages, "items": report["articles"]["emitted"],
            "worker_ms": 1e3 * spent / pages, "main_ms": 1e3 * (total - spent) / pages,
            "output_bytes": len(items), "output_hash": hash(items)}


def child(checkout: Path, archives: list[str], base_url: str) -> dict:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
            "from bench_reextract_split import measure; from pathlib import Path; "
            "print(json.dumps(measure([Path(p) for p in sys.argv[3:]], sys.argv[2])))")
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "bench"), base_url, *archives],
        cwd=checkout, env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin",
                           "PYTHONHASHSEED": "0"},
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{checkout}: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archives", nargs="+", type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    checkouts = {"new": REPO} | ({"old": args.baseline.resolve()} if args.baseline else {})
    runs: dict[str, list[dict]] = {name: [] for name in checkouts}
    for number in range(args.repeat):
        order = list(checkouts.items())
        for name, checkout in (order if number % 2 == 0 else order[::-1]):
            run = child(checkout, [str(p) for p in args.archives], args.base_url)
            runs[name].append(run)
            print(f"{name}: worker {run['worker_ms']:.3f} ms/page, main {run['main_ms']:.3f} "
                  f"ms/page, {run['items']} items", flush=True)
    best = {name: {key: min(r[key] for r in found) for key in ("worker_ms", "main_ms")}
            for name, found in runs.items()}
    for name, figures in best.items():
        w, m = figures["worker_ms"], figures["main_ms"]
        print(f"best {name}: W {w:.3f} ms/page, M {m:.3f} ms/page, 2W/(W+M) {2 * w / (w + m):.3f}")
    if "old" in best:
        same = {r["output_hash"] for r in runs["new"] + runs["old"]}
        print(f"new/old: W {best['new']['worker_ms'] / best['old']['worker_ms']:.3f}, "
              f"M {best['new']['main_ms'] / best['old']['main_ms']:.3f}; "
              f"outputs identical: {len(same) == 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
