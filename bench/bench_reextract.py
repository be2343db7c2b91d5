"""Re-extraction from WARC vs the crawl that wrote it; the crawl's cost of writing WARC.

On one warmed mirror of ``--articles`` posts (``bench/common.py: MirrorProcess``, pinned to
CPU 0; crawlers on CPU 1, as in bench_throughput.py):

Each of ``--rounds`` rounds runs, in turn:

1. ``madar`` crawls with ``MADAR_WARC`` and without (alternating order): the crawl's
   pages/s and CPU ms per page with and without writing WARC, the WARC's bytes per article
   (gzip'd per record).
2. ``python -m madar.reextract`` on the first crawl's WARC with 1 and 2 workers (alternating
   order; not pinned: a worker and the main process share the 2 CPUs): pages/s over the
   run's duration (from its report), against the same round's crawl (ratios by round pair
   figures from one machine state); and CPU per page of the main process and of the
   workers (from its report), which a loaded machine does not distort as it distorts
   pages/s.
3. After the rounds, the WARC is read by FastWARC (``madar.warc.reader``) and by warcio's
   ArchiveIterator, every response body read: records/s of each (the reader choice).
4. Checks: the re-extracted items equal the crawl's feed (every field, same order), and
   the Parquet output reads back with pyarrow and ``datasets`` with the same values.

    python bench/bench_reextract.py [--articles 5000] [--rounds 2] [--baseline DIR]

``--baseline DIR`` also re-extracts with 1 worker from another checkout (``git worktree add``),
in the same rounds, for a before/after on the same WARC and machine state.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import crawl_settings
from common import PYTHON, REPO, MirrorProcess, machine, run_child, save, scrapy_stats, table

from tests.crawl import read_jsonl
from tests.parquet_values import mismatches

RESULTS = REPO / "bench" / "results" / "reextract.json"
SEED = 1


def crawl(mirror: MirrorProcess, work: Path, tag: str, warc: bool, cpu: int | None) -> dict:
    out = work / f"crawl-{tag}.jsonl"
    settings = {**crawl_settings(16), "MADAR_STATE_DIR": str(work / f"state-{tag}")}
    if warc:
        settings["MADAR_WARC"] = str(work / f"warc-{tag}")
    cmd = [PYTHON, "-m", "scrapy", "crawl", "madar", "-a", f"base_url={mirror.base_url}",
           "-O", f"{out}:jsonlines"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    result = run_child(cmd, cwd=REPO, cpu=cpu)
    stats = scrapy_stats(result.stderr)
    if result.returncode != 0 or not stats:
        raise RuntimeError(f"crawl failed:\n{result.stderr[-3000:]}")
    pages = stats["downloader/response_count"]
    warc_files = sorted((work / f"warc-{tag}").glob("*.warc.gz")) if warc else []
    return {"tag": tag, "warc": warc, "pages": pages, "items": stats["item_scraped_count"],
            "pages_per_s": pages / stats["elapsed_time_seconds"],
            "cpu_ms_per_page": 1e3 * result.cpu_s / pages,
            "warc_bytes": sum(p.stat().st_size for p in warc_files),
            "warc_records": stats.get("madar/warc/records", 0),
            "feed": str(out), "warc_files": [str(p) for p in warc_files]}


def read_fastwarc(paths: list[Path], base_url: str) -> int:
    from madar.warc.reader import ArchiveReader

    return sum(len(r.body) > 0 for r in ArchiveReader(base_url).responses(paths))


def read_warcio(paths: list[Path], base_url: str) -> int:
    from warcio.archiveiterator import ArchiveIterator

    from madar.urls import same_host

    count = 0
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                if same_host(url, base_url):
                    record.http_headers.get_statuscode()
                    count += len(record.content_stream().read()) > 0
    return count


def readers(paths: list[Path], base_url: str, repeat: int = 3) -> dict:
    result = {}
    for name, read in (("fastwarc", read_fastwarc), ("warcio", read_warcio)):
        times, records = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            records = read(paths, base_url)
            times.append(time.perf_counter() - started)
        result[name] = {"records": records, "seconds_median": statistics.median(times),
                        "records_per_s": records / statistics.median(times)}
    result["fastwarc_speedup"] = (result["fastwarc"]["records_per_s"]
                                  / result["warcio"]["records_per_s"])
    return result


def reextract(paths: list[str], out: Path, base_url: str, workers: int,
              checkout: Path = REPO) -> dict:
    cmd = [PYTHON, "-m", "madar.reextract", *paths, "-o", str(out), "--base-url", base_url,
           "--workers", str(workers)]
    result = run_child(cmd, cwd=checkout, env={"PYTHONPATH": str(checkout)})
    if result.returncode != 0:
        raise RuntimeError(f"reextract failed:\n{result.stderr[-3000:]}")
    report = json.loads(Path(f"{out}.report.json").read_text(encoding="utf-8"))
    pages, duration = report["pages"]["fetched"], report["duration_seconds"]
    return {"workers": workers, "pages": pages, "items": report["articles"]["emitted"],
            "duration_s": duration, "wall_s": round(result.wall_s, 2),
            "pages_per_s": pages / duration, "cpu_ms_per_page": 1e3 * result.cpu_s / pages,
            "main_cpu_ms_per_page": 1e3 * report["archives"]["cpu_seconds"]["main"] / pages,
            "workers_cpu_ms_per_page":
                1e3 * report["archives"]["cpu_seconds"]["workers"] / pages,
            "peak_rss_mib": result.maxrss_kib / 1024}


def parquet_check(parquet: Path, items: list[dict], work: Path) -> dict:
    import pyarrow.parquet as pq

    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    rows = pq.read_table(parquet).to_pylist()
    result = {"rows": len(rows), "bytes": parquet.stat().st_size,
              "pyarrow_mismatches": len(mismatches(rows, items))}
    try:
        import datasets
    except ImportError:
        result["datasets_mismatches"] = None
        return result
    loaded = datasets.load_dataset("parquet", data_files=str(parquet), split="train",
                                   cache_dir=str(work / "hf"))
    result["datasets_mismatches"] = len(mismatches(list(loaded), items))
    return result


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def per_round(runs: list[dict], against: list[dict]) -> list[float]:
    """pages/s of ``runs`` over ``against``'s, round by round (one machine state each)."""
    by_round = {r["round"]: r["pages_per_s"] for r in against}
    return [round(r["pages_per_s"] / by_round[r["round"]], 3) for r in runs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also re-extract with 1 worker from this checkout")
    args = parser.parse_args(argv)
    pin = (os.cpu_count() or 1) >= 2
    server_cpu, crawler_cpu = (0, 1) if pin else (None, None)
    with tempfile.TemporaryDirectory(prefix="bench-reextract-") as tmp:
        work = Path(tmp)
        crawls: list[dict] = []
        runs: list[dict] = []
        variants = [(1, REPO), (2, REPO)] + ([(1, args.baseline.resolve())] if args.baseline
                                             else [])
        source: dict | None = None
        # Each round crawls and then re-extracts: a ratio pairs figures from one machine
        # state (a VM can drift by a third within a run; crawls first would skew it).
        with MirrorProcess(args.articles, SEED, cpu=server_cpu) as mirror:
            base_url = mirror.base_url
            for number in range(args.rounds):
                for warc in ((True, False) if number % 2 == 0 else (False, True)):
                    run = crawl(mirror, work, f"r{number + 1}-{'warc' if warc else 'plain'}",
                                warc, crawler_cpu)
                    run["round"] = number + 1
                    crawls.append(run)
                    print(f"crawl {run['tag']:12s} {run['pages']} pages "
                          f"{run['pages_per_s']:6.1f} pages/s {run['cpu_ms_per_page']:.2f} "
                          f"ms CPU/page", flush=True)
                source = source or next(r for r in crawls if r["warc"])
                for workers, checkout in (variants if number % 2 == 0 else variants[::-1]):
                    out = work / f"again-{number}-{workers}-{checkout.name}.jsonl"
                    run = reextract(source["warc_files"], out, base_url, workers, checkout)
                    run["round"], run["baseline"] = number + 1, checkout != REPO
                    run["identical_to_crawl"] = (read_jsonl(out)
                                                 == read_jsonl(Path(source["feed"])))
                    runs.append(run)
                    print(f"reextract {workers} worker(s)"
                          f"{' baseline' if run['baseline'] else ''}: {run['pages']} pages "
                          f"{run['pages_per_s']:6.1f} pages/s, identical to the crawl: "
                          f"{run['identical_to_crawl']}", flush=True)
        paths = [Path(p) for p in source["warc_files"]]
        read = readers(paths, base_url)
        print(f"readers: FastWARC {read['fastwarc']['records_per_s']:.0f} records/s, warcio "
              f"{read['warcio']['records_per_s']:.0f} records/s", flush=True)
        parquet = work / "again.parquet"
        reextract(source["warc_files"], parquet, base_url, 2)
        checked = parquet_check(parquet, read_jsonl(Path(source["feed"])), work)
    with_warc = [r for r in crawls if r["warc"]]
    plain = [r for r in crawls if not r["warc"]]
    one = [r for r in runs if r["workers"] == 1 and not r["baseline"]]
    two = [r for r in runs if r["workers"] == 2]
    before = [r for r in runs if r["baseline"]]
    summary = {
        "crawl_pages_per_s_warc": median(with_warc, "pages_per_s"),
        "crawl_pages_per_s_plain": median(plain, "pages_per_s"),
        "crawl_cpu_ms_per_page_warc": median(with_warc, "cpu_ms_per_page"),
        "crawl_cpu_ms_per_page_plain": median(plain, "cpu_ms_per_page"),
        "warc_cpu_ms_per_page": median(with_warc, "cpu_ms_per_page")
        - median(plain, "cpu_ms_per_page"),
        "warc_bytes_per_article": source["warc_bytes"] / source["items"],
        "warc_bytes_per_page": source["warc_bytes"] / source["pages"],
        "reextract_pages_per_s_1_worker": median(one, "pages_per_s"),
        "reextract_pages_per_s_2_workers": median(two, "pages_per_s"),
        "ratio_1_worker_to_crawl": median(one, "pages_per_s")
        / median(with_warc, "pages_per_s"),
        "ratio_2_workers_to_1": median(two, "pages_per_s") / median(one, "pages_per_s"),
        "ratio_1_worker_to_crawl_by_round": per_round(one, with_warc),
        "ratio_2_workers_to_1_by_round": per_round(two, one),
        # CPU, robust to a loaded machine: the crawl's CPU per page over re-extraction's
        # (all processes), and the 2-worker speedup two idle cores allow when the main
        # process (M ms/page) and the workers (W) overlap: 2W / (W + M) (1 worker: W).
        "crawl_cpu_over_reextract_cpu": median(with_warc, "cpu_ms_per_page")
        / median(one, "cpu_ms_per_page"),
        "reextract_main_cpu_ms_per_page": median(one, "main_cpu_ms_per_page"),
        "reextract_workers_cpu_ms_per_page": median(one, "workers_cpu_ms_per_page"),
        "two_idle_cores_speedup_bound": 2 * median(one, "workers_cpu_ms_per_page")
        / (median(one, "workers_cpu_ms_per_page") + median(one, "main_cpu_ms_per_page")),
        "all_identical_to_crawl": all(r["identical_to_crawl"] for r in runs),
        **({"baseline_pages_per_s_1_worker": median(before, "pages_per_s"),
            "baseline_workers_cpu_ms_per_page": median(before, "workers_cpu_ms_per_page"),
            "baseline_main_cpu_ms_per_page": median(before, "main_cpu_ms_per_page"),
            "ratio_1_worker_to_baseline": median(one, "pages_per_s")
            / median(before, "pages_per_s")} if before else {}),
        "parquet": checked,
        "readers": read,
    }
    print()
    print(table(["figure", "value"], [[k, v] for k, v in summary.items()
                                      if not isinstance(v, dict)]))
    save(args.out, {"benchmark": "reextract", "machine": machine(), "articles": args.articles,
                    "seed": SEED, "rounds": args.rounds,
                    "pinning": {"mirror_cpu": server_cpu, "crawler_cpu": crawler_cpu},
                    "summary": summary, "crawls": crawls, "reextract_runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
