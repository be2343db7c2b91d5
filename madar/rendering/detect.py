"""Does a plainly fetched page need a JavaScript render?

Such a page shows a container that the themes fill by script (article body, check-also and
related boxes, "load more" lists) still empty, or holding only a loading placeholder, next to a
``<script>``. Cheap string tests rule most pages out before any parse.
"""

from __future__ import annotations

import re

import lxml.html

# Class or id tokens of the containers that the site's themes (Sahifa, Jannah) may fill by
# script; an empty body container means the article text itself is script-loaded.
CONTAINERS = frozenset({
    "entry", "entry-content", "check-also-box", "check-also", "related_posts", "related-posts",
    "load-more", "load-more-posts", "posts-load-more", "latest-news-list", "js-filled",
})
# data-* attributes that mark a container as filled from an endpoint by script.
SCRIPT_FILL_ATTRIBUTES = ("data-load-more", "data-ajax-url", "data-endpoint", "data-src-list")

_QUICK_TOKENS = (*CONTAINERS, *SCRIPT_FILL_ATTRIBUTES)
_PLACEHOLDER_TEXT = re.compile(
    r"(?:loading|please wait|جار[يٍ]? التحميل|يتم التحميل|تحميل)[\s.…]*", re.IGNORECASE)
_PLACEHOLDER_CLASSES = ("loader", "loading", "spinner", "placeholder", "skeleton")
_CONTENT_TAGS = ("a", "img", "li", "p", "article")


def needs_rendering(html: str) -> bool:
    """True if the page has a script-filled container that is still empty in this HTML."""
    if not html or "<script" not in html or not any(t in html for t in _QUICK_TOKENS):
        return False
    return bool(script_filled_containers(html))


def script_filled_containers(html: str) -> list[str]:
    """Names (class/id token or data attribute) of the empty script-filled containers."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    found = []
    for element in root.iter("div", "section", "ul", "ol", "aside"):
        name = _container_name(element)
        if name and _is_empty(element):
            found.append(name)
    return found


def _container_name(element: lxml.html.HtmlElement) -> str | None:
    for attribute in SCRIPT_FILL_ATTRIBUTES:
        if element.get(attribute) is not None:
            return attribute
    tokens = [*element.get("class", "").split(), element.get("id", "")]
    return next((token for token in tokens if token in CONTAINERS), None)


def _is_empty(container: lxml.html.HtmlElement) -> bool:
    """No link, image, list item, paragraph or text, once loading placeholders are left out."""
    texts = []
    for node in container.iter():
        if node is not container:
            texts.append(node.tail or "")
        if not isinstance(node.tag, str) or _in_placeholder(node, container):
            continue
        if node.tag in _CONTENT_TAGS:
            return False
        if node.tag not in ("script", "style", "noscript"):
            texts.append(node.text or "")
    return not _PLACEHOLDER_TEXT.sub("", " ".join(texts)).strip()


def _in_placeholder(node: lxml.html.HtmlElement, container: lxml.html.HtmlElement) -> bool:
    """Inside a loading placeholder, or the container itself is marked busy."""
    while node is not container:
        classes = node.get("class", "").lower()
        if node.get("aria-busy") == "true" or any(w in classes for w in _PLACEHOLDER_CLASSES):
            return True
        node = node.getparent()
    return container.get("aria-busy") == "true"
