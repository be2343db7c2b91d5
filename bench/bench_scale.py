"""Does madar's cost per article stay flat as the site grows? Memory and time per item.

Two measurements, each size in a fresh process:

- ``crawl`` (default 1,000 and 5,000 articles): the real ``scrapy crawl madar`` on a warmed
  mirror (``bench/common.py: MirrorProcess``; mirror on CPU 0, crawler on CPU 1), same
  settings as ``bench_throughput.py``: peak RSS of the crawler (``os.wait4``), CPU ms and
  wall ms per item. The crawler's RSS includes Scrapy's own per-request state (dupefilter
  fingerprints, the scheduler queue), so the bare spider is run too for reference.
- ``pipeline`` (default 1,000, 5,000 and 20,000 articles): the mirror's pages rendered in
  process, one at a time (never all in memory), through extraction, cleaning, validation,
  dedup (fresh SQLite state) and JSON Lines export (``bench_stages.run``). Per-item time
  over the whole run and over its last 10 %; RSS sampled every 500 pages, growth per article
  measured from 10 % of the run to its end (the mirror's own site model is built before, so
  it is not counted).

``--crawl-sizes 20000 --pipeline-sizes "" --merge`` adds a 20,000-article real crawl to the
saved results (~8 minutes here: two crawls of ~22,000 pages and a ~1 GB mirror process).

Targets: per-item time at the largest size within 1.3x of the smallest; RSS growth at most
~8 KiB per article. Results: bench/results/scale.json.

    python bench/bench_scale.py [--crawl-sizes 1000,5000] [--pipeline-sizes 1000,5000,20000]
                                [--quick] [--merge]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, REPO, MirrorProcess, machine, rss_kib, save, table

RESULTS = REPO / "bench" / "results" / "scale.json"
SEED = 1


def pipeline_one(articles: int) -> dict:
    """In this process: build the site, then stream its pages through madar's stages."""
    import gc

    from bench_stages import run
    from common import mirror_pages, uncached_mirror

    mirror = uncached_mirror(articles, SEED)  # the site model: not madar's memory
    pages = mirror_pages(articles, SEED, mirror=mirror)
    first = next(pages)
    with tempfile.TemporaryDirectory() as tmp:
        run([first] * 5, Path(tmp))  # warm-up: imports, compiled patterns
    for _ in pages:  # one rendering pass first: whatever the generator keeps is allocated
        pass
    gc.collect()
    baseline = rss_kib()[0]
    with tempfile.TemporaryDirectory() as tmp:
        result = run(mirror_pages(articles, SEED, mirror=mirror), Path(tmp),
                     sample_every=max(50, articles // 40))
    samples = result["samples"]
    items = result["counts"]["pages"]
    start = next(s for s in samples if s[0] >= 0.1 * items)
    end = samples[-1]
    tail = next(s for s in samples if s[0] >= 0.9 * items)
    growth = (end[2] - start[2]) / max(1, end[0] - start[0])
    return {
        "articles": articles, "pages": items, "items": result["counts"]["items"],
        "ms_per_item": 1e3 * end[1] / items,
        "ms_per_item_last_10pct": 1e3 * (end[1] - tail[1]) / max(1, end[0] - tail[0]),
        "rss_baseline_mib": baseline / 1024, "rss_end_mib": end[2] / 1024,
        "rss_peak_mib": rss_kib()[1] / 1024,
        "rss_growth_kib_per_article": growth,
        "ms_per_item_by_stage": {stage: 1e3 * seconds / items
                                 for stage, seconds in result["totals"].items()},
        "samples": samples,
    }


def crawl_one(articles: int, variant: str, cpus: tuple[int | None, int | None]) -> dict:
    from bench_throughput import crawl

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, \
            MirrorProcess(articles, SEED, cpu=cpus[0]) as mirror:
        run = crawl(variant, mirror, Path(tmp), 16, f"n{articles}", cpus[1])
    return {"articles": articles, "variant": variant, "pages": run["pages"],
            "items": run["items"], "peak_rss_mib": run["peak_rss_mib"],
            "cpu_ms_per_page": run["cpu_ms_per_page"],
            "wall_ms_per_page": 1e3 * run["elapsed_s"] / run["pages"],
            "pages_per_s": run["pages_per_s"], "loadavg_1m_at_start": run["loadavg_1m_at_start"]}


def _sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crawl-sizes", default="1000,5000")
    parser.add_argument("--pipeline-sizes", default="1000,5000,20000")
    parser.add_argument("--quick", action="store_true",
                        help="crawl 500,2000; pipeline 500,2000,5000")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--merge", action="store_true",
                        help="add to the saved results instead of replacing them")
    parser.add_argument("--one-pipeline", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.one_pipeline:
        print(json.dumps(pipeline_one(args.one_pipeline)))
        return 0
    crawl_sizes, pipeline_sizes = ((_sizes("500,2000"), _sizes("500,2000,5000")) if args.quick
                                   else (_sizes(args.crawl_sizes), _sizes(args.pipeline_sizes)))
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    cpus = (0, 1) if pin else (None, None)

    pipeline = []
    for size in pipeline_sizes:
        cmd = [PYTHON, str(Path(__file__).resolve()), "--one-pipeline", str(size)]
        if pin:
            cmd = ["taskset", "-c", "1", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
        record = json.loads(out.stdout.strip().splitlines()[-1])
        pipeline.append(record)
        print(f"pipeline {size:>6}: {record['ms_per_item']:.2f} ms/item "
              f"(last 10 %: {record['ms_per_item_last_10pct']:.2f}), RSS +"
              f"{record['rss_growth_kib_per_article']:.2f} KiB/article", flush=True)
    crawls: list[dict] = []
    for size in crawl_sizes:
        for variant in ("madar", "bare"):
            record = crawl_one(size, variant, cpus)
            crawls.append(record)
            print(f"crawl {variant:5s} {size:>6}: {record['pages']} pages, "
                  f"{record['cpu_ms_per_page']:.2f} CPU ms/page, "
                  f"{record['wall_ms_per_page']:.2f} wall ms/page, "
                  f"peak RSS {record['peak_rss_mib']:.0f} MiB", flush=True)

    if args.merge and args.out.exists():  # keep the sizes this run did not measure
        old = json.loads(args.out.read_text(encoding="utf-8"))
        done = {r["articles"] for r in pipeline}
        pipeline = sorted([r for r in old.get("pipeline", []) if r["articles"] not in done]
                          + pipeline, key=lambda r: r["articles"])
        done_crawls = {(r["articles"], r["variant"]) for r in crawls}
        crawls = sorted([r for r in old.get("crawl", [])
                         if (r["articles"], r["variant"]) not in done_crawls] + crawls,
                        key=lambda r: (r["variant"] != "madar", r["articles"]))
    rows = [["pipeline (in process)", r["articles"], r["ms_per_item"], r["ms_per_item_last_10pct"],
             r["rss_end_mib"] - r["rss_baseline_mib"], r["rss_growth_kib_per_article"]]
            for r in pipeline]
    summary: dict = {}
    if len(pipeline) >= 2:
        summary["pipeline_time_ratio_largest_vs_smallest"] = (
            pipeline[-1]["ms_per_item"] / pipeline[0]["ms_per_item"])
        summary["pipeline_rss_growth_kib_per_article_largest"] = (
            pipeline[-1]["rss_growth_kib_per_article"])
    for variant in ("madar", "bare"):
        mine = [r for r in crawls if r["variant"] == variant]
        for r in mine:
            rows.append([f"crawl {variant}", r["articles"], r["cpu_ms_per_page"],
                         r["wall_ms_per_page"], r["peak_rss_mib"], None])
        if len(mine) >= 2:
            a, b = mine[0], mine[-1]
            growth = 1024 * (b["peak_rss_mib"] - a["peak_rss_mib"]) / (b["pages"] - a["pages"])
            rows[-1][-1] = growth
            summary[f"crawl_{variant}_rss_growth_kib_per_page"] = growth
            summary[f"crawl_{variant}_cpu_ratio_largest_vs_smallest"] = (
                b["cpu_ms_per_page"] / a["cpu_ms_per_page"])
    print("\nrows 'pipeline': ms/item whole run | last 10 % | RSS MiB added | KiB/article;\n"
          "rows 'crawl': CPU ms/page | wall ms/page | peak RSS MiB | KiB/page growth")
    print(table(["run", "articles", "ms/item", "ms/item (2)", "RSS MiB", "KiB/article"], rows))
    print(json.dumps(summary, indent=1))
    for record in pipeline:
        if len(record["samples"]) > 25:
            record["samples"] = record["samples"][:: max(1, len(record["samples"]) // 20)]
    save(args.out, {"benchmark": "scale", "machine": machine(), "seed": SEED,
                    "pinning": {"mirror_cpu": cpus[0], "crawler_cpu": cpus[1]},
                    "pipeline": pipeline, "crawl": crawls, "summary": summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())
