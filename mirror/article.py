"""Single-post pages: Sahifa (older posts) and Jannah (newer posts) markup, plus AMP.

What belongs to the article text is only the ``<p>`` paragraphs of the body; everything else
inside the entry (shortlink box, dateline line, "اقرأ أيضاً" links, captions, ads, share
buttons) is boilerplate a careful extractor drops. See ``ground_truth`` for the contract.
"""

from __future__ import annotations

import json
import random
from urllib.parse import quote

from . import scripted, vocab
from . import seed as seed_data
from .generator import BodyImage, Post, Site
from .render import (
    AD_TEXT,
    AD_URL,
    BASE,
    PLACEHOLDER_SRC,
    SITE_NAME,
    Chrome,
    a,
    category_url,
    e,
    excerpt,
    head,
    image_url,
    jannah_date,
    noisy,
    page_bottom,
    page_top,
    permalink,
    sahifa_date,
    tag_url,
    thumb_url,
    visible_date,
)

RELATED_HEADING = "مقالات ذات صلة"


def _head(site: Site, post: Post) -> str:
    url = permalink(post)
    tags: list[str] = []
    if post.canonical_link:
        tags.append(f'<link rel="canonical" href="{a(url)}" />')
    if post.shortlink_link:
        tags.append(f"<link rel='shortlink' href='{BASE}/?p={post.id}' />")
    if post.amp:
        tags.append(f'<link rel="amphtml" href="{a(url)}amp/" />')
    if post.open_graph:
        tags += ['<meta property="og:locale" content="ar_AR" />',
                 '<meta property="og:type" content="article" />',
                 f'<meta property="og:title" content="{a(post.title)} | {SITE_NAME}" />',
                 f'<meta property="og:url" content="{a(url)}" />',
                 f'<meta property="og:site_name" content="{SITE_NAME}" />']
        if post.featured:
            tags.append(f'<meta property="og:image" content="{image_url(post, post.featured)}" />')
    pub, mod = post.published.isoformat(), post.modified.isoformat()
    if post.meta in ("full", "meta_only", "no_modified"):
        tags += [f'<meta property="article:section" content="{a(post.category)}" />',
                 f'<meta property="article:published_time" content="{pub}" />']
        if post.meta != "no_modified":
            tags += [f'<meta property="article:modified_time" content="{mod}" />',
                     f'<meta property="og:updated_time" content="{mod}" />']
    if post.meta in ("full", "jsonld_only", "no_modified"):
        article: dict = {
            "@type": "NewsArticle", "@id": f"{url}#article", "isPartOf": {"@id": url},
            "headline": post.title, "datePublished": pub,
            "mainEntityOfPage": {"@id": url}, "articleSection": post.categories,
            "inLanguage": "ar", "publisher": {"@id": f"{BASE}/#organization"},
        }
        if post.meta != "no_modified":
            article["dateModified"] = mod
        if post.author:
            article["author"] = {"@type": "Person", "name": post.author[0],
                                 "url": f"{BASE}/author/{post.author[1]}/"}
        if post.featured:
            article["image"] = {"@type": "ImageObject", "url": image_url(post, post.featured)}
        graph = {"@context": "https://schema.org", "@graph": [
            {"@type": "Organization", "@id": f"{BASE}/#organization", "name": SITE_NAME,
             "url": f"{BASE}/"},
            {"@type": "WebPage", "@id": url, "url": url, "name": f"{post.title} - {SITE_NAME}"},
            article,
        ]}
        tags.append('<script type="application/ld+json" class="yoast-schema-graph">'
                    + json.dumps(graph, ensure_ascii=False) + "</script>")
    return head(f"{post.title} - {SITE_NAME}", "\n".join(tags) + "\n", post.theme)


def _img_tag(post: Post, src: str, lazy: bool, css: str) -> str:
    if lazy:
        return (f'<img src="{PLACEHOLDER_SRC[post.theme]}" data-src="{src}" class="{css} lazy-img"'
                ' width="700" height="400" alt="" />')
    return f'<img src="{src}" class="{css}" width="700" height="400" alt="" />'


def _body(site: Site, post: Post) -> str:
    """The entry: shortlink box, dateline, paragraphs, images, read-also, ad, share buttons."""
    rng = random.Random(post.id)
    sahifa = post.theme == "sahifa"
    out: list[str] = []
    if sahifa or post.id % 2 == 0 or not post.shortlink_link:  # the page always reveals it
        out.append(f'<div class="tie-short-link"><span>الرابط المختصر:</span> <input type="text"'
                   f' readonly value="{BASE}/?p={post.id}" onclick="this.select()"></div>')
    if not sahifa and post.id % 3 == 0:
        out.append(f'<div class="stream-item stream-item-in-post"><a href="{AD_URL}" '
                   f'rel="nofollow"><img src="{BASE}/wp-content/uploads/banners/banner-468.jpg" '
                   'alt="إعلان"></a></div>')
    paragraphs = post.verbatim or post.paragraphs
    dateline = f"{e(post.dateline or '')} {post.dash} {SITE_NAME}"
    if post.dateline_style == "line":
        out.append(f"<p><strong>{dateline}</strong></p>")
    images = {}
    for img in post.images:
        images.setdefault(img.after, []).append(img)
    for n, text in enumerate(paragraphs):
        html = e(text) if post.verbatim or not post.noise else noisy(text, rng)
        if n == 0 and post.dateline_style == "inline":
            html = (f"<strong>{dateline}</strong> {html}" if post.id % 2
                    else f"{dateline} {html}")
        out.append(f"<p>{html}</p>")
        for img in images.get(n, []):
            out.append(_figure(post, img, sahifa))
        if post.read_also and post.read_also[1] == n:
            target = site.by_id[post.read_also[0]]
            out.append(f'<p><strong>اقرأ أيضاً:</strong> <a href="{a(permalink(target))}'
                       f'?utm_source=read_also">{e(target.title)}</a></p>')
    if post.special == "seed" or (sahifa and post.id % 5 < 2):
        out.append(f'<div class="e3lan e3lan-in-post1"><a href="{AD_URL}" target="_blank" '
                   f'rel="nofollow">{AD_TEXT}</a></div>')
    out.append(_share(post))
    return "\n".join(out)


def _figure(post: Post, img: BodyImage, sahifa: bool) -> str:
    tag = _img_tag(post, image_url(post, img), img.lazy, f"size-full wp-image-{post.id + img.k}")
    if img.linked:
        tag = f'<a href="{a(BASE + post.attachment_path(img))}">{tag}</a>'
    if img.caption is None:
        return f"<p>{tag}</p>"
    if sahifa:
        return (f'<div id="attachment_{post.id + img.k}" class="wp-caption aligncenter" '
                f'style="width: 710px">{tag}<p class="wp-caption-text">{e(img.caption)}</p></div>')
    return (f'<figure id="attachment_{post.id + img.k}" class="wp-caption aligncenter">{tag}'
            f'<figcaption class="wp-caption-text">{e(img.caption)}</figcaption></figure>')


def _share(post: Post) -> str:
    url = quote(permalink(post), safe=":/_%")
    title = quote(post.title)
    links = (
        (f"https://www.facebook.com/sharer.php?u={url}", "facebook", "فيسبوك"),
        (f"https://twitter.com/intent/tweet?text={title}&url={url}", "twitter", "تويتر"),
        (f"https://api.whatsapp.com/send?text={title}%20{url}", "whatsapp", "واتساب"),
        (f"mailto:?subject={title}&body={url}", "email", "البريد الإلكتروني"),
        ("javascript:window.print()", "print", "طباعة"),
    )
    if post.theme == "sahifa":
        items = "".join(f'<li><a href="{a(u)}" class="social-{c}" rel="external" target="_blank">'
                        f"<span>{t}</span></a></li>" for u, c, t in links)
        return (f'<div class="share-post"><span class="share-text">شارك</span>'
                f'<ul class="flat-social">{items}</ul><div class="clear"></div></div>')
    items = "".join(f'<a href="{a(u)}" rel="external noopener nofollow" target="_blank" '
                    f'class="{c}-share-btn"><span class="share-btn-icon tie-icon-{c}"></span> '
                    f'<span class="social-text">{t}</span></a>' for u, c, t in links)
    return f'<div class="share-links share-centered icons-text">{items}</div>'


def _box_url(post: Post, tracking: bool) -> str:
    return a(permalink(post) + ("?utm_source=related&utm_medium=box" if tracking else ""))


def _check_also(site: Site, post: Post) -> str:
    if post.check_also is None:
        return ""
    other = site.by_id[post.check_also]
    url = _box_url(other, post.related_tracking)
    heading = seed_data.CHECK_ALSO_HEADING
    if post.theme == "sahifa":
        return (f'<section id="check-also-box" class="post-listing check-also-right">'
                f'<a href="#" id="check-also-close">x</a><div class="block-head"><h3>{heading}'
                '</h3></div><div class="check-also-post"><div class="post-thumbnail">'
                f'<a href="{url}"><img src="{thumb_url(other)}" alt="" /></a></div>'
                f'<h2 class="post-title"><a href="{url}" rel="bookmark">{e(other.title)}</a></h2>'
                f"<p>{e(excerpt(other))}</p></div></section>\n")
    return (f'<div id="check-also-box" class="container-wrapper check-also-right"><div '
            f'class="widget-title the-global-title"><div class="the-subtitle">{heading}</div>'
            '<a href="#" id="check-also-close" class="remove"><span class="screen-reader-text">'
            'إغلاق</span></a></div><div class="widget posts-list-big-first"><ul '
            'class="posts-list-items"><li class="widget-single-post-item widget-post-list '
            f'check-also-post"><div class="post-widget-thumbnail"><a aria-label="{a(other.title)}"'
            f' href="{url}" class="post-thumb"><img src="{thumb_url(other)}" alt="" /></a></div>'
            f'<div class="post-widget-body"><h3 class="post-title"><a href="{url}">'
            f'{e(other.title)}</a></h3><div class="post-meta"><span class="date meta-item">'
            f"{jannah_date(other, False)}</span></div></div></li></ul></div></div>\n")


def _related(site: Site, post: Post) -> str:
    if not post.related:
        return ""
    items = []
    for rid in post.related:
        other = site.by_id[rid]
        url = _box_url(other, post.related_tracking)
        if post.theme == "sahifa":
            items.append(f'<div class="related-item"><div class="post-thumbnail"><a href="{url}">'
                         f'<img src="{thumb_url(other)}" alt="" /></a></div><h3><a href="{url}" '
                         f'rel="bookmark">{e(other.title)}</a></h3><p class="post-meta"><span '
                         f'class="tie-date">{sahifa_date(other)}</span></p></div>')
        else:
            items.append(f'<div class="related-item"><a aria-label="{a(other.title)}" href="{url}"'
                         f' class="post-thumb"><img src="{thumb_url(other)}" alt="" /></a><h3 '
                         f'class="post-title"><a href="{url}">{e(other.title)}</a></h3><div '
                         f'class="post-meta clearfix"><span class="date meta-item">'
                         f"{jannah_date(other, False)}</span></div></div>")
    if post.theme == "sahifa":
        return (f'<section id="related_posts"><div class="block-head"><h3>{RELATED_HEADING}</h3>'
                f'<div class="stripe-line"></div></div><div class="post-listing">{"".join(items)}'
                '<div class="clear"></div></div></section>\n')
    return (f'<div id="related-posts" class="container-wrapper has-extra-post"><div '
            f'class="mag-box-title the-global-title"><h3>{RELATED_HEADING}</h3></div><div '
            f'class="related-posts-list">{"".join(items)}</div></div>\n')


def _comments(post: Post) -> str:
    rng = random.Random(post.id * 7)
    items = []
    for k in range(post.comments):
        cid = post.id * 10 + k
        items.append(
            f'<li class="comment" id="li-comment-{cid}"><div id="comment-{cid}" '
            'class="comment-body"><div class="comment-author vcard"><img class="avatar" '
            f'src="{BASE}/wp-content/uploads/avatar.png" alt="" /><cite class="fn">'
            f"{e(rng.choice(vocab.COMMENTERS))}</cite></div><div class=\"comment-content\"><p>"
            f"{e(rng.choice(vocab.COMMENT_TEXTS))}</p></div><div class=\"reply\">"
            '<a rel="nofollow"'
            f' class="comment-reply-link" href="{a(permalink(post))}?replytocom={cid}#respond">'
            "رد</a></div></div></li>")
    listing = (f'<h3 id="comments-title">{post.comments} تعليقات</h3><ol class="commentlist">'
               + "".join(items) + "</ol>") if items else ""
    return (f'<div id="comments" class="comments-area">{listing}<div id="respond" '
            f'class="comment-respond"><h3 id="reply-title">اترك تعليقاً</h3><form action="{BASE}'
            '/wp-comments-post.php" method="post" id="commentform"><textarea name="comment">'
            f'</textarea><input type="hidden" name="comment_post_ID" value="{post.id}" />'
            '<input name="submit" type="submit" value="أرسل التعليق" /></form></div></div>\n')


def _author_box(post: Post) -> str:
    if not post.author:
        return ""
    name, slug = post.author
    bio = f'<div class="author-bio"><img class="avatar" src="{BASE}/wp-content/uploads/avatar.png"'\
          f' alt="" /><div class="author-description">{e(name)} يكتب في {SITE_NAME}.</div>'\
          f'<a href="{BASE}/author/{slug}/">كل مقالات الكاتب</a></div>'
    if post.theme == "sahifa":
        return (f'<section id="author-box"><div class="block-head"><h3>حول {e(name)}</h3></div>'
                f'<div class="post-listing">{bio}</div></section>\n')
    return f'<div class="about-author container-wrapper">{bio}</div>\n'


def _neighbours(site: Site, post: Post) -> str:
    """Previous/next post links (listed posts only, like WordPress' adjacent posts)."""
    links = []
    index = site.listed_index.get(post.id)
    if index is None:
        return ""
    for rel, k, label in (("prev", index + 1, "السابق"), ("next", index - 1, "التالي")):
        if 0 <= k < len(site.listed):
            other = site.listed[k]
            links.append(f'<div class="post-{"previous" if rel == "prev" else "next"}"><a '
                         f'href="{a(permalink(other))}" rel="{rel}"><span>{label}</span> '
                         f"{e(other.title)}</a></div>")
    return f'<div class="post-navigation">{"".join(links)}</div>\n'


def _body_class(post: Post) -> str:
    base = (f"rtl post-template-default single single-post postid-{post.id} "
            "single-format-standard")
    return base if post.theme == "sahifa" else base + " tie-no-js wrapper-has-shadow sidebar-left"


def _boxes(site: Site, post: Post, script_boxes: bool) -> tuple[str, str]:
    """(related box, check-also box); ``script_boxes`` ships both empty, filled by script."""
    related, check_also = _related(site, post), _check_also(site, post)
    if not script_boxes:
        return related, check_also
    return (scripted.script_filled(related) if related else "",
            scripted.script_filled(check_also) if check_also else "")


def _sahifa(site: Site, chrome: Chrome, post: Post, script_filled: bool,
            script_boxes: bool = False) -> str:
    inner, after = _entry(site, post, script_filled)
    related, check_also = _boxes(site, post, script_boxes)
    cat = post.category
    crumbs = (f'<div id="crumbs"><a href="{BASE}/">الرئيسية</a> <span class="delimiter">/</span> '
              f'<a href="{category_url(site, cat)}">{e(cat)}</a> <span class="delimiter">/</span> '
              f'<span class="current">{e(post.title)}</span></div>')
    featured = ""
    if post.featured:
        featured = ('<div class="single-post-thumb">' + _img_tag(
            post, image_url(post, post.featured), post.featured.lazy,
            "attachment-slider wp-post-image") + "</div>")
        if post.featured.caption:
            featured += f'<div class="single-post-caption">{e(post.featured.caption)}</div>'
    meta = ""
    if post.show_meta:
        parts = []
        if post.author:
            parts.append(f'<span class="post-meta-author"><i class="fa fa-user"></i><a '
                         f'href="{BASE}/author/{post.author[1]}/" title="">{e(post.author[0])}'
                         "</a></span>")
        date = visible_date(post)
        if date:
            parts.append(f'<span class="tie-date"><i class="fa fa-clock-o"></i>{date}</span>')
        cats = "، ".join(f'<a href="{category_url(site, c)}" rel="category tag">{e(c)}</a>'
                        for c in post.categories)
        parts.append(f'<span class="post-cats"><i class="fa fa-folder"></i>{cats}</span>')
        parts.append(f'<span class="post-comments"><i class="fa fa-comments"></i><a '
                     f'href="{a(permalink(post))}#comments">{post.comments}</a></span>')
        meta = f'<p class="post-meta">{" ".join(parts)}</p>'
    tags = ""
    if post.tags:
        tags = '<p class="post-tag">الوسوم' + " ".join(
            f'<a href="{tag_url(site, t)}" rel="tag">{e(t)}</a>' for t in post.tags) + "</p>"
    return (
        page_top(chrome, _body_class(post), "sahifa")
        + f'<div class="content">{crumbs}\n<article class="post-listing post post-{post.id} '
        f'type-post status-publish format-standard hentry" id="the-post">{featured}'
        f'<div class="post-inner"><h1 class="name post-title entry-title"><span itemprop="name">'
        f"{e(post.title)}</span></h1>{meta}<div class=\"clear\"></div>\n<div class=\"entry\">\n"
        f"{inner}\n</div>{after}{tags}</div></article>\n"
        + _author_box(post) + _neighbours(site, post) + related
        + _comments(post) + "</div>"
        + page_bottom(chrome, "sahifa", chrome.sidebar(), check_also))


def _jannah(site: Site, chrome: Chrome, post: Post, script_filled: bool,
            script_boxes: bool = False) -> str:
    inner, after = _entry(site, post, script_filled)
    related, check_also = _boxes(site, post, script_boxes)
    cat = post.category
    crumbs = (f'<nav id="breadcrumb"><a href="{BASE}/"><span class="tie-icon-home" '
              'aria-hidden="true"></span> الرئيسية</a><em class="delimiter">/</em>'
              f'<a href="{category_url(site, cat)}">{e(cat)}</a><em class="delimiter">/</em>'
              f'<span class="current">{e(post.title)}</span></nav>')
    cats = "".join(f'<a class="post-cat tie-cat-{n + 2}" href="{category_url(site, c)}">{e(c)}</a>'
                   for n, c in enumerate(post.categories))
    meta = []
    if post.author:
        meta.append(f'<span class="author-meta single-author"><span class="meta-item '
                    f'meta-author-wrapper"><span class="meta-author"><a href="{BASE}/author/'
                    f'{post.author[1]}/" class="author-name tie-icon" title="{a(post.author[0])}">'
                    f"{e(post.author[0])}</a></span></span></span>")
    date = visible_date(post)
    if date:
        meta.append(f'<span class="date meta-item tie-icon">{date}</span>')
    meta.append(f'<div class="tie-alignright"><span class="meta-comment tie-icon meta-item '
                f'fa-before">{post.comments}</span><span class="meta-views meta-item">'
                f"{(post.id * 37) % 5000 + 120} </span></div>")
    featured = ""
    if post.featured:
        cap = (f'<figcaption class="single-caption-text"><span class="tie-icon-camera" '
               f'aria-hidden="true"></span> {e(post.featured.caption)}</figcaption>'
               if post.featured.caption else "")
        featured = ('<div class="featured-area"><div class="featured-area-inner"><figure '
                    'class="single-featured-image">' + _img_tag(
                        post, image_url(post, post.featured), post.featured.lazy,
                        "attachment-jannah-image-post wp-post-image")
                    + cap + "</figure></div></div>")
    tags = ""
    if post.tags:
        tags = ('<div class="post-bottom-meta post-bottom-tags">'
                '<div class="post-bottom-meta-title">'
                '<span class="tie-icon-tags" aria-hidden="true"></span> الوسوم</div><span '
                'class="tagcloud">' + "".join(f'<a href="{tag_url(site, t)}" rel="tag">{e(t)}</a>'
                                              for t in post.tags) + "</span></div>")
    return (
        page_top(chrome, _body_class(post), "jannah")
        + '<div class="main-content tie-col-md-8 tie-col-xs-12" role="main">'
        f'<article id="the-post" class="container-wrapper post-content tie-standard">'
        f'<header class="entry-header-outer">{crumbs}<div class="entry-header"><span '
        f'class="post-cat-wrap">{cats}</span><h1 class="post-title entry-title">{e(post.title)}'
        f'</h1><div id="single-post-meta" class="post-meta clearfix">{"".join(meta)}</div></div>'
        f"</header>{featured}\n"
        f'<div class="entry-content entry clearfix">\n{inner}\n</div>{after}{tags}'
        "</article>\n<div class=\"post-components\">" + _author_box(post)
        + _neighbours(site, post) + related + _comments(post) + "</div></div>"
        + page_bottom(chrome, "jannah", chrome.sidebar(), check_also))


def _entry(site: Site, post: Post, script_filled: bool) -> tuple[str, str]:
    """(inside of the body container, what follows it). A script-filled page ships the body
    as JSON and an empty container with a loading placeholder; a browser gets the same DOM."""
    body = _body(site, post)
    if not script_filled:
        return body, ""
    blob = json.dumps({"html": body}, ensure_ascii=False).replace("</", "<\\/")
    script = ('<script>(function(){var d=JSON.parse(document.getElementById('
              '"madar-entry-data").textContent);document.querySelector('
              '"#the-post .entry-content, article.post-listing .entry").innerHTML=d.html;})();'
              "</script>")
    return ('<div class="loading">جار التحميل…</div>',
            f'<script type="application/json" id="madar-entry-data">{blob}</script>{script}')


def article_page(site: Site, chrome: Chrome, post: Post, script_filled: bool = False,
                 script_boxes: bool = False) -> str:
    """The post's page; ``script_filled`` leaves the body to a script, ``script_boxes`` the
    check-also and related boxes (rendering tests, see ``scripted``)."""
    head_html = _head(site, post)
    theme = _sahifa if post.theme == "sahifa" else _jannah
    return head_html + theme(site, chrome, post, script_filled, script_boxes)


def amp_page(site: Site, post: Post) -> str:
    """The AMP plugin's simpler copy; its canonical link points at the permalink."""
    paragraphs = "".join(f"<p>{e(p)}</p>" for p in (post.verbatim or post.paragraphs))
    return (
        '<!doctype html>\n<html amp lang="ar" dir="rtl">\n<head><meta charset="utf-8">'
        f"<title>{e(post.title)} - {SITE_NAME}</title>"
        f'<link rel="canonical" href="{a(permalink(post))}" />'
        '<meta name="viewport" content="width=device-width" />'
        '<script async src="https://cdn.ampproject.org/v0.js"></script>'
        "<style amp-boilerplate>body{visibility:hidden}</style></head>\n"
        f'<body class="amp-wp-body"><header class="amp-wp-header"><a href="{BASE}/">{SITE_NAME}'
        '</a></header><article class="amp-wp-article"><header class="amp-wp-article-header">'
        f'<h1 class="amp-wp-title">{e(post.title)}</h1><div class="amp-wp-meta"><time '
        f'datetime="{post.published.isoformat()}">{sahifa_date(post)}</time></div></header>'
        f'<div class="amp-wp-article-content">{paragraphs}</div></article>'
        f'<footer class="amp-wp-footer"><a href="{a(permalink(post))}">النسخة الكاملة</a></footer>'
        "</body></html>\n")


def attachment_page(site: Site, chrome: Chrome, post: Post, k: int) -> str | None:
    """WordPress attachment page for one body image (not an article: no ``single-post``)."""
    img = next((i for i in post.images if i.k == k), None)
    if img is None:
        return None
    aid = post.id + k
    body_class = (f"rtl attachment attachment-template-default single single-attachment "
                  f"postid-{aid} attachmentid-{aid} attachment-jpeg")
    return (head(f"madar-{post.id}-{k} - {SITE_NAME}", "", post.theme)
            + page_top(chrome, body_class, post.theme)
            + f'<div class="content"><h1 class="entry-title">madar-{post.id}-{k}</h1>'
            f'<div class="entry-attachment"><a href="{image_url(post, img)}"><img src="'
            f'{image_url(post, img)}" alt="" /></a></div><p><a href="{a(permalink(post))}" '
            f'rel="gallery">{e(post.title)}</a></p></div>'
            + page_bottom(chrome, post.theme, chrome.sidebar()))
