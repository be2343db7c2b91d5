"""The mirror's sitemaps, feed and site variants (archive-only posts, edits, new posts)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from mirror.changes import EDIT_NOTE, SiteChanges
from mirror.generator import build_site
from mirror.server import Mirror
from mirror.truth import ground_truth

HOST = "127.0.0.1:8000"
BASE = f"http://{HOST}"


def entries(mirror: Mirror, url_or_path: str) -> Sitemap:
    reply = mirror.respond(url_or_path.removeprefix(BASE), HOST)
    assert reply.status == 200, url_or_path
    return Sitemap(reply.body)


def post_sitemaps(mirror: Mirror) -> list[str]:
    index = entries(mirror, next(sitemap_urls_from_robots(
        mirror.respond("/robots.txt", HOST).body)))
    assert index.type == "sitemapindex"
    posts = re.compile(r"/(post-sitemap|wp-sitemap-posts-post-)")
    return [e["loc"] for e in index if posts.search(e["loc"])]


def permalinks(posts) -> set[str]:
    return {BASE + p.path for p in posts}


@pytest.mark.parametrize("style, first, size, lastmod", [
    ("yoast", "/post-sitemap.xml", 1000, True),
    ("core", "/wp-sitemap-posts-post-1.xml", 2000, False),
])
def test_post_sitemaps_list_every_in_scope_post_split_by_size(style, first, size, lastmod):
    mirror = Mirror(2300, 4, sitemaps=style)
    locs = post_sitemaps(mirror)
    in_scope = [p for p in mirror.site.posts if p.in_scope]
    assert locs[0] == BASE + first and len(locs) == -(-len(in_scope) // size)
    listed: list[str] = []
    for loc in locs:
        urls = list(entries(mirror, loc))
        assert len(urls) <= size
        assert all(("lastmod" in u) is lastmod for u in urls)
        listed += [u["loc"] for u in urls]
    assert len(listed) == len(set(listed))
    assert set(listed) == permalinks(in_scope)
    assert mirror.respond("/sitemap.xml", HOST).status == 301


def test_yoast_lastmod_is_the_posts_modified_date_and_the_index_has_the_newest():
    mirror = Mirror(300, 1)
    by_url = {BASE + p.path: p for p in mirror.site.posts}
    index = {e["loc"]: e.get("lastmod") for e in entries(mirror, "/sitemap_index.xml")}
    urls = list(entries(mirror, "/post-sitemap.xml"))
    assert all(u["lastmod"] == by_url[u["loc"]].modified.isoformat() for u in urls)
    newest = max(urls, key=lambda u: datetime.fromisoformat(u["lastmod"]))["lastmod"]
    assert index[BASE + "/post-sitemap.xml"] == newest
    assert {BASE + "/page-sitemap.xml", BASE + "/category-sitemap.xml"} <= set(index)


def test_page_and_taxonomy_sitemaps_list_no_article():
    mirror = Mirror(200, 1)
    articles = permalinks(mirror.site.posts)
    for path in ("/page-sitemap.xml", "/category-sitemap.xml", "/post_tag-sitemap.xml",
                 "/author-sitemap.xml"):
        locs = [e["loc"] for e in entries(mirror, path)]
        assert locs and not set(locs) & articles, path
    pages = [e["loc"] for e in entries(mirror, "/page-sitemap.xml")]
    assert all(mirror.respond(u.removeprefix(BASE), HOST).status == 200 for u in pages)


def test_robots_names_the_index_and_allows_only_the_main_feed():
    for style, index in (("yoast", "/sitemap_index.xml"), ("core", "/wp-sitemap.xml")):
        robots = Mirror(200, 1, sitemaps=style).respond("/robots.txt", HOST).body.decode()
        assert f"Sitemap: {BASE}{index}" in robots.splitlines()
        assert "Allow: /feed/$" in robots.splitlines()


def test_plain_changes_are_the_plain_site():
    assert build_site(200, 1, SiteChanges()) is build_site(200, 1)
    with pytest.raises(ValueError):
        SiteChanges(archive_only=1.5)


def test_archive_only_posts_are_linked_only_by_the_sitemaps():
    mirror = Mirror(400, 2, changes=SiteChanges(archive_only=0.3))
    site = mirror.site
    hidden = [p for p in site.posts if p.archive_only]
    assert len(hidden) == round(0.3 * len(site.posts))
    hidden_ids = {p.id for p in hidden}
    assert not hidden_ids & {p.id for p in site.listed}
    for post in site.posts:
        links = {post.check_also, *post.related, post.read_also and post.read_also[0]}
        assert not links & hidden_ids
    feed = mirror.respond("/feed/", HOST).body.decode()
    assert not any(p.path in feed for p in hidden)
    truth = {r["post_id"]: r for r in ground_truth(BASE, 400, 2, SiteChanges(archive_only=0.3))}
    assert all(truth[i]["_in_scope"] and truth[i]["_special"] == "archive-only"
               for i in hidden_ids)
    assert permalinks(hidden) <= {e["loc"] for e in entries(mirror, "/post-sitemap.xml")}


def test_edits_change_text_and_lastmod_and_added_posts_lead_the_listings():
    plain = build_site(300, 1)
    changed = build_site(300, 1, SiteChanges(edited=20, added=30))
    before = {p.id: p for p in plain.posts}
    edited = [p for p in changed.posts if p.edited]
    added = [p for p in changed.posts if p.id not in before]
    assert len(edited) == 20 and len(added) == 30
    newest_before = max(p.modified for p in plain.posts)
    for post in edited:
        assert post.modified > newest_before
        assert post.paragraphs != before[post.id].paragraphs
        assert EDIT_NOTE.format(n=1)[:20] in post.paragraphs[-1]
    untouched = [p for p in changed.posts if p.id in before and not p.edited]
    assert all(p.paragraphs == before[p.id].paragraphs and p.modified == before[p.id].modified
               and p.path == before[p.id].path for p in untouched)
    assert {p.id for p in changed.listed[:30]} == {p.id for p in added}
    assert len({p.path for p in changed.posts}) == len(changed.posts)
    feed = Mirror(300, 1, changes=SiteChanges(edited=20, added=30)).respond("/feed/", HOST)
    assert feed.body.decode().count("<item>") == 10
