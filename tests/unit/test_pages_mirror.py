"""Page objects against every article of the offline mirror, in process (no HTTP).

The mirror renders its pages from data and derives the ground truth from the same data, so
this is the widest extraction check we have. Text fields are compared after the mirror's
own cleaning (tatweel/zero-width removal belongs to the cleaning pipeline, not to pages).
"""

from __future__ import annotations

from dataclasses import asdict

import pytest

from madar.pages import ListingPage, article_page_for
from mirror import server as mirror_server
from mirror import truth as mirror_truth
from tests.truth import cleaned_item

HOST = "127.0.0.1:9"
BASE = f"http://{HOST}"


@pytest.fixture(scope="module")
def mirror():
    """The base markup; every catalogued variant and mixes of them are checked against the
    page objects in test_markup_variants.py."""
    return mirror_server.Mirror(articles=200, seed=1, variant_mix=False)


@pytest.fixture(scope="module")
def truth():
    return [r for r in mirror_truth.ground_truth(BASE, articles=200, seed=1) if r["_in_scope"]]


def _page(mirror, path: str) -> str:
    reply = mirror.respond(path, HOST)
    assert reply.status == 200, path
    return reply.body.decode("utf-8")


def test_every_mirror_article_matches_ground_truth(mirror, truth) -> None:
    mismatches = []
    for record in truth:
        html = _page(mirror, record["url"].split(HOST, 1)[1])
        page = article_page_for(record["url"], html)
        assert page is not None, record["url"]
        assert type(page).__name__.lower().startswith(record["_theme"]), record["url"]
        item = cleaned_item(asdict(page.to_item()))
        for name, value in record.items():
            if not name.startswith("_") and name != "fetched_at" and item[name] != value:
                mismatches.append((record["url"], name, item[name], value))
    assert not mismatches, mismatches[:5]


def test_amp_copies_fold_onto_the_article(mirror, truth) -> None:
    for record in truth[:40]:
        html = _page(mirror, record["url"].split(HOST, 1)[1] + "amp/")
        page = article_page_for(record["url"] + "amp/", html)
        assert page is not None
        item = cleaned_item(asdict(page.to_item()))
        assert item["url"] == record["url"]
        assert item["title"] == record["title"]


def test_mirror_listings(mirror, truth) -> None:
    everything = mirror_truth.ground_truth(BASE, articles=200, seed=1)  # the 500 post too
    known = {r["url"] for r in everything} | {f"{BASE}/?p={r['post_id']}" for r in everything}
    latest = f"{BASE}/category/%D8%A2%D8%AE%D8%B1-%D8%A7%D9%84%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/"
    category = "/category/%d8%a2%d8%ae%d8%b1-%d8%a7%d9%84%d8%a3%d8%ae%d8%a8%d8%a7%d8%b1/"
    for path in ("/", "/page/2/", category, category + "page/2/"):
        html = _page(mirror, path)
        assert article_page_for(BASE + path, html) is None
        listing = ListingPage(BASE + path, html)
        links = listing.article_links()
        assert links and set(links) <= known, set(links) - known
        assert listing.next_page_url() is not None
        assert listing.latest_news_url() == latest
