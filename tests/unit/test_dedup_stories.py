"""Near-duplicate detection on realistic Arabic news: republications must match, distinct
stories about the same event or topic must not (zero false positives).

The stories and their republications are in tests/stories.py.
"""

from __future__ import annotations

import pytest

from madar.dedup.index import NearDuplicateIndex
from madar.dedup.minhash import MinHasher, jaccard_estimates
from madar.text.arabic import normalize_for_matching
from tests.seed import seed_path
from tests.stories import ORIGINALS, SAME_TOPIC_PAIRS, republications

#: the near-duplicate threshold chosen for the project (settings MADAR_NEAR_DUP_THRESHOLD)
THRESHOLD = 0.6


@pytest.fixture(scope="module")
def hasher() -> MinHasher:
    return MinHasher(num_perm=128, shingle_size=3)


def _sig(hasher: MinHasher, text: str):
    return hasher.signature(normalize_for_matching(text))


def _similarity(hasher: MinHasher, a: str, b: str) -> float:
    sa, sb = _sig(hasher, a), _sig(hasher, b)
    return jaccard_estimates(sa, [sb])[0]


def test_seed_article_is_the_first_original() -> None:
    seed = normalize_for_matching(seed_path().read_text(encoding="utf-8"))
    assert normalize_for_matching("بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة") in seed


@pytest.mark.parametrize(("key", "kind", "text"), republications(),
                         ids=[f"{k}-{kind}" for k, kind, _ in republications()])
def test_republication_is_found_as_near_duplicate(hasher, key, kind, text) -> None:
    index = NearDuplicateIndex(num_perm=128, threshold=THRESHOLD)
    for doc_id, original in enumerate(ORIGINALS.values()):
        index.add(doc_id, _sig(hasher, original))
    found = index.query(_sig(hasher, text))
    assert found, f"{key} / {kind}: similarity {_similarity(hasher, ORIGINALS[key], text):.2f}"
    assert list(ORIGINALS)[found[0][0]] == key


@pytest.mark.parametrize(("a", "b"), SAME_TOPIC_PAIRS)
def test_same_topic_different_stories_are_not_duplicates(hasher, a, b) -> None:
    sim = _similarity(hasher, ORIGINALS[a], ORIGINALS[b])
    assert sim < THRESHOLD
    index = NearDuplicateIndex(num_perm=128, threshold=THRESHOLD)
    index.add(1, _sig(hasher, ORIGINALS[a]))
    assert index.query(_sig(hasher, ORIGINALS[b])) == []


def test_no_original_matches_another(hasher) -> None:
    """Zero false positives across all pairs of distinct stories."""
    index = NearDuplicateIndex(num_perm=128, threshold=THRESHOLD)
    keys = list(ORIGINALS)
    for doc_id, key in enumerate(keys):
        assert index.query(_sig(hasher, ORIGINALS[key])) == [], key
        index.add(doc_id, _sig(hasher, ORIGINALS[key]))
