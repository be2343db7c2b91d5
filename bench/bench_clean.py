"""Characters per second: display cleaning, and matching normalization (ours vs PyArabic).

Corpora (built in memory, deterministic):

- ``mirror``: the offline mirror's article bodies (``mirror``), as the pages show them;
- ``plain``: realistic article bodies from ``mirror.samples`` (already clean: fast path);
- ``dirty``: the same bodies with what scraping leaves behind (nbsp, stray ZWNJ/RLM,
  decorative tatweel, entities, tags, doubled spaces, spaces before punctuation,
  presentation forms);
- ``win1256`` / ``latin1``: the same bodies as mojibake.

``ftfy.fix_text`` (``uncurl_quotes=False``) on ``plain`` is printed as a reference point.

Normalization variants, on the ``plain`` and ``dirty`` corpora:

- ``table``: ``madar.text.arabic.normalize_for_matching`` (one ``str.translate`` table);
- ``pyarabic``: PyArabic's ``strip_tashkeel`` + ``strip_small`` + ``strip_tatweel`` first, then
  the same function for what PyArabic gets wrong or lacks (alef/hamza/teh/yeh, digits,
  punctuation, case, repeated letters, whitespace) — the best use of PyArabic we found.
- ``table-dict``: the same table used as a plain dict (what the tuple lookup saves).

Each figure is the best of ``--repeat`` runs. Results: bench/results/clean.json.

``--base REV`` also times ``madar/text`` as it was at git revision REV against the working
tree's, in this process, alternating the two (CPU time, best of ``--repeat``), and counts the
texts where their outputs differ.

    python bench/bench_clean.py [--articles 300] [--repeat 5] [--base REV]
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import ftfy  # noqa: E402
from common import machine  # noqa: E402
from pyarabic import araby  # noqa: E402

from madar.text.arabic import (  # noqa: E402  # noqa: E402
    MATCHING_TABLE,
    PRESENTATION_FORM_RE,
    collapse_repeated_letters,
    fold_presentation_forms,
    normalize_for_matching,
)
from madar.text.clean import clean_inline, clean_text  # noqa: E402
from mirror.samples import article_text  # noqa: E402

RESULTS = REPO / "bench" / "results" / "clean.json"


def normalize_with_pyarabic(text: str) -> str:
    """The matching form with PyArabic doing the stripping it does correctly.

    PyArabic strips first; the table then has nothing left to delete, but it still has to
    visit every character for the letters, digits, punctuation and case PyArabic cannot do
    (or does wrongly), so its cost is the same and PyArabic's passes come on top.
    """
    return normalize_for_matching(
        araby.strip_tatweel(araby.strip_small(araby.strip_tashkeel(text)))
    )


def normalize_with_dict_table(text: str) -> str:
    """The same rules with the table as a plain dict (no tuple fast path)."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if PRESENTATION_FORM_RE.search(text):
        text = fold_presentation_forms(text)
    text = collapse_repeated_letters(text.translate(MATCHING_TABLE))
    return " ".join(text.split())


def mirror_bodies(count: int) -> list[str]:
    try:
        from mirror.generator import build_site
    except ImportError:
        return []
    site = build_site(count, 1)
    return ["\n\n".join(post.verbatim or post.paragraphs) for post in site.posts if post.in_scope]


def dirty(text: str, rng: random.Random) -> str:
    """Add what HTML extraction leaves behind, a few times per paragraph."""
    words = text.split(" ")
    noises = [
        lambda w: w.replace(" ", "\u00a0"),
        lambda w: w + "  ",
        lambda w: w[:2] + "\u200c" + w[2:] if len(w) > 3 else w,
        lambda w: w[:2] + "ـــ" + w[2:] if len(w) > 3 else w,
        lambda w: "\u200f" + w,
        lambda w: w + " ،",
        lambda w: w + "&nbsp;",
        lambda w: "<b>" + w + "</b>",
        lambda w: w.replace("لا", "ﻻ"),
    ]
    for _ in range(max(1, len(words) // 12)):
        i = rng.randrange(len(words))
        words[i] = rng.choice(noises)(words[i])
    return " ".join(words)


def corpora(articles: int) -> dict[str, list[str]]:
    rng = random.Random(3)
    plain = [article_text(rng.randint(4, 14), seed=i) for i in range(articles)]
    return {
        "mirror": mirror_bodies(articles),
        "plain": plain,
        "dirty": [dirty(t, rng) for t in plain],
        "win1256": [t.encode().decode("cp1256") for t in plain],
        "latin1": [t.encode().decode("latin-1") for t in plain],
    }


def best_rate(func: Callable[[str], str], texts: list[str], repeat: int) -> dict[str, float]:
    chars = sum(map(len, texts))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            func(text)
        best = min(best, time.perf_counter() - start)
    return {
        "docs": len(texts),
        "chars": chars,
        "seconds": round(best, 5),
        "chars_per_s": round(chars / best),
        "us_per_doc": round(best / len(texts) * 1e6, 1),
    }


def text_at(rev: str) -> dict[str, Callable[[str], str]]:
    """``clean_text``, ``clean_inline`` and ``normalize_for_matching`` of madar/text at ``rev``."""
    package = Path(tempfile.mkdtemp()) / "base_text"
    package.mkdir()
    git = ["git", "-C", str(REPO)]
    listing = subprocess.run([*git, "ls-tree", "--name-only", f"{rev}:madar/text"],
                             capture_output=True, text=True, check=True).stdout.split()
    for name in listing:
        source = subprocess.run([*git, "show", f"{rev}:madar/text/{name}"],
                                capture_output=True, text=True, check=True).stdout
        (package / name).write_text(source.replace("madar.text.", "base_text."), "utf-8")
    sys.path.insert(0, str(package.parent))
    found: dict[str, Callable[[str], str]] = {}
    for name in listing:
        module = importlib.import_module(f"base_text.{name.removesuffix('.py')}")
        for function in ("clean_text", "clean_inline", "normalize_for_matching"):
            if hasattr(module, function):
                found[function] = getattr(module, function)
    return found


def compare(base: dict[str, Callable[[str], str]], texts: dict[str, list[str]],
            repeat: int) -> dict[str, dict[str, float]]:
    """CPU µs per text, base vs working tree, alternating, best of ``repeat``."""
    current = {"clean_text": clean_text, "clean_inline": clean_inline,
               "normalize_for_matching": normalize_for_matching}
    # Single-line fields: the first lines of the bodies, as long as titles.
    lines = [line[:120] for body in texts["plain"] for line in body[:400].split("\n")]
    cases = [(f"clean_text/{name}", "clean_text", texts[name]) for name in texts]
    cases.append(("clean_inline/lines", "clean_inline", lines))
    for name in ("mirror", "plain", "dirty"):
        cases.append((f"normalize/{name}", "normalize_for_matching", texts[name]))
    results = {}
    print(f"\n{'base vs this tree':<22}{'base us':>10}{'this us':>10}{'this/base':>11}"
          f"{'differ':>8}")
    for label, function, corpus in filter(lambda case: case[2], cases):
        old, new = base[function], current[function]
        best = {"base": float("inf"), "this": float("inf")}
        for i in range(repeat):
            order = [("base", old), ("this", new)]
            for side, func in order if i % 2 == 0 else reversed(order):
                start = time.process_time()
                for text in corpus:
                    func(text)
                best[side] = min(best[side], time.process_time() - start)
        differ = sum(old(t) != new(t) for t in corpus)
        row = {side: round(seconds / len(corpus) * 1e6, 2) for side, seconds in best.items()}
        row |= {"ratio": round(best["this"] / best["base"], 3), "outputs_differ": differ}
        results[label] = row
        print(f"{label:<22}{row['base']:>10}{row['this']:>10}{row['ratio']:>11}{differ:>8}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", metavar="REV", help="also compare with madar/text at REV")
    args = parser.parse_args()

    texts = corpora(args.articles)
    results: dict[str, object] = {"machine": machine(), "clean_text": {}, "normalize": {}}

    print(f"{'clean_text on':<22}{'docs':>6}{'chars':>11}{'chars/s':>14}{'us/doc':>10}")
    for name, corpus in texts.items():
        if not corpus:
            print(f"{name:<22}(not available)")
            continue
        rate = best_rate(clean_text, corpus, args.repeat)
        results["clean_text"][name] = rate
        print(
            f"{name:<22}{rate['docs']:>6}{rate['chars']:>11}"
            f"{rate['chars_per_s']:>14,}{rate['us_per_doc']:>10}"
        )

    # Reference point: ftfy's whole-text fixer (quotes kept) on the same plain bodies.
    rate = best_rate(lambda t: ftfy.fix_text(t, uncurl_quotes=False), texts["plain"], args.repeat)
    results["clean_text"]["ftfy.fix_text/plain (reference)"] = rate
    print(
        f"{'ftfy.fix_text/plain':<22}{rate['docs']:>6}{rate['chars']:>11}"
        f"{rate['chars_per_s']:>14,}{rate['us_per_doc']:>10}"
    )

    print()
    print(f"{'normalize':<22}{'docs':>6}{'chars':>11}{'chars/s':>14}{'us/doc':>10}{'same':>7}")
    for corpus_name in ("plain", "dirty"):
        corpus = texts[corpus_name]
        reference = [normalize_for_matching(t) for t in corpus]
        for variant, func in (
            ("table", normalize_for_matching),
            ("pyarabic", normalize_with_pyarabic),
            ("table-dict", normalize_with_dict_table),
        ):
            rate = best_rate(func, corpus, args.repeat)
            differ = sum(func(t) != ref for t, ref in zip(corpus, reference, strict=True))
            rate["outputs_differ"] = differ
            results["normalize"][f"{variant}/{corpus_name}"] = rate
            print(
                f"{variant + '/' + corpus_name:<22}{rate['docs']:>6}{rate['chars']:>11}"
                f"{rate['chars_per_s']:>14,}{rate['us_per_doc']:>10}"
                f"{differ if differ else 'yes':>7}"
            )

    if args.base:
        results["base"] = {"rev": args.base, **compare(text_at(args.base), texts, args.repeat)}

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"\nsaved {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
