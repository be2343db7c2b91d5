"""Page objects of two versions in one process, interleaved: CPU per page and same output.

``madar/pages`` of ``--baseline`` (a git revision) and of the working tree are loaded side
by side as two packages; each round runs both over the same pages (mirror posts and their
AMP variants, plus every fixture), so a shared, loaded machine slows both alike. Prints
the best round of each (CPU ms per page) and whether items, field sources and related links
are identical (sha256 of all outputs). Results: bench/results/pages.json.

    python bench/bench_pages.py [--baseline main] [--articles 300] [--rounds 7] [--posts-only]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, machine, mirror_pages, save, table

RESULTS = REPO / "bench" / "results" / "pages.json"
FETCHED_AT = "2026-11-29T00:00:00+00:00"


def load_copy(source: bytes | Path, name: str, into: Path):
    """``madar/pages`` (a git archive, or the working tree's folder) as package ``name``."""
    target = into / name
    target.mkdir()
    if isinstance(source, Path):
        files = {p.name: p.read_text(encoding="utf-8") for p in source.glob("*.py")}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["tar", "-x", "-C", tmp], input=source, check=True)
            files = {p.name: p.read_text(encoding="utf-8")
                     for p in (Path(tmp) / "madar" / "pages").glob("*.py")}
    for file, text in files.items():
        (target / file).write_text(text.replace("madar.pages", name), encoding="utf-8")
    return importlib.import_module(name)


def outputs(package, pages: list[tuple[str, str]]) -> list:
    found = []
    for url, html in pages:
        page = package.article_page_for(url, html, fetched_at=FETCHED_AT)
        found.append(page and (asdict(page.to_item()), page.related_urls(),
                               page.related_dates(), page.field_sources))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--posts-only", action="store_true",
                        help="only the mirror posts (what a crawl fetches): no AMP, no fixtures")
    args = parser.parse_args(argv)

    pages = [(url, body.decode("utf-8"))
             for url, body, _ in mirror_pages(args.articles, amp=not args.posts_only)]
    fixtures = () if args.posts_only else (REPO / "tests" / "fixtures").glob(
        "*ArticlePage/test-*/input.html")
    for page in sorted(fixtures):
        meta = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))
        pages.append((meta["url"], page.read_text(encoding="utf-8")))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "madar/pages"],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        versions = {"baseline": load_copy(archive, "pages_baseline", Path(tmp)),
                    "working tree": load_copy(REPO / "madar" / "pages", "pages_new", Path(tmp))}
        digests = {name: hashlib.sha256(json.dumps(outputs(package, pages), sort_keys=True,
                                                   default=str).encode()).hexdigest()
                   for name, package in versions.items()}
        best = dict.fromkeys(versions, float("inf"))
        for _ in range(args.rounds):
            for name, package in versions.items():
                started = time.process_time()
                outputs(package, pages)
                best[name] = min(best[name], time.process_time() - started)
    ms = {name: seconds / len(pages) * 1e3 for name, seconds in best.items()}
    same = len(set(digests.values())) == 1
    print(table(["version", "CPU ms/page (best)", "output sha256"],
                [[name, ms[name], digests[name][:16]] for name in versions]))
    print(f"{len(pages)} pages, {args.rounds} rounds; new / baseline = "
          f"{ms['working tree'] / ms['baseline']:.3f}; same output: {same}")
    save(args.out, {"benchmark": "pages", "machine": machine(), "baseline": args.baseline,
                    "pages": len(pages), "rounds": args.rounds, "ms_per_page": ms,
                    "same_output": same})
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
