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
from .variants import AXIS_BY_NAME, Markup, choose, drift_markup

RELATED_HEADING = "مقالات ذات صلة"
SUBSCRIBE_TEXT = "اشترك في النشرة البريدية لمدار اليوم ليصلك كل جديد"
DISCLAIMER_TEXT = "المقالات المنشورة تعبّر عن آراء كتّابها ولا تعبّر بالضرورة عن رأي مدار اليوم."
FOLLOW_TEXT = "تابعونا على"
AD_LABEL = "إعلان"
SOURCE_NAME = "وكالة سانا"
DELIMITERS = {"slash": "/", "raquo": "&raquo;", "rsaquo": "&rsaquo;"}
#: How a dateline credits its source (``dash`` is the post's own dash).
CREDITS = {
    "site": "{place} {dash} " + SITE_NAME,
    "agencies": "{place} {dash} وكالات",
    "reuters": "{place} (رويترز) {dash}",
    "afp": "{place} {dash} (أ ف ب)",
    "exclusive": "{place} {dash} خاص " + SITE_NAME,
}


def _head(site: Site, post: Post, markup: Markup) -> str:
    url = permalink(post)
    tags: list[str] = []
    if post.canonical_link:
        tags.append(f'<link rel="canonical" href="{a(url)}" />')
    if markup["shortlink"] == "link":
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
    if markup["tag_meta"] == "article-tag":
        tags += [f'<meta property="article:tag" content="{a(t)}" />' for t in post.tags]
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
        if markup["tag_meta"] == "jsonld-keywords" and post.tags:
            article["keywords"] = list(post.tags)
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


def _banner(css: str, size: str = "468") -> str:
    return (f'<div class="{css}"><a href="{AD_URL}" rel="nofollow" target="_blank"><img '
            f'src="{BASE}/wp-content/uploads/banners/banner-{size}.jpg" alt="{AD_LABEL}"></a>'
            "</div>")


def dateline_html(post: Post, credit: str) -> str:
    """The dateline as printed: the place and who the story is credited to (HTML-escaped)."""
    return CREDITS[credit].format(place=e(post.dateline or ""), dash=post.dash)


def _chrome(post: Post, markup: Markup) -> set[str]:
    """Chrome variants switched on for this page (``all`` = every one the theme has)."""
    chosen = markup["chrome"]
    if chosen == "all":
        return set(AXIS_BY_NAME["chrome"].variants(post.theme)) - {"none", "all"}
    return {chosen} - {"none"}


def _plugin_chrome(chrome: set[str], where: str) -> list[str]:
    """Plugin and editorial blocks: an ad with its label after the first paragraph, a
    newsletter form, a disclaimer and a "follow us" line at the end."""
    out = []
    if where == "middle" and "ad-label" in chrome:
        out.append(f'<div class="code-block code-block-2" style="margin: 8px 0;"><b>{AD_LABEL}'
                   f'</b><br><a href="{AD_URL}" target="_blank" rel="nofollow">{AD_TEXT}</a>'
                   "</div>")
    if where == "end":
        if "newsletter" in chrome:
            out.append('<div class="mc4wp-form-wrap"><form id="mc4wp-form-1" class="mc4wp-form"'
                       ' method="post"><div class="mc4wp-form-fields">'
                       f"<p>{SUBSCRIBE_TEXT}</p><p><input type=\"email\" name=\"EMAIL\" "
                       'placeholder="بريدك الإلكتروني" required /> <input type="submit" '
                       'value="اشترك" /></p></div></form></div>')
        if "disclaimer" in chrome:
            out.append(f"<p><em>{DISCLAIMER_TEXT}</em></p>")
        if "follow-line" in chrome:
            out.append(f'<p>{FOLLOW_TEXT} <a href="https://t.me/madaralyoum" target="_blank">'
                       'تلغرام</a> و<a href="https://www.facebook.com/madaralyoum" '
                       'target="_blank">فيسبوك</a></p>')
    return out


def _jannah_chrome(post: Post, chrome: set[str], where: str) -> list[str]:
    out = []
    if where == "top":
        if "J-CH1" in chrome:
            out.append(_banner("stream-item stream-item-above-post-content", "728"))
        if "J-CH4" in chrome:
            items = "".join(f"<li>{e(s[0])}</li>" for s in post.sentences[:2])
            out.append('<div id="story-highlights"><div class="widget-title the-global-title">'
                       f'<div class="the-subtitle">أبرز النقاط</div></div><ul>{items}</ul></div>')
    elif where == "middle" and "J-CH2" in chrome:
        out.append('<div class="stream-item stream-item-in-post stream-item-inline-post '
                   f'aligncenter"><div class="stream-item-size">{_banner("ad-inline", "300")}'
                   "</div></div>")
    elif where == "end":
        if "J-CH3" in chrome:
            out.append(_banner("stream-item stream-item-below-post-content", "728"))
        if "J-CH6" in chrome:
            out.append('<div class="post-bottom-meta post-bottom-source" id="post-bottom-source">'
                       '<div class="post-bottom-meta-title"><span class="tie-icon-link" '
                       'aria-hidden="true"></span> المصدر</div><span class="tagcloud"><a '
                       'href="https://sana.sy/" target="_blank" rel="nofollow noopener">'
                       f"{SOURCE_NAME}</a></span></div>")
    return out


def _shortlink_box(post: Post, markup: Markup) -> str:
    """The site's shortlink line; shown on every page that has no shortlink link and on
    some that have one (``shortlink`` axis ``none``: no box either)."""
    variant = markup["shortlink"]
    if variant == "none" or (variant == "link" and post.theme == "jannah" and post.id % 2):
        return ""
    return (f'<div class="tie-short-link"><span>الرابط المختصر:</span> <input type="text"'
            f' readonly value="{BASE}/?p={post.id}" onclick="this.select()"></div>')


def _body(site: Site, post: Post, markup: Markup, script_boxes: bool = False) -> str:
    """The entry: shortlink box, dateline, paragraphs, images, read-also, ads, chrome,
    share buttons, and the boxes the chosen variants put inside the container."""
    rng = random.Random(post.id)
    sahifa = post.theme == "sahifa"
    chrome = _chrome(post, markup)
    out: list[str] = []
    if sahifa and "S-CH1" in chrome:
        out.append(_share(post))
    if markup["related"] == "S-RE2":
        out.append(_scripted(_related(site, post, markup), script_boxes))
    if not sahifa:
        out += _jannah_chrome(post, chrome, "top")
    box = _shortlink_box(post, markup)
    if box:
        out.append(box)
    if not sahifa and post.id % 3 == 0:
        out.append(f'<div class="stream-item stream-item-in-post"><a href="{AD_URL}" '
                   f'rel="nofollow"><img src="{BASE}/wp-content/uploads/banners/banner-468.jpg" '
                   'alt="إعلان"></a></div>')
    paragraphs = post.verbatim or post.paragraphs
    dateline = dateline_html(post, markup["dateline"])
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
        if n == 0:
            out += _plugin_chrome(chrome, "middle")
            if sahifa and "S-CH2" in chrome:
                out.append(f'<div class="e3lan e3lan-in-post2"><a href="{AD_URL}" '
                           f'target="_blank" rel="nofollow"><img src="{BASE}/wp-content/'
                           f'uploads/banners/banner-468.jpg" alt="{AD_LABEL}"></a></div>')
            if not sahifa:
                out += _jannah_chrome(post, chrome, "middle")
                if markup["related"] == "J-RE3":
                    out.append(_scripted(_inline_related(site, post), script_boxes))
    if post.special == "seed" or (sahifa and post.id % 5 < 2):
        out.append(f'<div class="e3lan e3lan-in-post1"><a href="{AD_URL}" target="_blank" '
                   f'rel="nofollow">{AD_TEXT}</a></div>')
    out += _plugin_chrome(chrome, "end")
    if sahifa:
        out.append(_share(post))
    else:
        out += _jannah_chrome(post, chrome, "end")
        out.append(_jannah_tags(site, post, markup))
        if "J-CH7" in chrome:
            short = f"{BASE}/?p={post.id}"
            out.append(f'<div class="post-shortlink"><input type="text" id="short-post-url" '
                       f'value="{short.split("://", 1)[-1]}" data-url="{short}"> <button '
                       'type="button" id="copy-post-url" class="button">نسخ الرابط</button>'
                       '<span id="copy-post-url-msg" style="display:none;">تم نسخ الرابط</span>'
                       "</div>")
        out.append(_share(post))
    return "\n".join(x for x in out if x)


def _scripted(box: str, script_boxes: bool) -> str:
    """A box inside the body, shipped empty and filled by script on ``script_boxes`` pages
    (like the boxes outside it)."""
    return scripted.script_filled(box) if box and script_boxes else box


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


def _box_title(post: Post, markup: Markup) -> str:
    """A box item's title, whole or cut to a few words (the themes' title length option)."""
    if markup["box_titles"] == "cut":
        words = post.title.split()
        if len(words) > 4:
            return e(" ".join(words[:4])) + "&hellip;"
    return e(post.title)


def _check_also(site: Site, post: Post, markup: Markup) -> str:
    """The fly box: its post, plus the first related post when ``check_also_number`` is two
    (the ground truth already lists that one, after the check-also post)."""
    if post.check_also is None:
        return ""
    shown = [site.by_id[post.check_also]]
    if markup["check_also_number"] == "two" and post.related:
        shown.append(site.by_id[post.related[0]])
    heading = seed_data.CHECK_ALSO_HEADING
    side = "left" if post.id % 4 == 1 else "right"
    variant = markup["check_also"]
    items = []
    for other in shown:
        url = _box_url(other, post.related_tracking)
        thumb = f'<img src="{thumb_url(other)}" alt="" />'
        title = _box_title(other, markup)
        date = f'<span class="date meta-item">{jannah_date(other, False)}</span>'
        if variant == "S-CA1":
            items.append(f'<div class="check-also-post post-{other.id}"><div '
                         f'class="post-thumbnail"><a href="{url}">{thumb}<span class="fa '
                         f'overlay-icon"></span></a></div><h2 class="post-title"><a href="{url}" '
                         f'rel="bookmark">{title}</a></h2>'
                         f"<p>{e(excerpt(other))}</p></div>")
        elif variant == "J-CA1":
            items.append(f'<div class="check-also-post tie-standard post-{other.id}"><a '
                         f'aria-label="{a(other.title)}" href="{url}" class="post-thumb">{thumb}'
                         f'</a><div class="post-meta clearfix">{date}</div><h3 class="post-title">'
                         f'<a href="{url}" title="{a(other.title)}">{title}</a></h3></div>')
        else:
            # J-CA2 (2.1-4.2) h4 heading; J-CA3 (4.6) subtitle heading; J-CA4 (5.0)
            # single-item class; J-CA5 (5.4-7.6) the title link without its h3
            li_class = ("widget-post-list" if variant in ("J-CA2", "J-CA3")
                        else "widget-single-post-item widget-post-list")
            link = (f'<a class="post-title the-subtitle" href="{url}">{title}</a>'
                    if variant == "J-CA5"
                    else f'<h3 class="post-title"><a href="{url}">{title}</a></h3>')
            items.append(f'<li class="{li_class} tie-standard post-{other.id}"><div '
                         f'class="post-widget-thumbnail"><a aria-label="{a(other.title)}" '
                         f'href="{url}" class="post-thumb">{thumb}</a></div><div '
                         f'class="post-widget-body">{link}<div class="post-meta">{date}</div>'
                         "</div></li>")
    if variant == "S-CA1":
        return (f'<section id="check-also-box" class="post-listing check-also-{side}">'
                f'<a href="#" id="check-also-close">x</a><div class="block-head"><h3>{heading}'
                f'</h3></div>{"".join(items)}</section>\n')
    close = ('<a href="#" id="check-also-close" class="remove"><span class="tie-icon-cross" '
             'aria-hidden="true"></span><span class="screen-reader-text">إغلاق</span></a>')
    if variant == "J-CA1":
        return (f'<div id="check-also-box" class="container-wrapper check-also-{side}"><div '
                f'class="widget-title"><h4>{heading}</h4>{close}</div><div '
                f'class="related-posts-list">{"".join(items)}</div></div>\n')
    head_html = (f"<h4>{heading}</h4>" if variant == "J-CA2"
                 else f'<div class="the-subtitle">{heading}</div>')
    big = " posts-list-big-first has-first-big-post" if len(items) == 1 else ""
    return (f'<div id="check-also-box" class="container-wrapper check-also-{side}"><div '
            f'class="widget-title the-global-title">{head_html}{close}</div><div class="widget'
            f'{big}"><ul class="posts-list-items">{"".join(items)}</ul></div></div>\n')


def _related(site: Site, post: Post, markup: Markup) -> str:
    if not post.related:
        return ""
    items = []
    for rid in post.related:
        other = site.by_id[rid]
        url = _box_url(other, post.related_tracking)
        title = _box_title(other, markup)
        if post.theme == "sahifa":
            items.append(f'<div class="related-item tie-standard"><div class="post-thumbnail"><a '
                         f'href="{url}"><img src="{thumb_url(other)}" alt="" /><span class="fa '
                         f'overlay-icon"></span></a></div><h3><a href="{url}" rel="bookmark">'
                         f'{title}</a></h3><p class="post-meta"><span class="tie-date">'
                         f"{sahifa_date(other)}</span></p></div>")
        else:
            items.append(f'<div class="related-item tie-standard"><a aria-label="'
                         f'{a(other.title)}" href="{url}" class="post-thumb"><img src="'
                         f'{thumb_url(other)}" alt="" /></a><h3 class="post-title"><a href="'
                         f'{url}">{title}</a></h3><div class="post-meta clearfix"><span '
                         f'class="date meta-item">{jannah_date(other, False)}</span></div></div>')
    if post.theme == "sahifa":
        return (f'<section id="related_posts"><div class="block-head"><h3>{RELATED_HEADING}</h3>'
                f'<div class="stripe-line"></div></div><div class="post-listing">{"".join(items)}'
                '<div class="clear"></div></div></section>\n')
    extra = " has-extra-post" if len(post.related) % 2 == 0 else ""
    return (f'<div id="related-posts" class="container-wrapper{extra}"><div '
            f'class="mag-box-title the-global-title"><h3>{RELATED_HEADING}</h3></div><div '
            f'class="related-posts-list">{"".join(items)}</div></div>\n')


def _inline_related(site: Site, post: Post) -> str:
    """Jannah 7's inline related box: the first related posts, as a widget list."""
    items = []
    for rid in post.related[:2]:
        other = site.by_id[rid]
        url = _box_url(other, post.related_tracking)
        items.append(f'<li class="widget-single-post-item widget-post-list tie-standard"><div '
                     f'class="post-widget-body"><a class="post-title the-subtitle" href="{url}">'
                     f'{e(other.title)}</a><div class="post-meta"><span class="date meta-item">'
                     f"{jannah_date(other, False)}</span></div></div></li>")
    if not items:
        return ""
    return ('<div id="inline-related-post" class="mag-box mini-posts-box content-only"><div '
            'class="container-wrapper"><div class="widget-title the-global-title"><div '
            f'class="the-subtitle">{RELATED_HEADING}</div></div><div class="mag-box-container '
            f'clearfix"><ul class="posts-items posts-list-container">{"".join(items)}</ul></div>'
            "</div></div>")


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


def _author_box(post: Post, markup: Markup) -> str:
    if not post.author:
        return ""
    name, slug = post.author
    profile = f"{BASE}/author/{slug}/"
    avatar = f'<img class="avatar" src="{BASE}/wp-content/uploads/avatar.png" alt="" />'
    bio = f"{e(name)} يكتب في {SITE_NAME}."
    if markup["author_box"] == "S-AU1":
        return (f'<section id="author-box"><div class="block-head"><h3>حول {e(name)} </h3>'
                '<div class="stripe-line"></div></div><div class="post-listing"><div '
                f'class="author-bio"><div class="author-avatar">{avatar}</div><div '
                f'class="author-description">{bio}'
                '</div><div class="author-social flat-social"><a class="social-twitter" '
                'target="_blank" href="https://twitter.com/madaralyoum"><i class="fa '
                'fa-twitter"></i></a></div></div></div></section>\n')
    extra = f" about-author-{sum(map(ord, slug)) % 90 + 2}" if markup["author_box"] == "J-AU2" \
        else ""
    return (f'<div class="about-author container-wrapper{extra}"><div class="author-avatar"><a '
            f'href="{profile}">{avatar}</a></div><div class="author-info"><h3 class="author-name">'
            f'<a href="{profile}">{e(name)}</a></h3><div class="author-bio">{bio}</div><ul '
            'class="social-icons"><li class="social-icons-item"><a href="https://twitter.com/'
            'madaralyoum" rel="external" target="_blank" class="social-link twitter-social-icon">'
            '<span class="tie-social-icon tie-icon-twitter"></span></a></li></ul></div>'
            '<div class="clearfix"></div></div>\n')


def _neighbours(site: Site, post: Post) -> str:
    """Previous/next post links (listed posts only, like WordPress' adjacent posts): Sahifa's
    ``div.post-navigation``, Jannah's ``div.prev-next-post-nav`` with thumbnails."""
    links = []
    index = site.listed_index.get(post.id)
    if index is None:
        return ""
    for rel, k, label in (("prev", index + 1, "السابق"), ("next", index - 1, "التالي")):
        if 0 <= k < len(site.listed):
            other = site.listed[k]
            url = a(permalink(other))
            if post.theme == "sahifa":
                links.append(f'<div class="post-{"previous" if rel == "prev" else "next"}"><a '
                             f'href="{url}" rel="{rel}"><span>{label}</span> '
                             f"{e(other.title)}</a></div>")
            else:
                links.append(f'<div class="tie-col-xs-6 {rel}-post"><a href="{url}" style='
                             f'"background-image: url({thumb_url(other)})" class="post-thumb" '
                             f'rel="{rel}"><div class="post-thumb-overlay-wrap"><div '
                             'class="post-thumb-overlay"><span class="tie-icon tie-media-icon">'
                             f'</span></div></div></a><a href="{url}" rel="{rel}"><h3 '
                             f'class="post-title">{e(other.title)}</h3></a></div>')
    if post.theme == "sahifa":
        return f'<div class="post-navigation">{"".join(links)}</div>\n'
    return ('<div class="prev-next-post-nav container-wrapper media-overlay">'
            f'{"".join(links)}</div>\n')


def _read_next(site: Site, post: Post) -> str:
    """Jannah's "read next" slider in the post components: the newest listed posts."""
    items = []
    for other in [p for p in site.listed[:4] if p.id != post.id][:3]:
        url = a(permalink(other))
        items.append(f'<li class="slide tie-standard"><a href="{url}" class="all-over-thumb-link"'
                     f'><span class="screen-reader-text">{e(other.title)}</span></a><div '
                     'class="thumb-overlay"><div class="thumb-content"><h2 class="thumb-title">'
                     f'<a href="{url}">{e(other.title)}</a></h2></div></div></li>')
    return ('<div id="read-next-block" class="container-wrapper read-next-slider-50"><h2 '
            'class="read-next-block-title">اقرأ التالي</h2><section class="slider-area"><div '
            'class="main-slider tie-slick-slider"><ul class="tie-slick-container">'
            f'{"".join(items)}</ul></div></section></div>\n')


def _body_class(post: Post) -> str:
    base = (f"rtl post-template-default single single-post postid-{post.id} "
            "single-format-standard")
    return base if post.theme == "sahifa" else base + " tie-no-js wrapper-has-shadow sidebar-left"


def _boxes(site: Site, post: Post, markup: Markup, script_boxes: bool) -> tuple[str, str]:
    """(related box, check-also box); ``script_boxes`` ships both empty, filled by script.
    A related box the variant puts inside the entry is drawn by ``_body`` instead."""
    related = "" if markup["related"] == "S-RE2" else _related(site, post, markup)
    check_also = _check_also(site, post, markup)
    if not script_boxes:
        return related, check_also
    return (scripted.script_filled(related) if related else "",
            scripted.script_filled(check_also) if check_also else "")


def page_title(post: Post, markup: Markup) -> str:
    """The h1's text as printed: HTML-escaped, with the ``title_noise`` variant."""
    words = e(post.title).split(" ")
    noise = markup["title_noise"]
    k = post.id % max(len(words) - 1, 1)
    if noise == "zwnj" and len(words) > 1:
        words[k] += "\u200c"
    elif noise == "marks":
        words[0] = "\u200f" + words[0]
        words[k] += "\u200e"
    elif noise == "nbsp" and len(words) > 1:
        words[k] += "&nbsp;" + words.pop(k + 1)
    return " ".join(words)


def _crumbs(site: Site, post: Post, markup: Markup) -> str:
    cat, title = post.category, page_title(post, markup)
    delim = DELIMITERS[markup["crumb_delimiter"]]
    home, cat_url = f"{BASE}/", category_url(site, cat)
    variant = markup["crumbs"]
    if variant == "S-CR0":
        sep = f" {delim} "
        return ('<div itemscope itemtype="http://schema.org/WebPage" id="crumbs"> <a '
                f'class="crumbs-home" itemprop="breadcrumb" href="{home}">الرئيسية</a>{sep}<a '
                f'itemprop="breadcrumb" href="{cat_url}">{e(cat)}</a>{sep}<span class="current">'
                f"{title}</span></div>")
    if variant == "S-CR1":
        sep = f' <span class="delimiter">{delim}</span> '
        return ('<div xmlns:v="http://rdf.data-vocabulary.org/#" id="crumbs"><span '
                'typeof="v:Breadcrumb"><a rel="v:url" property="v:title" class="crumbs-home" '
                f'href="{home}">الرئيسية</a></span>{sep}<span typeof="v:Breadcrumb"><a '
                f'rel="v:url" property="v:title" href="{cat_url}">{e(cat)}</a></span>{sep}'
                f'<span class="current">{title}</span></div>')
    schema = json.dumps({"@context": "http://schema.org", "@type": "BreadcrumbList",
                         "itemListElement": [
                             {"@type": "ListItem", "position": 1, "item": {"@id": home,
                                                                           "name": "الرئيسية"}},
                             {"@type": "ListItem", "position": 2, "item": {"@id": cat_url,
                                                                           "name": cat}}]},
                        ensure_ascii=False)
    script = f'<script type="application/ld+json">{schema}</script>'
    if variant == "S-CR2":
        sep = f'<span class="delimiter">{delim}</span>'
        return (f'<nav id="crumbs"><a href="{home}"><span class="fa fa-home" aria-hidden="true">'
                f'</span> الرئيسية</a>{sep}<a href="{cat_url}">{e(cat)}</a>{sep}<span '
                f'class="current">{title}</span></nav>{script}')
    sep = f'<em class="delimiter">{delim}</em>'
    return (f'<nav id="breadcrumb"><a href="{home}"><span class="tie-icon-home" '
            f'aria-hidden="true"></span> الرئيسية</a>{sep}<a href="{cat_url}">{e(cat)}</a>{sep}'
            f'<span class="current">{title}</span></nav>{script}')


def _sahifa_meta(site: Site, post: Post, markup: Markup) -> str:
    if not post.show_meta:
        return ""
    if markup["meta"] == "S-ME0":
        return _sahifa_meta_classless(site, post)
    parts = []
    if post.author:
        parts.append(f'<span class="post-meta-author"><i class="fa fa-user"></i><a '
                     f'href="{BASE}/author/{post.author[1]}/" title="">{e(post.author[0])} '
                     "</a></span>")
    date = visible_date(post)
    if date:
        parts.append(f'<span class="tie-date"><i class="fa fa-clock-o"></i>{date}</span>')
    cats = ", ".join(f'<a href="{category_url(site, c)}" rel="category tag">{e(c)}</a>'
                     for c in post.categories)
    parts.append(f'<span class="post-cats"><i class="fa fa-folder"></i>{cats}</span>')
    parts.append(f'<span class="post-comments"><i class="fa fa-comments"></i><a '
                 f'href="{a(permalink(post))}#comments">{post.comments}</a></span>')
    return f'<p class="post-meta">{" ".join(parts)}</p><div class="clear"></div>'


def _sahifa_meta_classless(site: Site, post: Post) -> str:
    """Sahifa 3.4-4.3: spans without classes, "by"/"in" words, the date in a bare span."""
    parts = []
    if post.author:
        parts.append(f'<span>بواسطة: <a href="{BASE}/author/{post.author[1]}/" title="">'
                     f"{e(post.author[0])} </a></span>")
    date = visible_date(post)
    if date:
        parts.append(f"<span>{date}</span>")
    cats = ", ".join(f'<a href="{category_url(site, c)}" rel="category tag">{e(c)}</a>'
                     for c in post.categories)
    parts.append(f"<span>في {cats}</span>")
    parts.append(f'<span><a href="{a(permalink(post))}#comments">{post.comments} تعليقات</a>'
                 "</span>")
    return f'<p class="post-meta">\n\t{" ".join(parts)}\n</p><div class="clear"></div>'


def _sahifa_featured(post: Post, markup: Markup) -> str:
    if not post.featured:
        return ""
    img = _img_tag(post, image_url(post, post.featured), post.featured.lazy,
                   "attachment-slider wp-post-image")
    if markup["featured"] == "S-FE2":
        img = (f'<a href="{image_url(post, post.featured)}" class="lightbox-enabled">{img}</a>')
        out = f'<div class="single-post-thumb head-lightbox">{img}</div>'
    else:
        out = f'<div class="single-post-thumb">{img}</div>'
    if post.featured.caption:
        out += f'<div class="single-post-caption">{e(post.featured.caption)}</div>'
    return out


def _sahifa_tags(site: Site, post: Post, markup: Markup) -> tuple[str, str]:
    """(hidden tag links inside the post, the tag paragraph after the article)."""
    if not post.tags or markup["tags"] == "off":
        return "", ""
    links = " ".join(f'<a href="{tag_url(site, t)}" rel="tag">{e(t)}</a>' for t in post.tags)
    hidden = f'<span style="display:none">{links}</span>' if markup["tags"] == "S-TAG2" else ""
    return hidden, f'<p class="post-tag">الوسوم {links}</p>'


def _sahifa(site: Site, chrome: Chrome, post: Post, markup: Markup, script_filled: bool,
            script_boxes: bool = False) -> str:
    inner, after = _entry(site, post, markup, script_filled, script_boxes)
    related, check_also = _boxes(site, post, markup, script_boxes)
    crumbs = _crumbs(site, post, markup)
    title = page_title(post, markup)
    meta = _sahifa_meta(site, post, markup)
    hidden_tags, tags = _sahifa_tags(site, post, markup)
    cover = markup["cover"] == "S-TI3"
    head_html = ""
    if cover:
        style = ""
        if post.featured:
            style = (f' style="background-image:url( {image_url(post, post.featured)});"')
        caption = (f'<div class="single-post-caption">{e(post.featured.caption)}</div>'
                   if post.featured and post.featured.caption else "")
        has = " single-has-thumb" if post.featured else ""
        head_html = (f'<div class="post-cover-head"><div class="single-post-thumb{has}"{style}>'
                     f'<div class="post-cover-title">{crumbs}<h1 class="name post-title '
                     f'entry-title">{title}</h1>{meta}</div><a href="#the-post" '
                     'class="go-to-the-post"><i class="fa fa-angle-down"></i></a></div>'
                     f"{caption}</div>\n")
        crumbs, featured, heading = "", "", ""
    else:
        featured = _sahifa_featured(post, markup)
        if markup["title"] == "S-TI0":
            heading = (f'<h1 class="name post-title entry-title" itemprop="name">{title}</h1>'
                       f"{meta}")
        else:
            attrs = (' itemprop="itemReviewed" itemscope itemtype="http://schema.org/Thing"'
                     if markup["title"] == "S-TI1" else "")
            heading = (f'<h1 class="name post-title entry-title"{attrs}><span itemprop="name">'
                       f"{title}</span></h1>{meta}")
    hidden_meta = ""
    if markup["title"] in ("S-TI0", "S-TI1") and not cover:  # 3.4-5.5 hidden microdata
        hidden_meta = (f'<span style="display:none" class="updated">'
                       f'{post.published.date().isoformat()}</span>')
    return (
        page_top(chrome, _body_class(post), "sahifa") + head_html
        + f'<div class="content{" post-cover" if cover else ""}">{crumbs}\n<article '
        f'class="post-listing post post-{post.id} type-post status-publish format-standard '
        f'hentry" id="the-post">{featured}<div class="post-inner">{heading}\n<div class="entry">'
        f"\n{inner}\n</div>{after}{hidden_tags}{hidden_meta}<div class=\"clear\"></div></div>"
        f"</article>\n{tags}"
        + _author_box(post, markup) + _neighbours(site, post) + related + check_also
        + _comments(post) + "</div>"
        + page_bottom(chrome, "sahifa", chrome.sidebar()))


def _jannah_meta(site: Site, post: Post, markup: Markup) -> tuple[str, str]:
    """(category links wrapper, post meta) of the Jannah generation in ``meta``."""
    variant = markup["meta"]
    cats = "".join(f'<a class="post-cat tie-cat-{n + 2}" href="{category_url(site, c)}">{e(c)}</a>'
                   for n, c in enumerate(post.categories))
    wrap = "h5" if variant == "J-ME1" else "span"
    cat_html = f'<{wrap} class="post-cat-wrap">{cats}</{wrap}>'
    date, parts = visible_date(post), []
    profile = f"{BASE}/author/{post.author[1]}/" if post.author else ""
    if variant == "J-ME1":
        if post.author:
            parts.append(f'<span class="meta-author meta-item"><a href="{profile}" class="author-'
                         f'name" title="{a(post.author[0])}"><span class="fa fa-user" aria-hidden='
                         f'"true"></span> {e(post.author[0])}</a></span>')
        if date:
            parts.append('<span class="date meta-item"><span class="fa fa-clock-o" aria-hidden='
                         f'"true"></span> <span>{date}</span></span>')
        parts.append('<div class="tie-alignright"><span class="meta-comment meta-item"><a href='
                     f'"{a(permalink(post))}#comments"><span class="fa fa-comments" aria-hidden='
                     f'"true"></span> {post.comments}</a></span></div>')
        return cat_html, f'<div class="post-meta">{"".join(parts)}</div>'
    # J-ME2 (4.2-4.6) fa icons; J-ME3 (5.0-5.4) #single-post-meta, tie icons; J-ME4 (7.x)
    # .single-post-meta, the author's id on the wrapper, "last updated"
    seven, icons = variant == "J-ME4", variant in ("J-ME3", "J-ME4")
    if post.author:
        author_id = f" meta-author-{sum(map(ord, post.author[1])) % 90 + 2}" if seven else ""
        icon = " tie-icon" if icons else ""
        parts.append(f'<span class="author-meta single-author no-avatars"><span class="meta-item '
                     f'meta-author-wrapper{author_id}"><span class="meta-author"><a href="'
                     f'{profile}" class="author-name{icon}" title="{a(post.author[0])}">'
                     f"{e(post.author[0])}</a></span></span></span>")
    if date:
        parts.append(f'<span class="date meta-item {"tie-icon" if icons else "fa-before"}">'
                     f"{date}</span>")
    if seven and post.modified.date() != post.published.date():
        modified = jannah_date(post, post.indic_digits, when=post.modified)
        parts.append(f'<span class="meta-item last-updated">آخر تحديث: {modified}</span>')
    parts.append(f'<div class="tie-alignright"><span class="meta-comment tie-icon meta-item '
                 f'fa-before">{post.comments}</span><span class="meta-views meta-item">'
                 f"{(post.id * 37) % 5000 + 120} </span></div>")
    attrs = {"J-ME3": ' id="single-post-meta" class="post-meta clearfix"',
             "J-ME4": ' class="single-post-meta post-meta clearfix"'}.get(
                 variant, ' class="post-meta clearfix"')
    return cat_html, f'<div{attrs}>{"".join(parts)}</div>'


def _jannah_tags(site: Site, post: Post, markup: Markup) -> str:
    variant = markup["tags"]
    if not post.tags or variant == "off":
        return ""
    links = " ".join(f'<a href="{tag_url(site, t)}" rel="tag">{e(t)}</a>' for t in post.tags)
    if variant == "J-TAG1":
        return ('<div class="post-tags"><div class="tags-title"><span class="fa fa-tags" '
                f'aria-hidden="true"></span> الوسوم</div><span class="tagcloud">{links}</span>'
                "</div>")
    css = {"J-TAG2": "post-bottom-meta", "J-TAG3": "post-bottom-meta post-bottom-tags",
           "J-TAG4": "post-bottom-meta post-bottom-tags post-tags-modern"}[variant]
    icon = "tie-icon-tags" if variant == "J-TAG4" else "fa fa-tags"
    return (f'<div class="{css}"><div class="post-bottom-meta-title"><span class="{icon}" '
            f'aria-hidden="true"></span> الوسوم</div><span class="tagcloud">{links}</span></div>')


def _jannah(site: Site, chrome: Chrome, post: Post, markup: Markup, script_filled: bool,
            script_boxes: bool = False) -> str:
    inner, after = _entry(site, post, markup, script_filled, script_boxes)
    related, check_also = _boxes(site, post, markup, script_boxes)
    crumbs = _crumbs(site, post, markup)
    cats, meta = _jannah_meta(site, post, markup)
    title = page_title(post, markup)
    if markup["title"] == "J-TI2":
        title = f"\n\t\t\t{title}\t\t"
    subtitle = ""
    if markup["subtitle"] == "J-SUB1":
        subtitle = f'<h2 class="entry-sub-title">{e(post.sentences[0][0])}</h2>'
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
    follow = ""
    if markup["meta"] == "J-ME4":  # 7.x prints the meta again beside the entry (column style)
        follow = (f'<div id="post-extra-info"><div class="theiaStickySidebar">{meta}'
                  f'{_share(post)}</div></div><div class="clearfix"></div>')
    if "J-CH8" in _chrome(post, markup):
        follow += ('<div class="follow-us-post-section"><div class="follow-us-title">تابعنا</div>'
                  '<a href="https://news.google.com/" title="Google News" target="_blank" '
                  'rel="nofollow noopener" class="post-followus-btn google-new-btn">أخبار جوجل'
                  "</a></div>")
    components = _author_box(post, markup) + _neighbours(site, post)
    if "J-CH10" in _chrome(post, markup):
        components += ('<div class="container-wrapper" id="post-newsletter"><div '
                       'class="subscribe-widget"><div class="widget-inner-wrap"><span '
                       'class="tie-icon-envelope newsletter-icon" aria-hidden="true"></span><div '
                       f'class="subscribe-widget-content"><h3>النشرة البريدية</h3><p>'
                       f'{SUBSCRIBE_TEXT}</p></div><div id="mc_embed_signup"><form action="'
                       'https://madaralyoum.us1.list-manage.com/subscribe/post" method="post" '
                       'id="mc-embedded-subscribe-form" class="subscribe-form validate" '
                       'target="_blank"><input type="email" name="EMAIL" class="subscribe-input '
                       'required email"><input type="submit" value="اشترك" class="button">'
                       "</form></div></div></div></div>\n")
    if "J-CH9" in _chrome(post, markup):
        components += _read_next(site, post)
    below = ""
    if markup["related"] == "J-RE1c":
        components += _comments(post) + related
    elif markup["related"] == "J-RE2":
        components += _comments(post)
        below = ('<div class="container full-width related-posts-full-width"><div class="tie-row">'
                 f'<div class="tie-col-md-12">{related}</div></div></div>')
    else:
        components += related + _comments(post)
    head_html = (f'<header class="entry-header-outer">{crumbs}<div class="entry-header">{cats}'
                 f'<h1 class="post-title entry-title">{title}</h1>{subtitle}{meta}</div>'
                 "</header>")
    above, in_article = _jannah_layout(post, markup, head_html, featured)
    body_class = f"{_body_class(post)} post-layout-{markup['layout'][-1]}"
    return (
        page_top(chrome, body_class, "jannah", above)
        + '<div class="main-content tie-col-md-8 tie-col-xs-12" role="main">'
        f'<article id="the-post" class="container-wrapper post-content tie-standard">'
        f"{in_article}\n"
        f'<div class="entry-content entry clearfix">\n{inner}\n</div>{after}{follow}'
        f'</article>\n<div class="post-components">{components}</div></div>{check_also}'
        + page_bottom(chrome, "jannah", chrome.sidebar(), below=below))


def _jannah_layout(post: Post, markup: Markup, head_html: str, featured: str
                   ) -> tuple[str, str]:
    """(above the content row, top of the article) for the post layout option: 1 head then
    image, 2 image then head, 3 head full width above, 4 head on a full-width background
    image above (the image stays in the article too), 6 image full width above, 7 both."""
    layout = markup["layout"]
    title_above = ('<div class="container fullwidth-entry-title-wrapper"><div '
                   f'class="container-wrapper fullwidth-entry-title">{head_html}</div></div>')
    media_above = ('<div class="container fullwidth-featured-area-wrapper">'
                   f"{featured}</div>") if featured else ""
    if layout == "J-LAY2":
        return "", featured + head_html
    if layout == "J-LAY3":
        return title_above, featured
    if layout == "J-LAY4":
        style = (f' style="background-image: url({image_url(post, post.featured)})"'
                 if post.featured else "")
        return (f'<div{style} class="fullwidth-entry-title single-big-img full-width-area '
                'tie-parallax"><div class="thumb-overlay"></div><div class="container '
                f'fullwidth-entry-title-wrapper">{head_html}</div></div>', featured)
    if layout == "J-LAY6":
        return media_above, head_html
    if layout == "J-LAY7":
        return title_above + media_above, ""
    return "", head_html + featured


def _entry(site: Site, post: Post, markup: Markup, script_filled: bool,
           script_boxes: bool = False) -> tuple[str, str]:
    """(inside of the body container, what follows it). A script-filled page ships the body
    as JSON and an empty container with a loading placeholder; a browser gets the same DOM."""
    body = _body(site, post, markup, script_boxes and not script_filled)  # one script
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
                 script_boxes: bool = False, markup: Markup | None = None,
                 drift: bool = False) -> str:
    """The post's page drawn with ``markup`` (default: the base variants); ``script_filled``
    leaves the body to a script, ``script_boxes`` the check-also and related boxes
    (rendering tests, see ``scripted``); ``drift`` renames the theme's classes and ids."""
    markup = markup or choose(post, 0, mix=False)
    head_html = _head(site, post, markup)
    theme = _sahifa if post.theme == "sahifa" else _jannah
    html = head_html + theme(site, chrome, post, markup, script_filled, script_boxes)
    return drift_markup(html) if drift else html


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
