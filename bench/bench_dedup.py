"""Dedup benchmark: per-item cost, memory and persisted bytes at 10k/50k/200k articles, and
precision/recall of near-duplicate detection, on synthetic Arabic news with known copies.

    python bench/bench_dedup.py [--sizes 10000,50000,200000] [--redis] [--no-datasketch]
                                [--plain-python]

Each size runs in its own subprocess (clean peak RSS). Per size:

- ``per_item_ms``: mean wall time of one article through the whole rule set (normalize,
  signature, lookups, LSH, record) over the run, and over its last 10 % (``tail_ms``: the
  cost at that size); ``normalize_ms`` and ``signature_ms`` are the shares of the first two;
  ``cpu_ms`` / ``cpu_tail_ms``: the same in process CPU time, which other jobs on a shared
  machine do not inflate (for the local store, where all the work is in-process);
- ``rss_peak_mib``: peak resident memory of the process (includes the rebuild measurement);
  ``rss_growth_bytes_per_article``: resident memory added during the run / kept articles
  (index + SQLite page cache, at most 64 MiB, + allocator slack);
- ``index_bytes_per_article``: memory of the in-memory LSH index, measured with tracemalloc
  while it is rebuilt from the store (what every run pays at start), and ``rebuild_s``;
- ``disk_bytes_per_article``: SQLite file size after a WAL checkpoint / kept articles;
- precision / recall of near-duplicate drops against the generator's ground truth.

The corpus: articles of 120-900 words (log-normal, median ~330) drawn from a Zipf
vocabulary of real Arabic words (the seed article, when present) plus generated ones; 10 % of
the items are edited copies of an earlier article (2 %, 5 % or 10 % of words changed, one
sentence rewritten, dateline changed, a closing line added), 5 % are "related" stories that
reuse 25 % of an earlier article's sentences (must be kept: distinct stories). Results go to
bench/results/dedup.json (rows of sizes/backends not rerun are kept); docs/benchmarks.md's table is
written from it.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine  # noqa: E402

from madar.dedup.decide import Deduplicator, Fingerprint  # noqa: E402
from madar.dedup.minhash import MinHasher  # noqa: E402
from madar.text.arabic import normalize_for_matching  # noqa: E402
from mirror.seed import seed_file  # noqa: E402
from tests.servers import REDIS_SERVER, redis_server  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "dedup.json"
THRESHOLD, NUM_PERM, SHINGLE = 0.6, 128, 3
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآؤئ"
DATELINES = ["دمشق", "حلب", "بيروت", "طهران", "موسكو", "إدلب", "حمص", "عمان", "أنقرة", "جنيف"]


# -- synthetic corpus ------------------------------------------------------------------------

@dataclass
class Item:
    url: str
    text: str
    copy_of: int | None  # index of the article this one copies (ground truth)
    kind: str            # original | copy:<edit> | related


class Corpus:
    def __init__(self, seed: int = 7, vocab_size: int = 40_000) -> None:
        self.rng = np.random.default_rng(seed)
        real = []
        seed = seed_file()
        if seed is not None:
            real = list(dict.fromkeys(normalize_for_matching(seed.read_text()).split()))
        fake = set()
        while len(fake) < vocab_size - len(real):
            n = int(self.rng.integers(3, 8))
            fake.add("".join(self.rng.choice(list(LETTERS), n)))
        self.vocab = np.array(real + sorted(fake), dtype=object)
        ranks = np.arange(1, len(self.vocab) + 1)
        weights = 1.0 / ranks**1.05
        self.cdf = np.cumsum(weights / weights.sum())

    def words(self, n: int) -> list[str]:
        return list(self.vocab[np.searchsorted(self.cdf, self.rng.random(n))])

    def sentences(self, n_words: int) -> list[str]:
        out, left = [], n_words
        while left > 0:
            k = min(left, int(self.rng.integers(12, 35)))
            out.append(" ".join(self.words(k)) + ".")
            left -= k
        return out

    def article(self) -> list[str]:
        n = int(np.clip(self.rng.lognormal(np.log(330), 0.45), 120, 900))
        place = DATELINES[int(self.rng.integers(len(DATELINES)))]
        return [f"{place} – مدار اليوم", *self.sentences(n)]

    def edit(self, sents: list[str]) -> tuple[list[str], str]:
        kind = ["words2", "words5", "words10", "sentence", "dateline+closing"][
            int(self.rng.integers(5))]
        out = list(sents)
        if kind.startswith("words"):
            rate = int(kind[5:]) / 100
            body = " ".join(out[1:]).split(" ")
            for i in np.flatnonzero(self.rng.random(len(body)) < rate):
                body[i] = self.words(1)[0]
            out = [out[0], " ".join(body)]
        elif kind == "sentence":
            i = int(self.rng.integers(1, len(out)))
            out[i] = " ".join(self.words(len(out[i].split()))) + "."
        else:
            out[0] = DATELINES[int(self.rng.integers(len(DATELINES)))] + " – وكالات"
            out.append("يذكر أن مدار اليوم تتابع تطورات هذا الملف.")
        return out, kind

    def items(self, n: int, copy_share: float = 0.10, related_share: float = 0.05,
              window: int = 20_000):
        """Yield ``n`` items; copies and related stories come from the last ``window`` kept
        articles (bounded generator memory, and republications are of recent news anyway)."""
        kept: list[list[str]] = []
        kept_index: list[int] = []
        for i in range(n):
            if len(kept) > window + window // 2:
                del kept[:-window], kept_index[:-window]
            r = self.rng.random()
            if kept and r < copy_share:
                j = int(self.rng.integers(len(kept)))
                sents, kind = self.edit(kept[j])
                yield Item(f"https://madaralyoum.com/c{i}/", "\n".join(sents), kept_index[j],
                           "copy:" + kind)
            elif kept and r < copy_share + related_share:
                j = int(self.rng.integers(len(kept)))
                base = kept[j][1:]
                share = max(1, len(base) // 4)
                picked = [base[k] for k in sorted(self.rng.choice(len(base), share, False))]
                sents = [self.article()[0], *picked, *self.sentences(250)]
                kept.append(sents)
                kept_index.append(i)
                yield Item(f"https://madaralyoum.com/r{i}/", "\n".join(sents), None, "related")
            else:
                sents = self.article()
                kept.append(sents)
                kept_index.append(i)
                yield Item(f"https://madaralyoum.com/a{i}/", "\n".join(sents), None, "original")


# -- one size ----------------------------------------------------------------------------------

def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(size: int, backend: str, redis_url: str | None) -> dict:
    from madar.state.sqlite_store import DB_FILENAME, SQLiteSeenStore

    workdir = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    if backend == "redis":
        from madar.state.redis_store import RedisSeenStore

        store = RedisSeenStore(redis_url, threshold=THRESHOLD, num_perm=NUM_PERM)
        store.clear()
        store = RedisSeenStore(redis_url, threshold=THRESHOLD, num_perm=NUM_PERM)
        mem_before = store._redis.info("memory")["used_memory"]
    else:
        store = SQLiteSeenStore(workdir, threshold=THRESHOLD, num_perm=NUM_PERM)
    dedup = Deduplicator(store)
    hasher = MinHasher(NUM_PERM, SHINGLE)
    corpus = Corpus()
    truth: list[tuple[str, str]] = []  # (url, kind) of copies, for recall per edit kind
    rss_start = current_rss_mib()

    times = np.empty(size)
    cpu_times = np.empty(size)
    t_norm = t_sig = 0.0
    tp = fn = fp = 0
    dropped_as = {}
    for i, item in enumerate(corpus.items(size)):
        c0 = time.process_time()
        t0 = time.perf_counter()
        normalized = normalize_for_matching(item.text)
        t1 = time.perf_counter()
        fp_ = Fingerprint.build(hasher, url=item.url, post_id=None, normalized_title="",
                                normalized_text=normalized)
        t2 = time.perf_counter()
        verdict = dedup.check(fp_)
        times[i] = time.perf_counter() - t0
        cpu_times[i] = time.process_time() - c0
        t_norm += t1 - t0
        t_sig += t2 - t1
        is_copy = item.copy_of is not None
        if is_copy:
            truth.append((item.url, item.kind))
        if not verdict.emit:
            dropped_as[verdict.reason] = dropped_as.get(verdict.reason, 0) + 1
        if is_copy and not verdict.emit:
            tp += 1
        elif is_copy:
            fn += 1
        elif not verdict.emit:
            fp += 1
    store.flush()
    result = {
        "backend": backend, "size": size,
        "kept": size - sum(dropped_as.values()), "dropped_as": dropped_as,
        "copies": tp + fn,
        "per_item_ms": round(times.mean() * 1000, 3),
        "tail_ms": round(times[-max(1, size // 10):].mean() * 1000, 3),
        "cpu_ms": round(cpu_times.mean() * 1000, 3),
        "cpu_tail_ms": round(cpu_times[-max(1, size // 10):].mean() * 1000, 3),
        "normalize_ms": round(t_norm / size * 1000, 3),
        "signature_ms": round(t_sig / size * 1000, 3),
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "false_positives": fp,
        "recall_by_edit": {},
    }
    by_kind: dict[str, list[int]] = {}
    # recall per edit kind, from a second pass over the decisions (kept articles are fixed)
    for item_url, kind in truth:
        known = store.lookup_url(item_url)
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][1] += 1
        if known is not None and known.record.url != item_url:
            by_kind[kind][0] += 1
    result["recall_by_edit"] = {k: round(a / b, 4) for k, (a, b) in sorted(by_kind.items())}
    kept = store.count()
    result["rss_growth_bytes_per_article"] = round(
        (current_rss_mib() - rss_start) * 2**20 / kept)
    if backend == "redis":
        used = store._redis.info("memory")["used_memory"] - mem_before
        result["redis_bytes_per_article"] = round(used / kept)
        store.close()
    else:
        store.close()
        del dedup, store
        db = workdir / DB_FILENAME
        import sqlite3

        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        result["disk_bytes_per_article"] = round(db.stat().st_size / kept)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        reopened = SQLiteSeenStore(workdir, threshold=THRESHOLD, num_perm=NUM_PERM)
        assert len(reopened.index) > 0  # built on first use: build it now
        result["rebuild_s"] = round(time.perf_counter() - t0, 3)
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result["index_bytes_per_article"] = round((after - before) / kept)
        reopened.close()
        # rebuild time without tracemalloc overhead
        t0 = time.perf_counter()
        reopened = SQLiteSeenStore(workdir, threshold=THRESHOLD, num_perm=NUM_PERM)
        assert len(reopened.index) > 0
        reopened.close()
        result["rebuild_s"] = round(time.perf_counter() - t0, 3)
    result["rss_peak_mib"] = round(rss_peak_mib(), 1)
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def as_datasketch(signature):
    """A madar signature as a datasketch MinHash (same affine32 scheme; for the peers)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, hashvalues=list(signature), scheme="affine32")


def datasketch_index_bytes(n: int = 20_000) -> dict:
    """Memory per article of datasketch's MinHashLSH at the same parameters (docs/benchmarks.md)."""
    from datasketch import MinHashLSH

    from madar.dedup.index import NearDuplicateIndex, lsh_bands

    hasher = MinHasher(NUM_PERM, SHINGLE)
    corpus = Corpus(seed=3)
    sigs = [hasher.signature(normalize_for_matching("\n".join(corpus.article())))
            for _ in range(n)]
    out = {"articles": n}
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    lsh = MinHashLSH(num_perm=NUM_PERM, params=lsh_bands(THRESHOLD, NUM_PERM))
    for i, s in enumerate(sigs):
        lsh.insert(i, as_datasketch(s), check_duplication=False)
    out["datasketch_MinHashLSH_bytes_per_article"] = round(
        (tracemalloc.get_traced_memory()[0] - base) / n)
    del lsh
    base = tracemalloc.get_traced_memory()[0]
    index = NearDuplicateIndex(NUM_PERM, THRESHOLD)
    index.add_many(range(n), sigs)
    out["madar_NearDuplicateIndex_bytes_per_article"] = round(
        (tracemalloc.get_traced_memory()[0] - base) / n)
    tracemalloc.stop()
    return out


def datasketch_redis_cost(redis_url: str, n: int = 5000) -> dict:
    """datasketch's own Redis-backed MinHashLSH (query + insert per article) for comparison:
    it only covers the LSH part (no URL/text keys, no atomic claim between workers)."""
    import redis
    from datasketch import MinHashLSH

    from madar.dedup.index import lsh_bands

    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    hasher = MinHasher(NUM_PERM, SHINGLE)
    corpus = Corpus(seed=3)
    sigs = [hasher.signature(normalize_for_matching("\n".join(corpus.article())))
            for _ in range(n)]
    client = redis.Redis(port=port)
    client.flushdb()
    before = client.info("memory")["used_memory"]
    lsh = MinHashLSH(num_perm=NUM_PERM, params=lsh_bands(THRESHOLD, NUM_PERM),
                     storage_config={"type": "redis", "basename": b"bench",
                                     "redis": {"host": "127.0.0.1", "port": port}})
    t0 = time.perf_counter()
    for i, sig in enumerate(sigs):
        minhash = as_datasketch(sig)
        lsh.query(minhash)
        lsh.insert(f"d{i}", minhash, check_duplication=False)
    elapsed = time.perf_counter() - t0
    used = client.info("memory")["used_memory"] - before
    client.flushdb()
    return {"articles": n, "query_insert_ms": round(elapsed / n * 1000, 3),
            "redis_bytes_per_article": round(used / n)}


# -- driver -------------------------------------------------------------------------------------

def print_table(results: list[dict]) -> None:
    cols = ["backend", "size", "per_item_ms", "tail_ms", "cpu_ms", "cpu_tail_ms",
            "normalize_ms", "signature_ms",
            "rss_peak_mib", "rss_growth_bytes_per_article", "index_bytes_per_article",
            "disk_bytes_per_article",
            "redis_bytes_per_article", "rebuild_s", "precision", "recall", "false_positives"]
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r.get(c, "")) for c in cols))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--redis", action="store_true", help="also run the Redis store")
    parser.add_argument("--redis-sizes", default=None, help="sizes for Redis (default: --sizes)")
    parser.add_argument("--no-datasketch", action="store_true",
                        help="skip the MinHashLSH memory comparison")
    parser.add_argument("--plain-python", action="store_true",
                        help="MinHash without numpy, as the lean install runs it (rows "
                             "labelled backend 'sqlite-plain')")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--datasketch-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--datasketch-redis-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        if args.plain_python:
            import madar.dedup.minhash

            madar.dedup.minhash.numpy = None  # before any MinHasher is made
        row = run_one(args.one, args.backend, args.redis_url)
        if args.plain_python:
            row["backend"] += "-plain"
        print(json.dumps(row))
        return
    if args.datasketch_only:
        print(json.dumps(datasketch_index_bytes()))
        return
    if args.datasketch_redis_only:
        print(json.dumps(datasketch_redis_cost(args.redis_url)))
        return

    def child(*extra: str) -> dict:
        out = subprocess.run([sys.executable, __file__, *extra], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    results = []
    comparison = None
    for size in [int(s) for s in args.sizes.split(",")]:
        results.append(child("--one", str(size), *(["--plain-python"] if args.plain_python
                                                     else [])))
        print_table(results[-1:])
    if args.redis:
        if not Path(REDIS_SERVER).exists():
            print("redis-server not installed: Redis rows skipped")
        else:
            with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp, \
                    redis_server(Path(tmp)) as url:
                for size in [int(s) for s in (args.redis_sizes or args.sizes).split(",")]:
                    results.append(child("--one", str(size), "--backend", "redis",
                                         "--redis-url", url))
                    print_table(results[-1:])
                comparison = child("--datasketch-redis-only", "--redis-url", url)
                print("datasketch MinHashLSH on Redis:", comparison)
    print()
    print_table(results)
    report = {"machine": machine(numpy=np.__version__), "parameters": {
        "threshold": THRESHOLD, "num_perm": NUM_PERM, "shingle": SHINGLE},
        "results": results}
    if comparison:
        report["datasketch_redis_lsh"] = comparison
    if not args.no_datasketch:
        report["index_memory_comparison"] = child("--datasketch-only")
        print(report["index_memory_comparison"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if RESULTS.exists():  # keep rows (and comparisons) this run did not redo
        previous = json.loads(RESULTS.read_text())
        done = {(r["backend"], r["size"]) for r in results}
        kept = [r for r in previous.get("results", []) if (r["backend"], r["size"]) not in done]
        report["results"] = sorted(kept + results, key=lambda r: (r["backend"], r["size"]))
        for key in ("index_memory_comparison", "datasketch_redis_lsh"):
            if key not in report and key in previous:
                report[key] = previous[key]
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
