"""Pages per second of madar vs a bare Scrapy spider on the same mirror, same links.

One warmed mirror (``bench/common.py: MirrorProcess``, every page rendered before the
clock starts) serves ``--articles`` posts on loopback; three crawlers take turns on it,
``--rounds`` times, the order rotated each round (A/B alternation against drift in the
machine's load):

- ``madar``: ``scrapy crawl madar`` with its full pipeline (clean, validate, dedup on a
  fresh SQLite state, JSON Lines feed);
- ``bare``: ``bench/bare_spider.py``, the same walk (madar's listing discovery, the same
  related boxes, the same URL filters) yielding only ``{"url"}`` items, Scrapy defaults;
- ``madar-cache``: madar with rendering off and ``HTTPCACHE_ENABLED`` on a cache filled by
  one unmeasured run first (warm cache: the server is not asked at all).

``--decompose`` runs ``madar-spider`` (madar's spider and page objects, no pipelines, none
of the project's extensions), ``madar-nopipe`` (+ the extensions), ``madar`` and ``bare``
instead: where madar's extra CPU per page goes.

All with ``CONCURRENT_REQUESTS=16`` (per domain too), ``DOWNLOAD_DELAY=0``, AutoThrottle off.
On this 2-CPU machine the mirror is pinned to CPU 0 and the crawler to CPU 1 (``--no-pin``
lets the scheduler place them). Per run: pages (downloader responses), pages/s over Scrapy's
``elapsed_time_seconds``, CPU seconds of the crawler process per page (``os.wait4``
rusage), its peak RSS, and the mirror's CPU per page (is the server the bottleneck?). A
probe first measures the server alone: 8 keep-alive client threads fetching every post.

    python bench/bench_throughput.py [--articles 5000] [--rounds 3] [--quick] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PYTHON,
    REPO,
    MirrorProcess,
    machine,
    run_child,
    save,
    scrapy_stats,
    table,
)

RESULTS = REPO / "bench" / "results" / "throughput.json"
SEED = 1
VARIANTS = ("madar", "bare", "madar-cache")
#: ``--decompose``: where madar's extra CPU goes (spider + page objects alone, + the
#: project's extensions, + the item pipelines = ``madar``); ``bare-tuned`` is bare Scrapy
#: with madar's Scrapy tuning (``TUNING``), so the ratio to it is madar's own overhead.
DECOMPOSE = ("madar-spider", "madar-nopipe", "madar", "bare", "bare-tuned")
#: ``--baseline DIR``: ``madar-baseline`` is madar run from another checkout (say, the code
#: before a change), alternating with the others in the same run.
BASELINE: dict[str, Path] = {}


#: madar's tuning for speed alone (not for which requests are sent): Scrapy's items in
#: parallel per response and Python's garbage collector (madar/extensions/gctuning.py).
TUNING = {"CONCURRENT_ITEMS": "1", "MADAR_GC_TUNING": "True",
          "EXTENSIONS": json.dumps({"madar.extensions.gctuning.GcTuning": 10})}


def crawl_settings(concurrency: int) -> dict[str, str]:
    return {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0",
            "CONCURRENT_REQUESTS": str(concurrency),
            "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency), "LOG_LEVEL": "INFO"}


def command(variant: str, base_url: str, work: Path, concurrency: int, tag: str
            ) -> tuple[list[str], Path]:
    settings = crawl_settings(concurrency)
    out = work / f"{variant}-{tag}.jsonl"
    if variant in ("bare", "bare-tuned"):
        if variant == "bare-tuned":
            settings.update(TUNING)
        cmd = [PYTHON, "-m", "scrapy", "runspider", str(REPO / "bench" / "bare_spider.py"),
               "-a", f"base_url={base_url}", "-O", f"{out}:jsonlines"]
        cwd = work  # outside the project: Scrapy defaults, not madar's settings
    else:
        cmd = [PYTHON, "-m", "scrapy", "crawl", "madar", "-a", f"base_url={base_url}",
               "-O", f"{out}:jsonlines"]
        if variant == "madar-archive":  # bench_archive.py: the sitemaps as a source too
            cmd += ["-a", "archive=1"]
        settings["MADAR_STATE_DIR"] = str(work / f"state-{variant}-{tag}")
        cwd = BASELINE.get(variant, REPO)
        if variant == "madar-cache":
            settings.update({"HTTPCACHE_ENABLED": "True",
                             "HTTPCACHE_DIR": str(work / "httpcache")})
        if variant in ("madar-nopipe", "madar-spider"):
            settings["ITEM_PIPELINES"] = "{}"
        if variant == "madar-spider":  # no pipelines, none of the extensions but the tuning
            from madar import settings as project

            tuning = json.loads(TUNING["EXTENSIONS"])
            off = {name: None for name in project.EXTENSIONS if name not in tuning}
            settings["EXTENSIONS"] = json.dumps(off)
            settings["SPIDERMON_ENABLED"] = "False"
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd, cwd


def crawl(variant: str, mirror: MirrorProcess, work: Path, concurrency: int, tag: str,
          cpu: int | None) -> dict:
    cmd, cwd = command(variant, mirror.base_url, work, concurrency, tag)
    load = os.getloadavg()[0]
    server_before = mirror.cpu_s()
    code = BASELINE.get(variant, REPO)  # the checkout whose madar this variant runs
    result = run_child(cmd, cwd=cwd, cpu=cpu, env={"PYTHONPATH": str(code)})
    server_cpu = mirror.cpu_s() - server_before
    stats = scrapy_stats(result.stderr)
    # Exit 1 can be madar's verdict (an error logged with the monitors off: madar-spider),
    # not a failed run: the run counts when it finished.
    if not stats or stats.get("finish_reason") != "finished":
        raise RuntimeError(f"{variant} crawl failed:\n{result.stderr[-3000:]}")
    pages = stats.get("downloader/response_count", 0)
    elapsed = stats.get("elapsed_time_seconds") or result.wall_s
    return {
        "variant": variant, "tag": tag, "pages": pages,
        "items": stats.get("item_scraped_count", 0),
        "elapsed_s": round(elapsed, 2), "wall_s": round(result.wall_s, 2),
        "pages_per_s": pages / elapsed,
        "cpu_s": round(result.cpu_s, 2), "cpu_ms_per_page": 1e3 * result.cpu_s / pages,
        "cpu_share": result.cpu_s / result.wall_s,
        "peak_rss_mib": result.maxrss_kib / 1024,
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_page": 1e3 * server_cpu / pages,
        "loadavg_1m_at_start": load,
        "dupefilter_filtered": stats.get("dupefilter/filtered", 0),
        "requests": stats.get("downloader/request_count", 0),
        "madar_stats": {k: v for k, v in stats.items()
                        if k.startswith(("madar/source/", "madar/archive/", "madar/pages/"))},
    }


def probe(mirror: MirrorProcess, articles: int, threads: int = 8) -> dict:
    """The server alone: keep-alive clients fetch every post once; its CPU per page."""
    from mirror.generator import build_site

    paths = [p.path for p in build_site(articles, SEED).posts]
    netloc = urlsplit(mirror.base_url).netloc
    host, port = netloc.rsplit(":", 1)
    chunks = [paths[i::threads] for i in range(threads)]
    errors: list[str] = []

    def client(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for path in chunk:
            try:
                conn.request("GET", path)
                conn.getresponse().read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(str(exc))
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.close()

    before = mirror.cpu_s()
    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    server_cpu = mirror.cpu_s() - before
    return {"pages": len(paths), "threads": threads, "wall_s": round(wall, 2),
            "pages_per_s": len(paths) / wall, "server_cpu_ms_per_page":
            1e3 * server_cpu / len(paths), "server_ceiling_pages_per_s":
            len(paths) / server_cpu if server_cpu else None, "errors": len(errors)}


def summarize(runs: list[dict]) -> dict:
    summary: dict = {}
    for variant in dict.fromkeys((*VARIANTS, *DECOMPOSE, *BASELINE)):
        mine = [r for r in runs if r["variant"] == variant and r["tag"] != "warmup"]
        if not mine:
            continue
        summary[variant] = {
            "runs": len(mine), "pages": mine[0]["pages"],
            "pages_per_s_median": statistics.median(r["pages_per_s"] for r in mine),
            "pages_per_s_all": [round(r["pages_per_s"], 1) for r in mine],
            "cpu_ms_per_page_median": statistics.median(r["cpu_ms_per_page"] for r in mine),
            "peak_rss_mib_max": max(r["peak_rss_mib"] for r in mine),
            "server_cpu_ms_per_page_median":
                statistics.median(r["server_cpu_ms_per_page"] for r in mine),
        }
    rounds = sorted({r["tag"] for r in runs if r["tag"].startswith("r")})
    for reference, suffix in (("bare", ""), ("bare-tuned", "_tuned")):
        for variant in ("madar", "madar-cache", "madar-nopipe", "madar-spider", *BASELINE):
            ratios = []
            for tag in rounds:
                a = [r for r in runs if r["tag"] == tag and r["variant"] == variant]
                b = [r for r in runs if r["tag"] == tag and r["variant"] == reference]
                if a and b:
                    ratios.append(a[0]["pages_per_s"] / b[0]["pages_per_s"])
            if ratios and variant in summary:
                mine = summary[variant]
                mine[f"ratio_to_bare{suffix}_per_round"] = [round(x, 3) for x in ratios]
                mine[f"ratio_to_bare{suffix}_median"] = statistics.median(ratios)
                mine[f"cpu_ratio_to_bare{suffix}"] = (
                    mine["cpu_ms_per_page_median"] / summary[reference]["cpu_ms_per_page_median"])
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-pin", action="store_true", help="do not pin server/crawler")
    parser.add_argument("--no-probe", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, 1 round")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--decompose", action="store_true",
                        help="variants " + ",".join(DECOMPOSE) + " (where the CPU goes)")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also run madar from this checkout (variant madar-baseline)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    articles, rounds = (1000, 1) if args.quick else (args.articles, args.rounds)
    variants = list(DECOMPOSE) if args.decompose else [v for v in args.variants.split(",")
                                                         if v]
    if args.baseline:
        BASELINE["madar-baseline"] = args.baseline.resolve()
        variants.append("madar-baseline")
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    server_cpu, crawler_cpu = (0, 1) if pin else (None, None)

    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp, \
            MirrorProcess(articles, SEED, cpu=server_cpu) as mirror:
        work = Path(tmp)
        print(f"mirror {mirror.base_url}: {articles} articles, pages rendered in "
              f"{mirror.warm_s:.1f} s, RSS {mirror.rss_kib() / 1024:.0f} MiB", flush=True)
        if pin:  # the probe's client threads and this process stay off the server's CPU
            os.sched_setaffinity(0, {crawler_cpu})
        probed = None if args.no_probe else probe(mirror, articles)
        if probed:
            print(f"server probe: {probed['pages_per_s']:.0f} pages/s with 8 client threads, "
                  f"server CPU {probed['server_cpu_ms_per_page']:.2f} ms/page "
                  f"(ceiling ~{probed['server_ceiling_pages_per_s']:.0f} pages/s on one CPU)",
                  flush=True)
        if "madar-cache" in variants:
            warm = crawl("madar-cache", mirror, work, args.concurrency, "warmup", crawler_cpu)
            runs.append(warm)
            print(f"cache filled: {warm['pages']} pages in {warm['elapsed_s']} s", flush=True)
        for number in range(rounds):
            order = variants[number % len(variants):] + variants[: number % len(variants)]
            for variant in order:
                run = crawl(variant, mirror, work, args.concurrency, f"r{number + 1}",
                            crawler_cpu)
                runs.append(run)
                print(f"round {number + 1} {variant:12s} {run['pages']} pages "
                      f"{run['pages_per_s']:6.1f} pages/s  {run['cpu_ms_per_page']:.2f} ms "
                      f"CPU/page  RSS {run['peak_rss_mib']:.0f} MiB  "
                      f"(load {run['loadavg_1m_at_start']:.1f})", flush=True)
        mirror_rss = mirror.rss_kib()
    summary = summarize(runs)
    rows = []
    for variant, s in summary.items():
        rows.append([variant, s["pages"], s["pages_per_s_median"], s["cpu_ms_per_page_median"],
                     s["peak_rss_mib_max"], s.get("ratio_to_bare_median"),
                     s.get("ratio_to_bare_tuned_median"), s["server_cpu_ms_per_page_median"]])
    print(f"\n{articles} articles, concurrency {args.concurrency}, {rounds} round(s), "
          f"medians; crawler pinned to CPU {crawler_cpu}, mirror to CPU {server_cpu}:")
    print(table(["crawler", "pages", "pages/s", "CPU ms/page", "peak RSS MiB",
                 "pages/s ÷ bare", "÷ bare-tuned", "mirror CPU ms/page"], rows))
    payload = {
        "benchmark": "throughput", "machine": machine(), "articles": articles, "seed": SEED,
        "rounds": rounds, "concurrency": args.concurrency,
        "pinning": {"mirror_cpu": server_cpu, "crawler_cpu": crawler_cpu},
        "mirror_warm_s": mirror.warm_s, "mirror_rss_mib": mirror_rss / 1024,
        "probe": probed, "summary": summary, "runs": runs,
    }
    if args.decompose and args.out.exists():  # kept beside the main comparison
        main_result = json.loads(args.out.read_text(encoding="utf-8"))
        main_result["decomposition"] = payload
        payload = main_result
    save(args.out, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
