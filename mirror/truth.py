"""Ground truth: what the final feed must contain for each article post of the mirror.

Computed from the generator's own ``Post`` objects, never from the HTML. Precedence a careful
extractor follows (and this file encodes):

- ``published``/``modified``: page metadata first (``article:published_time`` /
  ``article:modified_time`` meta, else JSON-LD ``datePublished``/``dateModified``), as the
  ISO string given there; else the visible date as ``YYYY-MM-DD``; else null. No modified
  metadata -> ``modified`` null (the visible date is never used for ``modified``).
- ``url``: the canonical permalink (``madar.urls.canonical_url``), ``post_id`` from the body
  class ``postid-N`` / shortlink; ``shortlink`` is ``<base>/?p=ID``.
- ``category``: the breadcrumb; ``categories``: post-meta order (the seed page shows no
  post-meta, so its list is the breadcrumb category alone); ``title``: the visible ``h1``.
- ``text``: the body paragraphs, cleaned (see ``clean_text``), dateline removed.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from madar.items import ARTICLE_FIELDS
from madar.urls import canonical_url

from .changes import SiteChanges
from .generator import Post, Site, build_site
from .render import visible_date

_INVISIBLE = re.compile("[\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE_BEFORE_PUNCT = re.compile(r" +([،؛؟.!:,;])")


def clean_text(text: str) -> str:
    """The cleaning convention the ground truth assumes for body text.

    Tatweel and zero-width/direction marks removed, nbsp -> space, whitespace collapsed to
    single spaces, no space before ، ؛ ؟ . ! : , ; (the seed has ``منتصفه , إلا``).
    """
    text = _INVISIBLE.sub("", text.replace("\u00a0", " "))
    text = re.sub(r"\s+", " ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def _url_forms(base: str, post: Post) -> list[str]:
    link = base + post.path
    return [link, link[:-1], f"{base}/?p={post.id}",
            f"{link}?utm_source=facebook&utm_medium=social&fbclid=IwAR0mirror{post.id}",
            f"{link}#comments", f"{link}amp/"]


def article_record(site: Site, post: Post, base: str,
                   urls: dict[int, str] | None = None) -> dict:
    """The expected feed item for one post, plus ``_``-prefixed meta keys.

    ``urls`` (post id -> canonical URL) saves recomputing w3lib canonicalization.
    """
    def url_of(post_id: int) -> str:
        if urls is not None and post_id in urls:
            return urls[post_id]
        return canonical_url(base + site.by_id[post_id].path)

    shown = visible_date(post)
    if post.meta != "visible_only":
        published: str | None = post.published.isoformat()
    else:
        published = post.published.date().isoformat() if shown else None
    modified = post.modified.isoformat() if post.meta in ("full", "meta_only", "jsonld_only") \
        else None
    related_ids = ([post.check_also] if post.check_also else []) + post.related
    related = list(dict.fromkeys(url_of(i) for i in related_ids))
    paragraphs = [clean_text(p) for p in post.verbatim] if post.verbatim else post.paragraphs
    record = {
        "url": url_of(post.id),
        "post_id": post.id,
        "shortlink": f"{base}/?p={post.id}",
        "title": post.title,
        "published": published,
        "published_raw": shown,
        "modified": modified,
        "category": post.category,
        "categories": list(post.categories),
        "tags": list(post.tags),
        "author": post.author[0] if post.author else None,
        "dateline": post.dateline,
        "text": "\n\n".join(paragraphs),
        "images": [{"url": base + post.image_path(img), "caption": img.caption}
                   for img in post.all_images()],
        "related": related,
        "language": "ar",
        "fetched_at": None,
        "revision": 1,
    }
    assert tuple(record) == ARTICLE_FIELDS, "ground truth keys drifted from madar/items.py"
    record.update({
        "_in_scope": post.in_scope,
        "_theme": post.theme,
        "_duplicate_of": post.duplicate_of,
        "_url_forms": _url_forms(base, post),
        "_event": post.event,
        "_special": post.special or None,
    })
    return record


def ground_truth(base_url: str, articles: int = 200, seed: int = 1,
                 changes: SiteChanges | None = None) -> list[dict]:
    """One record per article post (orphans, the republished copy, the seed and, in a
    variant, the archive-only, edited and added posts included)."""
    return [dict(r) for r in _ground_truth(base_url.rstrip("/"), articles, seed,
                                           changes or SiteChanges())]


@lru_cache(maxsize=4)
def _ground_truth(base: str, articles: int, seed: int,
                  changes: SiteChanges) -> tuple[dict, ...]:
    site = build_site(articles, seed, changes)
    urls = {p.id: canonical_url(base + p.path) for p in site.posts}
    return tuple(article_record(site, p, base, urls) for p in site.posts)


def token_f1(expected: str | None, got: str | None) -> float:
    """Bag-of-words F1 of an extracted body against the ground truth's (1.0: identical)."""
    exp, out = Counter((expected or "").split()), Counter((got or "").split())
    if not exp and not out:
        return 1.0
    overlap = sum((exp & out).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(out.values()), overlap / sum(exp.values())
    return 2 * precision * recall / (precision + recall)
