"""Extraction quality and speed: madar's page objects vs trafilatura, same mirror pages.

Every post page of the offline mirror (rendered in process, no HTTP) is read by

- ``madar``: ``article_page_for(url, html).to_item()`` then the cleaning step
  (``madar.pipelines.clean.clean_fields``, what the first pipeline runs);
- ``trafilatura``: ``bare_extraction(html, url=url, with_metadata=True)`` (defaults);
- ``trafilatura+clean``: the same output passed through madar's ``clean_text`` (so that
  the body score is not lost to invisible characters alone).

and compared with the mirror's ground truth (``mirror.ground_truth``, built from the
generator's data, never from HTML): title and author exact (whitespace collapsed), date =
the publication day (``YYYY-MM-DD``; a page that shows no date expects none), body token
F1 (whitespace tokens, multiset overlap). Speed: ms per page from the decoded HTML string,
one pass after a warm-up. Results: bench/results/extraction.json.

    python bench/bench_extraction.py [--articles 1000] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import LOCAL_BASE, REPO, machine, mirror_pages, save, table

from mirror.truth import token_f1

RESULTS = REPO / "bench" / "results" / "extraction.json"
FIELDS = ("title", "date", "author", "body_f1", "body_f1>=0.99")


def _same(expected: str | None, got: str | None) -> bool:
    def norm(value: str | None) -> str | None:
        return " ".join(value.split()) if isinstance(value, str) and value.strip() else None

    return norm(expected) == norm(got)


def _day(value: str | None) -> str | None:
    return value[:10] if isinstance(value, str) and value else None


def madar_extract(url: str, html: str) -> dict:
    from itemadapter import ItemAdapter

    from madar.pages import article_page_for
    from madar.pipelines.clean import clean_fields

    page = article_page_for(url, html)
    if page is None:
        return {}
    item = ItemAdapter(page.to_item())
    clean_fields(item)
    return {"title": item.get("title"), "date": _day(item.get("published")),
            "author": item.get("author"), "text": item.get("text")}


def trafilatura_extract(url: str, html: str) -> dict:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {}
    data = doc if isinstance(doc, dict) else doc.as_dict()
    return {"title": data.get("title"), "date": _day(data.get("date")),
            "author": data.get("author"), "text": data.get("text")}


def score(truth: dict, got: dict) -> dict:
    f1 = token_f1(truth["text"], got.get("text"))
    return {"title": _same(truth["title"], got.get("title")),
            "date": _day(truth["published"]) == got.get("date"),
            "author": _same(truth["author"], got.get("author")),
            "body_f1": f1, "body_f1>=0.99": f1 >= 0.99}


def run(name: str, extract, pages: list[tuple[str, str, int]], truth: dict,
        post_process=None) -> dict:
    for url, html, _ in pages[:20]:  # warm-up: imports, compiled patterns, caches
        extract(url, html)
    outputs = []
    started = time.perf_counter()
    for url, html, _ in pages:
        outputs.append(extract(url, html))
    elapsed = time.perf_counter() - started
    if post_process:
        outputs = [post_process(o) for o in outputs]
    scores = [score(truth[post_id], got) for (_, _, post_id), got in zip(pages, outputs,
                                                                          strict=True)]
    result = {"extractor": name, "pages": len(pages), "ms_per_page": 1e3 * elapsed / len(pages)}
    for field in FIELDS:
        result[field] = statistics.fmean(float(s[field]) for s in scores)
    misses = {f: [pages[i][0] for i, s in enumerate(scores) if not s[f]][:3]
              for f in ("title", "date", "author")}
    result["examples_wrong"] = {f: v for f, v in misses.items() if v}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 articles")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    articles = 200 if args.quick else args.articles
    logging.disable(logging.WARNING)  # trafilatura/htmldate chatter

    import trafilatura

    from madar.text.clean import clean_text
    from mirror import ground_truth

    truth = {t["post_id"]: t for t in ground_truth(LOCAL_BASE, articles, args.seed)}
    pages = [(url, body.decode("utf-8"), post.id)
             for url, body, post in mirror_pages(articles, args.seed) if post.id in truth]
    print(f"{len(pages)} mirror article pages, "
          f"{statistics.fmean(len(h) for _, h, _ in pages) / 1024:.1f} K chars each", flush=True)

    def cleaned(output: dict) -> dict:
        return {k: (clean_text(v) if isinstance(v, str) and k in ("title", "author", "text")
                    else v) for k, v in output.items()}

    results = [run("madar (page objects + clean)", madar_extract, pages, truth),
               run(f"trafilatura {trafilatura.__version__}", trafilatura_extract, pages, truth),
               run("trafilatura + madar clean_text", trafilatura_extract, pages, truth,
                   post_process=cleaned)]
    rows = [[r["extractor"], r["ms_per_page"], r["title"], r["date"], r["author"],
             r["body_f1"], r["body_f1>=0.99"]] for r in results]
    print(table(["extractor", "ms/page", "title", "date", "author", "body F1 (mean)",
                 "body F1 ≥ 0.99"], rows))
    madar, peer = results[0], results[1]
    verdict = {
        "faster": madar["ms_per_page"] <= peer["ms_per_page"],
        "more_accurate_every_field": all(madar[f] >= max(peer[f], results[2][f])
                                         for f in FIELDS),
        "speedup": peer["ms_per_page"] / madar["ms_per_page"],
    }
    print(f"madar {verdict['speedup']:.1f}x trafilatura's speed; "
          f"at least as accurate on every field: {verdict['more_accurate_every_field']}")
    save(args.out, {"benchmark": "extraction", "machine": machine(), "articles": articles,
                    "seed": args.seed, "pages": len(pages), "results": results,
                    "verdict": verdict})
    return 0


if __name__ == "__main__":
    sys.exit(main())
