"""Pages per second: plain vs Splash vs Playwright on the same script-filled mirror pages.

One mirror (``serve_mirror(script_filled=0.25, load_more=True, script_boxes=True)``), one
Splash, rounds that alternate the modes (off, splash, playwright, off, …) so load on this
shared machine hits all modes alike; the median of the rounds is reported. Two workloads:

- ``js-pages``: only the pages that need JavaScript (script-filled bodies, pages whose
  check-also/related boxes are script-filled, the home page with its "load more" list),
  crawled by ``mirror.probe`` (plain fetch, ``needs_rendering``, re-render of the
  fetched HTML). Plain mode is fast and misses the script-filled content.
- ``spider``: the real ``scrapy crawl madar`` over the whole mirror; only the pages that need
  it are rendered. Reported as site pages (responses minus re-renders) and articles per
  second.

Rate = count / Scrapy's ``elapsed_time_seconds`` (spider open to close; Chromium's start is
inside it, Splash is already running). Results: bench/results/render_mirror.json.

    python bench/bench_render_mirror.py [--articles 120] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from madar.rendering import needs_rendering  # noqa: E402
from mirror import serve_mirror  # noqa: E402
from tests.crawl import read_jsonl, run_crawl, run_probe_process, stats_from_log  # noqa: E402
from tests.servers import chromium_ready_or_reason, running_splash, splash_installed  # noqa: E402

SEED = 11
SCRIPT_FILLED = 0.25


def stat_number(stderr: str, key: str) -> float:
    """A numeric value from the crawl log's stats dump (0 when absent)."""
    block = stderr[stderr.rfind("Dumping Scrapy stats"):]
    marker = f"'{key}': "
    start = block.find(marker)
    if start < 0:
        return 0.0
    value = block[start + len(marker):].split(",", 1)[0].split("}", 1)[0]
    return float(value)


def js_pages(mirror) -> list[str]:
    """Mirror pages whose plain HTML needs rendering (the home page and article pages)."""
    site = mirror.mirror.site
    urls = [mirror.base_url + "/"]
    for post in site.posts:
        if post.status != 200:
            continue
        reply = mirror.mirror.respond(post.path, mirror.netloc)
        if needs_rendering(reply.body.decode()):
            urls.append(mirror.base_url + post.path)
    return urls


def probe_run(mode: str, urls: list[str], out: Path, splash_url: str | None) -> dict:
    items, stats = run_probe_process(urls, mode, out, splash_url=splash_url, timeout=900)
    elapsed = float(stats["elapsed_time_seconds"])
    return {
        "pages": len(items),
        "complete_pages": sum(not item["empty_containers"] for item in items),
        "rendered": sum(item["rendered"] for item in items),
        "seconds": round(elapsed, 3),
        "pages_per_second": round(len(items) / elapsed, 2),
    }


def spider_run(mode: str, base_url: str, out: Path, splash_url: str | None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    feed = out / "articles.jsonl"
    args = {"render": mode} if mode != "off" else {}
    settings = {"SPLASH_URL": splash_url} if mode == "splash" else {}
    result = run_crawl(base_url, feed, out / "state", args=args, settings=settings,
                       env={"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} crawl failed:\n{stats_from_log(result.stderr)}")
    elapsed = stat_number(result.stderr, "elapsed_time_seconds")
    rendered = int(stat_number(result.stderr, "madar/pages/rendered"))
    # A re-render is a second response for a page already fetched: count site pages once.
    pages = stat_number(result.stderr, "response_received_count") - rendered
    articles = len(read_jsonl(feed))
    return {
        "pages": int(pages),
        "articles": articles,
        "rendered": rendered,
        "seconds": round(elapsed, 3),
        "pages_per_second": round(pages / elapsed, 2),
        "articles_per_second": round(articles / elapsed, 2),
    }


def median_of(runs: list[dict]) -> dict:
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
    summary = {k: statistics.median(r[k] for r in runs) for k in keys}
    summary["rounds"] = len(runs)
    summary["pages_per_second_all"] = [r["pages_per_second"] for r in runs]
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default=str(REPO / "bench/results/render_mirror.json"))
    args = parser.parse_args()

    modes = ["off"]
    skipped: dict[str, str] = {}
    if splash_installed():
        modes.append("splash")
    else:
        skipped["splash"] = "not installed (deploy/splash/install-splash.sh)"
    reason = chromium_ready_or_reason()
    if reason is None:
        modes.append("playwright")
    else:
        skipped["playwright"] = reason

    runs: dict[str, dict[str, list[dict]]] = {"js-pages": {}, "spider": {}}
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_mirror(articles=args.articles, seed=SEED, script_filled=SCRIPT_FILLED,
                     load_more=True, script_boxes=True) as mirror,
        running_splash() if "splash" in modes else contextlib.nullcontext() as splash_url,
    ):
        urls = js_pages(mirror)
        print(f"mirror {mirror.base_url}: {args.articles} articles, {len(urls)} pages need JS",
              flush=True)
        if splash_url:  # warm-up: Splash's first render is not billed to round 1
            run_probe_process(urls[:2], "splash", Path(tmp), splash_url=splash_url)
        for n in range(args.rounds):
            for mode in modes:
                splash = splash_url if mode == "splash" else None
                work = Path(tmp) / f"{mode}-{n}"
                work.mkdir()
                probe = probe_run(mode, urls, work, splash)
                runs["js-pages"].setdefault(mode, []).append(probe)
                print(f"round {n + 1} js-pages {mode:10s} {probe}", flush=True)
                crawl = spider_run(mode, mirror.base_url, work / "spider", splash)
                runs["spider"].setdefault(mode, []).append(crawl)
                print(f"round {n + 1} spider   {mode:10s} {crawl}", flush=True)

    results = {work: {mode: median_of(r) for mode, r in by_mode.items()}
               for work, by_mode in runs.items()}
    print_table(results)
    report = {
        "what": "pages/s, plain vs Splash vs Playwright, same script-filled mirror pages",
        "mirror": {"articles": args.articles, "seed": SEED, "script_filled": SCRIPT_FILLED,
                   "load_more": True, "script_boxes": True, "js_pages": len(urls)},
        "rounds": args.rounds,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "results": results,
        "runs": runs,
        "skipped": skipped,
        "notes": [
            "median of rounds; modes alternate within each round",
            "js-pages: mirror.probe (concurrency 8) over the pages that need JS; "
            "complete_pages = no script-filled container left empty",
            "spider: scrapy crawl madar over the whole mirror (concurrency 16), "
            "only pages that need it rendered",
            "Splash: run-splash.sh defaults, already running; Playwright: Debian Chromium, "
            "browser start inside the crawl time",
        ],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")
    return 0


def print_table(results: dict) -> None:
    print("\n| workload | mode | pages | complete/articles | rendered | s | pages/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for work, by_mode in results.items():
        for mode, r in by_mode.items():
            done = r.get("complete_pages", r.get("articles"))
            print(f"| {work} | {mode} | {r['pages']:g} | {done:g} | {r['rendered']:g} | "
                  f"{r['seconds']:.2f} | {r['pages_per_second']:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
