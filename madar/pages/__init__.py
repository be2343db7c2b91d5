"""Extraction: page objects that turn one HTML page into an Article (or listing links).

The spider holds no selectors; it calls :func:`article_page_for` on every page it suspects
is an article and :class:`ListingPage` on home/category pages.
"""

from madar.pages.base import ArticlePage, MetadataArticlePage, attribute
from madar.pages.chooser import article_page_for, is_article
from madar.pages.document import HtmlDocument
from madar.pages.listing import LATEST_NEWS, ListingEntry, ListingPage, latest_news_url
from madar.pages.themes import AmpArticlePage, JannahArticlePage, SahifaArticlePage

__all__ = [
    "LATEST_NEWS", "AmpArticlePage", "ArticlePage", "HtmlDocument", "JannahArticlePage",
    "ListingEntry", "ListingPage", "MetadataArticlePage", "SahifaArticlePage", "article_page_for",
    "attribute", "is_article", "latest_news_url",
]
