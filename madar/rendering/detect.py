"""Decide from a plainly fetched page whether it needs a JavaScript render.

WordPress themes render almost everything on the server; a few boxes are filled by script after
load (a "load more" latest-news list, the check-also / related box, an article body loaded by
AJAX). Such a page shows the box's container in the plain HTML, empty or holding only a loading
placeholder, next to a ``<script>``. That is what ``needs_rendering`` looks for:

- cheap string checks first (no ``<script`` or no known container name: no render, no parse);
- then one lxml parse, and a look at the known containers only.

A container counts as empty when it has no text (after dropping loading placeholders such as
"Loading…" / "جار التحميل") and no link, image or list item.
"""

from __future__ import annotations

import re

import lxml.html

# Class or id tokens of the containers that the site's themes (Sahifa, Jannah) may fill by
# script. Body containers: an empty one means the article text itself is script-loaded.
BODY_CONTAINERS = frozenset({"entry", "entry-content"})
BOX_CONTAINERS = frozenset(
    {
        "check-also-box",
        "check-also",
        "related_posts",
        "related-posts",
        "load-more",
        "load-more-posts",
        "posts-load-more",
        "latest-news-list",
        "js-filled",
    }
)
CONTAINERS = BODY_CONTAINERS | BOX_CONTAINERS
# data-* attributes that mark a container as filled from an endpoint by script.
SCRIPT_FILL_ATTRIBUTES = ("data-load-more", "data-ajax-url", "data-endpoint", "data-src-list")

_QUICK_TOKENS = (*CONTAINERS, *SCRIPT_FILL_ATTRIBUTES)
_PLACEHOLDER_TEXT = re.compile(
    r"(?:loading|please wait|جار[يٍ]? التحميل|جار[يٍ]? التحميل|يتم التحميل|تحميل)[\s.…]*",
    re.IGNORECASE,
)
_PLACEHOLDER_CLASSES = ("loader", "loading", "spinner", "placeholder", "skeleton")
_CONTENT_TAGS = ("a", "img", "li", "p", "article")


def needs_rendering(html: str) -> bool:
    """True if the page has a script-filled container that is still empty in this HTML."""
    if not html or "<script" not in html:
        return False
    if not any(token in html for token in _QUICK_TOKENS):
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
    tokens = element.get("class", "").split()
    element_id = element.get("id")
    if element_id:
        tokens.append(element_id)
    for token in tokens:
        if token in CONTAINERS:
            return token
    return None


def _is_empty(element: lxml.html.HtmlElement) -> bool:
    for descendant in element.iterdescendants(*_CONTENT_TAGS):
        if not _is_placeholder(descendant, element):
            return False
    texts = []
    for node in element.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript"):
            continue
        if _is_placeholder(node, element):
            continue
        texts.append(node.text or "")
    for node in element.iterdescendants():
        texts.append(node.tail or "")
    remaining = _PLACEHOLDER_TEXT.sub("", " ".join(texts))
    return not remaining.strip()


def _is_placeholder(element: lxml.html.HtmlElement, container: lxml.html.HtmlElement) -> bool:
    """Inside a loading placeholder (or the container itself is marked busy/loading)."""
    node = element
    while node is not None:
        classes = node.get("class", "").lower()
        if node is not container and any(word in classes for word in _PLACEHOLDER_CLASSES):
            return True
        if node.get("aria-busy") == "true":
            return True
        if node is container:
            return False
        node = node.getparent()
    return False
