"""Page objects against hand-made fixture pages (web-poet style) plus general invariants."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madar.items import ARTICLE_FIELDS
from madar.pages import (
    AmpArticlePage,
    JannahArticlePage,
    ListingPage,
    MetadataArticlePage,
    SahifaArticlePage,
    article_page_for,
    is_article,
)
from madar.urls import canonical_url
from tests.seed import seed_path

FIXTURES = Path(__file__).parents[1] / "fixtures"
ARTICLE_DIRS = sorted(p for p in FIXTURES.glob("*ArticlePage/test-*") if p.is_dir())
LISTING_DIRS = sorted(p for p in FIXTURES.glob("ListingPage/test-*") if p.is_dir())

ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
#: C0/C1 controls other than the paragraph newlines of ``text``.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
#: Invisible characters no field shows (titles are cleaned like the text).
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\xa0]")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?/?>")


def _load(folder: Path) -> tuple[dict, str]:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return meta, (folder / "input.html").read_text(encoding="utf-8")


def _item(folder: Path) -> dict:
    meta, html = _load(folder)
    page = article_page_for(meta["url"], html, meta["fetched_at"])
    assert page is not None
    assert type(page).__name__ == folder.parent.name
    return asdict(page.to_item())


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("folder", ARTICLE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_matches_expected(folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    item = _item(folder)
    assert list(item) == list(ARTICLE_FIELDS) == list(expected)
    for name in ARTICLE_FIELDS:
        assert item[name] == expected[name], name


@pytest.mark.parametrize("folder", ARTICLE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_output_is_clean(folder: Path) -> None:
    item = _item(folder)
    for text in _strings(item):
        assert text == text.strip() and text, f"empty or untrimmed string {text!r}"
        assert not ENTITY.search(text), text
        assert not TAG.search(text), text
        assert not CONTROL.search(text), repr(text)
        assert unicodedata.is_normalized("NFC", text), text
    for name in ("title", "author", "dateline", "category"):
        if item[name]:
            assert not INVISIBLE.search(item[name]), (name, item[name])
    urls = [item["url"], *item["related"], *(i["url"] for i in item["images"])]
    if item["shortlink"]:
        urls.append(item["shortlink"])
    for url in urls:
        assert url.startswith(("http://", "https://")) and " " not in url, url
    for url in [item["url"], *item["related"]]:
        assert canonical_url(url) == url
    assert item["url"] not in item["related"]
    for name in ("categories", "tags", "related"):
        assert len(item[name]) == len(set(item[name])), name
    assert len({i["url"] for i in item["images"]}) == len(item["images"])
    assert item["language"] == "ar"


def test_seed_article_text_is_exactly_the_seed_body() -> None:
    item = _item(FIXTURES / "SahifaArticlePage/test-1")
    seed_lines = [line.strip() for line in seed_path().read_text(encoding="utf-8").splitlines()]
    body = max(seed_lines, key=len)
    assert item["text"] == body
    assert item["dateline"] == "طهران"
    assert item["category"] == "آخر الأخبار"
    assert item["post_id"] == 12345
    for noise in ("نزار قباني", "الرابط المختصر", "قد يُعجبك", "Facebook", "تويتر", "وسوم",
                  "اترك تعليقاً"):
        assert noise not in item["text"]
    # check-also first, then related; the page itself and duplicates dropped
    assert item["related"][0].endswith("/%D8%AA%D8%B9%D8%AF%D9%8A%D9%84%D8%A7%D8%AA/")


def test_inline_dateline_lazy_images_and_captions() -> None:
    item = _item(FIXTURES / "SahifaArticlePage/test-2")
    assert item["dateline"] == "دمشق"
    assert item["text"].startswith("غطت الثلوج")
    assert "جبل قاسيون" not in item["text"] and "فريق مدار" not in item["text"]
    assert item["images"][0]["caption"] == "ساحة الأمويين صباح اليوم"
    assert all("data:" not in i["url"] and "lazy" not in i["url"] for i in item["images"])
    assert not any("emoji" in i["url"] for i in item["images"])


def test_jannah_drops_read_also_ads_and_decodes_entities() -> None:
    item = _item(FIXTURES / "JannahArticlePage/test-1")
    assert "اقرأ أيضاً" not in item["text"] and "أزمة المحروقات" not in item["text"]
    assert '"أوكتان 90"' in item["text"] and "\xa0" not in item["text"]
    assert item["author"] == "سارة & أحمد"
    assert item["tags"] == ["محروقات", "دمشق"]
    assert item["images"][0]["url"].endswith("/fuel-780x470.jpg")


def test_jannah_7_widget_check_also_agency_dateline_and_chrome() -> None:
    item = _item(FIXTURES / "JannahArticlePage/test-2")
    assert item["title"] == "موسكو تعلن هدنة جديدة في إدلب"  # nbsp, newlines, ZWNJ gone
    assert item["dateline"] == "موسكو"
    assert item["text"].startswith("أعلنت وزارة الدفاع")
    for chrome in ("ملخص", "أبرز النقاط", "إعلان", "تابعونا", "اشترك", "المصدر", "رويترز",
                   "هدنة سابقة", "الوسوم"):
        assert chrome not in item["text"], chrome
    assert item["tags"] == ["إدلب", "هدنة"]  # not the "source" block, not the sidebar cloud
    assert item["shortlink"] == "https://madaralyoum.com/?p=41001"  # from the body class
    # every post link of the widget-list check-also box (title or thumbnail only), then the
    # inline related box
    assert [unquote(u.rsplit("/", 2)[1]) for u in item["related"]] == [
        "قصف-حلب", "معبر-باب-الهوى", "هدنة-سابقة"]


def test_sahifa_tags_after_the_article_cover_head_and_closing_disclaimer() -> None:
    item = _item(FIXTURES / "SahifaArticlePage/test-4")
    assert item["tags"] == ["الأمم المتحدة", "مساعدات"]
    assert item["dateline"] == "نيويورك"
    assert item["published"] == "2021-05-12" and item["author"] == "مكتب نيويورك"
    assert item["images"][0]["url"].endswith("/2021/05/un.jpg")
    assert "تعبر عن رأي" not in item["text"] and "الحقوق" not in item["text"]
    assert item["text"].endswith("سيجري الأسبوع المقبل.")
    assert len(item["related"]) == 3


@pytest.mark.parametrize(("url", "html"), [
    ("https://madaralyoum.com/", "<html><body class='home blog'><h2><a href='/a/'>x</a></h2>"),
    ("https://madaralyoum.com/category/x/", "<html><body class='archive category'>"),
    ("https://madaralyoum.com/nope/", "<html><head><title>الصفحة غير موجودة</title></head>"
                                      "<body class='error404'></body></html>"),
    ("https://madaralyoum.com/about/", "<html><body class='page page-id-2'><h1>من نحن</h1>"),
    ("https://madaralyoum.com/x/", ""),
    ("https://madaralyoum.com/2017/08/10/a/madar-1-1/",
     "<body class='attachment single single-attachment postid-7 attachmentid-7'>"
     "<h1 class='entry-title'>madar-1-1</h1>"),
])
def test_non_articles_get_no_page(url: str, html: str) -> None:
    assert article_page_for(url, html) is None
    assert not is_article(html)


@pytest.mark.parametrize(("folder", "page_class"), [
    ("SahifaArticlePage/test-1", SahifaArticlePage),
    ("JannahArticlePage/test-1", JannahArticlePage),
    ("MetadataArticlePage/test-1", MetadataArticlePage),
    ("AmpArticlePage/test-1", AmpArticlePage),
])
def test_chooser_picks_the_theme(folder: str, page_class: type) -> None:
    meta, html = _load(FIXTURES / folder)
    assert type(article_page_for(meta["url"], html)) is page_class
    assert is_article(html)


GARBAGE = [
    "", " ", "\x00\x01\x02", "<", "<html", "<?xml version='1.0' encoding='utf-8'?><html/>",
    "<html><body class='single'><div class='entry'>" * 300, b"\xff\xfe\x00<h1>".decode("latin-1"),
    "<script type='application/ld+json'>{\"@graph\": [1, \"x\", null, {\"@type\": 3}]}</script>",
    "<body class='single postid-abc'><h1 class='post-title'></h1><div class='entry'></div>",
    "<meta property='article:published_time' content='not a date'><body class='single'>",
]


@pytest.mark.parametrize("html", GARBAGE)
@pytest.mark.parametrize("page_class", [SahifaArticlePage, JannahArticlePage, AmpArticlePage,
                                        MetadataArticlePage])
def test_garbage_never_raises(html: str, page_class: type) -> None:
    item = page_class("https://madaralyoum.com/x/", html, "2020-01-01T00:00:00Z").to_item()
    assert item.url == "https://madaralyoum.com/x/"
    listing = ListingPage("https://madaralyoum.com/", html)
    assert all(isinstance(url, str) for url in listing.article_links())
    assert listing.next_page_url() is None or isinstance(listing.next_page_url(), str)
    assert listing.latest_news_url() is None or isinstance(listing.latest_news_url(), str)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*"<>/=\"' abcdiv.#&;ةمدار–-\x00\n", "<p>", "</p>",
                                 "<div class='entry'>", "<h1>", "<body class='single'>",
                                 "&amp;", "<a href='/y'>", " – مدار اليوم"]),
                max_size=120).map("".join))
def test_random_markup_never_raises(html: str) -> None:
    page = article_page_for("https://madaralyoum.com/x/", html)
    assert page is None or page.to_item().url == "https://madaralyoum.com/x/"
    assert SahifaArticlePage("https://madaralyoum.com/x/", html).to_item().language == "ar"


def test_bytes_input_is_accepted() -> None:
    meta, html = _load(FIXTURES / "SahifaArticlePage/test-1")
    page = article_page_for(meta["url"], html.encode("utf-8"), meta["fetched_at"])
    assert page is not None and page.to_item().dateline == "طهران"


def test_broken_field_is_logged_and_left_default(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(SahifaArticlePage):
        @property
        def title(self):  # type: ignore[override]
            raise RuntimeError("boom")

    meta, html = _load(FIXTURES / "SahifaArticlePage/test-1")
    item = Broken(meta["url"], html).to_item()
    assert item.title is None and item.text and "boom" in caplog.text


# --- listings -----------------------------------------------------------------------------

@pytest.mark.parametrize("folder", LISTING_DIRS, ids=lambda p: p.name)
def test_listing_fixture(folder: Path) -> None:
    meta, html = _load(folder)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    page = ListingPage(meta["url"], html, meta["fetched_at"])
    assert page.article_links() == expected["article_links"]
    assert [asdict(e) for e in page.entries()] == expected["entries"]
    assert page.next_page_url() == expected["next_page_url"]
    assert page.latest_news_url() == expected["latest_news_url"]


def test_listing_skips_chrome_and_foreign_hosts() -> None:
    meta, html = _load(FIXTURES / "ListingPage/test-1")
    links = ListingPage(meta["url"], html).article_links()
    assert not any(s in u for u in links for s in ("side-post", "footer-post", "breaking",
                                                    "other.example"))


def test_numbered_pagination_without_rel_next() -> None:
    html = ("<body class='archive'><div class='pagination'><a href='/category/a/'>1</a>"
            "<span class='current'>2</span><a href='/category/a/page/3/'>3</a>"
            "<a href='/category/a/page/9/'>9</a></div>")
    page = ListingPage("https://madaralyoum.com/category/a/page/2/", html)
    assert page.next_page_url() == "https://madaralyoum.com/category/a/page/3/"
    assert ListingPage("https://madaralyoum.com/", "<body>").next_page_url() is None


def test_article_page_finds_latest_news_link_in_its_menu() -> None:
    meta, html = _load(FIXTURES / "SahifaArticlePage/test-1")
    page = article_page_for(meta["url"], html)
    assert page is not None
    menu = ListingPage(meta["url"], html, document=page.document)  # the article's own parse
    assert menu.latest_news_url() == ("https://madaralyoum.com/category/"
                                      "%D8%A2%D8%AE%D8%B1-%D8%A7%D9%84%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/")


def test_theme_pages_ignore_og_image_but_metadata_page_uses_it() -> None:
    html = ("<html><head><meta property='og:image' content='/logo.png'></head>"
            "<body class='single'><article class='post-listing'><div class='entry'><p>نص</p>"
            "</div></article></body></html>")
    assert SahifaArticlePage("https://madaralyoum.com/a/", html).to_item().images == []
    assert MetadataArticlePage("https://madaralyoum.com/a/", html).to_item().images == [
        {"url": "https://madaralyoum.com/logo.png", "caption": None}]


def test_script_filled_body_gives_no_text_not_the_loading_label() -> None:
    html = ("<html><head><meta property='og:description' content='مقتطف قصير'></head>"
            "<body class='single single-post postid-5'><div id='crumbs'></div>"
            "<article class='post-listing'><h1 class='post-title'>عنوان</h1>"
            "<div class='entry'><div class='loading'>جار التحميل…</div></div></article>"
            "<script type='application/json' id='madar-entry-data'>{\"html\": \"<p>x</p>\"}"
            "</script></body></html>")
    page = article_page_for("https://madaralyoum.com/a/", html)
    assert isinstance(page, SahifaArticlePage)
    item = page.to_item()
    assert item.text is None and item.title == "عنوان"


@pytest.mark.parametrize(("opening", "place", "rest"), [
    ("طهران – مدار اليوم", "طهران", None),
    ("بيروت – خاص مدار اليوم", "بيروت", None),
    ("نيويورك – وكالات", "نيويورك", None),
    ("دمشق (رويترز) – قال مسؤولون إن", "دمشق", "قال مسؤولون إن"),
    ("موسكو – (أ ف ب) أعلن الكرملين", "موسكو", "أعلن الكرملين"),
    ("ريف دمشق - مدار اليوم: قصف", "ريف دمشق", "قصف"),
    ("حلب ـ مدار اليوم", "حلب", None),
    ("أنقرة – الأناضول", "أنقرة", None),
    ("قال الرئيس – وهو غاضب – إن", None, "قال الرئيس – وهو غاضب – إن"),
    ("حلب – سانادو هو", None, "حلب – سانادو هو"),
])
def test_dateline_forms(opening: str, place: str | None, rest: str | None) -> None:
    """Site, exclusive, agencies and agency in brackets; on its own line or opening text."""
    from madar.pages.body import split_dateline

    found, paragraphs = split_dateline([opening, "نص"])
    assert found == place
    assert paragraphs == ([rest] if rest else []) + ["نص"]


@pytest.mark.parametrize(("line", "chrome"), [
    ("إعلان", True), ("- إعلان -", True), ("Advertisement", True),
    ("تابعونا على تلغرام وفيسبوك", True), ("للمزيد من الأخبار تابعونا على تلغرام", True),
    ("اشترك في النشرة البريدية لمدار اليوم", True), ("سجّل بريدك الإلكتروني", True),
    ("المقالات المنشورة تعبّر عن آراء كتّابها ولا تعبّر بالضرورة عن رأي الموقع", True),
    ("جميع الحقوق محفوظة لموقع مدار اليوم", True), ("© 2024 مدار اليوم", True),
    ("إعلان الحكومة عن خطة جديدة للنقل", False), ("اشترك في الهجوم عشرات المقاتلين", False),
    ("قال الوزير إن الحكومة لا تعبر عن موقف", False),
    ("وتابعنا على مدار الساعة تطورات الأحداث في حلب", False),
])
def test_chrome_lines(line: str, chrome: bool) -> None:
    from madar.pages.body import is_chrome_line

    assert is_chrome_line(line) is chrome


@pytest.mark.parametrize("line", [
    "للمزيد تابعونا على فيسبوك", "ويمكنكم تابعوا عبر تلغرام", "ويمكنكم اشتركوا في النشرة",
    "لمتابعتنا للاشتراك بنشرتنا", "أو سجل بريدك هنا", "وهو لا يعبر بالضرورة عن رأينا",
    "المقال يعبر عن رأي كاتبه", "The views DO NOT necessarily reflect ours",
    "Sie stellen keinesfalls die MEINUNG dar"])
def test_chrome_phrases_inside_a_line(line: str) -> None:
    """Each phrase of _CHROME_INSIDE passes its gate (a part every phrase holds)."""
    from madar.pages.body import is_footer_line

    assert is_footer_line(line)


def test_every_inside_phrase_holds_a_part_of_the_gate() -> None:
    """A phrase of _CHROME_INSIDE without a part of the gate would never be searched."""
    from madar.pages.body import _CHROME_INSIDE, _CHROME_INSIDE_GATE

    phrases, depth, start = [], 0, 0
    pattern = _CHROME_INSIDE.pattern
    for at, char in enumerate(pattern + "|"):  # the top-level alternatives
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            phrases.append(pattern[start:at])
            start = at + 1
    assert len(phrases) == 8
    for phrase in phrases:
        assert any(part in phrase for part in _CHROME_INSIDE_GATE), phrase


def test_selector_slots_are_tuples_of_single_selectors() -> None:
    """A comma would read as a union: alternatives are spelled as a tuple."""
    from madar.pages.base import ArticlePage

    with pytest.raises(TypeError, match="TITLE"):
        type("Bad", (ArticlePage,), {"TITLE": ("h1.a, h1.b",)})
    with pytest.raises(TypeError, match="BODY"):
        type("Bad", (ArticlePage,), {"BODY": "div.entry"})


@pytest.mark.parametrize("selector", [
    "div.post-inner > .post-meta .tie-date", "#the-post .entry-header .post-meta .date",
    "#the-post .post-bottom-meta:not(.post-bottom-source):not(.post-bottom-via) .tagcloud",
    ".post-bottom-tags .tagcloud", "#check-also-box", "p.post-tag", ".post-meta time[datetime]",
    "nav#breadcrumb", "div.entry-content > p + p", ".post-inner a[rel='tag']", ".tie-date",
])
def test_indexed_selectors_match_what_a_full_tree_scan_finds(selector: str) -> None:
    from madar.pages.document import HtmlDocument, css

    # XPath's class names split at ASCII spaces only, ids are not stripped, names repeat
    odd = ('<div id=" check-also-box" class="post-meta\xa0x post-inner"><p class="post-tag '
           'post-tag"><time datetime="1">a</time></p><nav id="breadcrumb" class="tie-date\t'
           'tie-date"></nav></div><div class="tie-date\u3000y"></div>')
    for folder, meta, html in [*((f, *_load(f)) for f in ARTICLE_DIRS), ("odd", {"url": "/"}, odd)]:
        document = HtmlDocument(meta["url"], html)
        assert document.select(selector) == css(selector)(document.root), (folder, selector)
