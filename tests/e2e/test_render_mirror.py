"""The real spider on a script-filled mirror: plain, Splash and Playwright.

The mirror (``serve_mirror(script_filled=…, load_more=True, script_boxes=True)``) ships some
article bodies, a "load more" list in every listing and the boxes that link some orphans as
JSON filled in by inline scripts. ``mirror.scripts.script_only_ids`` names the posts that a
crawler following listings and boxes reaches only by running those scripts.

- Rendered (Splash 3.5 on loopback / Debian Chromium): every in-scope article, with the
  ground truth's fields, including the script-filled bodies and the script-only posts.
- Plain: exactly the script-only posts are missing, and no page is sent to a renderer.
- Rendered mode on a mirror without scripts: nothing is rendered.
- Each article path is fetched from the site at most once (re-renders reuse the HTML).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from madar.items import ARTICLE_FIELDS
from madar.urls import canonical_url
from mirror import ground_truth, serve_mirror
from tests.crawl import read_jsonl, run_crawl, stats_from_log
from tests.servers import chromium_ready_or_reason, running_splash, splash_installed
from tests.truth import expected_once, republished_pairs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ARTICLES = 60
SEED = 11
SCRIPT_FILLED = 0.25
#: Compared exactly; ``text`` by token F1 (as in test_crawl_mirror), ``fetched_at`` not at all.
EXACT_FIELDS = [f for f in ARTICLE_FIELDS if f not in ("text", "fetched_at")]
RENDERERS = ("splash", "playwright")


def token_f1(expected: str | None, got: str | None) -> float:
    exp, out = Counter((expected or "").split()), Counter((got or "").split())
    overlap = sum((exp & out).values())
    if not exp and not out:
        return 1.0
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(out.values()), overlap / sum(exp.values())
    return 2 * precision * recall / (precision + recall)


def crawl_stats(stderr: str) -> dict[str, str]:
    """The stats dump of a crawl log as {key: raw value} (enough for presence and counts)."""
    block = stderr[stderr.rfind("Dumping Scrapy stats"):]
    stats = {}
    for line in block.splitlines()[1:]:
        line = line.strip().lstrip("{").rstrip("}").rstrip(",")
        if line.startswith("'") and "':" in line:
            key, _, value = line[1:].partition("':")
            stats[key] = value.strip()
    return stats


def renderer_or_skip(renderer: str) -> None:
    if renderer == "splash" and not splash_installed():
        pytest.skip("Splash is not installed (run deploy/splash/install-splash.sh)")
    if renderer == "playwright":
        reason = chromium_ready_or_reason()
        if reason:
            pytest.skip(reason)


@pytest.fixture(scope="module")
def splash(tmp_path_factory):
    """One Splash for the module, started only when a Splash test runs."""
    holder: dict[str, object] = {}

    def get() -> str:
        if "url" not in holder:
            log = tmp_path_factory.mktemp("splash") / "splash.log"
            holder["cm"] = running_splash(log_path=log)
            holder["url"] = holder["cm"].__enter__()  # type: ignore[attr-defined]
        return holder["url"]  # type: ignore[return-value]

    yield get
    if "cm" in holder:
        holder["cm"].__exit__(None, None, None)  # type: ignore[attr-defined]


def crawl_mirror(tmp: Path, mode: str, splash_url: str | None, *, scripted: bool) -> dict:
    """Serve a (script-filled or plain) mirror, crawl it in ``mode``, collect everything."""
    log_path = tmp / "requests.jsonl"
    options = ({"script_filled": SCRIPT_FILLED, "load_more": True, "script_boxes": True}
               if scripted else {})
    with serve_mirror(articles=ARTICLES, seed=SEED, log_path=str(log_path), **options) as mirror:
        out = tmp / "articles.jsonl"
        settings = {"SPLASH_URL": splash_url} if mode == "splash" else {}
        args = {"render": mode} if mode != "off" else {}
        result = run_crawl(mirror.base_url, out, tmp / "state", args=args, settings=settings,
                           env={"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"})
        assert result.returncode == 0, stats_from_log(result.stderr)
        truth = ground_truth(mirror.base_url, articles=ARTICLES, seed=SEED)
        by_id = {t["post_id"]: t for t in truth}
        return {
            "items": read_jsonl(out),
            "truth": truth,
            "requests": read_jsonl(log_path),
            "base_url": mirror.base_url,
            "log": result.stderr,
            "stats": crawl_stats(result.stderr),
            "script_only": {by_id[i]["url"] for i in mirror.mirror.scripts.script_only_ids},
            "script_bodies": {by_id[i]["url"] for i in mirror.mirror.script_filled_ids},
            "script_touched": {by_id[i]["url"] for i in (mirror.mirror.scripts.box_host_ids
                                                        | mirror.mirror.script_filled_ids)},
        }


_crawls: dict[tuple[str, bool], dict] = {}


@pytest.fixture
def crawled(tmp_path_factory, splash):
    """crawled(mode, scripted) -> the crawl's data; each crawl runs once per module."""

    def get(mode: str, scripted: bool = True) -> dict:
        key = (mode, scripted)
        if key not in _crawls:
            if mode != "off":
                renderer_or_skip(mode)
            tmp = tmp_path_factory.mktemp(f"crawl-{mode}-{'js' if scripted else 'plain'}")
            _crawls[key] = crawl_mirror(tmp, mode, splash() if mode == "splash" else None,
                                        scripted=scripted)
        return _crawls[key]

    return get


def expected_urls(truth: list[dict], exclude: set[str] = frozenset()) -> set[str]:
    """In-scope article URLs the crawl must emit (republished pairs are checked apart)."""
    return expected_once(truth) - set(exclude)


def assert_collected(crawl: dict, missing_ok: set[str]) -> set[str]:
    urls = Counter(item["url"] for item in crawl["items"])
    assert not [u for u, n in urls.items() if n > 1], "an article was emitted twice"
    missing = expected_urls(crawl["truth"], exclude=missing_ok) - set(urls)
    assert not missing, f"missing {sorted(missing)}\n{stats_from_log(crawl['log'])}"
    for copy, original in republished_pairs(crawl["truth"]):
        if {copy["url"], original["url"]} & missing_ok:
            continue
        assert (copy["url"] in urls) != (original["url"] in urls), (
            f"exactly one of the republished pair: {copy['url']} / {original['url']}")
    known = {t["url"] for t in crawl["truth"]}
    assert not set(urls) - known, f"not articles of the site: {sorted(set(urls) - known)[:5]}"
    return set(urls)


def assert_fields(crawl: dict, urls: set[str] | None = None) -> None:
    truth = {t["url"]: t for t in crawl["truth"]}
    items = [i for i in crawl["items"] if i["url"] in truth and (urls is None or i["url"] in urls)]
    assert items
    wrong = []
    for item in items:
        expected = truth[item["url"]]
        for field in EXACT_FIELDS:
            if item.get(field) != expected.get(field):
                wrong.append(f"{item['url']} {field}: expected {expected.get(field)!r}, "
                             f"got {item.get(field)!r}")
        if token_f1(expected["text"], item["text"]) < 0.99:
            wrong.append(f"{item['url']} text: {item['text'][:80]!r}")
    assert not wrong, "\n".join(wrong[:10])


def assert_each_article_fetched_once(crawl: dict) -> None:
    truth_paths = {unquote(urlsplit(t["url"]).path) for t in crawl["truth"]}
    fetched = Counter()
    for record in crawl["requests"]:
        path = unquote(urlsplit(canonical_url(crawl["base_url"] + record["path"])).path)
        if path in truth_paths and record["status"] == 200:
            fetched[path] += 1
    assert fetched, "no article fetched"
    twice = sorted(p for p, n in fetched.items() if n > 1)
    assert not twice, f"articles fetched more than once: {twice[:5]}"
    # Listing pages (home, latest news) too: a re-render never fetches the page again.
    pages = Counter(canonical_url(crawl["base_url"] + r["path"]) for r in crawl["requests"]
                    if r["status"] == 200 and not r["path"].startswith("/wp-"))
    again = sorted(url for url, n in pages.items() if n > 1)
    assert not again, f"pages fetched more than once: {again[:5]}"


def assert_no_renderer_ran(crawl: dict) -> None:
    stats = crawl["stats"]
    assert "madar/pages/rendered" not in stats, stats
    assert not [k for k in stats if k.startswith(("splash/", "playwright/"))], stats
    # A browser would have fetched the pages' scripts and styles; the spider never does.
    assets = [r["path"] for r in crawl["requests"] if r["path"].startswith("/wp-content/")]
    assert not assets, f"asset requests, so something rendered: {assets[:5]}"


# --- plain ------------------------------------------------------------------------------------


def test_plain_misses_exactly_the_script_only_content(crawled):
    crawl = crawled("off")
    assert crawl["script_only"], "the mirror must have script-only posts"
    # Script-only posts are never reached; script-filled bodies are fetched, have no text and
    # are dropped by validation (counted as invalid no_text). Everything else is collected.
    missed = crawl["script_only"] | crawl["script_bodies"]
    collected = assert_collected(crawl, missing_ok=missed)
    assert not collected & missed, "plain mode found script-only content"
    # Each script-filled body that was reached counts once as dropped for lack of text.
    reached_bodies = crawl["script_bodies"] - crawl["script_only"]
    assert int(crawl["stats"].get("madar/dropped/no_text", 0)) == len(reached_bodies), (
        crawl["stats"])
    # Pages that scripts do not touch are complete.
    untouched = collected - crawl["script_touched"]
    assert_fields(crawl, untouched)
    assert_no_renderer_ran(crawl)
    assert_each_article_fetched_once(crawl)


# --- rendered ---------------------------------------------------------------------------------


@pytest.mark.parametrize("renderer", RENDERERS)
def test_rendered_crawl_collects_everything(crawled, renderer):
    crawl = crawled(renderer)
    collected = assert_collected(crawl, missing_ok=set())
    assert crawl["script_only"] <= collected
    assert_fields(crawl)
    stats = crawl["stats"]
    assert int(stats.get("madar/pages/rendered", 0)) > 0, stats
    # The renderer's own stats are visible (so their absence elsewhere means something).
    prefix = "splash/" if renderer == "splash" else "playwright/browser"
    assert [k for k in stats if k.startswith(prefix)], stats
    assert "madar/pages/broken" not in stats and "Traceback" not in crawl["log"]
    assert_each_article_fetched_once(crawl)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_rendered_only_the_pages_that_need_it(crawled, renderer):
    """Renders = script-touched article pages + listing pages with a load-more list."""
    crawl = crawled(renderer)
    rendered = int(crawl["stats"]["madar/pages/rendered"])
    touched = len(crawl["script_touched"])
    articles = len(crawl["items"])
    assert touched <= rendered < touched + 10, (rendered, touched)
    assert rendered < articles, "more renders than articles: everything was rendered"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_rendered_mode_on_a_plain_mirror_renders_nothing(crawled, renderer):
    crawl = crawled(renderer, scripted=False)
    assert_collected(crawl, missing_ok=set())
    assert "madar/pages/rendered" not in crawl["stats"], crawl["stats"]
    # No page went to Splash, and Chromium was never launched.
    assert not [k for k in crawl["stats"]
                if k.startswith(("splash/", "playwright/page", "playwright/browser"))]
    assert_each_article_fetched_once(crawl)
