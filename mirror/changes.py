"""Variants of one generated site: an archive the navigation no longer reaches, edits, new posts.

``SiteChanges()`` (all zero) is the plain site, byte for byte. Otherwise the variant starts
from the same posts and applies, in this order and each with its own random stream (so
``edited=20`` picks the same 20 posts whatever ``added`` is):

- ``archive_only``: that share of the posts is published but linked by no listing, box,
  read-also link or feed any more; only the sitemaps list them (like years-old stories).
- ``edited``: that many posts get a new closing sentence and a ``modified`` date after
  every other date of the site (sitemap ``<lastmod>`` and ``article:modified_time`` move).
- ``added``: that many new posts, published after the newest one, at the top of the listings
  and the feed.

A test serves the plain site, crawls, then serves ``SiteChanges(edited=20, added=30)`` and
expects exactly those 20 revisions and 30 new articles (``MirrorServer.change``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from . import vocab
from .generator import (
    Post,
    Site,
    _decorate,
    _index_site,
    _StoryMaker,
    slugify,
    syria_tz,
)

#: The sentence an edit appends to a post's last paragraph (numbered, so every edit differs).
EDIT_NOTE = "وفي تحديث لاحق أفادت مصادر مدار اليوم بمعلومات إضافية حول الموضوع رقم {n}."


@dataclass(frozen=True)
class SiteChanges:
    archive_only: float = 0.0
    edited: int = 0
    added: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.archive_only < 1.0:
            raise ValueError(f"archive_only must be in [0, 1), got {self.archive_only}")
        if self.edited < 0 or self.added < 0:
            raise ValueError("edited and added must be >= 0")

    @property
    def plain(self) -> bool:
        return self == SiteChanges()


def apply_changes(site: Site, changes: SiteChanges, seed: int) -> Site:
    """A new ``Site`` over ``site``'s posts (which it modifies: pass a fresh build)."""
    posts = list(site.posts)
    if changes.archive_only:
        _hide_from_navigation(posts, changes.archive_only, random.Random(f"archive:{seed}"))
    if changes.edited:
        _edit(posts, changes.edited, random.Random(f"edit:{seed}"))
    if changes.added:
        posts += _new_posts(posts, changes.added, random.Random(f"added:{seed}"))
    return _index_site(posts, random.Random(f"index:{seed}"), keep_most_read=site.most_read)


def _plain(post: Post) -> bool:
    """A post without a role in other tests (seed, broken, orphan, duplicate, ...)."""
    return (not post.special and post.status == 200 and not post.wrong_charset
            and not post.slow and post.duplicate_of is None)


def _hide_from_navigation(posts: list[Post], share: float, rng: random.Random) -> None:
    candidates = [p for p in posts if _plain(p)]
    hidden = rng.sample(candidates, min(len(candidates), round(share * len(posts))))
    hidden_ids = {p.id for p in hidden}
    for post in hidden:
        post.archive_only, post.special = True, "archive-only"
    for post in posts:
        links = [i for i in ([post.check_also] if post.check_also else []) + post.related
                 if i not in hidden_ids]
        post.check_also, post.related = (links[0], links[1:4]) if links else (None, [])
        if post.read_also and post.read_also[0] in hidden_ids:
            post.read_also = None


def _edit(posts: list[Post], count: int, rng: random.Random) -> None:
    newest = max(max(p.published, p.modified) for p in posts)
    candidates = [p for p in posts if _plain(p) or p.special == "archive-only"]
    for n, post in enumerate(sorted(rng.sample(candidates, min(count, len(candidates))),
                                    key=lambda p: p.id), start=1):
        post.sentences = [list(par) for par in post.sentences]
        post.sentences[-1].append(EDIT_NOTE.format(n=n))
        post.modified = newest + timedelta(days=1, minutes=7 * n)
        post.edited = True


def _new_posts(posts: list[Post], count: int, rng: random.Random) -> list[Post]:
    maker = _StoryMaker(rng)
    newest = max(max(p.published, p.modified) for p in posts)
    next_id = max(p.id for p in posts) + 3
    slugs = {p.slug for p in posts}
    linkable = [p.id for p in posts[-60:] if p.status == 200 and not p.orphan
                and not p.archive_only and not p.slow]
    new: list[Post] = []
    for n in range(count):
        kind = rng.choice(tuple(vocab.TITLES))
        slots = maker.event_slots(kind)
        templates = maker.story_templates(kind, 1)[0]
        naive = (newest + timedelta(days=2, hours=n)).replace(tzinfo=None)
        post = Post(id=next_id, title=maker.title(kind, slots, set()),
                    published=naive.replace(tzinfo=syria_tz(naive)), kind=kind,
                    event=-100 - n, sentences=maker.story(kind, slots, templates))
        _decorate(post, rng, slots)
        post.modified = post.published  # new posts are not edited yet
        post.special = "added"
        post.check_also, *post.related = rng.sample(linkable, min(4, len(linkable)))
        slug = slugify(post.title)
        post.slug = slug if slug not in slugs else f"{slug}-{post.id}"
        slugs.add(post.slug)
        next_id += rng.randint(2, 9)
        new.append(post)
    return new
