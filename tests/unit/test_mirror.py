"""The offline mirror: deterministic, fast, full of the site's troubles, and its ground truth
agrees with its own HTML (checked with a small reference extractor that follows the documented
precedence rules)."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import parsel
import pytest

from madar.items import ARTICLE_FIELDS
from madar.urls import canonical_url
from mirror import Mirror, MirrorServer, clean_text, ground_truth, serve_mirror
from mirror.generator import LATEST, _build_site, build_site, wp_quote
from mirror.truth import article_record
from tests.seed import seed_path

HOST = "127.0.0.1:8000"
BASE = f"http://{HOST}"
META_KEYS = ["_in_scope", "_theme", "_duplicate_of", "_url_forms", "_event", "_special"]


@pytest.fixture(scope="module")
def mirror() -> Mirror:
    """The base markup (no variant mix): the reference extractor below reads that one; the
    variants are checked against the page objects in test_markup_variants.py."""
    return Mirror(200, 1, variant_mix=False)


@pytest.fixture(scope="module")
def truth() -> list[dict]:
    return ground_truth(BASE, 200, 1)


def get(mirror: Mirror, path: str):
    return mirror.respond(path, HOST)


def html_of(mirror: Mirror, path: str) -> str:
    reply = get(mirror, path)
    assert reply.status == 200, (path, reply.status)
    return reply.body.decode("utf-8")


def special(mirror: Mirror, name: str):
    return next(p for p in mirror.site.posts if p.special == name)


# --- A reference extractor: what a careful page object does ---------------------------------
LEVANTINE = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
             "تشرين الأول", "تشرين الثاني", "كانون الأول"]
MSA = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
       "نوفمبر", "ديسمبر"]
DATELINE = re.compile(r"^(?P<place>[^–\-]{1,40}?) [–-] مدار اليوم(?: (?P<rest>.*))?$", re.S)


def parse_visible_date(text: str) -> str:
    text = text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    for months in (LEVANTINE, MSA):
        for n, name in sorted(enumerate(months), key=lambda x: -len(x[1])):
            if name in text:
                day, year = re.findall(r"\d+", text)[:2]
                return f"{int(year):04d}-{n + 1:02d}-{int(day):02d}"
    raise AssertionError(text)


def squash(text: str) -> str:
    return " ".join(text.split())


def reference_extract(html: str, page_url: str) -> dict:
    sel = parsel.Selector(html)
    sahifa = bool(sel.css("#crumbs"))
    art = sel.css("article.post-listing" if sahifa else "article#the-post")
    meta = {m.attrib.get("property"): m.attrib.get("content") for m in sel.css("meta[property]")}
    graph = {}
    for script in sel.css('script[type="application/ld+json"]::text').getall():
        for node in json.loads(script).get("@graph", []):
            if node["@type"] == "NewsArticle":
                graph = node
    shown_css = ".post-meta .tie-date" if sahifa else ".entry-header .post-meta .date"
    shown = art.css(shown_css)
    published_raw = squash(shown[0].xpath("string()").get()) if shown else None
    published = meta.get("article:published_time") or graph.get("datePublished")
    if not published and published_raw:
        published = parse_visible_date(published_raw)
    modified = meta.get("article:modified_time") or graph.get("dateModified")
    crumbs = sel.css("#crumbs a::text" if sahifa else "nav#breadcrumb a::text").getall()
    category = squash(crumbs[1])
    cats = art.css(".post-meta .post-cats a::text" if sahifa else ".entry-header a.post-cat::text")
    author = art.css(".post-meta-author a::text" if sahifa else ".meta-author a::text").get()
    tags = (sel.css("p.post-tag a::text") if sahifa else art.css(".tagcloud a::text")).getall()
    entry = art.css("div.entry" if sahifa else "div.entry-content")
    paragraphs, dateline = [], None
    for p in entry.xpath("./p"):
        if p.css("img") and not squash(p.xpath("string()").get()):
            continue
        text = clean_text(p.xpath("string()").get())
        if text.startswith("اقرأ أيضاً"):
            continue
        m = DATELINE.match(text) if not paragraphs and dateline is None else None
        if m:
            dateline = m.group("place")
            text = m.group("rest") or ""
        if text:
            paragraphs.append(text)
    images = []
    featured = art.css(".single-post-thumb img" if sahifa else "figure.single-featured-image img")
    if featured:
        cap = art.css(".single-post-caption" if sahifa else "figcaption.single-caption-text")
        images.append({"url": featured.attrib.get("data-src") or featured.attrib["src"],
                       "caption": squash(cap.xpath("string()").get()) if cap else None})
    for img in entry.xpath(".//img[not(ancestor::div[contains(@class,'stream-item')])]"):
        cap = img.xpath("ancestor::*[contains(@class,'wp-caption')][1]"
                        "//*[contains(@class,'wp-caption-text')]")
        images.append({"url": img.attrib.get("data-src") or img.attrib["src"],
                       "caption": squash(cap.xpath("string()").get()) if cap else None})
    box_links = sel.css("#check-also-box .check-also-post a::attr(href)").getall()
    box_links += sel.css("#related_posts .related-item a::attr(href)" if sahifa
                         else "#related-posts .related-item a::attr(href)").getall()
    body_class = sel.css("body::attr(class)").get()
    canonical = sel.css('link[rel="canonical"]::attr(href)').get() or page_url
    return {
        "url": canonical_url(canonical),
        "post_id": int(re.search(r"postid-(\d+)", body_class).group(1)),
        "title": squash(art.css("h1.entry-title").xpath("string()").get()),
        "published": published, "published_raw": published_raw, "modified": modified,
        "category": category, "categories": [squash(c) for c in cats.getall()] or [category],
        "tags": tags, "author": squash(author) if author else None, "dateline": dateline,
        "text": "\n\n".join(paragraphs), "images": images,
        "related": list(dict.fromkeys(canonical_url(u) for u in box_links)),
    }


def test_ground_truth_agrees_with_the_html(mirror, truth):
    checked = 0
    for record in truth:
        if not record["_in_scope"]:
            continue
        path = urlsplit(record["_url_forms"][0]).path
        got = reference_extract(html_of(mirror, path), BASE + path)
        for field, value in got.items():
            assert value == record[field], (field, record["url"], value, record[field])
        checked += 1
    assert checked >= 195


def test_record_keys_follow_the_item_contract(truth):
    for record in truth:
        assert list(record) == [*ARTICLE_FIELDS, *META_KEYS]
        assert record["language"] == "ar" and record["revision"] == 1
        assert record["fetched_at"] is None
        assert record["url"] == canonical_url(record["_url_forms"][0])
        assert record["shortlink"] == f"{BASE}/?p={record['post_id']}"
        assert "\u0640" not in record["text"] and "\u00a0" not in record["text"]
        assert not re.search(r" [،؛؟.!:,;]|\s{2}", record["text"].replace("\n\n", "\n"))
        assert "%D8" in record["url"] and record["url"].endswith("/")


def test_precedence_cases_are_all_present(truth):
    published = [r["published"] for r in truth]
    assert any(p and "T" in p for p in published), "metadata time"
    assert any(p and len(p) == 10 for p in published), "visible date only"
    assert None in published, "no date at all"
    assert any(r["published_raw"] is None and r["published"] for r in truth)
    assert any(r["modified"] is None and r["published"] and "T" in r["published"] for r in truth)
    raws = [r["published_raw"] or "" for r in truth]
    assert any(re.match(r"^[^\d]+ \d{1,2}, \d{4}$", s) for s in raws), "Sahifa date"
    assert any(re.match(r"^\d{1,2} (آب|تشرين|كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|أيلول)", s)
               for s in raws), "Levantine date"
    assert any(re.search("[٠-٩]{4}", s) for s in raws), "Arabic-Indic digits"
    assert {r["_theme"] for r in truth} == {"sahifa", "jannah"}
    assert any(r["author"] is None for r in truth) and any(r["author"] for r in truth)
    assert any(r["dateline"] is None for r in truth)
    assert any(any(i["caption"] is None for i in r["images"]) for r in truth)
    assert any(any(i["caption"] for i in r["images"]) for r in truth)
    assert any(any(ord(c) in range(0x64B, 0x653) for c in r["title"]) for r in truth), "diacritics"


# --- The seed ------------------------------------------------------------------------------
def test_seed_article_is_there_verbatim(mirror, truth):
    seed = special(mirror, "seed")
    html = html_of(mirror, seed.path)
    lines = [line for line in seed_path().read_text(encoding="utf-8").splitlines() if line]
    text = squash(parsel.Selector(html).xpath("string(//body)").get())
    for line in lines[1:]:
        assert line in text, line
    for part in lines[0].split(" / "):
        assert part in text
    sel = parsel.Selector(html)
    assert sel.css("#crumbs .current::text").get() == lines[1]
    assert sel.css("#check-also-close::text").get() == "x"
    assert sel.css("#check-also-box .block-head h3::text").get() == "قد يُعجبك أيضاً"
    assert f"postid-{seed.id}" in sel.css("body::attr(class)").get()
    record = next(r for r in truth if r["_special"] == "seed")
    assert record["dateline"] == "طهران" and record["category"] == LATEST
    assert record["text"] == clean_text(lines[4]) and record["text"].startswith("بدأت روسيا")
    assert record["_theme"] == "sahifa" and record["published"].startswith("2017-08-10")
    psl = next(r for r in truth if r["_special"] == "check-also")
    assert record["related"] == [psl["url"]]
    assert psl["title"] == "تعديلات في قانون الأحوال الشخصية السوري تتعلق بالمرأة"
    assert psl["text"].startswith("أجرى قسم الأحوال الشخصية في كلية الشريعة بدمشق، ")
    psl_html = html_of(mirror, special(mirror, "check-also").path)
    assert "دمشق – مدار اليوم</strong> أجرى" in psl_html or "دمشق – مدار اليوم أجرى" in psl_html


# --- Determinism and scale -----------------------------------------------------------------
def _fingerprint_script(articles: int, seed: int) -> str:
    return (
        "import hashlib, json\n"
        "from mirror import Mirror, ground_truth\n"
        f"m = Mirror({articles}, {seed})\n"
        "h = hashlib.sha256()\n"
        f"h.update(json.dumps(ground_truth('{BASE}', {articles}, {seed}), ensure_ascii=False)"
        ".encode())\n"
        "for p in m.site.posts[::7] + [m.site.posts[-1]]:\n"
        f"    h.update(m.respond(p.path, '{HOST}').body)\n"
        "for path in ['/', '/robots.txt', '/feed/']:\n"
        f"    h.update(m.respond(path, '{HOST}').body)\n"
        "print(h.hexdigest())\n")


def test_same_seed_same_bytes_across_processes():
    digests = set()
    for hashseed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        out = subprocess.run([sys.executable, "-c", _fingerprint_script(60, 5)], env=env,
                             capture_output=True, text=True, check=True, cwd=Path.cwd())
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_same_seed_same_site_and_other_seed_differs():
    a, b, c = (_build_site.__wrapped__(200, 1), _build_site.__wrapped__(200, 1),
               _build_site.__wrapped__(200, 2))
    ra = [article_record(a, p, BASE) for p in a.posts]
    rb = [article_record(b, p, BASE) for p in b.posts]
    rc = [article_record(c, p, BASE) for p in c.posts]
    assert ra == rb
    assert [r["text"] for r in ra] != [r["text"] for r in rc]


def test_scales_to_thousands():
    """5,000 distinct articles (the benchmarks' size; its speed is bench's business)."""
    site = _build_site.__wrapped__(5000, 3)
    records = [article_record(site, p, BASE) for p in site.posts]
    assert len(records) == 5000
    assert len({r["url"] for r in records}) == 5000
    assert len({r["post_id"] for r in records}) == 5000
    paragraphs = [r["text"].count("\n\n") + 1 for r in records]
    assert min(paragraphs) >= 1 and max(paragraphs) <= 10


# --- Ground truth consistency ----------------------------------------------------------------
def test_related_urls_are_articles_of_the_site(truth):
    urls = {r["url"] for r in truth}
    for record in truth:
        assert set(record["related"]) <= urls
        assert record["url"] not in record["related"]


def test_orphans_are_only_reachable_through_boxes(mirror, truth):
    site = mirror.site
    orphans = [p for p in site.posts if p.orphan]
    assert len(orphans) >= 3
    by_url = {r["url"]: r for r in truth}
    listed_paths = set()
    name = LATEST
    for page in range(1, 200):
        path = f"/category/{wp_quote(site.categories[name])}/" + ("" if page == 1 else
                                                                    f"page/{page}/")
        reply = get(mirror, path)
        if reply.status == 404:
            break
        sel = parsel.Selector(reply.body.decode())
        entries = sel.css("#posts-container li.post-item")
        assert entries and all(e.css(".date::text").get() for e in entries)
        listed_paths |= {unquote(urlsplit(u).path) for u in
                         sel.css("#posts-container h2.post-title a::attr(href)").getall()}
    expected = {unquote(p.path) for p in site.posts if not p.orphan}
    assert listed_paths == expected, "latest news lists every post except the orphans"
    for orphan in orphans:
        record = by_url[canonical_url(BASE + orphan.path)]
        assert record["_in_scope"]
        hosts = [r for r in truth if record["url"] in r["related"]]
        assert any(h["_in_scope"] and h["_special"] != "orphan" for h in hosts), orphan.id


def test_republished_copy_is_a_near_duplicate(truth):
    by_id = {r["post_id"]: r for r in truth}
    copies = [r for r in truth if r["_duplicate_of"] is not None]
    assert copies
    for copy in copies:
        original = by_id[copy["_duplicate_of"]]
        assert copy["url"] != original["url"] and copy["title"] != original["title"]
        assert copy["dateline"] != original["dateline"]
        a, b = original["text"].split(". "), copy["text"].split(". ")
        assert a != b and len(set(a) ^ set(b)) <= 4
        assert copy["_in_scope"] and original["_in_scope"]


def test_same_event_stories_share_topic_but_not_text(truth):
    events: dict[int, list[dict]] = {}
    for r in truth:
        if r["_duplicate_of"] is None and r["_special"] != "original":
            events.setdefault(r["_event"], []).append(r)
    pairs = [g for g in events.values() if len(g) > 1]
    assert len(pairs) >= 10

    def shingles(text):
        words = text.split()
        return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}

    for group in pairs:
        a, b = shingles(group[0]["text"]), shingles(group[1]["text"])
        assert len(a & b) / len(a | b) < 0.3
        words_a, words_b = set(group[0]["text"].split()), set(group[1]["text"].split())
        assert len(words_a & words_b) >= 5, "same event: shared topic words"


def test_only_the_broken_page_is_out_of_scope(mirror, truth):
    out = [r for r in truth if not r["_in_scope"]]
    assert [r["post_id"] for r in out] == [mirror.site.broken.id]


# --- Troubles, through the router ------------------------------------------------------------
def test_url_forms_reach_the_article(mirror, truth):
    record = next(r for r in truth if r["_special"] is None and r["_in_scope"])
    post = mirror.site.by_id[record["post_id"]]
    body = get(mirror, post.path).body
    upper = re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), post.path)
    assert get(mirror, upper).body == body
    assert get(mirror, post.path + "?utm_source=x&fbclid=abc").body == body
    assert get(mirror, post.path + "?replytocom=5").body == body
    short = get(mirror, f"/?p={post.id}")
    assert short.status == 301 and short.headers["Location"] == BASE + post.path
    slashless = get(mirror, post.path[:-1] + "?utm_source=a")
    assert slashless.status == 301
    assert slashless.headers["Location"] == BASE + post.path + "?utm_source=a"
    amp = parsel.Selector(html_of(mirror, post.path + "amp/"))
    assert amp.css('link[rel="canonical"]::attr(href)').get() == BASE + post.path
    for form in record["_url_forms"]:
        if "?p=" not in form:  # the shortlink reaches the article by redirect only
            assert canonical_url(form) == record["url"]


def test_special_pages(mirror):
    broken = get(mirror, mirror.site.broken.path)
    assert broken.status == 500
    listing = html_of(mirror, "/")
    assert mirror.site.broken.path in listing, "the 500 page is linked from a listing"
    slow = special(mirror, "slow")
    assert get(mirror, slow.path).delay >= 2
    charset = next(p for p in mirror.site.posts if p.wrong_charset)
    reply = get(mirror, charset.path)
    assert reply.content_type == "text/html; charset=windows-1256"
    reply.body.decode("utf-8")
    assert get(mirror, "/no/such/page/").status == 404
    assert get(mirror, "/?p=999999999").status == 404
    assert get(mirror, "/wp-admin/").status == 302
    assert get(mirror, "/wp-json/").status == 200
    assert get(mirror, "/feed/").content_type.startswith("application/rss+xml")


def test_noise_is_injected_into_the_html_only(mirror):
    html = "".join(get(mirror, p.path).body.decode() for p in mirror.site.posts if p.noise)
    for mark in ("\u0640", "\u200b", "\u200f", "\u202b", "\u00a0", "&nbsp;", " ،"):
        assert mark in html, repr(mark)


def test_boilerplate_inside_the_entry(mirror):
    html = "".join(get(mirror, p.path).body.decode() for p in mirror.site.posts[::2])
    for marker in ("اقرأ أيضاً:", "wp-caption-text", "data-src=", "share-post",
                   "share-links", "e3lan", "stream-item", "tie-short-link",
                   "?replytocom=", 'rel="amphtml"', "application/ld+json"):
        assert marker in html, marker


def test_links_and_traps_are_on_the_pages(mirror):
    html = html_of(mirror, "/")
    for marker in ("javascript:", "mailto:", "https://www.facebook.com/", "https://twitter.com/",
                   "https://www.aljazeera.net/", f"{BASE}/private/", f"{BASE}/feed/",
                   f"{BASE}/wp-json/", f"{BASE}/wp-admin/", 'name="s"', "/date/", "?cal=next",
                   f"{BASE}/?p=", "utm_source="):
        assert marker in html, marker
    assert f'>{LATEST}</a>' in html, "the main menu links the latest-news category"
    assert re.search(r"/category/%d8%a2%d8%ae%d8%b1-%d8%a7%d9%84%d8%a3%d8%ae%d8%a8%d8%a7%d8%b1/",
                     html), "lower-case percent-encoded category slug"
    far = html_of(mirror, "/date/9999/12/?cal=next")
    assert "/date/10000/01/" in far or "cal=next" in far
    assert get(mirror, "/date/2400/03/?cal=next").status == 200, "the calendar never ends"


def test_attachment_pages_are_not_articles(mirror):
    post = next(p for p in mirror.site.posts if p.images and p.status == 200)
    html = html_of(mirror, post.attachment_path(post.images[0]))
    body_class = parsel.Selector(html).css("body::attr(class)").get()
    assert "attachment" in body_class and "single-post" not in body_class


def test_robots_txt(mirror):
    robots = html_of(mirror, "/robots.txt")
    for line in ("Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php", "Disallow: /?s=",
                 "Disallow: /search/", "Disallow: /wp-json/", "Disallow: /feed/",
                 "Disallow: /private/"):
        assert line in robots.splitlines()


def test_pages_use_the_request_host(mirror):
    post = mirror.site.posts[10]
    html = mirror.respond(post.path, "example.test:4321").body.decode()
    assert "http://example.test:4321/" in html and "__MIRROR_BASE__" not in html
    assert BASE not in html


def test_pagination_and_tag_archives(mirror):
    site = mirror.site
    base = f"/category/{wp_quote(site.categories[LATEST])}/"
    sel = parsel.Selector(html_of(mirror, base))
    assert sel.css(".pages-nav .the-next-page a::attr(href)").get() == f"{BASE}{base}page/2/"
    assert sel.css('link[rel="next"]::attr(href)').get() == f"{BASE}{base}page/2/"
    tag = max(site.by_tag, key=lambda t: len(site.by_tag[t]))
    tag_html = html_of(mirror, f"/tag/{wp_quote(site.tags[tag])}/")
    assert "tie-date" in tag_html and "item-list" in tag_html


# --- Over real HTTP ------------------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_server_over_http_with_access_log(tmp_path):
    log = tmp_path / "requests.jsonl"
    with serve_mirror(articles=60, seed=2, log_path=str(log)) as server:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", server.base_url)
        status, headers, body = fetch(server.base_url + "/robots.txt")
        assert status == 200 and b"Disallow: /private/" in body
        post = server.mirror.site.listed[5]
        status, headers, _ = fetch(f"{server.base_url}/?p={post.id}")
        assert status == 301 and headers["Location"] == server.base_url + post.path
        status, headers, body = fetch(server.base_url + post.path)
        assert status == 200 and server.base_url.encode() in body
        assert fetch(server.base_url + "/missing/")[0] == 404
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in records] == [200, 301, 200, 404]
    assert set(records[0]) >= {"time", "method", "path", "host", "status", "user_agent"}
    assert records[1]["path"] == f"/?p={post.id}"


def test_refuses_non_loopback_bind():
    with pytest.raises(ValueError):
        MirrorServer(20, 1, host="0.0.0.0")


def test_cli_serves_on_a_free_port():
    proc = subprocess.Popen([sys.executable, "-m", "mirror", "--port", "0",
                             "--articles", "30"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert re.match(r"^http://127\.0\.0\.1:\d+/$", line), line
        assert fetch(line + "robots.txt")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_generate_writes_pages_and_ground_truth(tmp_path):
    subprocess.run([sys.executable, "-m", "mirror", "generate", "--out", str(tmp_path),
                    "--articles", "25", "--base-url", "http://mirror.test:9000"],
                   check=True, capture_output=True)
    records = [json.loads(line) for line in
               (tmp_path / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 25
    assert records == ground_truth("http://mirror.test:9000", 25, 1)
    site = build_site(25, 1)
    page = tmp_path / unquote(site.posts[0].path).strip("/") / "index.html"
    assert "http://mirror.test:9000/" in page.read_text(encoding="utf-8")
    assert (tmp_path / "robots.txt").exists() and (tmp_path / "index.html").exists()


# --- Fault injection ---------------------------------------------------------------------------
def test_fault_choice_is_deterministic_and_bounded():
    from mirror.faults import KINDS, FaultInjector

    a, b = FaultInjector(0.3, seed=4), FaultInjector(0.3, seed=4)
    paths = [f"/p/{n}/" for n in range(2000)]
    first = [a.choose(p, 0) for p in paths]
    assert first == [b.choose(p, 0) for p in paths]
    share = sum(k is not None for k in first) / len(first)
    assert 0.25 < share < 0.35
    assert {k for k in first if k} == set(KINDS)
    assert all(a.choose(p, 2) is None for p in paths), "a path fails at most twice in a row"
    assert a.choose("/robots.txt", 0) is None


def _attempt(url: str) -> str:
    try:
        status, headers, body = fetch(url)
    except (ConnectionError, http.client.HTTPException, urllib.error.URLError, OSError):
        return "error"
    if status != 200:
        return str(status)
    return "ok" if len(body) == int(headers["Content-Length"]) else "short"


def test_faulty_server_recovers_on_retry(tmp_path):
    log = tmp_path / "requests.jsonl"
    with serve_mirror(articles=30, seed=3, log_path=str(log), faults=1.0,
                      fault_stall=0.05) as server:
        assert fetch(server.base_url + "/robots.txt")[0] == 200
        outcomes = []
        posts = [p for p in server.mirror.site.listed if p.status == 200 and not p.slow]
        for post in posts[:6]:
            url = server.base_url + post.path
            outcomes.append([_attempt(url) for _ in range(3)])
    assert all(o[2] == "ok" for o in outcomes), outcomes
    assert not any("ok" in o[:2] and o[:2].count("ok") == 2 for o in outcomes)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    faults = [r["fault"] for r in records if "fault" in r]
    assert len(faults) == 12, "rate 1.0: the first two requests of every path fail"


# --- Script-filled pages (for rendering tests) ---------------------------------------------
def _render_like_a_browser(html: str) -> str:
    """What the page's inline script does: put the JSON blob's HTML into the container."""
    blob = re.search(r'<script type="application/json" id="madar-entry-data">(.*?)</script>',
                     html, re.S)
    inner = json.loads(blob.group(1))["html"]
    return re.sub(r'<div class="loading">جار التحميل…</div>', lambda _: inner, html, count=1)


def test_script_filled_pages_render_to_the_ground_truth():
    mirror = Mirror(200, 1, script_filled=0.3, variant_mix=False)
    assert 40 < len(mirror.script_filled_ids) < 80
    truth = {r["post_id"]: r for r in ground_truth(BASE, 200, 1)}
    themes = set()
    for post_id in sorted(mirror.script_filled_ids)[:40]:
        post = mirror.site.by_id[post_id]
        html = get(mirror, post.path).body.decode()
        plain = reference_extract(html, BASE + post.path)
        assert plain["text"] == "", "the plain HTML has no body text"
        got = reference_extract(_render_like_a_browser(html), BASE + post.path)
        for field, value in got.items():
            assert value == truth[post_id][field], (field, post_id)
        themes.add(post.theme)
    assert themes == {"sahifa", "jannah"}
    plain_post = next(p for p in mirror.site.posts
                      if p.id not in mirror.script_filled_ids and p.status == 200)
    assert "madar-entry-data" not in get(mirror, plain_post.path).body.decode()


def test_stop_is_safe_unstarted_and_twice():
    server = MirrorServer(20, 1)
    server.stop()
    server.stop()
    with serve_mirror(articles=20, seed=1) as running:
        assert urllib.request.urlopen(running.base_url + "/robots.txt", timeout=10).status == 200
        running.stop()
        with pytest.raises(OSError):
            urllib.request.urlopen(running.base_url + "/robots.txt", timeout=10)


def test_every_article_page_reveals_its_shortlink(mirror):
    for post in mirror.site.posts:
        if post.status != 200:
            continue
        sel = parsel.Selector(get(mirror, post.path).body.decode())
        found = sel.css('link[rel="shortlink"]::attr(href)').getall()
        found += sel.css(".tie-short-link input::attr(value)").getall()
        assert f"{BASE}/?p={post.id}" in found, post.id


def test_help_lists_the_other_commands(capsys):
    from mirror.__main__ import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "python -m mirror truth --base-url URL" in out and "generate --out DIR" in out
