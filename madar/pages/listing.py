"""Listing pages (home, category, tag, archive): where the posts and the next page are.

Posts are the title links of the main listing area: links inside headings, outside the
page chrome (header, menus, sidebar widgets, footer, tickers, related boxes). That rule holds
for both theme generations (Sahifa ``.post-box-title``/``.cat-box``, Jannah
``#posts-container .post-title``/``.mag-box``) without a selector set per theme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from madar.pages.document import HtmlDocument, canonical, classes, collapse, element_text, xpath
from madar.text.arabic import fold_arabic
from madar.text.dates import parse_datetime, parse_visible_date
from madar.urls import is_article_candidate, same_host

LATEST_NEWS = "آخر الأخبار"

_TITLE_LINKS = xpath("//*[self::h2 or self::h3 or self::h4]//a[@href]")
_CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:sidebar|widgets?|menu|navigation|footer|header|breaking|ticker|"
    r"related|check-also|crumbs|breadcrumbs?|comments?|e3lan|ads?|stream-item)(?:$|[\s_-])")
_CONTAINER = re.compile(r"(?:^|[\s_-])(?:post|item|item-list|post-item|recent-item|entry)"
                        r"(?:$|[\s_-])")
_DATE_CLASSES = re.compile(r"(?:^|[\s_-])(?:tie-date|date|post-date|entry-date|published)"
                           r"(?:$|[\s_-])")
_NEXT_LINKS = xpath(
    "//a[@href][contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
    " | //a[@href][contains(concat(' ', normalize-space(@class), ' '), ' next ')]"
    " | //*[@id='tie-next-page']//a[@href]"
    " | //*[contains(@class, 'pages-nav')]//li[contains(@class, 'next')]//a[@href]")
_CURRENT_PAGE = xpath(
    "//*[contains(@class, 'pagination') or contains(@class, 'pages-nav')"
    " or contains(@class, 'page-numbers') or contains(@class, 'wp-pagenavi')]"
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' current ')]")
_PAGINATION_LINKS = xpath(
    "ancestor::*[contains(@class, 'pagination') or contains(@class, 'pages-nav')"
    " or contains(@class, 'wp-pagenavi') or self::nav][1]//a[@href]")
_MENU_LINKS = xpath("//nav//a[@href] | //*[contains(@class, 'menu')]//a[@href]"
                    " | //*[@id='crumbs' or @id='breadcrumb']//a[@href]")
_ALL_LINKS = xpath("//a[@href]")


def _match_form(text: str | None) -> str:
    """Whitespace-normalized, diacritics- and hamza-insensitive form for text comparison."""
    return " ".join(fold_arabic(text or "").split())


def _container(anchor: Any) -> Any:
    """The list item or post box around a title link (``None`` outside one)."""
    for ancestor in anchor.iterancestors():
        tag = ancestor.tag.lower() if isinstance(ancestor.tag, str) else ""
        if tag in ("li", "article") or (tag == "div" and _CONTAINER.search(classes(ancestor))):
            return ancestor
        if tag in ("body", "html", "section", "ul", "ol"):
            return None
    return None


def _date_text(container: Any) -> str | None:
    if container is None:
        return None
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() == "time" or _DATE_CLASSES.search(classes(element)):
            text = element_text(element)
            if text:
                return text
    return None


def visible_date_of_link(anchor: Any) -> str | None:
    """The date shown beside a post's title link (listing entry, related box), as shown."""
    return _date_text(_container(anchor))


@dataclass(frozen=True)
class ListingEntry:
    """One post as a listing shows it."""

    url: str
    title: str | None
    date_raw: str | None
    #: ``YYYY-MM-DD`` parsed from ``date_raw`` (relative dates against ``fetched_at``)
    date: str | None


class ListingPage:
    """A home, category, tag or archive page."""

    def __init__(self, url: str, html: str | bytes, fetched_at: str | None = None, *,
                 document: HtmlDocument | None = None) -> None:
        self.url = url
        self.html = html
        self.fetched_at = fetched_at
        self.document = document or HtmlDocument(url, html)

    def _canonical(self, href: str | None) -> str | None:
        absolute = self.document.absolute(href)
        if not absolute:
            return None
        try:
            return canonical(absolute)
        except ValueError:
            return None

    @cached_property
    def _now(self) -> datetime | None:
        return parse_datetime(self.fetched_at)

    @staticmethod
    def _in_chrome(element: Any) -> bool:
        for ancestor in element.iterancestors():
            tag = ancestor.tag.lower() if isinstance(ancestor.tag, str) else ""
            if tag in ("body", "html"):
                return False
            if tag in _CHROME_TAGS or _CHROME.search(classes(ancestor)):
                return True
        return False

    def _is_post_link(self, url: str) -> bool:
        return same_host(url, self.url) and is_article_candidate(url)

    @cached_property
    def _entries(self) -> list[ListingEntry]:
        entries: list[ListingEntry] = []
        seen: set[str] = set()
        own = self._canonical(self.url)
        for anchor in _TITLE_LINKS(self.document.root):
            url = self._canonical(anchor.get("href"))
            if not url or url in seen or url == own or not self._is_post_link(url):
                continue
            if self._in_chrome(anchor):
                continue
            seen.add(url)
            date_raw = visible_date_of_link(anchor)
            entries.append(ListingEntry(url=url, title=element_text(anchor), date_raw=date_raw,
                                        date=parse_visible_date(date_raw, self._now)))
        return entries

    def entries(self) -> list[ListingEntry]:
        """Posts of the main listing area with their visible dates, page order."""
        return list(self._entries)

    def article_links(self) -> list[str]:
        """Canonical absolute URLs of the posts in the main listing area, page order."""
        return [entry.url for entry in self._entries]

    def next_page_url(self) -> str | None:
        """The next listing page: rel=next, a "next" pagination link, or current page + 1."""
        own = self._canonical(self.url)
        candidate = self.document.link_first("next")
        if candidate:
            url = self._canonical(candidate)
            if url and url != own:
                return url
        for anchor in _NEXT_LINKS(self.document.root):
            url = self._canonical(anchor.get("href"))
            if url and url != own and same_host(url, self.url):
                return url
        for current in _CURRENT_PAGE(self.document.root):
            number = collapse(element_text(current))
            if not number or not number.isdigit():
                continue
            wanted = str(int(number) + 1)
            for anchor in _PAGINATION_LINKS(current):
                if collapse(element_text(anchor)) == wanted:
                    url = self._canonical(anchor.get("href"))
                    if url and url != own:
                        return url
        return None

    def latest_news_url(self) -> str | None:
        """The category link titled ``آخر الأخبار`` (menu or breadcrumb first)."""
        wanted = _match_form(LATEST_NEWS)
        for links in (_MENU_LINKS, _ALL_LINKS):
            for anchor in links(self.document.root):
                if _match_form(element_text(anchor)) == wanted:
                    url = self._canonical(anchor.get("href"))
                    if url:
                        return url
        return None


def latest_news_url(url: str, html: str | bytes) -> str | None:
    """``ListingPage(url, html).latest_news_url()`` for any page (articles have menus too)."""
    return ListingPage(url, html).latest_news_url()


__all__ = ["LATEST_NEWS", "ListingEntry", "ListingPage", "latest_news_url"]
