"""The mirror's script-filled mode (mirror.scripted), without a browser.

What a browser would do is simulated by putting each JSON blob back into its container; the
result must be the page the mirror serves with the mode off (so the ground truth holds).
"""

from __future__ import annotations

import json
import re

import lxml.html
import pytest

from madar.pages import ListingPage
from madar.rendering import needs_rendering, script_filled_containers
from mirror import scripted
from mirror.generator import LATEST, wp_quote
from mirror.server import Mirror

ARTICLES, SEED = 60, 11
HOST = "127.0.0.1:8000"
_FILLED = re.compile(
    r'(<(?P<tag>[a-z]+) id="(?P<id>[^"]+)"[^>]*>)</(?P=tag)>'
    r'<script type="application/json" id="(?P=id)-data">(?P<blob>.*?)</script><script>.*?'
    r"</script>",
    re.S,
)


@pytest.fixture(scope="module")
def mirrors() -> tuple[Mirror, Mirror]:
    plain = Mirror(ARTICLES, SEED)
    scripted_mirror = Mirror(ARTICLES, SEED, load_more=True, script_boxes=True)
    return plain, scripted_mirror


def page(mirror: Mirror, path: str) -> str:
    reply = mirror.respond(path, HOST)
    assert reply.status == 200, path
    return reply.body.decode()


def run_fill_scripts(html: str) -> str:
    """What the inline scripts do: each container gets its blob's HTML back."""
    html = html.replace(scripted._LAZY_LOADER, "")
    return _FILLED.sub(lambda m: m.group(1) + json.loads(m.group("blob"))["html"]
                       + f"</{m.group('tag')}>", html)


def test_off_by_default(mirrors):
    plain, _ = mirrors
    assert not plain.scripts.enabled and not plain.scripts.script_only_ids
    for post in plain.site.posts[:20]:
        if post.status == 200:
            assert not needs_rendering(page(plain, post.path))
    assert not needs_rendering(page(plain, "/"))


def test_plan_is_deterministic_and_nonempty(mirrors):
    _, on = mirrors
    again = Mirror(ARTICLES, SEED, load_more=True, script_boxes=True)
    assert again.scripts == on.scripts
    plan = on.scripts
    assert plan.load_more_ids and plan.box_host_ids
    orphans = {p.id for p in on.site.posts if p.orphan}
    assert plan.script_only_ids & orphans, "an orphan must be reachable only by script"
    assert plan.script_only_ids & plan.load_more_ids, "a listed post must be script-only"
    home_ids = {p.id for p in on.site.listed[:10]}
    assert plan.load_more_ids & home_ids, "the home page has a load-more list"


def test_exactly_box_hosts_need_rendering(mirrors):
    _, on = mirrors
    needing = {p.id for p in on.site.posts
               if p.status == 200 and needs_rendering(page(on, p.path))}
    assert needing == set(on.scripts.box_host_ids)
    host = page(on, on.site.by_id[min(on.scripts.box_host_ids)].path)
    assert "check-also-box" in script_filled_containers(host)


def test_filled_pages_equal_the_plain_pages(mirrors):
    plain, on = mirrors
    for pid in sorted(on.scripts.box_host_ids):
        path = on.site.by_id[pid].path
        assert run_fill_scripts(page(on, path)) == page(plain, path)
    # Listings: the filled page lists the same posts (load-more entries come last).
    latest = "/category/" + wp_quote(on.site.categories[LATEST]) + "/"
    filled_links, plain_links, pages_with_list = set(), set(), 0
    for n in range(1, 20):
        path = latest if n == 1 else f"{latest}page/{n}/"
        if on.respond(path, HOST).status != 200:
            break
        html = page(on, path)
        pages_with_list += "data-load-more" in html
        filled_links |= set(ListingPage(f"http://{HOST}{path}",
                                        run_fill_scripts(html)).article_links())
        plain_links |= set(ListingPage(f"http://{HOST}{path}", page(plain, path)).article_links())
    assert pages_with_list and filled_links == plain_links


def test_plain_listings_hide_the_load_more_posts(mirrors):
    _, on = mirrors
    html = page(on, "/")
    assert needs_rendering(html)
    assert script_filled_containers(html) == ["data-load-more"]
    shown = ListingPage(f"http://{HOST}/", html).article_links()
    hidden = [p for p in on.site.listed[:10] if p.id in on.scripts.load_more_ids]
    assert hidden
    for post in hidden:
        assert not any(post.slug in url.lower() for url in shown)


def test_lazy_loader_only_in_script_mode(mirrors):
    plain, on = mirrors
    post = next(p for p in on.site.posts if p.status == 200 and not p.orphan)
    assert scripted._LAZY_LOADER in page(on, post.path)
    assert scripted._LAZY_LOADER not in page(plain, post.path)


def test_scripts_are_es5_for_splash_webkit(mirrors):
    """Splash's 2018 WebKit: no fetch, arrow functions, let/const or template literals."""
    _, on = mirrors
    pages = [page(on, "/"), page(on, on.site.by_id[min(on.scripts.box_host_ids)].path)]
    for html in pages:
        root = lxml.html.document_fromstring(html)
        for script in root.iter("script"):
            if script.get("type") == "application/json" or script.get("src"):
                continue
            code = script.text or ""
            assert "fetch(" not in code and "=>" not in code and "`" not in code, code
            assert not re.search(r"\b(?:let|const|class)\s", code), code
