"""Extraction: page objects that turn one HTML page into an Article or listing links."""

from madar.pages.base import ArticlePage, MetadataArticlePage
from madar.pages.document import HtmlDocument
from madar.pages.listing import LATEST_NEWS, ListingEntry, ListingPage
from madar.pages.themes import (
    AmpArticlePage,
    JannahArticlePage,
    SahifaArticlePage,
    article_page_for,
    is_article,
)

__all__ = [
    "LATEST_NEWS", "AmpArticlePage", "ArticlePage", "HtmlDocument", "JannahArticlePage",
    "ListingEntry", "ListingPage", "MetadataArticlePage", "SahifaArticlePage", "article_page_for",
    "is_article",
]
