"""Archive mode's throughput: pages/s of ``scrapy crawl madar -a archive=1`` ÷ a bare Scrapy
spider's, on the same warmed mirror in the same run.

The mirror (``bench/common.py: MirrorProcess``) serves ``--articles`` posts (default 5,000),
``--archive-only`` of them (default 30 %) listed only in the Yoast sitemaps. Two crawlers
take turns, ``--rounds`` times, the order rotated each round:

- ``madar-archive``: the full crawler in archive mode (robots.txt → sitemap index → post
  sitemaps, plus the home page, the listing walk until it adds nothing, the boxes; clean,
  validate, dedup on a fresh SQLite state, JSON Lines feed);
- ``bare``: ``bench/bare_spider.py`` (the listing walk and the boxes, yielding only URLs,
  Scrapy's defaults): the baseline of the throughput benchmark; it reaches only the posts
  the navigation links, so the ratio compares pages per second, not coverage.

Both with ``CONCURRENT_REQUESTS=16``, no delay, AutoThrottle off (a loopback mirror); mirror
and crawler pinned to different CPUs. Also reported for the archive crawl: the requests by
kind (articles, sitemaps, robots.txt, listing pages) and the coverage of in-scope articles.

    python bench/bench_archive.py [--articles 5000] [--rounds 2] [--archive-only 0.3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import crawl
from common import REPO, MirrorProcess, machine, save, table

RESULTS = REPO / "bench" / "results" / "archive.json"
SEED = 1
VARIANTS = ("madar-archive", "bare")


def coverage(work: Path, tag: str, articles: int, archive_only: float) -> dict:
    """Items of the archive crawl against the mirror's in-scope articles."""
    from mirror.changes import SiteChanges
    from mirror.generator import build_site

    site = build_site(articles, SEED, SiteChanges(archive_only))
    in_scope = sum(p.in_scope for p in site.posts)
    feed = work / f"madar-archive-{tag}.jsonl"
    urls = [json.loads(line)["url"] for line in feed.read_text(encoding="utf-8").splitlines()]
    return {"in_scope": in_scope, "archive_only": sum(p.archive_only for p in site.posts),
            "items": len(urls), "distinct_items": len(set(urls)),
            "republished_pairs": sum(p.duplicate_of is not None for p in site.posts)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--archive-only", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    pin = (os.cpu_count() or 1) >= 2
    server_cpu, crawler_cpu = (0, 1) if pin else (None, None)
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp, \
            MirrorProcess(args.articles, SEED, cpu=server_cpu,
                          archive_only=args.archive_only) as mirror:
        work = Path(tmp)
        print(f"mirror {mirror.base_url}: {args.articles} articles "
              f"({args.archive_only:.0%} only in the sitemaps), pages rendered in "
              f"{mirror.warm_s:.1f} s", flush=True)
        if pin:
            os.sched_setaffinity(0, {crawler_cpu})
        for number in range(args.rounds):
            order = VARIANTS[number % 2:] + VARIANTS[: number % 2]
            for variant in order:
                run = crawl(variant, mirror, work, args.concurrency, f"r{number + 1}",
                            crawler_cpu)
                if variant == "madar-archive":
                    run["coverage"] = coverage(work, run["tag"], args.articles,
                                               args.archive_only)
                runs.append(run)
                print(f"round {number + 1} {variant:13s} {run['pages']} pages "
                      f"{run['pages_per_s']:6.1f} pages/s  {run['cpu_ms_per_page']:.2f} ms "
                      f"CPU/page  (load {run['loadavg_1m_at_start']:.1f})", flush=True)
    ratios = []
    for number in range(args.rounds):
        tag = f"r{number + 1}"
        mine = {r["variant"]: r for r in runs if r["tag"] == tag}
        ratios.append(mine["madar-archive"]["pages_per_s"] / mine["bare"]["pages_per_s"])
    archive_runs = [r for r in runs if r["variant"] == "madar-archive"]
    bare_runs = [r for r in runs if r["variant"] == "bare"]
    last = archive_runs[-1]
    stats = last["madar_stats"]
    requests = {
        "total": last["requests"],
        "articles": sum(v for k, v in stats.items() if k.startswith("madar/source/")),
        "sitemaps": stats.get("madar/archive/sitemaps", 0),
        "listing_pages": stats.get("madar/pages/listing_pages", 0),
        "home": 1, "robots_txt": 2,
    }
    requests["other (retries, redirects)"] = requests["total"] - sum(
        v for k, v in requests.items() if k != "total")
    summary = {
        "ratio_per_round": [round(r, 3) for r in ratios],
        "ratio_median": statistics.median(ratios),
        "archive_pages_per_s_median": statistics.median(r["pages_per_s"] for r in archive_runs),
        "bare_pages_per_s_median": statistics.median(r["pages_per_s"] for r in bare_runs),
        "archive_cpu_ms_per_page_median":
            statistics.median(r["cpu_ms_per_page"] for r in archive_runs),
        "bare_cpu_ms_per_page_median":
            statistics.median(r["cpu_ms_per_page"] for r in bare_runs),
        "requests": requests, "coverage": last["coverage"],
        "sources": {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                    if k.startswith("madar/source/")},
    }
    print(f"\n{args.articles} articles, concurrency {args.concurrency}, "
          f"{args.rounds} round(s), medians:")
    print(table(["crawler", "pages/s", "CPU ms/page"], [
        ["madar archive", summary["archive_pages_per_s_median"],
         summary["archive_cpu_ms_per_page_median"]],
        ["bare", summary["bare_pages_per_s_median"], summary["bare_cpu_ms_per_page_median"]]]))
    print(f"pages/s ÷ bare: {summary['ratio_median']:.2f} (per round {ratios})")
    print(f"archive requests: {requests}")
    print(f"coverage: {last['coverage']}; sources: {summary['sources']}")
    save(args.out, {"benchmark": "archive", "machine": machine(), "articles": args.articles,
                    "archive_only": args.archive_only, "seed": SEED, "rounds": args.rounds,
                    "concurrency": args.concurrency, "summary": summary, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
