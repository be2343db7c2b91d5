"""What one article costs in each stage of madar, measured in one process, no HTTP.

The mirror's post pages are rendered in process (``bench/common.py: mirror_pages``) and
pushed through the same code a crawl runs, stage by stage, with ``time.perf_counter``
around each:

- ``decode``: bytes -> str (Scrapy's ``response.text``; the bare spider pays it too);
- ``parse``: lxml tree of the page (``madar.pages.document._parse``, what every page object
  starts with; a bare spider's ``response.css`` pays a parse as well);
- ``extract``: ``article_page_for(...).to_item()`` + ``related_urls()`` minus ``parse``;
- ``clean``, ``validate``, ``dedup``: the three item pipelines (dedup on a fresh SQLite
  state directory, as a first crawl);
- ``export``: Scrapy's ``JsonLinesItemExporter`` (what ``-O file.jsonl`` runs).

``--profile`` adds a cProfile of the whole loop (top functions by own time) so the next
optimization is obvious. Results: bench/results/stages.json.

    python bench/bench_stages.py [--articles 2000] [--profile] [--quick]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, machine, mirror_pages, rss_kib, save, table

RESULTS = REPO / "bench" / "results" / "stages.json"
STAGES = ("decode", "parse", "extract", "clean", "validate", "dedup", "export")


def build_pipelines(state_dir: Path):
    from scrapy.exporters import JsonLinesItemExporter
    from scrapy.settings import Settings

    from madar import settings as project_settings
    from madar.pipelines.clean import CleanTextPipeline
    from madar.pipelines.dedup import DeduplicatePipeline
    from madar.pipelines.validate import ValidateArticlePipeline

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("MADAR_STATE_DIR", str(state_dir))
    settings.set("REDIS_URL", None)
    clean = CleanTextPipeline()
    validate = ValidateArticlePipeline()
    dedup = DeduplicatePipeline(settings)
    dedup.open_spider()
    sink = open(state_dir / "items.jsonl", "wb")  # noqa: SIM115
    exporter = JsonLinesItemExporter(sink, encoding="utf-8")
    exporter.start_exporting()
    return clean, validate, dedup, exporter, sink


def run(pages, state_dir: Path, sample_every: int = 0) -> dict:
    """Every page through every stage; ``sample_every`` > 0 records (pages, seconds of
    madar's work so far, RSS KiB)."""
    from scrapy.exceptions import DropItem

    from madar.pages import article_page_for
    from madar.pages.document import _parse

    clean, validate, dedup, exporter, sink = build_pipelines(state_dir)
    totals = dict.fromkeys(STAGES, 0.0)
    per_article: list[float] = []
    counts = {"pages": 0, "items": 0, "dropped": 0, "not_article": 0}
    fetched_at = "2026-11-29T00:00:00+00:00"
    clock = time.perf_counter
    samples: list[tuple[int, float, int]] = []
    work = 0.0  # madar's own time so far (page rendering excluded)
    for url, body, _post in pages:
        if sample_every and counts["pages"] % sample_every == 0:
            samples.append((counts["pages"], work, rss_kib()[0]))
        counts["pages"] += 1
        t0 = clock()
        text = body.decode("utf-8")
        t1 = clock()
        _parse(text)
        t2 = clock()
        page = article_page_for(url, text, fetched_at=fetched_at)
        if page is None:
            counts["not_article"] += 1
            continue
        item = page.to_item()
        page.related_urls()
        t3 = clock()
        totals["decode"] += t1 - t0
        totals["parse"] += t2 - t1
        totals["extract"] += (t3 - t2) - (t2 - t1)  # article_page_for parses again
        try:
            t4 = clock()
            item = clean.process_item(item)
            t5 = clock()
            totals["clean"] += t5 - t4
            item = validate.process_item(item)
            t6 = clock()
            totals["validate"] += t6 - t5
            item = dedup.process_item(item)
            t7 = clock()
            totals["dedup"] += t7 - t6
            exporter.export_item(item)
            t8 = clock()
            totals["export"] += t8 - t7
            counts["items"] += 1
        except DropItem:
            counts["dropped"] += 1
            t8 = clock()
        per_article.append((t3 - t2) + (t8 - t4) + (t1 - t0))
        work += per_article[-1]
    exporter.finish_exporting()
    sink.close()
    dedup.close_spider()
    if sample_every:
        samples.append((counts["pages"], work, rss_kib()[0]))
    return {"totals": totals, "counts": counts, "per_article": per_article,
            "samples": samples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also cProfile the loop")
    parser.add_argument("--quick", action="store_true", help="500 articles")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    articles = 500 if args.quick else args.articles

    print(f"rendering {articles} mirror articles in process ...", flush=True)
    pages = list(mirror_pages(articles, args.seed))
    # Warm-up: imports, compiled selectors and regexes.
    with tempfile.TemporaryDirectory() as tmp:
        run(pages[:30], Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        result = run(pages, Path(tmp))
    n = result["counts"]["pages"] - result["counts"]["not_article"]
    totals = result["totals"]
    whole = sum(totals.values())
    rows = [[stage, totals[stage] / n * 1e3, 100 * totals[stage] / whole] for stage in STAGES]
    rows.append(["total", whole / n * 1e3, 100.0])
    print(f"\nper article, mean over {n} mirror article pages "
          f"({sum(len(b) for _, b, _ in pages) / len(pages) / 1024:.1f} KiB HTML each):")
    print(table(["stage", "ms/article", "% of madar's work"], rows))
    per = sorted(result["per_article"])
    profile_top = None
    if args.profile:
        profiler = cProfile.Profile()
        with tempfile.TemporaryDirectory() as tmp:
            profiler.enable()
            run(pages[: min(len(pages), 1000)], Path(tmp))
            profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(30)
        profile_top = stream.getvalue()
        print(profile_top)
    save(args.out, {
        "benchmark": "stages", "machine": machine(), "articles": articles, "seed": args.seed,
        "pages": result["counts"], "html_kib_mean": sum(len(b) for _, b, _ in pages)
        / len(pages) / 1024,
        "ms_per_article": {stage: totals[stage] / n * 1e3 for stage in STAGES},
        "ms_per_article_total": whole / n * 1e3,
        "ms_per_article_median": statistics.median(per) * 1e3,
        "ms_per_article_p95": per[int(0.95 * (len(per) - 1))] * 1e3,
        "profile_top": profile_top,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
