"""HTML of the mirror: article pages in two theme generations, listings, AMP and the rest.

Pages are rendered with the placeholder ``BASE`` where the site's origin goes; the server
swaps in the origin of each request (its Host header), so rendered bytes can be cached once
and served on any port. Nothing here is read back by the ground truth.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from html import escape
from urllib.parse import quote

from . import seed as seed_data
from . import vocab
from .generator import BodyImage, Post, Site, wp_quote

BASE = "__MIRROR_BASE__"
SITE_NAME = "مدار اليوم"
AD_TEXT = seed_data.SEED_AD_TEXT
AD_URL = seed_data.SEED_AD_URL
PLACEHOLDER_SRC = {
    "sahifa": BASE + "/wp-content/themes/sahifa/images/lazy.png",
    "jannah": BASE + "/wp-content/themes/jannah/assets/images/tie-empty.png",
}
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
OFFSITE = (
    ("https://www.facebook.com/madaralyoum", "فيسبوك"),
    ("https://twitter.com/madaralyoum", "تويتر"),
    ("https://www.youtube.com/channel/UCmadaralyoum", "يوتيوب"),
    ("https://t.me/madaralyoum", "تلغرام"),
)
NEWS_SITES = (
    ("https://www.enabbaladi.net/", "عنب بلدي"),
    ("https://www.aljazeera.net/", "الجزيرة نت"),
    ("https://www.alquds.co.uk/", "القدس العربي"),
)


def e(text: str) -> str:
    return escape(text, quote=False)


def a(text: str) -> str:
    """Attribute value."""
    return escape(text, quote=True)


# --- Dates ------------------------------------------------------------------------------------
def sahifa_date(post: Post) -> str:
    d = post.published
    return f"{vocab.MSA_MONTHS[d.month - 1]} {d.day}, {d.year}"


def jannah_date(post: Post, indic: bool | None = None, when: datetime | None = None) -> str:
    d = when or post.published
    text = f"{d.day} {vocab.LEVANTINE_MONTHS[d.month - 1]} {d.year}"
    return text.translate(INDIC) if (post.indic_digits if indic is None else indic) else text


def visible_date(post: Post) -> str | None:
    """The date string the article page shows, or None when it shows none."""
    if not post.visible_date:
        return None
    return sahifa_date(post) if post.theme == "sahifa" else jannah_date(post)


# --- URLs ---------------------------------------------------------------------------------------
def permalink(post: Post) -> str:
    return BASE + post.path


def upper_encoded(post: Post) -> str:
    return BASE + re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), post.path)


def category_url(site: Site, name: str, page: int = 1) -> str:
    url = f"{BASE}/category/{wp_quote(site.categories[name])}/"
    return url if page == 1 else f"{url}page/{page}/"


def tag_url(site: Site, name: str) -> str:
    return f"{BASE}/tag/{wp_quote(site.tags[name])}/"


def image_url(post: Post, img: BodyImage) -> str:
    return BASE + post.image_path(img)


def thumb_url(post: Post) -> str:
    d = post.published
    return f"{BASE}/wp-content/uploads/{d.year:04d}/{d.month:02d}/madar-{post.id}-0-220x150.jpg"


def excerpt(post: Post) -> str:
    """WordPress excerpt: the first words of the content (dateline included) and `...`."""
    body = post.verbatim[0] if post.verbatim else post.paragraphs[0]
    if post.dateline:
        body = f"{post.dateline} {post.dash} {SITE_NAME} {body}"
    words = body.split()
    return " ".join(words[: vocab.EXCERPT_WORDS]) + " ..."


# --- Text noise (the ground truth holds the clean text) ------------------------------------
_ARABIC_LETTER = re.compile("[\u0628-\u063a\u0641-\u064a]{2}")


def noisy(text: str, rng: random.Random) -> str:
    """Escape ``text`` for HTML and add the noise the cleaning pipeline must undo."""
    words = e(text).split(" ")
    ops = rng.sample(("tatweel", "zw", "nbsp", "spaces", "punct", "embed", "bold"), 3)
    if "tatweel" in ops:
        for _ in range(2):
            i = rng.randrange(len(words))
            m = _ARABIC_LETTER.search(words[i])
            if m:
                cut = m.start() + 1
                words[i] = words[i][:cut] + "\u0640" * rng.randint(1, 5) + words[i][cut:]
    if "zw" in ops and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i] += rng.choice(("\u200b", "\u200f", "\u200e", "\u200b\u200f"))
        m = _ARABIC_LETTER.search(words[i + 1])
        if m:  # a joiner inside an Arabic word (meaningful only in Persian)
            cut = m.start() + 1
            words[i + 1] = words[i + 1][:cut] + rng.choice(("\u200c", "\u200d")) + \
                words[i + 1][cut:]
    if "bold" in ops:
        i = rng.randrange(len(words))
        if words[i].isalpha():
            words[i] = f"<strong>{words[i]}</strong>"
    out = ""
    for n, w in enumerate(words):
        if n:
            sep = " "
            if "nbsp" in ops and rng.random() < 0.15:
                sep = rng.choice(("\u00a0", "&nbsp;"))
            elif "spaces" in ops and rng.random() < 0.1:
                sep = rng.choice(("  ", " \n", "\t "))
            out += sep
        out += w
    if "punct" in ops:
        out = out.replace("، ", " ، ", 1)
        if out.endswith("."):
            out = out[:-1] + " ."
    if "embed" in ops:
        out = "\u202b" + out + "\u202c"
    return out


# --- Shared chrome ----------------------------------------------------------------------------
class Chrome:
    """Menus, sidebar and footer: the same on every page, rendered once per site."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.menu = self._menu()
        self.footer = self._footer()
        self.most_read = self._most_read()
        self.tag_cloud = self._tag_cloud()
        newest = site.listed[0].published
        self.current_month = (newest.year, newest.month)

    def _menu(self) -> str:
        items = [f'<li class="menu-item menu-item-home"><a href="{BASE}/">الرئيسية</a></li>']
        for n, name in enumerate(self.site.categories):
            items.append(f'<li id="menu-item-{n + 10}" class="menu-item menu-item-type-taxonomy">'
                         f'<a href="{category_url(self.site, name)}">{e(name)}</a></li>')
        items.append(f'<li class="menu-item"><a href="{BASE}/feed/">RSS</a></li>')
        return '<ul id="menu-main" class="menu">' + "".join(items) + "</ul>"

    def _most_read(self) -> str:
        forms = (
            lambda p: f"{BASE}/?p={p.id}",
            lambda p: (BASE + p.path)[:-1],
            upper_encoded,
            lambda p: f"{BASE}{p.path}?utm_source=sidebar&utm_medium=widget",
            permalink,
        )
        rows = []
        for p, form in zip(self.site.most_read, forms, strict=False):
            rows.append(f'<li class="widget-post-list"><div class="post-widget-body">'
                        f'<h3 class="post-title"><a href="{a(form(p))}">{e(p.title)}</a></h3>'
                        f'<div class="post-meta"><span class="date">{sahifa_date(p)}</span>'
                        f"</div></div></li>")
        return ('<div id="posts-list-widget-2" class="widget posts-list"><div class="widget-title">'
                '<h4>الأكثر قراءة</h4></div><ul class="posts-list-items">' + "".join(rows)
                + "</ul></div>")

    def _tag_cloud(self) -> str:
        popular = sorted(self.site.by_tag, key=lambda t: (-len(self.site.by_tag[t]), t))[:15]
        links = " ".join(f'<a href="{tag_url(self.site, t)}" class="tag-cloud-link">{e(t)}</a>'
                         for t in popular)
        return ('<div id="tag_cloud-2" class="widget widget_tag_cloud"><div class="widget-title">'
                f'<h4>وسوم</h4></div><div class="tagcloud">{links}</div></div>')

    def calendar(self, year: int, month: int) -> str:
        prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
        lev = vocab.LEVANTINE_MONTHS
        return (
            '<div id="calendar-2" class="widget widget_calendar"><div id="calendar_wrap" '
            f'class="calendar_wrap"><table id="wp-calendar"><caption>{lev[month - 1]} {year}'
            '</caption><tbody><tr><td>1</td><td>2</td><td>3</td></tr></tbody></table>'
            '<nav class="wp-calendar-nav">'
            f'<span class="wp-calendar-nav-prev"><a href="{BASE}/date/{prev_y:04d}/{prev_m:02d}/'
            f'?cal=prev">« {lev[prev_m - 1]}</a></span>'
            f'<span class="wp-calendar-nav-next"><a href="{BASE}/date/{next_y:04d}/{next_m:02d}/'
            f'?cal=next">{lev[next_m - 1]} »</a></span></nav></div></div>')

    def sidebar(self, month: tuple[int, int] | None = None) -> str:
        search = (f'<div class="widget search-widget"><form method="get" class="search-form" '
                  f'action="{BASE}/"><input type="text" name="s" placeholder="بحث">'
                  '<button type="submit">بحث</button></form></div>')
        ad = (f'<div class="widget stream-item-widget"><a href="{AD_URL}" target="_blank" '
              f'rel="nofollow"><img src="{BASE}/wp-content/uploads/banners/ad-300x250.jpg" '
              f'alt="{AD_TEXT}"></a></div>')
        return search + self.most_read + self.calendar(*(month or self.current_month)) + \
            self.tag_cloud + ad

    def _footer(self) -> str:
        links = [
            f'<a href="{BASE}/private/">أرشيف المحررين</a>',
            '<a href="mailto:info@madaralyoum.example">راسلنا</a>',
            '<a href="javascript:void(0)" class="go-to-top">أعلى الصفحة</a>',
            f'<a href="{BASE}/feed/">خلاصة RSS</a>',
            f'<a href="{BASE}/wp-json/">API</a>',
            f'<a href="{BASE}/wp-admin/">دخول المحررين</a>',
            f'<a href="{BASE}/wp-login.php?redirect_to={quote(BASE + "/wp-admin/", safe="_")}">'
            "تسجيل الدخول</a>",
            f'<a href="{BASE}/search/{wp_quote("سوريا")}/">بحث: سوريا</a>',
            f'<a href="{BASE}/?s={wp_quote("دمشق")}">بحث: دمشق</a>',
        ]
        links += [f'<a href="{u}" target="_blank" rel="nofollow">{t}</a>' for u, t in OFFSITE]
        links += [f'<a href="{u}" target="_blank">{t}</a>' for u, t in NEWS_SITES]
        return (f'<div class="footer-widgets"><p>{SITE_NAME}: موقع إخباري سوري مستقل.</p>'
                f'<div class="footer-links">{" | ".join(links)}</div></div>'
                f'<div class="copyright">© 2024 {SITE_NAME}. جميع الحقوق محفوظة.</div>')


def head(title: str, extra: str = "", theme: str = "jannah") -> str:
    theme_dir = f"{BASE}/wp-content/themes/{theme}"
    return (
        '<!DOCTYPE html>\n<html dir="rtl" lang="ar" prefix="og: http://ogp.me/ns#">\n<head>\n'
        '<meta charset="UTF-8">\n<meta name="viewport" content="width=device-width, '
        'initial-scale=1">\n'
        f"<title>{e(title)}</title>\n{extra}"
        f"<link rel='stylesheet' id='tie-css-style' href='{theme_dir}/style.css?ver=5.0.1' "
        "type='text/css' media='all' />\n"
        f"<script type='text/javascript' src='{BASE}/wp-includes/js/jquery/jquery.js?ver=1.12.4'>"
        "</script>\n"
        "<script>var tie = {\"is_rtl\":\"1\",\"ajaxurl\":\"" + BASE +
        "\\/wp-admin\\/admin-ajax.php\",\"lazyload\":\"true\"};</script>\n"
        '<style id="tie-custom-css">.post-title{font-weight:700}</style>\n'
        "</head>\n")


def page_top(chrome: Chrome, body_class: str, theme: str, above: str = "") -> str:
    """Header and the opening of the content row; ``above`` goes between them (Jannah's
    full-width post heads)."""
    social = "".join(f'<a href="{u}" class="social-link" target="_blank">{t}</a>'
                     for u, t in OFFSITE)
    logo = (f'<a title="{SITE_NAME}" href="{BASE}/"><img src="{BASE}/wp-content/uploads/logo.png" '
            f'alt="{SITE_NAME}"></a>')
    if theme == "sahifa":
        return (f'<body id="top" class="{body_class}">\n<div class="wrapper-outer">'
                '<div id="wrapper" class="wide-layout"><div class="inner-wrapper">'
                '<header id="theme-header" class="theme-header"><div id="top-nav" '
                f'class="top-nav"><div class="container"><div class="social-icons">{social}'
                f'</div></div></div><div class="header-content"><div class="logo"><h2>{logo}'
                '</h2></div></div><nav id="main-nav"><div class="container"><div '
                f'class="main-menu">{chrome.menu}</div></div></nav></header>\n'
                '<div id="main-content" class="container">')
    return (f'<body id="tie-body" class="{body_class}">\n<div class="background-overlay">'
            '<div id="tie-container" class="site tie-container"><div id="tie-wrapper">'
            '<header id="theme-header" class="theme-header header-layout-3"><nav id="top-nav" '
            f'class="top-nav header-nav"><div class="container"><ul class="components">{social}'
            '</ul></div></nav><div class="container header-container"><div id="logo" '
            f'class="image-logo">{logo}</div></div><div class="main-nav-wrapper"><nav id="main-nav"'
            f' class="main-nav header-nav"><div class="main-menu header-menu">{chrome.menu}</div>'
            f'</nav></div></header>\n{above}<div id="content" class="site-content container"><div '
            'id="main-content-row" class="tie-row main-content-row">')


def page_bottom(chrome: Chrome, theme: str, sidebar: str, after: str = "",
                below: str = "") -> str:
    """Sidebar, footer and closing tags; ``below`` goes under the content row (Jannah's
    full-width boxes), ``after`` at the end of the body."""
    script = ("<script>jQuery(function($){$('#check-also-close').on('click',function(){"
              "$('#check-also-box').fadeOut();return false;});});</script>")
    if theme == "sahifa":
        return (f'<aside id="sidebar">{sidebar}</aside><div class="clear"></div></div>\n'
                f'<footer id="theme-footer">{chrome.footer}</footer></div></div></div>\n'
                f"{after}{script}\n</body>\n</html>\n")
    return (f'<aside class="sidebar tie-col-md-4 normal-side" aria-label="القائمة الجانبية">'
            f'<div class="theiaStickySidebar">{sidebar}</div></aside></div>{below}</div>\n'
            f'<footer id="footer" class="site-footer dark-skin">{chrome.footer}</footer>'
            f"</div></div>{after}</div>{script}\n</body>\n</html>\n")
