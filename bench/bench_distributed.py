"""Pages per second of one worker vs two workers sharing a crawl through Redis.

Every run crawls a fresh offline mirror (``mirror``, ``--articles`` articles) with the
real ``scrapy crawl madar`` in subprocesses, AutoThrottle off, no download delay,
``CONCURRENT_REQUESTS=16`` per worker (``tests/crawl.py`` FAST_LOCAL), on a fresh Redis DB:

- ``plain-1``: one worker without Redis (the default scheduler), the baseline;
- ``redis-1``: one worker in distributed mode (what Redis coordination costs);
- ``redis-2``: two workers in distributed mode, started together.

Figures per run: ``wall_s`` (launch to the last worker's exit, including Scrapy start-up and
the ``MADAR_REDIS_IDLE_CLOSE_SECONDS=1`` grace), ``startup_s`` (launch to the mirror's first
logged request), ``crawl_s`` (first to last logged request, from the log's millisecond
timestamps), ``listing_chain_s`` (first to last listing page: pagination is a chain, each
page found on the previous one) and ``after_last_listing_s``, ``pages`` (requests logged),
``pages_per_s = pages / crawl_s``, CPU seconds of the workers, of this process (which also
serves the mirror when ``serve_mirror`` runs in a thread here) and of redis-server.

Is the mirror the bottleneck? ``probe`` fetches every page of the same mirror as fast as a
thin client can (a separate process, 32 threads; urllib opens a connection per page where
Scrapy keeps them alive, so this is a lower bound of the ceiling): if the crawlers' pages/s
approach the probe's, the server, not Scrapy, bounds the crawl.
Results: bench/results/distributed.json.

A second scenario sets ``DOWNLOAD_DELAY`` (``--delay``, default 0.05 s, on ``--delay-articles``
articles): each worker is then held to its own request rate, as a polite crawler of a real
site is, and that limit, not the CPU, bounds one worker.

    python bench/bench_distributed.py [--articles 1000] [--repeat 2] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import redis  # noqa: E402

from madar import settings as project_settings  # noqa: E402
from mirror import ground_truth, serve_mirror  # noqa: E402
from tests.crawl import read_jsonl, run_crawl, stats_from_log  # noqa: E402
from tests.servers import redis_server  # noqa: E402

RESULTS = REPO / "bench" / "results" / "distributed.json"
SEED = 5
SETTINGS = {"MADAR_REDIS_IDLE_CLOSE_SECONDS": "1", "LOG_LEVEL": "INFO"}
ADDON = "madar.distributed.DistributedAddon"
if ADDON not in json.dumps(project_settings.ADDONS):  # until madar/settings.py enables it
    SETTINGS["ADDONS"] = json.dumps({**project_settings.ADDONS, ADDON: 100})

PROBE = r"""
import sys, time, json, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor
urls = json.load(sys.stdin)
def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return len(r.read()), 0
    except urllib.error.HTTPError as e:
        return len(e.read()), 1
start = time.perf_counter()
with ThreadPoolExecutor(int(sys.argv[1])) as pool:
    results = list(pool.map(get, urls))
print(json.dumps({"pages": len(urls), "seconds": time.perf_counter() - start,
                  "bytes": sum(r[0] for r in results), "errors": sum(r[1] for r in results)}))
"""


def _when(record: dict) -> float:
    return dt.datetime.fromisoformat(record["time"]).timestamp()


def timeline(requests: list[dict], launched: float) -> dict[str, float]:
    """From the mirror's request log (millisecond timestamps): start-up, crawl window, and
    the listing chain (home page, category pages: each one is found on the previous one,
    so they are fetched one after another, whatever the number of workers)."""
    times = sorted(_when(r) for r in requests)
    listing = sorted(_when(r) for r in requests
                     if r["path"] == "/" or "/category/" in unquote(r["path"]))
    return {"startup_s": times[0] - launched, "crawl_s": times[-1] - times[0],
            "listing_chain_s": (listing[-1] - listing[0]) if listing else 0.0,
            "listing_pages": len(listing),
            "after_last_listing_s": (times[-1] - listing[-1]) if listing else 0.0}


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(mode: str, workers: int, articles: int, tmp: Path, redis_url: str,
            extra_settings: dict[str, str] | None = None) -> dict:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    tmp.mkdir(parents=True, exist_ok=True)
    log_path = tmp / f"{mode}-{workers}-requests.jsonl"
    with serve_mirror(articles=articles, seed=SEED, log_path=log_path) as mirror:
        results: dict[str, dict] = {}

        def work(name: str) -> None:
            env = {"REDIS_URL": redis_url, "MADAR_WORKER_ID": name} if mode == "redis" else {}
            out = tmp / f"{mode}-{workers}-%(worker)s.jsonl"
            result = run_crawl(mirror.base_url, out, tmp / f"state-{mode}-{workers}-{name}",
                               settings={**SETTINGS, **(extra_settings or {})},
                               env={**env, "MADAR_WORKER_ID": name},
                               timeout=1800)
            if result.returncode != 0:
                raise SystemExit(f"{mode}/{name} failed:\n{stats_from_log(result.stderr)}")
            results[name] = {"items": len(read_jsonl(tmp / f"{mode}-{workers}-{name}.jsonl"))}

        names = [f"w{i + 1}" for i in range(workers)]
        threads = [threading.Thread(target=work, args=(n,)) for n in names]
        cpu_self, cpu_children, cpu_redis = time.process_time(), children_cpu(), redis_cpu(client)
        start, launched = time.perf_counter(), time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        cpu = {"workers": children_cpu() - cpu_children,
               "bench_and_mirror": time.process_time() - cpu_self,
               "redis": redis_cpu(client) - cpu_redis}
        requests = read_jsonl(log_path)
    if len(results) != workers:
        raise SystemExit(f"{mode}: a worker failed")
    times = timeline(requests, launched)
    return {"mode": mode, "workers": workers, "wall_s": round(wall, 2),
            **{k: round(v, 2) for k, v in times.items()}, "pages": len(requests),
            "pages_per_s": round(len(requests) / times["crawl_s"], 1),
            "items": sum(r["items"] for r in results.values()),
            "items_per_worker": [results[n]["items"] for n in names],
            "cpu_s": {k: round(v, 2) for k, v in cpu.items()}}


def probe(articles: int, tmp: Path, threads: int = 32) -> dict:
    """The mirror's own ceiling: every page of the ground truth, fetched by a thin client."""
    with serve_mirror(articles=articles, seed=SEED, log_path=tmp / "probe.jsonl") as mirror:
        urls = [t["url"] for t in ground_truth(mirror.base_url, articles=articles, seed=SEED)]
        cpu_self = time.process_time()
        out = subprocess.run([sys.executable, "-c", PROBE, str(threads)], input=json.dumps(urls),
                             capture_output=True, text=True, check=True, timeout=1800)
        cpu_mirror = time.process_time() - cpu_self
    result = json.loads(out.stdout)
    return {"pages": result["pages"], "http_errors": result["errors"], "threads": threads,
            "seconds": round(result["seconds"], 2),
            "pages_per_s": round(result["pages"] / result["seconds"], 1),
            "cpu_s_bench_and_mirror": round(cpu_mirror, 2)}


def summarize(runs: list[dict]) -> list[dict]:
    table = []
    for key in ("plain-1", "redis-1", "redis-2"):
        mode, workers = key.split("-")
        group = [r for r in runs if r["mode"] == mode and r["workers"] == int(workers)]
        if not group:
            continue
        best = max(group, key=lambda r: r["pages_per_s"])
        table.append({"run": key, "pages": best["pages"], "items": best["items"],
                      "items_per_worker": best["items_per_worker"],
                      "startup_s": best["startup_s"], "crawl_s": best["crawl_s"],
                      "listing_chain_s": best["listing_chain_s"],
                      "after_last_listing_s": best["after_last_listing_s"],
                      "wall_s": best["wall_s"],
                      "pages_per_s": best["pages_per_s"],
                      "pages_per_s_median": round(statistics.median(
                          r["pages_per_s"] for r in group), 1),
                      "cpu_s": best["cpu_s"]})
    return table


def print_table(title: str, table: list[dict]) -> float | None:
    print(f"\n{title}")
    print(f"{'run':9} {'pages':>6} {'items':>6} {'per worker':>12} {'start s':>8} "
          f"{'crawl s':>8} {'chain s':>8} {'wall s':>7} {'pages/s':>8} {'CPU workers':>12} "
          f"{'CPU mirror':>11} {'CPU redis':>10}")
    for row in table:
        cpu = row["cpu_s"]
        print(f"{row['run']:9} {row['pages']:>6} {row['items']:>6} "
              f"{'/'.join(map(str, row['items_per_worker'])):>12} {row['startup_s']:>8} "
              f"{row['crawl_s']:>8} {row['listing_chain_s']:>8} {row['wall_s']:>7} "
              f"{row['pages_per_s']:>8} "
              f"{cpu['workers']:>12} {cpu['bench_and_mirror']:>11} {cpu['redis']:>10}")
    by_run = {row["run"]: row for row in table}
    if "redis-2" not in by_run or "redis-1" not in by_run:
        return None
    speedup = by_run["redis-2"]["pages_per_s"] / by_run["redis-1"]["pages_per_s"]
    print(f"two workers vs one (Redis): x{speedup:.2f}")
    return round(speedup, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.05,
                        help="DOWNLOAD_DELAY of the rate-limited scenario (0: skip it)")
    parser.add_argument("--delay-articles", type=int, default=300)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    scenarios = [("unthrottled", args.articles, {})]
    if args.delay > 0:
        scenarios.append((f"download_delay_{args.delay:g}", args.delay_articles,
                          {"DOWNLOAD_DELAY": str(args.delay),
                           "RANDOMIZE_DOWNLOAD_DELAY": "False"}))
    results: dict[str, dict] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as name:
        tmp = Path(name)
        with redis_server(tmp / "redis") as redis_url:
            for scenario, articles, extra in scenarios:
                runs = []
                for i in range(args.repeat):
                    for mode, workers in (("plain", 1), ("redis", 1), ("redis", 2)):
                        run = one_run(mode, workers, articles, tmp / f"{scenario}-{i}",
                                      redis_url, extra)
                        print(json.dumps(run), file=sys.stderr)
                        runs.append(run)
                results[scenario] = {"articles": articles, "settings": extra, "runs": runs,
                                     "table": summarize(runs)}
        ceiling = probe(args.articles, tmp)
    load_after = os.getloadavg()
    print(f"\nbest of {args.repeat}; {os.cpu_count()} CPUs; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    for scenario, result in results.items():
        title = f"{scenario}: {result['articles']} articles {result['settings'] or ''}"
        result["speedup_two_vs_one"] = print_table(title, result["table"])
    print(f"\nmirror ceiling (thin client, {ceiling['threads']} threads): "
          f"{ceiling['pages_per_s']} pages/s over {ceiling['pages']} pages")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "distributed", "repeat": args.repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    # Other work on the machine skews a 2-CPU benchmark: load before / after.
                    "loadavg_1m_before_after": [round(load_before[0], 2),
                                                round(load_after[0], 2)]},
        "scenarios": results, "mirror_ceiling": ceiling,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"saved {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")


if __name__ == "__main__":
    main()
