"""Compare what a crawl emitted with the mirror's ground truth: one set of rules for every
end-to-end test (plain, faults, rendering, distributed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from madar.urls import canonical_url
from mirror import clean_text, ground_truth


def republished_pairs(truth: list[dict]) -> list[tuple[dict, dict]]:
    """(copy, original) for each story the mirror republished under another URL."""
    by_post = {t["post_id"]: t for t in truth}
    return [(t, by_post[t["_duplicate_of"]]) for t in truth if t["_duplicate_of"] is not None]


def expected_once(truth: list[dict]) -> set[str]:
    """In-scope URLs that must each be emitted exactly once (republished pairs aside:
    either member may be the one kept, first seen wins)."""
    paired = {url for pair in republished_pairs(truth) for url in (pair[0]["url"], pair[1]["url"])}
    return {t["url"] for t in truth if t["_in_scope"] and t["url"] not in paired}


def corpus_problems(emitted: Iterable[str], truth: list[dict]) -> list[str]:
    """Everything wrong with a corpus of emitted URLs; empty when it is exactly right:
    every in-scope article once, one of each republished pair, nothing else."""
    counts = Counter(emitted)
    problems = [f"emitted {n} times: {url}" for url, n in counts.items() if n > 1]
    problems += [f"missing in-scope article: {url}"
                 for url in sorted(expected_once(truth)) if url not in counts]
    for copy, original in republished_pairs(truth):
        kept = (copy["url"] in counts) + (original["url"] in counts)
        if kept != 1:
            problems.append(f"{kept} of the republished pair kept: {copy['url']} / "
                            f"{original['url']}")
    known = {t["url"] for t in truth}
    problems += [f"not an article of the site: {url}" for url in counts if url not in known]
    return problems


class Truth:
    """The mirror's ground truth: which URLs are articles, which are one story twice."""

    def __init__(self, base_url: str, articles: int, seed: int) -> None:
        records = ground_truth(base_url, articles=articles, seed=seed)
        self.records = records
        self.by_url = {r["url"]: r for r in records}
        self.article_urls = {canonical_url(form) for r in records
                             for form in [r["url"], *r.get("_url_forms", [])]}
        by_post = {r["post_id"]: r for r in records}
        self.story = {r["url"]: by_post[r["_duplicate_of"]]["url"] if r["_duplicate_of"]
                      else r["url"] for r in records}
        self.in_scope = {r["url"] for r in records if r["_in_scope"]}

    def stories(self, urls) -> Counter:
        return Counter(self.story.get(u, u) for u in urls)

    def is_article_request(self, base_url: str, path: str) -> bool:
        return canonical_url(base_url + path) in self.article_urls


def cleaned_item(item: dict) -> dict:
    """A page object's item with text, title and dateline cleaned as the pipeline cleans
    them (cleaning belongs to the pipeline, not to the pages), ready to compare with the
    ground truth."""
    if item["text"]:
        item["text"] = "\n\n".join(clean_text(p) for p in item["text"].split("\n\n"))
    for name in ("title", "dateline"):
        if item[name]:
            item[name] = clean_text(item[name])
    return item
