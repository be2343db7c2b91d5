"""Archive mode's rules (``-a archive=1``): which sitemaps to walk, which entries to take.

The spider reads WordPress's sitemaps with Scrapy's :class:`~scrapy.utils.sitemap.Sitemap`;
these are its pure decisions. A window (``since``/``until``, inclusive) takes entries by the
day of their ``<lastmod>``, else of their permalink, so consecutive windows partition the
archive (docs/archive.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from madar.text.dates import iso_day
from madar.urls import permalink_date

#: Where WordPress and its SEO plugins put the sitemap index, tried in this order when
#: robots.txt names none.
FALLBACK_INDEX_PATHS = ("/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.xml")
#: Post sitemaps (Yoast/Rank Math/AIOSEO, WordPress core, generic); page, taxonomy and
#: author sitemaps hold no articles.
POST_SITEMAP = re.compile(
    r"/(?:post-sitemap\d*|wp-sitemap-posts-post-\d+|sitemap-posts?(?:-\d+)?)\.xml(?:\.gz)?$",
    re.IGNORECASE)
INDEX_SITEMAP = re.compile(r"/(?:sitemap_index|wp-sitemap|sitemap)\.xml(?:\.gz)?$",
                           re.IGNORECASE)


def follows(sitemap_url: str) -> bool:
    """Walk this sitemap? Post sitemaps and indexes yes; page/taxonomy/author ones no."""
    path = urlsplit(sitemap_url).path
    return bool(POST_SITEMAP.search(path) or INDEX_SITEMAP.search(path))


def entry_day(entry: dict[str, Any]) -> dt.date | None:
    """The day a sitemap entry is filed under: its lastmod's (as written), else its
    permalink's."""
    return iso_day(entry.get("lastmod")) or iso_day(permalink_date(entry.get("loc") or ""))


@dataclass(frozen=True)
class Window:
    """Inclusive day bounds of an archive chunk; both open by default."""

    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, day: dt.date) -> bool:
        return ((self.since is None or day >= self.since)
                and (self.until is None or day <= self.until))

    def admits_published(self, published: str | None) -> bool:
        """For an entry the sitemap could not date: keep the item by its publication day
        (kept without one: nothing says it is outside)."""
        day = iso_day(published)
        return day is None or self.contains(day)
