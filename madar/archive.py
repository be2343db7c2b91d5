"""Archive mode's rules (``-a archive=1``): which sitemaps to walk, which entries to take.

WordPress publishes its whole archive in XML sitemaps named by robots.txt (``Sitemap:``):
Yoast and Rank Math as ``sitemap_index.xml`` → ``post-sitemap.xml``, ``post-sitemap2.xml`` …
with ``<lastmod>``, WordPress core as ``wp-sitemap.xml`` → ``wp-sitemap-posts-post-1.xml`` …
without. Only post sitemaps hold articles; page, category, tag and author sitemaps do not.
The spider parses them with Scrapy's own :class:`scrapy.utils.sitemap.Sitemap`; this module
holds the pure decisions, tested without network.

A window (``since``/``until``, both inclusive) selects entries by the day of their
``<lastmod>`` (as written, in the site's offset), so consecutive windows partition the
archive: each article falls in exactly one chunk of a backfill. An entry without lastmod is
dated by its permalink (``/YYYY/MM/DD/``, WordPress's date permalinks); an entry with
neither is fetched and kept when its ``published`` day is in the window.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from madar.text.dates import iso_day

#: Where WordPress and its SEO plugins put the sitemap index, tried in this order when
#: robots.txt names none (``/sitemap.xml`` redirects to the index on WordPress sites).
FALLBACK_INDEX_PATHS = ("/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.xml")
#: Post sitemaps: Yoast/Rank Math/AIOSEO ``post-sitemap[N].xml``, core
#: ``wp-sitemap-posts-post-N.xml``, and the generic ``sitemap-posts[-N].xml``.
POST_SITEMAP = re.compile(
    r"/(?:post-sitemap\d*|wp-sitemap-posts-post-\d+|sitemap-posts?(?:-\d+)?)\.xml(?:\.gz)?$",
    re.IGNORECASE)
#: Names of sitemap indexes (followed when robots.txt names them).
INDEX_SITEMAP = re.compile(r"/(?:sitemap_index|wp-sitemap|sitemap)\.xml(?:\.gz)?$",
                           re.IGNORECASE)
_DATE_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/")


def follows(sitemap_url: str) -> bool:
    """Walk this sitemap? Post sitemaps and indexes yes; page/taxonomy/author ones no."""
    path = urlsplit(sitemap_url).path
    return bool(POST_SITEMAP.search(path) or INDEX_SITEMAP.search(path))


def parse_day(value: str | None, name: str = "date") -> dt.date | None:
    """``YYYY-MM-DD`` as a date (``None`` for empty); a clear ``ValueError`` otherwise."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None


def entry_day(entry: dict[str, Any]) -> dt.date | None:
    """The day a sitemap entry is filed under: its lastmod's, else its permalink's."""
    return iso_day(entry.get("lastmod")) or permalink_day(entry.get("loc") or "")


def permalink_day(url: str) -> dt.date | None:
    match = _DATE_PATH.match(urlsplit(url).path)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


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
        (an item without a readable one is kept: nothing says it is outside)."""
        day = iso_day(published)
        return day is None or self.contains(day)
