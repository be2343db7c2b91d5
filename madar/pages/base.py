"""Page objects: one small method per Article field, each with its fallback chain.

Modelled on web-poet page objects and fundus publisher parsers: a page holds the URL, the
HTML and one shared :class:`HtmlDocument` (parsed once); methods marked with
:func:`attribute` are the item's fields, and :meth:`ArticlePage.to_item` collects them in
the Article's field order. A field that raises is logged and left at its default, so one
broken field never loses the article.

:class:`ArticlePage` itself reads only WordPress/SEO metadata (canonical, shortlink, Open
Graph, ``article:*``, JSON-LD); theme subclasses set the CSS selectors of their markup,
which each field consults where the theme is the better source (title, visible date,
breadcrumb, body), with metadata as the fallback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from madar.items import ARTICLE_FIELDS, Article, Image
from madar.pages import body
from madar.pages.document import HtmlDocument, canonical, collapse, element_text
from madar.text.dates import normalize_datetime, parse_datetime, parse_visible_date
from madar.urls import post_id_from_shortlink

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE_MARK = "__madar_attribute__"


def attribute(method: F) -> F:
    """Mark a page method as the extractor of the Article field of the same name."""
    setattr(method, _ATTRIBUTE_MARK, True)
    return method


SITE_SUFFIX = re.compile(r"\s*[-–—|:»]+\s*(?:موقع\s*)?مدار\s*اليوم\s*$")
_POSTID_CLASS = re.compile(r"^postid-(\d+)$")
_POST_CLASS = re.compile(r"^post-(\d+)$")
_SHORTLINK_TEXT = re.compile(r"https?://\S+?[?&]p=\d+")
_BY_PREFIX = re.compile(r"^(?:بواسطة|كتب|كتبه|بقلم|by)\s*[:：]?\s*", re.I)
_HOME_WORDS = frozenset({"الرئيسية", "الرئيسيه", "home", "الصفحة الرئيسية"})


def unique(values: Iterable[str | None]) -> list[str]:
    """Values in first-seen order, without None/empty and without repeats."""
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.add(value)
            result.append(value)
    return result


@lru_cache(maxsize=256)
def _alternatives(selector: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in selector.split(",") if part.strip())


def strip_site_suffix(title: str | None) -> str | None:
    return collapse(SITE_SUFFIX.sub("", title)) if title else None


def _ld_text(value: Any) -> str | None:
    """A JSON-LD value that should be text: a string, or the name of a thing."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return collapse(value) if isinstance(value, str) else None


def _ld_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v for v in (collapse(p) for p in value.split(",")) if v]
    if isinstance(value, list):
        return [v for v in (_ld_text(p) for p in value) if v]
    return []


class ArticlePage:
    """An article page read through WordPress/SEO metadata only (the fallback page).

    Theme subclasses fill the selector slots below; an empty slot skips that source.
    """

    #: CSS selectors of the theme's markup (first match wins; "" = none).
    TITLE: ClassVar[str] = ""
    BREADCRUMB: ClassVar[str] = ""
    BREADCRUMB_CURRENT: ClassVar[str] = ".current, .breadcrumb_last"
    VISIBLE_DATE: ClassVar[str] = ""
    CATEGORIES: ClassVar[str] = ""
    TAGS: ClassVar[str] = ""
    AUTHOR: ClassVar[str] = ""
    BODY: ClassVar[str] = ""
    FEATURED_IMAGE: ClassVar[str] = ""
    FEATURED_CAPTION: ClassVar[str] = ""
    SHORTLINK_BOX: ClassVar[str] = ""
    CHECK_ALSO: ClassVar[str] = "#check-also-box .check-also-post"
    RELATED: ClassVar[str] = ""
    TIME: ClassVar[str] = ""
    #: Use og:image / JSON-LD image as the featured image when the markup shows none. Off
    #: for themes: SEO plugins put the site logo there when a post has no image.
    METADATA_IMAGE: ClassVar[bool] = True
    #: Use og:description as the text when there is no body and no JSON-LD articleBody.
    #: Off for themes: an excerpt passing for the text would hide an empty (script-filled)
    #: body from the validator.
    METADATA_TEXT: ClassVar[bool] = True

    def __init__(self, url: str, html: str | bytes, fetched_at: str | None = None, *,
                 document: HtmlDocument | None = None) -> None:
        self.page_url = url
        self.html = html
        self._fetched_at = fetched_at
        self.document = document or HtmlDocument(url, html)

    # --- collection -------------------------------------------------------------------

    @classmethod
    def attribute_names(cls) -> tuple[str, ...]:
        return tuple(name for name in ARTICLE_FIELDS
                     if getattr(getattr(cls, name, None), _ATTRIBUTE_MARK, False))

    def to_item(self) -> Article:
        """Every field, in Article order; a failing field is logged and left default."""
        values: dict[str, Any] = {}
        for name in self.attribute_names():
            try:
                value = getattr(self, name)()
            except Exception:
                logger.exception("field %r failed on %s", name, self.page_url)
                continue
            if value is not None:
                values[name] = value
        if "url" not in values:
            values["url"] = self._safe_canonical(self.page_url) or self.page_url
        return Article(**values)

    # --- shared helpers ---------------------------------------------------------------

    def _select(self, selector: str) -> list[Any]:
        """Elements of the first comma-separated alternative that matches (in order)."""
        for alternative in _alternatives(selector):
            found = self.document.select(alternative)
            if found:
                return found
        return []

    def _first(self, selector: str) -> Any:
        found = self._select(selector)
        return found[0] if found else None

    def _texts(self, selector: str) -> list[str]:
        return unique(element_text(el) for el in self._select(selector))

    @staticmethod
    def _safe_canonical(url: str | None) -> str | None:
        if not url:
            return None
        try:
            return canonical(url)
        except (ValueError, TypeError):
            return None

    @cached_property
    def _meta(self) -> dict[str, list[str]]:
        return self.document.meta

    @cached_property
    def _ld(self) -> dict[str, Any]:
        return self.document.ld_article

    @cached_property
    def _now(self) -> datetime | None:
        return parse_datetime(self._fetched_at)

    @cached_property
    def _visible_date(self) -> str | None:
        element = self._first(self.VISIBLE_DATE)
        return element_text(element) if element is not None else None

    @cached_property
    def _body_container(self) -> Any:
        return self._first(self.BODY)

    @cached_property
    def _dateline_and_paragraphs(self) -> tuple[str | None, list[str]]:
        if self._body_container is not None:
            paragraphs = body.body_paragraphs(self._body_container)
        else:
            paragraphs = []
        if not paragraphs:
            source = self._ld.get("articleBody")
            if (not isinstance(source, str) or not source.strip()) and self.METADATA_TEXT:
                source = self.document.meta_first("og:description", "description",
                                                  "twitter:description")
            if source:
                paragraphs = [p for p in (collapse(x) for x in re.split(r"\n\s*", source)) if p]
        return body.split_dateline(paragraphs)

    # --- fields -----------------------------------------------------------------------

    @attribute
    def url(self) -> str:
        return self._url

    @cached_property
    def _url(self) -> str:
        """The page's canonical URL (asked for by several fields: computed once)."""
        doc = self.document
        for candidate in (doc.link_first("canonical"), doc.absolute(doc.meta_first("og:url")),
                          self.page_url):
            url = self._safe_canonical(candidate)
            if url:
                return url
        return self.page_url

    @cached_property
    def _shortlink_candidates(self) -> list[str]:
        found = list(self.document.links.get("shortlink", []))
        box = self._first(self.SHORTLINK_BOX)
        if box is not None:
            for el in box.iter():
                for value in (el.get("value"), el.get("href"), el.text):
                    if value:
                        found.extend(_SHORTLINK_TEXT.findall(value))
        return [url for url in (self.document.absolute(u) for u in found) if url]

    @attribute
    def shortlink(self) -> str | None:
        for candidate in self._shortlink_candidates:
            if post_id_from_shortlink(candidate) is not None:
                return self._safe_canonical(candidate)
        return None

    @attribute
    def post_id(self) -> int | None:
        for candidate in self._shortlink_candidates:
            post_id = post_id_from_shortlink(candidate)
            if post_id is not None:
                return post_id
        for name in self.document.body_classes:
            match = _POSTID_CLASS.match(name)
            if match:
                return int(match[1])
        for key in ("@id", "url", "mainEntityOfPage"):
            value = self._ld.get(key)
            if isinstance(value, dict):
                value = value.get("@id")
            if isinstance(value, str):
                post_id = post_id_from_shortlink(value.split("#")[0])
                if post_id is not None:
                    return post_id
        article = self._first("article[id^='post-'], article[class*='post-']")
        if article is not None:
            for name in f"{article.get('id', '')} {article.get('class', '')}".split():
                match = _POST_CLASS.match(name)
                if match:
                    return int(match[1])
        return None

    @attribute
    def title(self) -> str | None:
        heading = self._first(self.TITLE)
        if heading is not None:
            text = element_text(heading)
            if text:
                return text
        for candidate in (self.document.meta_first("og:title", "twitter:title"),
                          _ld_text(self._ld.get("headline")),
                          element_text(self._first("title"))):
            text = strip_site_suffix(candidate)
            if text:
                return text
        return None

    def _metadata_date(self, meta_keys: tuple[str, ...], ld_key: str) -> str | None:
        for value in (self.document.meta_first(*meta_keys), _ld_text(self._ld.get(ld_key))):
            normalized = normalize_datetime(value)
            if normalized:
                return normalized
        return None

    @attribute
    def published(self) -> str | None:
        found = self._metadata_date(
            ("article:published_time", "datepublished", "og:published_time"), "datePublished")
        if found:
            return found
        time = self._first(self.TIME)
        if time is not None:
            found = normalize_datetime(time.get("datetime"))
            if found:
                return found
        return parse_visible_date(self._visible_date, self._now)

    @attribute
    def published_raw(self) -> str | None:
        return self._visible_date

    @attribute
    def modified(self) -> str | None:
        return self._metadata_date(
            ("article:modified_time", "og:updated_time", "datemodified"), "dateModified")

    @cached_property
    def _breadcrumb_category(self) -> str | None:
        crumbs = self._first(self.BREADCRUMB)
        if crumbs is None:
            return None
        own = self._url
        names: list[str] = []
        for index, link in enumerate(crumbs.iter("a")):
            text = element_text(link)
            href = self.document.absolute(link.get("href"))
            target = self._safe_canonical(href)
            if not text or target == own:
                continue
            is_home = text in _HOME_WORDS or (target is not None and urlsplit(target).path == "/")
            if index == 0 and is_home:
                continue
            names.append(text)
        return names[-1] if names else None

    def _ld_breadcrumb_category(self) -> str | None:
        for node in self.document.ld_nodes(("BreadcrumbList",)):
            items = node.get("itemListElement")
            if not isinstance(items, list) or len(items) < 3:
                continue
            def position(item: Any) -> float:
                try:
                    return float(item.get("position", 0))
                except (TypeError, ValueError):
                    return 0.0
            ordered = sorted((i for i in items if isinstance(i, dict)), key=position)
            if len(ordered) >= 3:
                item = ordered[-2]
                return _ld_text(item.get("name")) or _ld_text(item.get("item"))
        return None

    @attribute
    def category(self) -> str | None:
        if self.BREADCRUMB:
            found = self._breadcrumb_category
            if found:
                return found
        found = self._ld_breadcrumb_category()
        if found:
            return found
        categories = self.categories()
        return categories[0] if categories else None

    @attribute
    def categories(self) -> list[str]:
        found = self._texts(self.CATEGORIES)
        if found:
            return found
        if self.BREADCRUMB and self._breadcrumb_category:
            return [self._breadcrumb_category]
        found = unique(self._meta.get("article:section", []))
        return found or unique(_ld_strings(self._ld.get("articleSection")))

    @attribute
    def tags(self) -> list[str]:
        found = self._texts(self.TAGS)
        if found:
            return found
        found = unique(self._meta.get("article:tag", []))
        return found or unique(_ld_strings(self._ld.get("keywords")))

    @attribute
    def author(self) -> str | None:
        element = self._first(self.AUTHOR)
        candidates = [element_text(element) if element is not None else None,
                      self.document.meta_first("author"),
                      _ld_text(self._ld.get("author"))]
        for candidate in candidates:
            if candidate and not candidate.startswith(("http://", "https://")):
                name = collapse(_BY_PREFIX.sub("", candidate))
                if name:
                    return name
        return None

    @attribute
    def dateline(self) -> str | None:
        return self._dateline_and_paragraphs[0]

    @attribute
    def text(self) -> str | None:
        paragraphs = self._dateline_and_paragraphs[1]
        return "\n\n".join(paragraphs) if paragraphs else None

    def _featured_image(self) -> tuple[str, str | None] | None:
        element = self._first(self.FEATURED_IMAGE)
        if element is not None:
            url = body.image_url(self.document, element)
            if url:
                caption_el = self._first(self.FEATURED_CAPTION)
                caption = element_text(caption_el) if caption_el is not None else None
                return url, caption or body.image_caption(element, None)
        if not self.METADATA_IMAGE:
            return None
        ld_image = self._ld.get("image")
        if isinstance(ld_image, list):
            ld_image = ld_image[0] if ld_image else None
        if isinstance(ld_image, dict):
            ld_image = ld_image.get("url") or ld_image.get("contentUrl")
        for candidate in (self.document.meta_first("og:image", "og:image:url", "twitter:image"),
                          ld_image if isinstance(ld_image, str) else None):
            url = self.document.absolute(candidate)
            if url:
                return url, None
        return None

    @attribute
    def images(self) -> list[Image]:
        found: list[tuple[str, str | None]] = []
        featured = self._featured_image()
        if featured:
            found.append(featured)
        if self._body_container is not None:
            found.extend(body.body_images(self.document, self._body_container))
        images: list[Image] = []
        seen: set[str] = set()
        for url, caption in found:
            if url not in seen:
                seen.add(url)
                images.append({"url": url, "caption": caption})
        return images

    def related_urls(self) -> list[str]:
        """Posts recommended by the page: check-also box first, then related posts."""
        return list(self._related_urls)

    @cached_property
    def _related_urls(self) -> tuple[str, ...]:
        """Computed once: the spider asks for them after ``to_item()`` has."""
        own = self._url
        found: list[str | None] = []
        for selector in (self.CHECK_ALSO, self.RELATED):
            if not selector:
                continue
            for box in self._select(selector):
                anchors = [a for a in box.iter("a") if a.get("href")]
                titled = [a for a in anchors if _is_title_anchor(a)]
                for anchor in titled or anchors:
                    href = self.document.absolute(anchor.get("href"))
                    if href and not _is_archive(href):
                        found.append(self._safe_canonical(href))
        return tuple(url for url in unique(found) if url != own)

    @attribute
    def related(self) -> list[str]:
        return self.related_urls()

    def latest_news_url(self) -> str | None:
        """The ``آخر الأخبار`` category link from this page's menu or breadcrumb."""
        from madar.pages.listing import ListingPage

        return ListingPage(self.page_url, self.html, document=self.document).latest_news_url()

    @attribute
    def language(self) -> str:
        return "ar"

    @attribute
    def fetched_at(self) -> str | None:
        return self._fetched_at


def _is_title_anchor(anchor: Any) -> bool:
    """A link that is (inside) a post title, not a thumbnail or category link."""
    for depth, element in enumerate((anchor, *anchor.iterancestors())):
        if depth > 3:
            return False
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in ("h2", "h3", "h4") or "title" in (element.get("class") or ""):
            return True
    return False


_ARCHIVE_PATH = re.compile(r"/(?:category|tag|author|page|feed|search)/|[?&]s=")


def _is_archive(url: str) -> bool:
    return bool(_ARCHIVE_PATH.search(url))


class MetadataArticlePage(ArticlePage):
    """An article in an unknown theme: only WordPress/SEO metadata is trusted."""
