"""XML sitemaps as WordPress publishes them, in one of two styles per mirror.

- ``yoast`` (Yoast SEO, Rank Math): ``/sitemap_index.xml`` → ``post-sitemap.xml``,
  ``post-sitemap2.xml`` … (1,000 posts each, oldest first, ``<lastmod>`` on every URL and on
  every index entry), ``page-sitemap.xml`` (the home page first), ``category-sitemap.xml``,
  ``post_tag-sitemap.xml``, ``author-sitemap.xml``. ``/sitemap.xml`` redirects to the index.
- ``core`` (WordPress >= 5.5 without an SEO plugin): ``/wp-sitemap.xml`` →
  ``wp-sitemap-posts-post-1.xml`` … (2,000 posts each, oldest first, no ``<lastmod>``),
  ``wp-sitemap-posts-page-1.xml``, ``wp-sitemap-taxonomies-category-1.xml``,
  ``wp-sitemap-taxonomies-post_tag-1.xml``, ``wp-sitemap-users-1.xml``.

Every in-scope post is listed, archive-only posts and orphans included; pages, categories,
tags and authors are listed too, and are not articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .generator import Post, Site, wp_quote
from .render import BASE, e, permalink

STYLES = ("yoast", "core")
#: WordPress pages (``page`` post type): (title, slug, text).
PAGES = (
    ("من نحن", "about", "مدار اليوم موقع إخباري سوري مستقل."),
    ("اتصل بنا", "contact", "للتواصل مع أسرة التحرير راسلونا على البريد الإلكتروني."),
    ("سياسة الخصوصية", "privacy-policy", "نحترم خصوصية زوارنا ولا نبيع بياناتهم."),
)
PER_SITEMAP = {"yoast": 1000, "core": 2000}
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_YOAST_POSTS = re.compile(r"^/post-sitemap(\d*)\.xml$")
_CORE_POSTS = re.compile(r"^/wp-sitemap-posts-post-(\d+)\.xml$")


def index_path(style: str) -> str:
    return "/sitemap_index.xml" if style == "yoast" else "/wp-sitemap.xml"


@dataclass(frozen=True)
class Sitemaps:
    """The sitemaps of one site in one style: ``xml(path)`` answers a request."""

    site: Site
    style: str = "yoast"

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"sitemap style must be one of {STYLES}, got {self.style!r}")

    @property
    def posts(self) -> list[Post]:
        """What the post sitemaps list, oldest first (WordPress orders them by date)."""
        return [p for p in self.site.posts if p.in_scope]

    def post_chunks(self) -> list[list[Post]]:
        size = PER_SITEMAP[self.style]
        posts = self.posts
        return [posts[i:i + size] for i in range(0, len(posts), size)] or [[]]

    def post_sitemap_path(self, number: int) -> str:
        if self.style == "yoast":
            return "/post-sitemap.xml" if number == 1 else f"/post-sitemap{number}.xml"
        return f"/wp-sitemap-posts-post-{number}.xml"

    def paths(self) -> list[str]:
        """Every sitemap of the site, the index first."""
        posts = [self.post_sitemap_path(n) for n in range(1, len(self.post_chunks()) + 1)]
        if self.style == "yoast":
            others = ["/page-sitemap.xml", "/category-sitemap.xml", "/post_tag-sitemap.xml",
                      "/author-sitemap.xml"]
        else:
            others = ["/wp-sitemap-posts-page-1.xml", "/wp-sitemap-taxonomies-category-1.xml",
                      "/wp-sitemap-taxonomies-post_tag-1.xml", "/wp-sitemap-users-1.xml"]
        return [index_path(self.style), *posts, *others]

    def xml(self, path: str) -> str | None:
        """The sitemap at ``path`` (decoded), or None when there is none."""
        if path == index_path(self.style):
            return self._index()
        match = (_YOAST_POSTS if self.style == "yoast" else _CORE_POSTS).match(path)
        if match:
            number = int(match.group(1) or 1)
            chunks = self.post_chunks()
            if not 1 <= number <= len(chunks) or (self.style == "yoast" and match.group(1) == "1"):
                return None
            return self._urlset([(permalink(p), p.modified.isoformat())
                                 for p in chunks[number - 1]])
        others = dict(zip(self.paths()[-4:], (self._pages, self._categories, self._tags,
                                               self._authors), strict=True))
        render = others.get(path)
        return render() if render else None

    # --- documents ----------------------------------------------------------------------
    def _lastmod(self, value: str | None) -> str:
        return f"<lastmod>{value}</lastmod>" if value and self.style == "yoast" else ""

    def _urlset(self, entries: list[tuple[str, str | None]]) -> str:
        urls = "".join(f"<url><loc>{e(loc)}</loc>{self._lastmod(when)}</url>"
                       for loc, when in entries)
        return self._document(f"<urlset {_NS}>{urls}</urlset>")

    def _index(self) -> str:
        newest = self.site.posts[-1].modified.isoformat() if self.site.posts else None
        entries = [(self.post_sitemap_path(n), max(p.modified for p in chunk).isoformat()
                    if chunk else None) for n, chunk in enumerate(self.post_chunks(), 1)]
        entries += [(path, newest) for path in self.paths()[-4:]]
        items = "".join(f"<sitemap><loc>{BASE}{path}</loc>{self._lastmod(when)}</sitemap>"
                        for path, when in entries)
        return self._document(f"<sitemapindex {_NS}>{items}</sitemapindex>")

    def _document(self, body: str) -> str:
        style = ("" if self.style == "yoast" else
                 f'<?xml-stylesheet type="text/xsl" href="{BASE}/wp-sitemap.xsl" ?>\n')
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{style}{body}\n'

    def _pages(self) -> str:
        home = [(f"{BASE}/", self.site.posts[-1].modified.isoformat())] \
            if self.style == "yoast" else []
        return self._urlset(home + [(f"{BASE}/{slug}/", None) for _, slug, _ in PAGES])

    def _categories(self) -> str:
        return self._urlset([(f"{BASE}/category/{wp_quote(slug)}/", None)
                             for slug in self.site.categories.values()])

    def _tags(self) -> str:
        return self._urlset([(f"{BASE}/tag/{wp_quote(self.site.tags[name])}/", None)
                             for name in self.site.by_tag])

    def _authors(self) -> str:
        return self._urlset([(f"{BASE}/author/{slug}/", None) for slug in self.site.by_author])
