"""Article page objects: every property named after an Article field extracts that field.

How each field weighs theme markup against metadata, and what ``field_sources`` records:
docs/theme-markup.md, "How madar reads the markup".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cached_property
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from madar.items import ARTICLE_FIELDS, Article, Image
from madar.pages.body import (
    background_image_url,
    body_images,
    body_paragraphs,
    image_caption,
    image_url,
    split_dateline,
)
from madar.pages.document import Page, collapse, element_text, safe_canonical
from madar.pages.listing import visible_date_of_link
from madar.text.clean import clean_inline
from madar.text.dates import iso_day, normalize_datetime, parse_visible_date
from madar.urls import is_article_candidate, post_id_from_shortlink

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: CSS selectors tried in order; the first one that matches anything wins.
Alternatives = tuple[str, ...]
THEME, METADATA, NONE = "theme", "metadata", "none"
#: Fields whose source (theme markup, metadata, nothing) each page records.
SOURCE_FIELDS: tuple[str, ...] = ("title", "published", "category", "tags", "author", "text",
                                  "related")
#: The fields a page extracts (``revision`` is the memory's).
EXTRACTED: tuple[str, ...] = tuple(name for name in ARTICLE_FIELDS if name != "revision")
SITE_SUFFIX = re.compile(r"\s*[-–—|:»]+\s*(?:موقع\s*)?مدار\s*اليوم\s*$")
_POSTID_CLASS = re.compile(r"^postid-(\d+)$")
_POST_CLASS = re.compile(r"^post-(\d+)$")
_SHORTLINK_TEXT = re.compile(r"https?://\S+?[?&]p=\d+")
_BY_PREFIX = re.compile(r"^(?:بواسطة|كتب|كتبه|بقلم|by)\s*[:：]?\s*", re.I)
_HOME_WORDS = frozenset({"الرئيسية", "الرئيسيه", "home", "الصفحة الرئيسية"})


def unique(values: Iterable[str | None]) -> list[str]:
    """Values in first-seen order, without None/empty and without repeats."""
    return [value for value in dict.fromkeys(values) if value]


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


def _ld_position(item: dict[str, Any]) -> float:
    try:
        return float(item.get("position", 0))
    except (TypeError, ValueError):
        return 0.0


class ArticlePage(Page):
    """An article read through WordPress/SEO metadata only; theme subclasses fill the
    selector slots (an empty tuple skips that source)."""

    TITLE: ClassVar[Alternatives] = ()
    BREADCRUMB: ClassVar[Alternatives] = ()
    VISIBLE_DATE: ClassVar[Alternatives] = ()
    CATEGORIES: ClassVar[Alternatives] = ()
    #: Containers of the post's tags: every link inside is a tag.
    TAGS_BOX: ClassVar[Alternatives] = ()
    AUTHOR: ClassVar[Alternatives] = ()
    BODY: ClassVar[Alternatives] = ()
    FEATURED_IMAGE: ClassVar[Alternatives] = ()
    #: Elements that show the featured image as ``style="background-image: url(…)"``.
    FEATURED_BACKGROUND: ClassVar[Alternatives] = ()
    FEATURED_CAPTION: ClassVar[Alternatives] = ()
    SHORTLINK_BOX: ClassVar[Alternatives] = ()
    #: Containers of recommended posts (check also, then related): every post link counts.
    CHECK_ALSO_BOX: ClassVar[Alternatives] = ("#check-also-box",)
    RELATED_BOX: ClassVar[Alternatives] = ()
    INLINE_RELATED_BOX: ClassVar[Alternatives] = ()
    TIME: ClassVar[Alternatives] = ()
    #: og:image / JSON-LD image as the featured image (themes: no, SEO plugins put the logo
    #: there) and og:description as the text (themes: no, it would hide an empty body).
    METADATA_IMAGE: ClassVar[bool] = True
    METADATA_TEXT: ClassVar[bool] = True
    language: ClassVar[str] = "ar"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Selector slots must be tuples of single selectors: a comma would read as a union."""
        super().__init_subclass__(**kwargs)
        for name, value in vars(cls).items():
            if name.isupper() and not isinstance(value, bool) and (
                    not isinstance(value, tuple) or any("," in part for part in value)):
                raise TypeError(f"{cls.__name__}.{name} must be a tuple of alternative "
                                f"selectors without commas, not {value!r}")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: field -> "theme" | "metadata" | "none", for the fields of SOURCE_FIELDS read so far
        self.field_sources: dict[str, str] = {}

    def to_item(self) -> Article:
        """Every field, in Article order; a failing field is logged and left default."""
        values: dict[str, Any] = {}
        for name in EXTRACTED:
            try:
                value = getattr(self, name)
            except Exception:
                logger.exception("field %r failed on %s", name, self.page_url)
                continue
            if value is not None:
                values[name] = value
        if "url" not in values:
            values["url"] = safe_canonical(self.page_url) or self.page_url
        for name in SOURCE_FIELDS:
            self.field_sources.setdefault(name, NONE)
        return Article(**values)

    def _sourced(self, field: str, source: str, value: T) -> T:
        """Record where a field's value came from (``none`` when it is empty)."""
        self.field_sources[field] = source if value else NONE
        return value

    def _select(self, alternatives: Alternatives) -> list[Any]:
        """Elements of the first alternative that matches anything (in order)."""
        for selector in alternatives:
            found = self.document.select(selector)
            if found:
                return found
        return []

    def _first(self, alternatives: Alternatives) -> Any:
        return next(iter(self._select(alternatives)), None)

    def _box_links(self, alternatives: Alternatives) -> list[Any]:
        """Every ``<a href>`` inside the containers of the first matching alternative."""
        return [a for box in self._select(alternatives) for a in box.iter("a") if a.get("href")]

    @cached_property
    def _ld(self) -> dict[str, Any]:
        return self.document.ld_article

    def _date_element(self) -> Any:
        """The element that shows the post's date (a theme may look further)."""
        return self._first(self.VISIBLE_DATE)

    @cached_property
    def published_raw(self) -> str | None:
        return element_text(self._date_element())

    @cached_property
    def _body_container(self) -> Any:
        return self._first(self.BODY)

    @cached_property
    def _body(self) -> tuple[str, str | None, list[str]]:
        """(source, dateline, paragraphs): the theme's body, else the metadata's text."""
        source, paragraphs = THEME, []
        if self._body_container is not None:
            paragraphs = body_paragraphs(self._body_container)
        if not paragraphs:
            source = METADATA
            text = self._ld.get("articleBody")
            if (not isinstance(text, str) or not text.strip()) and self.METADATA_TEXT:
                text = self.document.meta_first("og:description", "description",
                                                "twitter:description")
            if text:
                paragraphs = [p for p in (collapse(x) for x in re.split(r"\n\s*", text)) if p]
        dateline, paragraphs = split_dateline(paragraphs)
        return source, dateline, paragraphs

    # --- fields -----------------------------------------------------------------------

    @cached_property
    def url(self) -> str:
        """The canonical URL: ``<link rel=canonical>``, og:url, else the page's own."""
        doc = self.document
        for candidate in (lambda: doc.link_first("canonical"),
                          lambda: doc.absolute(doc.meta_first("og:url")), lambda: self.page_url):
            url = safe_canonical(candidate())  # in turn: the canonical link is mostly there
            if url:
                return url
        return self.page_url

    @cached_property
    def _shortlink_candidates(self) -> list[str]:
        found = self.document.links("shortlink")
        box = self._first(self.SHORTLINK_BOX)
        for el in box.iter() if box is not None else ():
            for value in (el.get("value"), el.get("href"), el.text):
                if value:
                    found.extend(_SHORTLINK_TEXT.findall(value))
        return [url for url in map(self.document.absolute, found) if url]

    @cached_property
    def shortlink(self) -> str | None:
        """The page's shortlink, else ``/?p=ID`` on the site's root when the post id is known."""
        for candidate in self._shortlink_candidates:
            if post_id_from_shortlink(candidate) is not None:
                return safe_canonical(candidate)
        if self.post_id is None:
            return None
        parts = urlsplit(self.url)
        return safe_canonical(f"{parts.scheme}://{parts.netloc}/?p={self.post_id}")

    @cached_property
    def post_id(self) -> int | None:
        """From the shortlink, the body class, JSON-LD ids, else ``article#post-N``."""
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
        for selector in ("article[id^='post-']", "article[class*='post-']"):
            for article in self.document.select(selector)[:1]:
                for name in f"{article.get('id', '')} {article.get('class', '')}".split():
                    match = _POST_CLASS.match(name)
                    if match:
                        return int(match[1])
        return None

    @cached_property
    def title(self) -> str | None:
        """The theme's heading, else og:title/headline/<title> without the site's name;
        cleaned like the text (invisible characters, nbsp) so that it compares as shown."""
        text = collapse(clean_inline(element_text(self._first(self.TITLE)) or ""))
        if text:
            return self._sourced("title", THEME, text)
        for candidate in (self.document.meta_first("og:title", "twitter:title"),
                          _ld_text(self._ld.get("headline")),
                          element_text(self._first(("title",)))):
            text = collapse(SITE_SUFFIX.sub("", clean_inline(candidate))) if candidate else None
            if text:
                return self._sourced("title", METADATA, text)
        return self._sourced("title", NONE, None)

    def _metadata_date(self, meta_keys: tuple[str, ...], ld_key: str) -> str | None:
        normalized = normalize_datetime(self.document.meta_first(*meta_keys))
        if not normalized:  # JSON-LD is parsed only when a field needs it
            normalized = normalize_datetime(_ld_text(self._ld.get(ld_key)))
        return normalized or None

    @cached_property
    def published(self) -> str | None:
        """Metadata's timestamp (it has the time and offset), else the theme's date. The
        source is the theme whenever the theme's date shows the same day (±1 for zones)."""
        found = self._metadata_date(
            ("article:published_time", "datepublished", "og:published_time"), "datePublished")
        time = self._first(self.TIME)
        shown = normalize_datetime(time.get("datetime")) if time is not None else None
        shown = shown or parse_visible_date(self.published_raw, self._now)
        if not found:
            return self._sourced("published", THEME, shown)
        day, shown_day = iso_day(found), iso_day(shown)
        agrees = day is not None and shown_day is not None and abs((day - shown_day).days) <= 1
        return self._sourced("published", THEME if agrees else METADATA, found)

    @cached_property
    def modified(self) -> str | None:
        return self._metadata_date(
            ("article:modified_time", "og:updated_time", "datemodified"), "dateModified")

    @cached_property
    def _breadcrumb_category(self) -> str | None:
        """The last crumb that is neither the home page (first) nor the post itself."""
        crumbs = self._first(self.BREADCRUMB)
        names: list[str] = []
        for index, link in enumerate(crumbs.iter("a") if crumbs is not None else ()):
            text, target = element_text(link), self._canonical(link.get("href"))
            if not text or target == self.url:
                continue
            if index or not (text in _HOME_WORDS
                             or (target is not None and urlsplit(target).path == "/")):
                names.append(text)
        return names[-1] if names else None

    def _ld_breadcrumb_category(self) -> str | None:
        for node in self.document.ld_nodes({"BreadcrumbList"}):
            items = node.get("itemListElement")
            if not isinstance(items, list) or len(items) < 3:
                continue
            ordered = sorted((i for i in items if isinstance(i, dict)), key=_ld_position)
            if len(ordered) >= 3:
                return _ld_text(ordered[-2].get("name")) or _ld_text(ordered[-2].get("item"))
        return None

    @cached_property
    def category(self) -> str | None:
        if self._breadcrumb_category:
            return self._sourced("category", THEME, self._breadcrumb_category)
        found = self._ld_breadcrumb_category()
        if found:
            return self._sourced("category", METADATA, found)
        source, names = self._categories
        return self._sourced("category", source, names[0] if names else None)

    @cached_property
    def categories(self) -> list[str]:
        return self._categories[1]

    @cached_property
    def _categories(self) -> tuple[str, list[str]]:
        """(source, names): the theme's category links, else the breadcrumb, else metadata."""
        found = unique(map(element_text, self._select(self.CATEGORIES)))
        if found:
            return THEME, found
        if self._breadcrumb_category:
            return THEME, [self._breadcrumb_category]
        found = unique(self.document.meta.get("article:section", []))
        return METADATA, found or unique(_ld_strings(self._ld.get("articleSection")))

    @cached_property
    def tags(self) -> list[str]:
        found = unique(map(element_text, self._box_links(self.TAGS_BOX)))
        if found:
            return self._sourced("tags", THEME, found)
        found = unique(self.document.meta.get("article:tag", []))
        found = found or unique(_ld_strings(self._ld.get("keywords")))
        return self._sourced("tags", METADATA, found)

    @cached_property
    def author(self) -> str | None:
        candidates = [(THEME, lambda: element_text(self._first(self.AUTHOR))),
                      (METADATA, lambda: self.document.meta_first("author")),
                      (METADATA, lambda: _ld_text(self._ld.get("author")))]
        for source, read in candidates:
            candidate = read()
            if candidate and not candidate.startswith(("http://", "https://")):
                name = collapse(_BY_PREFIX.sub("", candidate))
                if name:
                    return self._sourced("author", source, name)
        return self._sourced("author", NONE, None)

    @cached_property
    def dateline(self) -> str | None:
        return self._body[1]

    @cached_property
    def text(self) -> str | None:
        source, _, paragraphs = self._body
        return self._sourced("text", source, "\n\n".join(paragraphs) if paragraphs else None)

    def _featured_image(self) -> tuple[str, str | None] | None:
        element = self._first(self.FEATURED_IMAGE)
        url = image_url(self.document, element) if element is not None else None
        if url is None:
            element = self._first(self.FEATURED_BACKGROUND)
            url = background_image_url(self.document, element)
        if element is not None and url:
            caption = element_text(self._first(self.FEATURED_CAPTION))
            return url, caption or image_caption(element, None)
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

    @cached_property
    def images(self) -> list[Image]:
        found = [self._featured_image()]
        if self._body_container is not None:
            found.extend(body_images(self.document, self._body_container))
        captions: dict[str, str | None] = {}
        for url, caption in filter(None, found):
            captions.setdefault(url, caption)
        return [{"url": url, "caption": caption} for url, caption in captions.items()]

    def related_urls(self) -> list[str]:
        """Posts recommended by the page: check-also box first, then related posts."""
        return list(self._related_links)

    def related_dates(self) -> dict[str, str]:
        """``YYYY-MM-DD`` each recommended post shows beside its first link that shows one,
        so a crawl bounded by date can skip older posts unfetched (read on demand)."""
        dates: dict[str, str] = {}
        for url, anchors in self._related_links.items():
            for anchor in anchors:
                date = parse_visible_date(visible_date_of_link(anchor), self._now)
                if date:
                    dates[url] = date
                    break
        return dates

    @cached_property
    def _related_links(self) -> dict[str, list[Any]]:
        """Every post link in the boxes, by URL; archive links and the page itself left out."""
        found: dict[str, list[Any]] = {}
        urls: dict[str, str | None] = {}  # by href: a post's image and title links share one
        for anchor in (*self._box_links(self.CHECK_ALSO_BOX), *self._box_links(self.RELATED_BOX),
                       *self._box_links(self.INLINE_RELATED_BOX)):
            if (href := anchor.get("href")) not in urls:
                link = self.document.absolute(href)
                urls[href] = safe_canonical(link) if link and is_article_candidate(link) else None
            url = urls[href]
            if url and url != self.url:
                found.setdefault(url, []).append(anchor)
        return found

    @cached_property
    def related(self) -> list[str]:
        return self._sourced("related", THEME, self.related_urls())


class MetadataArticlePage(ArticlePage):
    """An article in an unknown theme: only WordPress/SEO metadata is trusted."""
