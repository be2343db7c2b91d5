"""Listing pages (home, category, tag, archive): the posts, their dates, the next page.

Posts are the title links of the main listing area (links inside headings, outside the page
chrome): one rule for both theme generations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from madar.pages.document import Page, classes, collapse, element_text, tag_of, xpath
from madar.text.arabic import fold_arabic
from madar.text.dates import parse_visible_date
from madar.urls import is_article_candidate, same_host

LATEST_NEWS = "آخر الأخبار"

_CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:sidebar|widgets?|menu|navigation|footer|header|breaking|ticker|"
    r"related|check-also|crumbs|breadcrumbs?|comments?|e3lan|ads?|stream-item)(?:$|[\s_-])")
# A word of a class or id, between "-", "_" or spaces: "post" is also in "post-item".
_CONTAINER = re.compile(r"(?:^|[\s_-])(?:post|item|entry)(?:$|[\s_-])")
_DATE_CLASSES = re.compile(r"(?:^|[\s_-])(?:date|published)(?:$|[\s_-])")
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


def _title_links(root: Any) -> list[Any]:
    """``//*[self::h2 or self::h3 or self::h4]//a[@href]``: document order, each link once
    (headings can nest), by lxml's tag iteration at a tenth of that XPath's cost."""
    return list(dict.fromkeys(link for heading in root.iter("h2", "h3", "h4")
                              for link in heading.iter("a") if link.get("href") is not None))


def _match_form(text: str | None) -> str:
    """Whitespace-normalized, diacritics- and hamza-insensitive form for text comparison."""
    return " ".join(fold_arabic(text or "").split())


def _container(anchor: Any) -> Any:
    """The list item or post box around a title link (``None`` outside one)."""
    for ancestor in anchor.iterancestors():
        tag = tag_of(ancestor)
        if tag in ("li", "article") or (tag == "div" and _CONTAINER.search(classes(ancestor))):
            return ancestor
        if tag in ("body", "html", "section", "ul", "ol"):
            return None
    return None


def visible_date_of_link(anchor: Any) -> str | None:
    """The date shown beside a post's title link (listing entry, related box), as shown:
    the first ``<time>`` or date-classed element of its list item or post box."""
    container = _container(anchor)
    for element in container.iter() if container is not None else ():
        tag = tag_of(element)
        if tag and (tag == "time" or _DATE_CLASSES.search(classes(element))):
            text = element_text(element)
            if text:
                return text
    return None


@dataclass(frozen=True)
class ListingEntry:
    """One post as a listing shows it."""

    url: str
    title: str | None
    date_raw: str | None
    #: ``YYYY-MM-DD`` parsed from ``date_raw`` (relative dates against ``fetched_at``)
    date: str | None


class ListingPage(Page):
    """A home, category, tag or archive page."""

    @cached_property
    def _chrome(self) -> dict[Any, bool]:
        """Per ancestor of the links checked so far (they share most): is it, or one above
        it below ``<body>``, page chrome?"""
        return {}

    def _in_chrome(self, element: Any) -> bool:
        passed: list[Any] = []
        found = False
        for ancestor in element.iterancestors():
            if ancestor in self._chrome:
                found = self._chrome[ancestor]
                break
            tag = tag_of(ancestor)
            if tag in ("body", "html"):
                break
            if tag in _CHROME_TAGS or _CHROME.search(classes(ancestor)):
                found = True
                break
            passed.append(ancestor)
        self._chrome.update(dict.fromkeys(passed, found))
        return found

    @cached_property
    def _entries(self) -> list[ListingEntry]:
        entries: dict[str, ListingEntry] = {}
        own = self._canonical(self.page_url)
        for anchor in _title_links(self.document.root):
            url = self._canonical(anchor.get("href"))
            if (not url or url in entries or url == own or not same_host(url, self.page_url)
                    or not is_article_candidate(url) or self._in_chrome(anchor)):
                continue
            date_raw = visible_date_of_link(anchor)
            entries[url] = ListingEntry(url=url, title=element_text(anchor), date_raw=date_raw,
                                        date=parse_visible_date(date_raw, self._now))
        return list(entries.values())

    def entries(self) -> list[ListingEntry]:
        """Posts of the main listing area with their visible dates, page order."""
        return list(self._entries)

    def article_links(self) -> list[str]:
        """Canonical absolute URLs of the posts in the main listing area, page order."""
        return [entry.url for entry in self._entries]

    def next_page_url(self) -> str | None:
        """The next listing page: rel=next, a "next" pagination link, or current page + 1."""
        own = self._canonical(self.page_url)
        url = self._canonical(self.document.link_first("next"))
        if url and url != own:
            return url
        for anchor in _NEXT_LINKS(self.document.root):
            url = self._canonical(anchor.get("href"))
            if url and url != own and same_host(url, self.page_url):
                return url
        for current in _CURRENT_PAGE(self.document.root):
            number = collapse(element_text(current))
            if not number or not number.isdigit():
                continue
            for anchor in _PAGINATION_LINKS(current):
                if collapse(element_text(anchor)) == str(int(number) + 1):
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
