"""Listing pages (home, category, tag, author, date, search) and the site's small extras.

Home, category and author archives use the current theme (Jannah); tag, date and search
archives keep the older Sahifa markup. Every entry shows its date; pagination has numbered
links and a next link, 10 posts a page, like WordPress.
"""

from __future__ import annotations

import json
from email.utils import format_datetime

from . import scripted as scripted_mode
from .generator import PER_PAGE, Post, Site
from .render import (
    BASE,
    SITE_NAME,
    Chrome,
    a,
    e,
    excerpt,
    head,
    jannah_date,
    page_bottom,
    page_top,
    permalink,
    sahifa_date,
    thumb_url,
    upper_encoded,
)


def page_count(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


def _page_url(base: str, page: int) -> str:
    return base if page == 1 else f"{base}page/{page}/"


def _numbers(pages: int, current: int) -> list[int | None]:
    """WordPress paginate_links: first, last, and two around the current page; None = …"""
    keep = {1, pages, *range(current - 2, current + 3)}
    out: list[int | None] = []
    for n in range(1, pages + 1):
        if n in keep:
            out.append(n)
        elif out and out[-1] is not None:
            out.append(None)
    return out


def _jannah_pagination(base: str, page: int, pages: int) -> str:
    items = []
    if page > 1:
        items.append(f'<li class="the-prev-page"><a href="{_page_url(base, page - 1)}">«</a></li>')
    for n in _numbers(pages, page):
        if n is None:
            items.append('<li class="extend"><span class="pages-nav-item">…</span></li>')
        elif n == page:
            items.append(f'<li class="current"><span class="pages-nav-item">{n}</span></li>')
        else:
            items.append(f'<li><a class="pages-nav-item" href="{_page_url(base, n)}" '
                         f'title="{n}">{n}</a></li>')
    if page < pages:
        items.append(f'<li class="the-next-page"><a href="{_page_url(base, page + 1)}">»</a></li>')
    return f'<div class="pages-nav"><ul class="pages-numbers">{"".join(items)}</ul></div>'


def _sahifa_pagination(base: str, page: int, pages: int) -> str:
    items = [f'<span class="pages">صفحة {page} من {pages}</span>']
    if page > 1:
        items.append(f'<span id="tie-prev-page"><a href="{_page_url(base, page - 1)}">«</a></span>')
    for n in _numbers(pages, page):
        if n is None:
            items.append('<span class="extend">...</span>')
        elif n == page:
            items.append(f'<span class="current">{n}</span>')
        else:
            items.append(f'<a href="{_page_url(base, n)}" class="page" title="{n}">{n}</a>')
    if page < pages:
        items.append(f'<span id="tie-next-page"><a href="{_page_url(base, page + 1)}">»</a></span>')
    return f'<div class="pagination">{"".join(items)}</div>'


def _entry_url(post: Post, variant: int | None) -> str:
    """Home page entries use the URL forms found in the wild (all reach the same post)."""
    if variant == 1:
        return (BASE + post.path)[:-1]
    if variant == 3:
        return f"{BASE}{post.path}?utm_source=home&utm_medium=web&fbclid=IwAR0mirror{post.id}"
    if variant == 5:
        return upper_encoded(post)
    if variant == 7:
        return f"{BASE}/?p={post.id}"
    return permalink(post)


def _jannah_entries(posts: list[Post], variants: bool) -> str:
    items = []
    for n, p in enumerate(posts):
        url = a(_entry_url(p, n if variants else None))
        items.append(
            f'<li class="post-item post-{p.id} tie-standard"><a aria-label="{a(p.title)}" '
            f'href="{url}" class="post-thumb"><img src="{thumb_url(p)}" alt="" /></a><div '
            f'class="post-details"><div class="post-meta clearfix"><span class="date meta-item '
            f'tie-icon">{jannah_date(p, False)}</span></div><h2 class="post-title"><a href="{url}">'
            f'{e(p.title)}</a></h2><p class="post-excerpt">{e(excerpt(p))}</p><a class="more-link'
            f' button" href="{url}">أكمل القراءة »</a></div></li>')
    return f'<ul id="posts-container" class="posts-items">{"".join(items)}</ul>'


def _sahifa_entries(posts: list[Post]) -> str:
    items = []
    for p in posts:
        url = a(permalink(p))
        items.append(
            f'<article class="item-list"><h2 class="post-box-title"><a href="{url}">{e(p.title)}'
            f'</a></h2><p class="post-meta"><span class="tie-date"><i class="fa fa-clock-o"></i>'
            f'{sahifa_date(p)}</span></p><div class="post-thumbnail"><a href="{url}"><img src="'
            f'{thumb_url(p)}" alt="" /></a></div><div class="entry"><p>{e(excerpt(p))}</p><a '
            f'class="more-link" href="{url}">اقرأ المزيد »</a></div><div class="clear"></div>'
            "</article>")
    return f'<div class="post-listing archive-box">{"".join(items)}</div>'


def listing_page(chrome: Chrome, *, theme: str, title: str, base: str, posts: list[Post],
                 page: int, body_class: str, month: tuple[int, int] | None = None,
                 home: bool = False, scripted: frozenset[int] = frozenset()) -> str | None:
    """One page of an archive; None when ``page`` is past the end (WordPress answers 404).

    Posts in ``scripted`` are listed only in a script-filled "load more" list (see
    ``scripted``)."""
    pages = page_count(len(posts))
    if page < 1 or page > pages:
        return None
    shown = posts[(page - 1) * PER_PAGE: page * PER_PAGE]
    later = [p for p in shown if p.id in scripted]
    if later:
        shown = [p for p in shown if p.id not in scripted]
    links = ""
    if page < pages:
        links += f'<link rel="next" href="{_page_url(base, page + 1)}" />\n'
    if page > 1:
        links += f'<link rel="prev" href="{_page_url(base, page - 1)}" />\n'
    links += f'<link rel="canonical" href="{_page_url(base, page)}" />\n'
    doc_title = SITE_NAME if home else f"{title} - {SITE_NAME}"
    if page > 1:
        doc_title += f" - الصفحة {page}"
    out = head(doc_title, links, theme) + page_top(chrome, body_class, theme)
    if theme == "jannah":
        ticker = ""
        if home:
            ticker = ('<div class="breaking"><span class="breaking-title">عاجل</span><ul '
                      'class="breaking-news">' + "".join(
                          f'<li><a href="{a(permalink(p))}">{e(p.title)}</a></li>'
                          for p in posts[:5]) + "</ul></div>")
        crumbs = ("" if home else
                  f'<nav id="breadcrumb"><a href="{BASE}/"><span class="tie-icon-home" '
                  'aria-hidden="true"></span> الرئيسية</a><em class="delimiter">/</em>'
                  f'<span class="current">{e(title)}</span></nav>')
        out += (f'<div class="main-content tie-col-md-8" role="main">{ticker}<header '
                f'class="entry-header-outer container-wrapper">{crumbs}<h1 class="page-title">'
                f'{e(title)}</h1></header><div class="mag-box wide-post-box"><div '
                'class="container-wrapper"><div class="mag-box-container clearfix">'
                + _jannah_entries(shown, home and page == 1)
                + (scripted_mode.load_more_list(_jannah_entries(later, False), theme)
                   if later else "")
                + "</div></div>" + _jannah_pagination(base, page, pages) + "</div></div>")
    else:
        out += (f'<div class="content"><div id="crumbs"><a href="{BASE}/">الرئيسية</a> <span '
                f'class="delimiter">/</span> <span class="current">{e(title)}</span></div>'
                f'<div class="page-head"><h1 class="page-title">{e(title)}</h1><div '
                f'class="stripe-line"></div></div>{_sahifa_entries(shown)}'
                + (scripted_mode.load_more_list(_sahifa_entries(later), theme) if later else "")
                + _sahifa_pagination(base, page, pages) + "</div>")
    return out + page_bottom(chrome, theme, chrome.sidebar(month))


def robots_txt(sitemap_path: str = "/sitemap_index.xml") -> str:
    """WordPress's rules plus ours; the main feed stays allowed (comment feeds do not)."""
    return ("User-agent: *\n"
            "Disallow: /wp-admin/\n"
            "Allow: /wp-admin/admin-ajax.php\n"
            "Disallow: /?s=\n"
            "Disallow: /search/\n"
            "Disallow: /wp-json/\n"
            "Disallow: /feed/\n"
            "Allow: /feed/$\n"
            "Disallow: /private/\n"
            "\n"
            f"Sitemap: {BASE}{sitemap_path}\n")


def feed_xml(posts: list[Post]) -> str:
    items = "".join(
        f"<item><title>{e(p.title)}</title><link>{e(permalink(p))}</link>"
        f"<guid isPermaLink=\"false\">{BASE}/?p={p.id}</guid>"
        f"<pubDate>{format_datetime(p.published)}</pubDate>"
        f"<description>{e(excerpt(p))}</description></item>" for p in posts[:PER_PAGE])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{SITE_NAME}</title><link>{BASE}/</link><language>ar</language>"
            f"{items}</channel></rss>\n")


def wp_json(site: Site) -> str:
    return json.dumps({"name": SITE_NAME, "url": BASE, "namespaces": ["wp/v2"],
                       "routes": {"/wp/v2/posts": {}}}, ensure_ascii=False)


def simple_page(chrome: Chrome, title: str, text: str, body_class: str) -> str:
    return (head(f"{title} - {SITE_NAME}", '<meta name="robots" content="noindex" />\n')
            + page_top(chrome, body_class, "jannah")
            + f'<div class="main-content" role="main"><h1 class="page-title">{e(title)}</h1>'
            f"<p>{e(text)}</p></div>" + page_bottom(chrome, "jannah", chrome.sidebar()))
