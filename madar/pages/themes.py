"""The site's theme generations (selectors only; the logic is in the base) and which one
reads a page, decided per page from its own markers (old posts and AMP variants are served
beside new ones). Selectors: docs/theme-markup.md; AMP: the WordPress AMP plugin's classic
templates.
"""

from __future__ import annotations

from typing import Any

from madar.pages.base import ArticlePage, MetadataArticlePage
from madar.pages.document import ARTICLE_TYPES, HtmlDocument, element_text, xpath


class ThemeArticlePage(ArticlePage):
    """The theme pages trust their markup over metadata for the image and the text."""

    #: A text input or a link holding ``/?p=ID``; without one the id makes the shortlink.
    SHORTLINK_BOX = (".tie-short-link", ".post-shortlink", ".shortlink", "#short-post-url")
    TIME = (".post-meta time[datetime]",)
    METADATA_IMAGE = False
    METADATA_TEXT = False


class SahifaArticlePage(ThemeArticlePage):
    """TieLabs Sahifa: ``#crumbs``, ``article.post-listing``, ``p.post-meta``, ``div.entry``."""

    TITLE = ("h1.post-title", "h1.entry-title", "article.post-listing h1")
    BREADCRUMB = ("#crumbs",)
    # Related/check-also items carry .tie-date too, and the related box can sit inside the
    # body: the post's own meta only (in div.post-inner, or in the cover head above it).
    VISIBLE_DATE = ("div.post-inner > .post-meta .tie-date",
                    ".post-cover-title .post-meta .tie-date")
    CATEGORIES = ("div.post-inner > .post-meta .post-cats a",
                  ".post-cover-title .post-meta .post-cats a",
                  "div.post-inner > .post-meta a[rel~='category']",
                  ".post-cover-title .post-meta a[rel~='category']")
    # The tag paragraph follows </article>; 5.1-5.5.9 also hide the tag links in the post.
    TAGS_BOX = ("p.post-tag", ".post-tag", ".post-inner a[rel='tag']")
    # The visible byline, else the hidden microdata byline of 5.1-5.5.9.
    AUTHOR = (".post-meta .post-meta-author a", ".post-meta .post-meta-author",
              "div.post-inner > .post-meta a[href*='/author/']",
              ".post-cover-title .post-meta a[href*='/author/']", ".post-inner .vcard.author .fn")
    #: Sahifa 3.4-4.3 print the post meta as spans without classes (S-ME0).
    CLASSLESS_META = ("div.post-inner > p.post-meta", ".post-cover-title p.post-meta")
    BODY = ("article.post-listing .post-inner div.entry", "article.post-listing div.entry",
            "div.entry")
    FEATURED_IMAGE = (".single-post-thumb img",)
    #: The cover head draws the image as a CSS background.
    FEATURED_BACKGROUND = (".single-post-thumb[style*='background-image']",)
    FEATURED_CAPTION = (".single-post-caption",)
    RELATED_BOX = ("#related_posts",)

    def _date_element(self) -> Any:
        """``.tie-date``, else (3.4-4.3) the post meta's span that holds no link."""
        found = super()._date_element()
        if found is not None:
            return found
        for meta in self._select(self.CLASSLESS_META):
            for span in meta.iterchildren("span"):
                if (not span.get("class") and next(span.iter("a"), None) is None
                        and element_text(span)):
                    return span
        return None


class JannahArticlePage(ThemeArticlePage):
    """TieLabs Jannah: ``nav#breadcrumb``, ``article#the-post``, ``div.entry-content``."""

    TITLE = (".entry-header h1.post-title", "h1.post-title", "h1.entry-title")
    BREADCRUMB = ("nav#breadcrumb", "#breadcrumb")
    # The header's meta only: the boxes (inline related posts in the body too) have dates.
    VISIBLE_DATE = ("#the-post .entry-header .post-meta .date", ".entry-header .post-meta .date")
    CATEGORIES = (".entry-header .post-cat",)
    # 4.6+ mark the block .post-bottom-tags, 2.1-4.2 only .post-bottom-meta (whose source
    # and via siblings hold links too), 1.0 .post-tags; all inside the article.
    TAGS_BOX = (".post-bottom-tags .tagcloud", ".post-bottom-tags",
                "#the-post .post-bottom-meta:not(.post-bottom-source):not(.post-bottom-via)"
                " .tagcloud", "#the-post .post-tags .tagcloud")
    AUTHOR = (".post-meta .meta-author a.author-name", ".post-meta .meta-author a",
              ".post-meta .meta-author")
    BODY = ("article#the-post div.entry-content", "div.entry-content")
    FEATURED_IMAGE = (".featured-area img", ".single-featured-image img")
    FEATURED_CAPTION = (".featured-area figcaption", ".single-caption-text")
    RELATED_BOX = ("#related-posts",)
    #: 7.0 can also put a related-posts box inside the body.
    INLINE_RELATED_BOX = ("#inline-related-post",)


class AmpArticlePage(ThemeArticlePage):
    """An ``/amp/`` variant (WordPress AMP plugin classic templates)."""

    TITLE = ("h1.amp-wp-title", "article h1")
    VISIBLE_DATE = (".amp-wp-posted-on time", ".amp-wp-posted-on",
                    ".amp-wp-article-header time")
    CATEGORIES = (".amp-wp-tax-category a",)
    TAGS_BOX = (".amp-wp-tax-tag",)
    AUTHOR = (".amp-wp-byline .amp-wp-author",)
    BODY = (".amp-wp-article-content",)
    FEATURED_IMAGE = (".amp-wp-article-featured-image amp-img",
                      ".amp-wp-article-featured-image img")
    FEATURED_CAPTION = (".amp-wp-article-featured-image figcaption",
                        ".amp-wp-article-featured-image .wp-caption-text")
    SHORTLINK_BOX = ()
    TIME = (".amp-wp-posted-on time[datetime]", ".amp-wp-article-header time[datetime]")


#: WordPress body classes of pages that are not a single post.
_NOT_ARTICLE_CLASSES = frozenset({
    "home", "blog", "archive", "category", "tag", "search", "search-results",
    "search-no-results", "error404", "author", "date", "page", "attachment",
    "single-attachment",
})
_SINGLE_CLASSES = frozenset({"single", "single-post", "single-format-standard"})
_NOT_FOUND_TITLES = ("الصفحة غير موجودة", "page not found", "404", "لم يتم العثور")
# Jannah first (its body also has class ``entry``), and not ``#the-post``: Sahifa has it too.
_MARKERS: tuple[tuple[type[ArticlePage], tuple[str, ...]], ...] = (
    (JannahArticlePage, ("nav#breadcrumb", "#tie-wrapper", "body#tie-body", "div.entry-content",
                         ".entry-header-outer")),
    (SahifaArticlePage, ("#crumbs", "article.post-listing", "div.post-inner", "div.entry")),
)
_SINGLE_H1 = xpath("//h1[contains(@class, 'post-title') or contains(@class, 'entry-title')"
                   " or contains(@class, 'amp-wp-title')]")
_TITLE = xpath("string(//title)")


def _looks_like_article(document: HtmlDocument) -> bool:
    body_classes = document.body_classes
    if body_classes & _NOT_ARTICLE_CLASSES:
        return False  # attachment pages are "single" with a postid too
    if body_classes & _SINGLE_CLASSES or any(c.startswith("postid-") for c in body_classes):
        return True
    title = _TITLE(document.root).lower()
    if any(marker in title for marker in _NOT_FOUND_TITLES) and not _SINGLE_H1(document.root):
        return False
    return ((document.meta_first("og:type") or "").lower() == "article"
            or bool(document.meta_first("article:published_time"))
            or bool(document.ld_nodes(ARTICLE_TYPES)) or bool(_SINGLE_H1(document.root)))


def is_article(html: str | bytes, url: str = "") -> bool:
    """Cheap test: does this page show one post (not a listing, home, 404 or static page)?"""
    return _looks_like_article(HtmlDocument(url, html))


def article_page_for(url: str, html: str | bytes, fetched_at: str | None = None
                     ) -> ArticlePage | None:
    """The page object for an article page (AMP, Jannah, Sahifa, else metadata only), or
    None when the page is not an article."""
    document = HtmlDocument(url, html)
    if not _looks_like_article(document):
        return None
    attributes = {str(name).lower() for name in document.root.attrib}
    if "amp" in attributes or "⚡" in attributes:
        page_class: type[ArticlePage] = AmpArticlePage
    else:
        page_class = next((theme for theme, markers in _MARKERS
                           if any(document.select(marker) for marker in markers)),
                          MetadataArticlePage)
    return page_class(url, html, fetched_at, document=document)
