"""Change detection: after 20 edits and 30 new posts, an incremental run reads the feed and
the newest post sitemap, fetches only the new articles and those whose ``<lastmod>`` moved,
and emits exactly 20 revisions and 30 new items."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from madar.urls import canonical_url
from mirror import serve_mirror
from mirror.changes import SiteChanges
from tests.crawl import read_jsonl, run_crawl, stats_from_log

pytestmark = pytest.mark.slow

ARTICLES = 300
SEED = 21
EDITED, ADDED = 20, 30


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("changes")
    log_path = tmp / "requests.jsonl"
    with serve_mirror(ARTICLES, SEED, log_path=log_path) as server:
        first = run_crawl(server.base_url, tmp / "first.jsonl", tmp / "state",
                          args={"incremental": "1"})
        assert first.returncode == 0, stats_from_log(first.stderr)
        site = server.change(SiteChanges(edited=EDITED, added=ADDED)).site
        before = len(read_jsonl(log_path))
        second = run_crawl(server.base_url, tmp / "second.jsonl", tmp / "state",
                           args={"incremental": "1"})
        assert second.returncode == 0, stats_from_log(second.stderr)
        base = server.base_url
    return {"base": base, "site": site, "first": read_jsonl(tmp / "first.jsonl"),
            "items": read_jsonl(tmp / "second.jsonl"), "log": second.stderr,
            "requests": read_jsonl(log_path)[before:]}


def urls_of(base: str, posts) -> set[str]:
    return {canonical_url(base + post.path) for post in posts}


def test_first_run_took_the_whole_site(two_runs):
    assert len(two_runs["first"]) >= ARTICLES - 3


def test_exactly_the_edits_come_back_as_revisions_and_the_new_posts_as_new(two_runs):
    base, site, items = two_runs["base"], two_runs["site"], two_runs["items"]
    edited = urls_of(base, (p for p in site.posts if p.edited))
    added = urls_of(base, (p for p in site.posts if p.special == "added"))
    assert len(edited) == EDITED and len(added) == ADDED
    revisions = [i["url"] for i in items if i["revision"] > 1]
    new = [i["url"] for i in items if i["revision"] == 1]
    assert sorted(revisions) == sorted(edited), stats_from_log(two_runs["log"])
    assert sorted(new) == sorted(added), stats_from_log(two_runs["log"])
    assert all(i["revision"] == 2 for i in items if i["url"] in edited)


def test_only_new_and_changed_articles_are_fetched_plus_a_handful_of_pages(two_runs):
    base, site, requests = two_runs["base"], two_runs["site"], two_runs["requests"]
    articles = {unquote(p.path) for p in site.posts}

    def article(path: str) -> bool:
        return unquote(urlsplit(canonical_url(base + path)).path) in articles

    fetched = [r["path"] for r in requests if r["status"] == 200 and article(r["path"])]
    assert len(fetched) <= EDITED + ADDED, fetched
    others = [r["path"] for r in requests if not article(r["path"])]
    listing = [p for p in others if p == "/" or p.startswith("/category/")]
    assert len(listing) <= 5, listing  # the home page and at most 4 listing pages
    assert "/feed/" in others and any(p.endswith(".xml") for p in others)
    # robots.txt twice, the feed, the sitemap index, one post sitemap, the listing,
    # a shortlink the home page links (301)
    assert len(others) <= 2 + 1 + 2 + len(listing) + 1, others
    print(f"second run: {len(fetched)} article pages, other requests {others}")
