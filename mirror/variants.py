"""Markup variation axes: each renders the variants catalogued in ``docs/theme-markup.md``.

A post's page is drawn with one variant per axis. By default the choice is a deterministic
mix (a function of ``(seed, post id)``); ``fixed`` pins axes to one variant (tests), and
``mix=False`` draws every page with the base variants (the first of each axis). Variants
change the HTML only: the ground truth of a post never depends on them.

Variant ids follow the catalogue (``S-CA1`` = Sahifa check-also box, first markup); the
axes that are not theme templates (datelines, title noise, shortlink, tag metadata, plugin
chrome) have plain names.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .generator import Post


@dataclass(frozen=True)
class Axis:
    """One component's variants per theme; the first is the base. ``pinned_only`` variants
    (themes older than the site) are drawn only when pinned, never by the mix."""

    name: str
    sahifa: tuple[str, ...]
    jannah: tuple[str, ...]
    doc: str
    pinned_only: tuple[str, ...] = ()

    def variants(self, theme: str) -> tuple[str, ...]:
        return self.sahifa if theme == "sahifa" else self.jannah

    def mixed(self, theme: str) -> tuple[str, ...]:
        return tuple(v for v in self.variants(theme) if v not in self.pinned_only)


#: Plugin and editorial chrome inside the body container (not theme templates).
PLUGIN_CHROME = ("ad-label", "newsletter", "disclaimer", "follow-line")

AXES: tuple[Axis, ...] = (
    Axis("crumbs", ("S-CR1", "S-CR2", "S-CR0"), ("J-CR1",),
         "breadcrumb: Sahifa RDFa div (4.0-5.5) / nav + JSON-LD (5.8) / microdata div with bare"
         " delimiters (3.4); Jannah nav", pinned_only=("S-CR0",)),
    Axis("crumb_delimiter", ("slash", "raquo", "rsaquo"), ("slash", "raquo", "rsaquo"),
         "the breadcrumbs_delimiter option"),
    Axis("title", ("S-TI2", "S-TI1", "S-TI0"), ("J-TI1", "J-TI2"),
         "h1: Sahifa span (5.8) / itemReviewed microdata (4.0-5.5) / itemprop name, no span"
         " (3.4); Jannah plain (1.0-5.4) / padded (7.x)", pinned_only=("S-TI0",)),
    Axis("cover", ("none", "S-TI3"), ("none",),
         "Sahifa cover head: breadcrumb, title and meta above the content, image as CSS"),
    Axis("layout", ("none",), ("J-LAY1", "J-LAY2", "J-LAY3", "J-LAY4", "J-LAY6", "J-LAY7"),
         "Jannah post layout: head and image in the article (1, 2), the head (3, 4 on a"
         " background image) or the image (6) or both (7) full width above the content"),
    Axis("featured", ("S-FE1", "S-FE2"), ("J-FE1",),
         "featured image: Sahifa thumb / lightbox link; Jannah figure"),
    Axis("subtitle", ("none",), ("J-SUB0", "J-SUB1"), "Jannah h2.entry-sub-title"),
    Axis("meta", ("S-ME1", "S-ME0"), ("J-ME2", "J-ME1", "J-ME3", "J-ME4"),
         "post meta: Sahifa 5.x classed spans / 3.4-4.3 bare spans; Jannah 1.0-2.1 / 4.2-4.6"
         " / 5.0-5.4 (#single-post-meta) / 7.x (.single-post-meta)", pinned_only=("S-ME0",)),
    Axis("chrome", ("none", "S-CH1", "S-CH2", *PLUGIN_CHROME, "all"),
         ("none", "J-CH1", "J-CH2", "J-CH3", "J-CH4", "J-CH6", "J-CH7", "J-CH8", "J-CH9",
          "J-CH10",
          *PLUGIN_CHROME, "all"),
         "theme and plugin chrome inside (and right after) the body container; J-CH9 the"
         " read-next slider and J-CH10 the newsletter box in the post components"),
    Axis("tags", ("S-TAG1", "S-TAG2", "off"), ("J-TAG3", "J-TAG1", "J-TAG2", "J-TAG4", "off"),
         "tags block; 'off' (post_tags option) implies article:tag metadata"),
    Axis("tag_meta", ("none", "article-tag", "jsonld-keywords"),
         ("none", "article-tag", "jsonld-keywords"),
         "tag metadata an SEO plugin may add"),
    Axis("author_box", ("S-AU1",), ("J-AU1", "J-AU2"), "about-the-author box"),
    Axis("check_also", ("S-CA1",), ("J-CA1", "J-CA2", "J-CA3", "J-CA4", "J-CA5"),
         "check-also box: Sahifa section; Jannah 1.0 block / 2.1-4.2 widget list with h4 /"
         " 4.6 subtitle heading / 5.0 single-item class / 5.4-7.6 title link without h3"),
    Axis("check_also_number", ("one", "two"), ("one", "two"),
         "check_also_number option: one post, or two (the second is the first related post)"),
    Axis("box_titles", ("full", "cut"), ("full", "cut"),
         "check_also_title_length / related_title_length: box titles cut to a few words"),
    Axis("related", ("S-RE1", "S-RE2"), ("J-RE1", "J-RE1c", "J-RE2", "J-RE3"),
         "related posts: Sahifa after the post / inside the entry; Jannah in the components,"
         " after the comments, full width below, plus the inline box (5.0+)"),
    Axis("dateline", ("site", "agencies", "reuters", "afp", "exclusive"),
         ("site", "agencies", "reuters", "afp", "exclusive"),
         "who the dateline credits: the site, 'وكالات', (رويترز), (أ ف ب), 'خاص مدار اليوم'"),
    Axis("title_noise", ("none", "zwnj", "marks", "nbsp"), ("none", "zwnj", "marks", "nbsp"),
         "invisible characters in the h1 (the ground truth title stays clean)"),
    Axis("shortlink", ("link", "box", "none"), ("link", "box", "none"),
         "<link rel=shortlink> / only the theme's shortlink box / neither (id from body class)"),
)
AXIS_BY_NAME = {axis.name: axis for axis in AXES}
#: Posts drawn with the base variants always (the real seed page and its check-also post).
_FIXED_SPECIALS = frozenset({"seed", "check-also"})


@dataclass(frozen=True)
class Markup:
    """The variant of every axis for one page."""

    choice: tuple[tuple[str, str], ...]

    def __getitem__(self, axis: str) -> str:
        return dict(self.choice)[axis]

    def as_dict(self) -> dict[str, str]:
        return dict(self.choice)


def validate(fixed: Mapping[str, str]) -> None:
    """Raise ValueError for an unknown axis or a variant no theme has."""
    for name, variant in fixed.items():
        axis = AXIS_BY_NAME.get(name)
        if axis is None:
            raise ValueError(f"unknown markup axis {name!r} (known: {', '.join(AXIS_BY_NAME)})")
        if variant not in axis.sahifa + axis.jannah:
            raise ValueError(f"unknown variant {variant!r} of {name!r} "
                             f"(known: {', '.join(dict.fromkeys(axis.sahifa + axis.jannah))})")


def parse_fixed(pairs: list[str]) -> dict[str, str]:
    """``["check_also=J-CA3", …]`` (the CLI's ``--variant``) -> a validated mapping."""
    fixed = {}
    for pair in pairs:
        name, sep, variant = pair.partition("=")
        if not sep:
            raise ValueError(f"--variant wants AXIS=VARIANT, got {pair!r}")
        fixed[name.strip()] = variant.strip()
    validate(fixed)
    return fixed


def choose(post: Post, seed: int, fixed: Mapping[str, str] | None = None,
           mix: bool = True) -> Markup:
    """The page's variants: pinned ones from ``fixed`` (when the post's theme has them), the
    rest mixed by ``(seed, post id)`` or the base when ``mix`` is off."""
    theme = post.theme
    rng = random.Random(f"{seed}:markup:{post.id}")
    mixing = mix and post.special not in _FIXED_SPECIALS
    choice = {}
    for axis in AXES:
        options = axis.variants(theme)
        picked = rng.choice(axis.mixed(theme))  # drawn always: pinning one keeps the others
        pinned = (fixed or {}).get(axis.name)
        if pinned in options:
            choice[axis.name] = pinned
        else:
            choice[axis.name] = picked if mixing else options[0]
    _coherent(post, choice)
    return Markup(tuple(choice.items()))


def _coherent(post: Post, choice: dict[str, str]) -> None:
    """Combinations the truth needs: tags switched off leave them in metadata, and JSON-LD
    keywords only exist on pages that have JSON-LD."""
    no_jsonld = post.meta not in ("full", "jsonld_only", "no_modified")
    if choice["tag_meta"] == "jsonld-keywords" and no_jsonld:
        choice["tag_meta"] = "article-tag"
    if choice["tags"] == "off" and post.tags and choice["tag_meta"] == "none":
        choice["tag_meta"] = "article-tag"


# --- Theme drift: markup the page objects have never seen -----------------------------------
#: Class and id tokens of both themes renamed, as a redesign or a new theme would. WordPress'
#: own markers (body classes, ``<head>`` metadata, ``wp-caption``, ``rel=tag``) stay.
DRIFT_NAMES = {
    "crumbs": "trail", "breadcrumb": "trail", "delimiter": "trail-sep", "current": "trail-here",
    "crumbs-home": "trail-home", "the-post": "story", "post-listing": "story-card",
    "post-inner": "story-inner", "entry": "story-text", "entry-content": "story-body",
    "entry-header": "story-head", "entry-header-outer": "story-top", "post-title": "headline",
    "entry-title": "story-headline", "name": "headline-name", "entry-sub-title": "standfirst",
    "post-meta": "byline", "single-post-meta": "byline-main", "post-meta-author": "byline-who",
    "meta-author": "byline-who", "author-name": "who", "meta-author-wrapper": "byline-who-wrap",
    "author-meta": "byline-authors", "tie-date": "stamp", "date": "stamp",
    "post-cats": "sections", "post-cat-wrap": "sections", "post-cat": "section-link",
    "post-tag": "labels", "post-tags": "labels", "post-bottom-tags": "labels",
    "post-bottom-meta": "story-foot", "tagcloud": "label-list", "tags-title": "labels-title",
    "check-also-box": "read-next", "check-also-post": "read-next-item",
    "check-also-close": "read-next-close", "related_posts": "more-stories",
    "related-posts": "more-stories", "related-item": "more-story",
    "related-posts-list": "more-list", "posts-list-items": "read-next-list",
    "widget-post-list": "read-next-entry", "widget-single-post-item": "read-next-one",
    "post-widget-body": "read-next-body", "single-post-thumb": "lead-image",
    "single-post-caption": "lead-caption", "featured-area": "lead", "featured-area-inner":
    "lead-inner", "single-featured-image": "lead-figure", "single-caption-text": "lead-caption",
    "tie-short-link": "short-url", "post-shortlink": "short-url", "tie-body": "site-body",
    "tie-wrapper": "site-wrap", "tie-container": "site-box", "main-content": "main-column",
    "post-components": "story-extras", "about-author": "writer-box", "author-box": "writer-box",
    "block-head": "box-head", "stream-item": "promo", "e3lan": "promo",
    "post-cover-head": "lead-cover", "post-cover-title": "lead-cover-title",
}
_ATTRIBUTE = re.compile(r"""\b(class|id)=(["'])(.*?)\2""", re.S)
_BODY_ID = re.compile(r"""\b(id)=(["'])(.*?)\2""")


def _rename(match: re.Match) -> str:
    tokens = [DRIFT_NAMES.get(token, token) for token in match.group(3).split()]
    return f"{match.group(1)}={match.group(2)}{' '.join(tokens)}{match.group(2)}"


def drift_markup(html: str) -> str:
    """The page with the themes' class and id names replaced (``DRIFT_NAMES``); the body
    tag's classes (``single-post postid-N``) and the head stay as WordPress prints them."""
    body = re.search(r"<body\b[^>]*>", html)
    if body is None:
        return html
    body_tag = _BODY_ID.sub(_rename, body.group(0))
    return html[:body.start()] + body_tag + _ATTRIBUTE.sub(_rename, html[body.end():])
