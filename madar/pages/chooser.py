"""Which page object reads a page (the ParserProxy of fundus, by markers not by date).

A long-lived site serves pages of several theme generations at once (old posts cached,
AMP variants), so the choice is made per page from what the page itself shows.
"""

from __future__ import annotations

from madar.pages.base import ArticlePage, MetadataArticlePage
from madar.pages.document import ARTICLE_TYPES, HtmlDocument, xpath
from madar.pages.themes import AmpArticlePage, JannahArticlePage, SahifaArticlePage

#: WordPress body classes of pages that are not a single post.
_NOT_ARTICLE_CLASSES = frozenset({
    "home", "blog", "archive", "category", "tag", "search", "search-results",
    "search-no-results", "error404", "author", "date", "page", "attachment",
    "single-attachment",
})
_SINGLE_CLASSES = frozenset({"single", "single-post", "single-format-standard"})
_NOT_FOUND_TITLES = ("الصفحة غير موجودة", "page not found", "404", "لم يتم العثور")

# Sahifa also marks its post ``article#the-post``: only Jannah-specific markers here.
# Each marker is (tag or None, "id" or "class", value), answered from the document's
# id/class index (one dict lookup) instead of an XPath scan of every element.
_JANNAH: tuple[tuple[str | None, str, str], ...] = (
    ("nav", "id", "breadcrumb"), (None, "id", "tie-wrapper"), ("body", "id", "tie-body"),
    ("div", "class", "entry-content"), (None, "class", "entry-header-outer"))
_SAHIFA: tuple[tuple[str | None, str, str], ...] = (
    (None, "id", "crumbs"), ("article", "class", "post-listing"), ("div", "class", "post-inner"),
    ("div", "class", "entry"))
_SINGLE_H1 = xpath("//h1[contains(@class, 'post-title') or contains(@class, 'entry-title')"
                   " or contains(@class, 'amp-wp-title')]")
_TITLE = xpath("string(//title)")


def _has_marker(document: HtmlDocument, markers: tuple[tuple[str | None, str, str], ...]
                ) -> bool:
    """Does any element match one of ``(tag, "id"|"class", value)``? (exact id, class token)"""
    by_id, by_class = document._index
    for tag, kind, value in markers:
        for element in (by_id if kind == "id" else by_class).get(value, ()):
            if kind == "id" and element.get("id") != value:
                continue  # the index strips ids; XPath's @id='x' does not
            if tag is None or element.tag == tag:
                return True
    return False


def _has_article_metadata(document: HtmlDocument) -> bool:
    if (document.meta_first("og:type") or "").lower() == "article":
        return True
    if document.meta_first("article:published_time"):
        return True
    return bool(document.ld_nodes(ARTICLE_TYPES))


def _looks_like_article(document: HtmlDocument) -> bool:
    body_classes = document.body_classes
    if body_classes & _NOT_ARTICLE_CLASSES:
        return False  # attachment pages are "single" with a postid too
    if body_classes & _SINGLE_CLASSES or any(c.startswith("postid-") for c in body_classes):
        return True
    title = _TITLE(document.root).lower()
    if any(marker in title for marker in _NOT_FOUND_TITLES) and not _SINGLE_H1(document.root):
        return False
    return _has_article_metadata(document) or bool(_SINGLE_H1(document.root))


def is_article(html: str | bytes, url: str = "") -> bool:
    """Cheap test: does this page show one post (not a listing, home, 404 or static page)?"""
    return _looks_like_article(HtmlDocument(url, html))


def article_page_for(url: str, html: str | bytes, fetched_at: str | None = None
                     ) -> ArticlePage | None:
    """The page object for an article page, or None when the page is not an article.

    Order: AMP (``<html amp>``/``⚡``), Jannah markers (``nav#breadcrumb``, ``#tie-wrapper``,
    ``.entry-content``; checked first because Jannah's body also has class ``entry``, and
    not ``#the-post``, which Sahifa uses too),
    Sahifa markers (``#crumbs``, ``article.post-listing``, ``.post-inner``, ``div.entry``),
    else the metadata-only page.
    """
    document = HtmlDocument(url, html)
    if not _looks_like_article(document):
        return None
    attributes = document.html_attributes
    if "amp" in attributes or "⚡" in attributes:
        page_class: type[ArticlePage] = AmpArticlePage
    elif _has_marker(document, _JANNAH):
        page_class = JannahArticlePage
    elif _has_marker(document, _SAHIFA):
        page_class = SahifaArticlePage
    else:
        page_class = MetadataArticlePage
    return page_class(url, html, fetched_at, document=document)
