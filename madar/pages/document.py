"""One parsed HTML page, shared by every field of a page object.

The tree is parsed once (lxml, lazily); metadata (JSON-LD, ``<meta>``, ``<link rel>``) is
read once; CSS selectors are compiled once per process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from cssselect import HTMLTranslator, parse
from cssselect.parser import Class, CombinedSelector, Element, Hash
from cssselect.xpath import XPathExpr, is_non_whitespace
from lxml import etree
from scrapy.http import TextResponse
from w3lib.encoding import read_bom
from w3lib.url import safe_url_string

from madar.text.dates import parse_datetime
from madar.urls import canonical_url, is_plain_url


class _Translator(HTMLTranslator):
    """cssselect's, with ``[name~=value]`` and ``.class`` tested without the leading
    ``@name and``: ``contains(@name, value)`` is false without the attribute already, and
    every attribute test builds a node-set (a class tested up an ancestor chain: ~2.5x)."""

    def xpath_attrib_includes(self, xpath: XPathExpr, name: str, value: str | None
                              ) -> XPathExpr:
        if not value or not is_non_whitespace(value):
            return super().xpath_attrib_includes(xpath, name, value)
        return xpath.add_condition(
            f"contains({name}, {self.xpath_literal(value)}) and contains(concat(' ', "
            f"normalize-space({name}), ' '), {self.xpath_literal(f' {value} ')})")


_TRANSLATOR = _Translator()
# Characters lxml refuses (XML-incompatible controls, U+FFFE, U+FFFF) are deleted from the
# UTF-8 bytes: a control byte never occurs inside a multi-byte sequence, so bytes.translate
# deletes exactly those characters, at C speed.
_CONTROL_BYTES = bytes(code for code in range(0x20) if code not in (0x09, 0x0A, 0x0D))
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())
# Plain lxml elements (not lxml.html's): no per-element class lookup on every proxy; no
# hash table of ids (only XPath's id() would read it).
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                           collect_ids=False)
#: Combinators the index can follow: (axis up to the compound before, axis down from it).
_AXES = {" ": ("ancestor", "descendant"), ">": ("parent", "child")}
#: The ids and class names selectors have asked for (selector data, not page data): the index
#: holds only these, a page has hundreds of class names.
_INDEXED: dict[str, set[str]] = {"id": set(), "class": set()}


@lru_cache(maxsize=512)
def css(selector: str) -> etree.XPath:
    """A CSS selector compiled to an XPath callable."""
    return xpath(_TRANSLATOR.css_to_xpath(selector))


def _key(compound: Any) -> tuple[str, str] | None:
    """(``"id"``/``"class"``, name) that every element matching a compound selector has."""
    while compound is not None:
        if isinstance(compound, Hash):
            return "id", compound.id
        if isinstance(compound, Class):
            return "class", compound.class_name
        compound = getattr(compound, "selector", None)  # under :not(), [attr], :pseudo
    return None


def _of_tag(tag: str | None) -> Callable[..., list[Any]]:
    """A lone ``tag#id`` or ``tag.class``: the index's candidates of that tag, repeats out
    (``class="a a"``); an XPath call would cost more than the check."""
    return lambda _root, candidates: [element for element in dict.fromkeys(candidates)
                                      if tag in (None, element.tag)]


#: Whitespace that str.split() splits at and XPath's normalize-space() does not (nbsp...).
_NOT_XPATH_SPACE = re.compile(r"[^\S \t\n\r]")
_XPATH_SPACE = re.compile(r"[ \t\n\r]+")


def _has_class(value: str, name: str) -> bool:
    """Whether cssselect's ``.name`` matches ``class="value"`` (name being a str.split()
    word of it): XPath splits at space, tab, CR and LF only."""
    return not _NOT_XPATH_SPACE.search(value) or name in _XPATH_SPACE.split(value)


@lru_cache(maxsize=512)
def _plans(selector: str) -> list[tuple[str, str, Callable[..., list[Any]]]]:
    """Per compound naming an id or a class: (``"id"``/``"class"``, key, XPath over the
    index's ``$candidates`` for it: ancestors checked for the compounds before it, ``A B``
    being ``B[ancestor::A]``, descendants searched for those after). Empty: no index."""
    parsed = parse(selector)
    if len(parsed) != 1 or parsed[0].pseudo_element:
        return []
    tree, compounds = parsed[0].parsed_tree, []  # (axes from the compound before, compound)
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in _AXES:
            return []
        compounds.insert(0, (_AXES[tree.combinator], tree.subselector))
        tree = tree.selector
    compounds.insert(0, (_AXES[" "], tree))
    steps = [(axes, str(_TRANSLATOR.xpath(compound))) for axes, compound in compounds]
    plans = []
    for anchor, (_, compound) in enumerate(compounds):
        key = _key(compound)
        if key is None:
            continue
        _INDEXED[key[0]].add(key[1])
        # The index holds exactly the elements with that id or class: when the compound
        # is that test over the rest, only the rest is checked.
        rest = compound.selector if isinstance(compound, (Hash, Class)) else compound
        if len(compounds) == 1 and isinstance(rest, Element) and rest.namespace is None:
            plans.append((*key, _of_tag(rest.element and rest.element.lower())))
            continue
        own = list(steps)
        own[anchor] = (own[anchor][0], str(_TRANSLATOR.xpath(rest)))
        path = own[0][1]
        for (up, _), step in own[1:anchor + 1]:
            path = f"{step}[{up}::{path}]"
        for (_, down), step in own[anchor + 1:]:
            path += f"/{down}::{step}"
        plans.append((*key, xpath(f"$candidates/self::{path}")))
    return plans


@lru_cache(maxsize=1024)
def xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression, regexp=False)  # no EXSLT regexp (unused): 0.4 us a call


@lru_cache(maxsize=4096)
def _absolute_url(base_scheme: str, href: str) -> str:
    """``safe_url_string(urljoin(base, href))`` for an href with its own host: the base
    only counts through its scheme, so the result is shared across pages."""
    if is_plain_url(href):
        return href
    return safe_url_string(urljoin(f"{base_scheme}://_/", href))


def _has_own_host(href: str) -> bool:
    """``http(s)://`` followed by a host (not ``/``, ``?``, ``#``, ``\\`` or nothing)."""
    scheme, _, rest = href.partition("://")
    if scheme not in ("http", "https"):
        return False
    return bool(rest) and rest[0] not in "/?#\\" and "\\" not in rest


def safe_canonical(url: str | None) -> str | None:
    """:func:`madar.urls.canonical_url` of a URL, None for none or a malformed one."""
    if not url:
        return None
    try:
        return canonical_url(url)
    except (ValueError, TypeError):
        return None


def collapse(text: str | None) -> str | None:
    """Whitespace runs (nbsp included) -> one space, trimmed; empty -> None."""
    if text is None:
        return None
    return " ".join(text.split()) or None  # str.split's whitespace is regex \s: same result


def tag_of(element: Any) -> str:
    """Lower-case tag name; "" for comments and processing instructions."""
    return element.tag.lower() if isinstance(element.tag, str) else ""


_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
#: Elements whose edges separate words even when the markup has no whitespace there.
BREAKING_TAGS = frozenset({
    "br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr",
    "table", "section", "article", "header", "footer", "aside", "nav", "blockquote", "pre",
    "figure", "figcaption", "dd", "dt", "dl", "hr", "main", "address", "center",
})


def _text_parts(element: Any, parts: list[str]) -> None:
    tag = tag_of(element)
    if not tag or tag in _SKIP_TEXT_TAGS:
        return
    breaking = tag in BREAKING_TAGS
    if breaking:
        parts.append(" ")
    if element.text:
        parts.append(element.text)
    for child in element:
        _text_parts(child, parts)
        if child.tail:
            parts.append(child.tail)
    if breaking:
        parts.append(" ")


def element_text(element: Any) -> str | None:
    """Visible text of an element (no script/style), whitespace collapsed. (The walk is a
    module function: a recursive closure would be a reference cycle per call.)"""
    if element is None:
        return None
    if not len(element):  # a leaf (a link, a date): its own text, no walk
        tag = tag_of(element)
        return collapse(element.text) if tag and tag not in _SKIP_TEXT_TAGS else None
    parts: list[str] = []
    _text_parts(element, parts)
    return collapse("".join(parts))


def classes(element: Any) -> str:
    """``class`` and ``id`` of an element, as one lower-case string for marker tests."""
    names, ident = element.get("class"), element.get("id")
    return f"{names or ''} {ident or ''}".lower() if names or ident else " "


def response_markup(response: TextResponse) -> str | bytes:
    """What a page reads of a response: its body when ``response.text`` would be that body
    decoded as UTF-8 (no BOM), since the parser reads UTF-8 bytes; else ``response.text``."""
    utf8 = response.encoding == "utf-8" and read_bom(response.body)[0] is None
    return response.body if utf8 else response.text


def _parse(markup: str | bytes) -> Any:
    """The tree of a page; bytes are read as UTF-8, invalid sequences replaced."""
    if isinstance(markup, str):
        markup = markup.encode("utf-8", "surrogatepass")
    elif not markup.isascii():
        try:  # valid UTF-8 is parsed as it is: no decode -> encode round trip
            markup.decode("utf-8")
        except UnicodeDecodeError:
            markup = markup.decode("utf-8", "replace").encode("utf-8")
    encoded = markup.translate(None, _CONTROL_BYTES)
    if b"\xef" in encoded:  # the first byte of U+FFFE and U+FFFF: memchr, not a search
        for noncharacter in _NONCHARACTERS:
            encoded = encoded.replace(noncharacter, b"")
    try:  # isspace, not strip: no copy of the page
        root = etree.fromstring(encoded, _PARSER) if encoded and not encoded.isspace() else None
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or not isinstance(root.tag, str):
        root = etree.fromstring(b"<html><body></body></html>", _PARSER)
    return root


_JSON = json.JSONDecoder(strict=False)  # json.loads(strict=False) builds one per call
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$")


def _load_json(raw: str) -> Any:
    """A JSON-LD block, tolerating CDATA/comment wrappers, trailing commas and garbage."""
    raw = raw.strip()
    if raw.startswith(("<!--", "//", "<![CDATA[")) or raw.endswith(("-->", "]]>")):
        raw = _CDATA.sub("", raw).strip()  # a regex scan of the whole block: only when needed
    if not raw:
        return None
    for candidate in (raw, _TRAILING_COMMA.sub(r"\1", raw)):
        try:
            return _JSON.decode(candidate)
        except ValueError:
            pass
    try:  # several objects back to back, or garbage after the first one
        return _JSON.raw_decode(raw)[0]
    except ValueError:
        return None


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _flatten(entry)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if graph is None:
            yield data
            return
        rest = {k: v for k, v in data.items() if k not in ("@graph", "@context")}
        if rest:
            yield rest
        yield from _flatten(graph)


ARTICLE_TYPES = frozenset({"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle",
                           "AnalysisNewsArticle", "OpinionNewsArticle", "BackgroundNewsArticle",
                           "Report", "TechArticle", "LiveBlogPosting"})


class HtmlDocument:
    """A page's tree and metadata, each computed once and shared."""

    def __init__(self, url: str, markup: str | bytes) -> None:
        self.url = url
        self.markup = markup

    @cached_property
    def root(self) -> Any:
        return _parse(self.markup)

    @cached_property
    def _head_tags(self) -> dict[str, list[Any]]:
        """``<base>``, ``<meta>``, ``<link>`` and ``<script>`` elements, in one walk of the tree."""
        found: dict[str, list[Any]] = {"base": [], "meta": [], "link": [], "script": []}
        for element in self.root.iter("base", "meta", "link", "script"):
            found[element.tag].append(element)
        return found

    @cached_property
    def base_url(self) -> str:
        base = [href for el in self._head_tags["base"] if (href := el.get("href")) is not None]
        return urljoin(self.url, base[0].strip()) if base and base[0].strip() else self.url

    @cached_property
    def _base_scheme(self) -> str:
        return urlsplit(self.base_url).scheme

    def absolute(self, href: str | None) -> str | None:
        """An href resolved against the page, percent-encoded; None for non-http links."""
        href = href.strip() if href else None
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            return None
        try:
            if self._base_scheme and _has_own_host(href):
                url = _absolute_url(self._base_scheme, href)
            else:
                url = safe_url_string(urljoin(self.base_url, href))
        except ValueError:  # a malformed URL (bad port, bad IPv6 literal): not a link
            return None
        return url if url.startswith(("http://", "https://")) else None

    @cached_property
    def _index(self) -> dict[str, dict[str, list[Any]]]:
        """Elements by id and by class token, document order, for the names in ``_INDEXED``
        (each a key, present or not): one walk over the tree."""
        by_id: dict[str, list[Any]] = {name: [] for name in _INDEXED["id"]}
        by_class: dict[str, list[Any]] = {name: [] for name in _INDEXED["class"]}
        for element in self.root.iter(etree.Element):
            get = element.get  # not ``element.attrib``: that builds a proxy per element
            value = get("id")
            if value and (found := by_id.get(value)) is not None:  # as XPath: not stripped
                found.append(element)
            value = get("class")
            if value:
                for name in value.split():
                    if (found := by_class.get(name)) is not None and _has_class(value, name):
                        found.append(element)
        return {"id": by_id, "class": by_class}

    def select(self, selector: str) -> list[Any]:
        """Elements matching a CSS selector, document order: through the index when a
        compound names an id or a class (from the compound with the fewest elements)."""
        plans = _plans(selector)
        if not plans:
            return css(selector)(self.root)
        try:
            sized = [(self._index[kind][key], matches) for kind, key, matches in plans]
        except KeyError:  # indexed before this selector was first used: once more, anew
            del self.__dict__["_index"]
            sized = [(self._index[kind][key], matches) for kind, key, matches in plans]
        # The fewest candidates (on a tie the later compound: less to search below it); one
        # XPath over them as a node-set: document order, no repeats. Most selectors have one.
        candidates, matches = (sized[0] if len(sized) == 1 else
                               min(reversed(sized), key=lambda plan: len(plan[0])))
        return matches(self.root, candidates=candidates) if candidates else []

    def first(self, selector: str) -> Any:
        found = self.select(selector)
        return found[0] if found else None

    @cached_property
    def body_classes(self) -> frozenset[str]:
        body = self.root.find("body")  # the parser puts <body> under <html>: no tree scan
        value = body.get("class") if body is not None else None
        if value is None:
            values = xpath("//body/@class")(self.root)
            value = values[0] if values else ""
        return frozenset(value.lower().split())

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        """``<meta property|name|itemprop=... content=...>``, values in page order."""
        found: dict[str, list[str]] = {}
        for el in self._head_tags["meta"]:
            key = el.get("property") or el.get("name") or el.get("itemprop")
            value = collapse(el.get("content"))
            if key and value:
                found.setdefault(key.strip().lower(), []).append(value)
        return found

    def meta_first(self, *keys: str) -> str | None:
        return next((self.meta[key][0] for key in keys if self.meta.get(key)), None)

    @cached_property
    def _link_hrefs(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for el in self._head_tags["link"]:
            href = el.get("href")
            if href:
                for rel in el.get("rel", "").lower().split():
                    found.setdefault(rel, []).append(href)
        return found

    def links(self, rel: str) -> list[str]:
        """Absolute hrefs of the ``<link>`` elements with this rel token, page order (only
        these are resolved: a WordPress head holds dozens of stylesheets and feeds)."""
        return [url for url in map(self.absolute, self._link_hrefs.get(rel, ())) if url]

    def link_first(self, rel: str) -> str | None:
        return next(iter(self.links(rel)), None)

    @cached_property
    def json_ld(self) -> list[dict[str, Any]]:
        """Every JSON-LD node on the page, ``@graph`` flattened; broken blocks skipped."""
        nodes: list[dict[str, Any]] = []
        for script in self._head_tags["script"]:
            if script.get("type", "").strip().lower() == "application/ld+json":
                nodes.extend(_flatten(_load_json(script.text or "")))
        return nodes

    def ld_nodes(self, types: frozenset[str] | set[str]) -> list[dict[str, Any]]:
        """JSON-LD nodes whose ``@type`` (a string or a list) is one of ``types``."""
        found = []
        for node in self.json_ld:
            kind = node.get("@type")
            kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
            if any(isinstance(k, str) and k in types for k in kinds):
                found.append(node)
        return found

    @cached_property
    def ld_article(self) -> dict[str, Any]:
        """The page's Article/NewsArticle node (merged over duplicates), or {}."""
        merged: dict[str, Any] = {}
        for node in self.ld_nodes(ARTICLE_TYPES):
            for key, value in node.items():
                merged.setdefault(key, value)
        return merged


class Page:
    """What article and listing pages share: the URL, the HTML, one parsed document."""

    def __init__(self, url: str, html: str | bytes, fetched_at: str | None = None, *,
                 document: HtmlDocument | None = None) -> None:
        self.page_url = url
        self.html = html
        self.fetched_at = fetched_at
        self.document = document or HtmlDocument(url, html)

    @cached_property
    def _now(self) -> datetime | None:
        return parse_datetime(self.fetched_at)

    def _canonical(self, href: str | None) -> str | None:
        """The canonical form of a link on the page (None for a non-http or bad one)."""
        return safe_canonical(self.document.absolute(href))
