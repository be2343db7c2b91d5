"""The mirror's data: a deterministic site model built from (articles, seed).

Everything the pages show and everything the ground truth says comes from the ``Post``
objects built here, never from parsing HTML. Building is cheap (no HTML): 20,000 posts take
about a second; pages are rendered lazily by ``render``.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import seed as seed_data
from . import vocab

if TYPE_CHECKING:
    from .changes import SiteChanges

LATEST = "آخر الأخبار"
#: Topical categories; every listed post is also in LATEST.
TOPICAL = ("سوريا", "عربي ودولي", "اقتصاد", "مجتمع", "تقارير")
KIND_CATEGORIES = {
    "talks": ("سوريا", "عربي ودولي"),
    "clashes": ("سوريا", "تقارير"),
    "economy": ("اقتصاد", "تقارير"),
    "services": ("مجتمع",),
    "humanitarian": ("تقارير", "سوريا"),
    "education": ("مجتمع",),
}
CATEGORY_NAMES = (LATEST, *TOPICAL)
#: The day the site switched from Sahifa to Jannah (older posts keep the old markup).
JANNAH_SINCE = datetime(2019, 6, 1, tzinfo=timezone(timedelta(hours=3)))
FIRST_DAY = datetime(2015, 1, 1)
LAST_DAY = datetime(2024, 6, 30)
FIRST_POST_ID = 1200
PER_PAGE = 10

_DIACRITICS = re.compile("[\u064b-\u0652\u0670]")
_SLUG_DROP = re.compile(r"[^\w\s-]|_")


def slugify(text: str) -> str:
    """WordPress-like slug of an Arabic title: no diacritics or punctuation, words joined by -."""
    text = _SLUG_DROP.sub(" ", _DIACRITICS.sub("", text))
    return "-".join(w for w in text.replace("-", " ").split() if w)


def wp_quote(text: str) -> str:
    """Percent-encode like WordPress: UTF-8, lower-case hex."""
    return quote(text, safe="-").lower()  # WordPress slugs are lower case anyway


def syria_tz(day: datetime) -> timezone:
    """Damascus offset: +03:00 in summer (and all year since late 2022), +02:00 in winter."""
    summer = 4 <= day.month <= 10 or day.year >= 2023
    return timezone(timedelta(hours=3 if summer else 2))


@dataclass
class BodyImage:
    """An image of a post (featured when ``after`` is -1), its file named after the post id."""

    k: int
    caption: str | None
    lazy: bool
    after: int
    linked: bool = False


@dataclass(eq=False)  # identity semantics: posts are compared and hashed by object
class Post:
    id: int = 0
    slug: str = ""
    title: str = ""
    published: datetime = FIRST_DAY
    modified: datetime = FIRST_DAY
    kind: str = "talks"
    event: int = 0
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    author: tuple[str, str] | None = None
    dateline: str | None = None
    dateline_style: str = "none"  # 'line' | 'inline' | 'none'
    dash: str = "–"
    sentences: list[list[str]] = field(default_factory=list)
    #: body text exactly as rendered (the seed keeps its original spacing); None = sentences
    verbatim: list[str] | None = None
    featured: BodyImage | None = None
    images: list[BodyImage] = field(default_factory=list)
    check_also: int | None = None
    related: list[int] = field(default_factory=list)
    read_also: tuple[int, int] | None = None  # (post id, after paragraph index)
    meta: str = "full"  # 'full' | 'meta_only' | 'jsonld_only' | 'visible_only' | 'no_modified'
    visible_date: bool = True
    show_meta: bool = True
    indic_digits: bool = False
    canonical_link: bool = True
    shortlink_link: bool = True
    open_graph: bool = True
    amp: bool = False
    orphan: bool = False
    #: listed only in the sitemaps (``changes.SiteChanges.archive_only``)
    archive_only: bool = False
    edited: bool = False
    noise: bool = False
    status: int = 200
    slow: bool = False
    wrong_charset: bool = False
    related_tracking: bool = False
    duplicate_of: int | None = None
    comments: int = 0
    special: str = ""
    _dup_source: Post | None = None

    @property
    def category(self) -> str:
        return self.categories[0]

    @property
    def theme(self) -> str:
        return "jannah" if self.published >= JANNAH_SINCE else "sahifa"

    @cached_property  # first read after ids, dates and slugs are final (``_index_site``)
    def path(self) -> str:
        d = self.published
        return f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{wp_quote(self.slug)}/"

    @property
    def decoded_path(self) -> str:
        d = self.published
        return f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{self.slug}/"

    @property
    def paragraphs(self) -> list[str]:
        """Clean body paragraphs (no dateline), as the ground truth wants them."""
        return [" ".join(s) for s in self.sentences]

    @property
    def in_scope(self) -> bool:
        return self.status == 200

    def image_path(self, img: BodyImage) -> str:
        d = self.published
        return f"/wp-content/uploads/{d.year:04d}/{d.month:02d}/madar-{self.id}-{img.k}.jpg"

    def attachment_path(self, img: BodyImage) -> str:
        return f"{self.path}madar-{self.id}-{img.k}/"

    def all_images(self) -> list[BodyImage]:
        return ([self.featured] if self.featured else []) + self.images


@dataclass
class Site:
    posts: list[Post]  # sorted by publication time, oldest first
    by_id: dict[int, Post]
    by_path: dict[str, Post]  # decoded permalink path -> post
    categories: dict[str, str]  # name -> slug
    tags: dict[str, str]  # name -> slug
    listed: list[Post]  # newest first: what listings show (no orphans)
    by_category: dict[str, list[Post]]  # newest first
    by_tag: dict[str, list[Post]]
    by_author: dict[str, list[Post]]
    by_month: dict[tuple[int, int], list[Post]]
    most_read: list[Post]
    broken: Post  # the listed post that answers 500
    listed_index: dict[int, int]  # post id -> position in ``listed``


def tag_slug(name: str) -> str:
    return slugify(name)


class _StoryMaker:
    """Fills the templates of one event; several stories of one event share its slots."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def event_slots(self, kind: str) -> dict[str, str]:
        r = self.rng
        c1, c2 = r.sample(vocab.COUNTRIES, 2)
        (p1, r1), (p2, r2) = r.sample(vocab.OFFICIALS, 2)
        lp, lr = r.choice(vocab.LOCAL_OFFICIALS)
        return {
            "place": r.choice(vocab.SYRIAN_PLACES), "city": r.choice(vocab.CAPITALS),
            "c1": c1, "c2": c2, "p1": p1, "r1": r1, "p2": p2, "r2": r2, "lp": lp, "lr": lr,
            "org": r.choice(vocab.ORGS), "src": r.choice(vocab.SOURCES),
            "topic": r.choice(vocab.TALK_TOPICS), "round": r.choice(vocab.ROUNDS),
            "n": str(r.randint(3, 40)), "n2": str(r.randint(5, 120)),
            "side": r.choice(vocab.SIDES), "weapon": r.choice(vocab.WEAPONS),
            "commodity": r.choice(vocab.COMMODITIES), "pct": str(r.randint(5, 60)),
            "rate": str(r.randint(45, 140) * (10 if r.random() < 0.5 else 100)),
            "service": r.choice(vocab.SERVICES), "hours": str(r.randint(4, 20)),
            "edu": r.choice(vocab.EDU_HEALTH),
        }

    def sentence(self, kind: str, slots: dict[str, str], exclude: set[str]) -> str:
        r = self.rng
        pool = vocab.SENTENCES[kind] + vocab.GENERIC_SENTENCES
        for _ in range(8):
            template = r.choice(pool)
            if template not in exclude:
                break
        exclude.add(template)
        return self.vary(template.format_map(dict(slots, src=r.choice(vocab.SOURCES))))

    def vary(self, sentence: str) -> str:
        """Add a time phrase after the opening verb and/or a closing attribution."""
        r = self.rng
        first, _, rest = sentence.partition(" ")
        if rest and r.random() < 0.7:
            sentence = f"{first} {r.choice(vocab.TIME_PHRASES)} {rest}"
        if sentence.endswith(".") and r.random() < 0.5:
            closing = r.choice(vocab.CLOSINGS).format(src=r.choice(vocab.SOURCES))
            sentence = sentence[:-1] + closing + "."
        return sentence

    def story_templates(self, kind: str, stories: int) -> list[list[str]]:
        """Split the kind's templates between the stories of one event, so that stories of
        the same event share topic words (slots) but not sentences."""
        kind_pool = list(vocab.SENTENCES[kind])
        generic = list(vocab.GENERIC_SENTENCES)
        self.rng.shuffle(kind_pool)
        self.rng.shuffle(generic)
        chunks: list[list[str]] = [[] for _ in range(stories)]
        for n, template in enumerate(kind_pool):  # kind templates first: each story has a lead
            chunks[n % stories].append(template)
        for n, template in enumerate(generic):
            chunks[n % stories].append(template)
        return chunks

    def story(self, kind: str, slots: dict[str, str], templates: list[str]) -> list[list[str]]:
        r = self.rng
        count = len(templates) if len(templates) < 9 else r.randint(6, len(templates))
        lead, rest = templates[0], templates[1:count]
        r.shuffle(rest)
        sentences = [self.vary(t.format_map(dict(slots, src=r.choice(vocab.SOURCES))))
                     for t in [lead, *rest]]
        n_par = r.randint(3, min(10, len(sentences)))
        cuts = sorted(r.sample(range(1, len(sentences)), n_par - 1))
        bounds = [0, *cuts, len(sentences)]
        return [sentences[a:b] for a, b in itertools.pairwise(bounds)]

    def title(self, kind: str, slots: dict[str, str], avoid: set[str]) -> str:
        choices = [t.format_map(slots) for t in vocab.TITLES[kind]]
        fresh = [t for t in choices if t not in avoid] or choices
        return self.rng.choice(fresh)


def _timestamps(rng: random.Random, count: int) -> list[datetime]:
    span = int((LAST_DAY - FIRST_DAY).total_seconds())
    seconds = sorted(rng.randrange(span) for _ in range(count))
    out = []
    for s in seconds:
        naive = FIRST_DAY + timedelta(seconds=s)
        out.append(naive.replace(tzinfo=syria_tz(naive)))
    return out


def _special_posts() -> tuple[Post, Post]:
    pub = datetime.fromisoformat(seed_data.SEED_PUBLISHED)
    seed_post = Post(
        title=seed_data.SEED_TITLE, published=pub, modified=pub, kind="talks", event=-1,
        categories=[LATEST], tags=[], author=None, dateline=seed_data.SEED_DATELINE,
        dateline_style="line", dash="–", sentences=[[seed_data.SEED_BODY]],
        verbatim=[seed_data.SEED_BODY], meta="meta_only", visible_date=False,
        show_meta=False, special="seed",
    )
    psl_pub = datetime.fromisoformat(seed_data.PSL_PUBLISHED)
    psl = Post(
        title=seed_data.PSL_TITLE, published=psl_pub, modified=psl_pub, kind="education",
        event=-2, categories=[LATEST, "مجتمع"], tags=list(seed_data.PSL_TAGS),
        author=vocab.AUTHORS[0], dateline=seed_data.PSL_DATELINE, dateline_style="inline",
        dash="–", sentences=[[p] for p in seed_data.PSL_PARAGRAPHS], special="check-also",
        featured=BodyImage(0, None, False, -1),
    )
    return seed_post, psl


def _decorate(post: Post, rng: random.Random, slots: dict[str, str]) -> None:
    """Random page-level variation: metadata, images, dateline, noise."""
    r = rng
    post.modified = post.published if r.random() < 0.6 else (
        post.published + timedelta(minutes=r.randint(30, 60 * 24 * 10)))
    post.meta = r.choices(("full", "meta_only", "jsonld_only", "visible_only", "no_modified"),
                          (70, 10, 8, 7, 5))[0]
    post.visible_date = post.meta == "visible_only" or r.random() > 0.06
    post.indic_digits = post.theme == "jannah" and r.random() < 0.2
    post.canonical_link = r.random() < 0.9
    post.shortlink_link = r.random() < 0.85
    post.open_graph = r.random() < 0.9
    post.amp = r.random() < 0.3
    post.noise = r.random() < 0.2
    post.related_tracking = r.random() < 0.1
    post.comments = r.choice((0, 0, 0, 1, 2, 3))
    post.author = None if r.random() < 0.1 else r.choice(vocab.AUTHORS)
    style = r.choices(("inline", "line", "none"), (45, 35, 20))[0]
    post.dateline_style = style
    if style != "none":
        post.dateline = slots["city"] if post.kind == "talks" else slots["place"]
        post.dash = "–" if r.random() < 0.8 else "-"
    if r.random() < 0.8:
        cap = r.choice(vocab.CAPTIONS).format_map(slots) if r.random() < 0.3 else None
        post.featured = BodyImage(0, cap, r.random() < 0.3, -1)
    for k in range(1, r.choice((0, 0, 1, 1, 2)) + 1):
        cap = r.choice(vocab.CAPTIONS).format_map(slots) if r.random() < 0.7 else None
        after = r.randrange(len(post.sentences))
        post.images.append(BodyImage(k, cap, r.random() < 0.3, after, r.random() < 0.5))
    post.images.sort(key=lambda im: (im.after, im.k))
    cat = r.choice(KIND_CATEGORIES[post.kind])
    post.categories = [LATEST, cat] if r.random() < 0.5 else [cat, LATEST]
    tag_pool = [slots["place"], slots["c1"], slots["org"]]
    if post.kind == "talks":
        tag_pool += [slots["topic"], slots["city"]]
    elif post.kind == "economy":
        tag_pool += [slots["commodity"], "الليرة السورية"]
    elif post.kind == "services":
        tag_pool.append(slots["service"])
    post.tags = r.sample(tag_pool, r.randint(0, min(4, len(tag_pool))))


def build_site(articles: int = 200, seed: int = 1, changes: SiteChanges | None = None) -> Site:
    """The whole site model, deterministic for (articles, seed, changes)."""
    if changes is None or changes.plain:
        return _build_site(max(int(articles), 20), int(seed))
    return _changed_site(max(int(articles), 20), int(seed), changes)


@lru_cache(maxsize=4)
def _changed_site(articles: int, seed: int, changes: SiteChanges) -> Site:
    from .changes import apply_changes

    return apply_changes(_build_site.__wrapped__(articles, seed), changes, seed)


@lru_cache(maxsize=4)
def _build_site(articles: int, seed: int) -> Site:
    rng = random.Random(f"madar-mirror:{seed}")
    maker = _StoryMaker(rng)
    seed_post, psl = _special_posts()
    n_dups = 1 + articles // 1000
    generated = articles - 2 - n_dups
    stamps = _timestamps(rng, generated)
    posts: list[Post] = []
    event_slots: dict[int, dict[str, str]] = {}
    i, event = 0, 0
    while i < len(stamps):
        kind = rng.choice(tuple(vocab.TITLES))
        slots = maker.event_slots(kind)
        event_slots[event] = slots
        titles: set[str] = set()
        stories = min(rng.choices((1, 2, 3), (60, 30, 10))[0], len(stamps) - i)
        for templates in maker.story_templates(kind, stories):
            when = stamps[i]
            title = maker.title(kind, slots, titles)
            titles.add(title)
            post = Post(title=title, published=when, kind=kind, event=event,
                        sentences=maker.story(kind, slots, templates))
            _decorate(post, rng, slots)
            posts.append(post)
            i += 1
        event += 1
    # Republished copies: same story, one sentence changed, new headline and dateline.
    # Long originals, so that one changed sentence keeps the copy a near-duplicate.
    candidates = [p for p in posts if len(p.sentences) >= 3 and sum(map(len, p.sentences)) >= 13]
    if len(candidates) < n_dups:  # tiny sites
        candidates = sorted(posts, key=lambda p: sum(map(len, p.sentences)))[-n_dups:]
    originals = rng.sample(candidates, n_dups)
    for orig in originals:
        slots = dict(event_slots[orig.event])
        copy = Post(**{k: v for k, v in vars(orig).items() if not k.startswith("_")})
        copy._dup_source = orig
        copy.sentences = [list(p) for p in orig.sentences]
        para = copy.sentences[-2]
        para[-1] = maker.sentence(orig.kind, slots, set())
        if para[-1] in orig.sentences[-2]:
            para[-1] = "وأضافت المصادر أن التحقيقات ما تزال جارية لمعرفة ملابسات ما حدث."
        copy.title = maker.title(orig.kind, slots, {orig.title})
        if copy.title == orig.title:
            copy.title = "بالتفاصيل: " + orig.title
        others = [c for c in vocab.CAPITALS + vocab.SYRIAN_PLACES if c != orig.dateline]
        copy.dateline = rng.choice(others)
        if copy.dateline_style == "none":
            copy.dateline_style = "line"
        copy.published = orig.published + timedelta(days=rng.randint(1, 4), minutes=17)
        copy.modified = copy.published
        copy.images = []
        copy.featured = orig.featured
        copy.special = "republished"
        orig.special = "original"
        posts.append(copy)
    posts += [seed_post, psl]
    posts.sort(key=lambda p: p.published)
    # Ids grow with time, with gaps (attachments and revisions use ids too).
    next_id = FIRST_POST_ID
    for p in posts:
        p.id = next_id
        next_id += rng.randint(2, 9)
    for p in posts:
        if p._dup_source is not None:
            p.duplicate_of = p._dup_source.id
    _unique_slugs(posts)
    return _link_site(posts, rng, seed_post, psl)


def _unique_slugs(posts: list[Post]) -> None:
    seen: dict[str, int] = {}
    for p in posts:
        base = slugify(p.title)
        n = seen.get(base, 0) + 1
        seen[base] = n
        p.slug = base if n == 1 else f"{base}-{n}"


def _link_site(posts: list[Post], rng: random.Random, seed_post: Post, psl: Post) -> Site:
    newest_first = posts[::-1]
    generic_new = [p for p in newest_first[:12] if not p.special]
    broken, slow = generic_new[1], generic_new[4]
    broken.status, broken.special = 500, "broken"
    slow.slow, slow.special = True, "slow"
    free = [p for p in posts if not p.special]
    rng.choice(free[: len(free) // 2]).wrong_charset = True
    undated = rng.choice([p for p in free if not p.wrong_charset])
    undated.meta, undated.visible_date, undated.special = "visible_only", False, "undated"
    n_orphans = max(3, len(posts) // 40)
    orphans = rng.sample([p for p in free if p is not undated and not p.wrong_charset
                          and p.duplicate_of is None], n_orphans)
    for o in orphans:
        o.orphan, o.special = True, "orphan"
        o.categories = [o.categories[1] if o.categories[0] == LATEST else o.categories[0]]
        o.tags = []
    linkable = [p for p in posts if not p.orphan and p.status == 200]
    by_event: dict[int, list[Post]] = {}
    for p in linkable:
        by_event.setdefault(p.event, []).append(p)
    index = {p.id: n for n, p in enumerate(linkable)}
    for p in posts:
        if p is seed_post:
            p.check_also = psl.id
            continue
        siblings = [q for q in by_event.get(p.event, []) if q is not p]
        n = index.get(p.id, rng.randrange(len(linkable)))
        near = [q for q in linkable[max(0, n - 30): n + 30]
                if q is not p and q not in siblings and q.category == p.category]
        rng.shuffle(near)
        chosen = (siblings + near)[:4]
        if chosen:
            p.check_also = chosen[0].id
            p.related = [q.id for q in chosen[1:4]]
        if rng.random() < 0.25 and len(p.sentences) > 1:
            target = rng.choice(linkable)
            if target is not p:
                p.read_also = (target.id, rng.randrange(len(p.sentences) - 1))
    # Each orphan gets its own host(s), so no later orphan can push it out of a box.
    hosts = [p for p in linkable if p is not seed_post and p is not psl]
    rng.shuffle(hosts)
    for o in orphans:
        for _ in range(2 if rng.random() < 0.3 else 1):
            host = hosts.pop()
            if rng.random() < 0.5 or host.check_also is None:
                if host.check_also is not None and host.check_also not in host.related:
                    host.related = [host.check_also, *host.related][:3]
                host.check_also = o.id
            else:
                host.related = [*host.related[:2], o.id]
    return _index_site(posts, rng)


def _index_site(posts: list[Post], rng: random.Random,
                keep_most_read: list[Post] | None = None) -> Site:
    by_id = {p.id: p for p in posts}
    for p in posts:  # no self links, no duplicates between the two boxes
        p.related = [r for r in dict.fromkeys(p.related) if r != p.id and r != p.check_also]
    by_path = {p.decoded_path: p for p in posts}
    listed = [p for p in reversed(posts) if not p.orphan and not p.archive_only]
    cats = {name: slugify(name) for name in CATEGORY_NAMES}
    by_category: dict[str, list[Post]] = {name: [] for name in CATEGORY_NAMES}
    by_tag: dict[str, list[Post]] = {}
    by_author: dict[str, list[Post]] = {}
    by_month: dict[tuple[int, int], list[Post]] = {}
    for p in listed:
        for c in p.categories:
            by_category[c].append(p)
        for t in p.tags:
            by_tag.setdefault(t, []).append(p)
        if p.author:
            by_author.setdefault(p.author[1], []).append(p)
        by_month.setdefault((p.published.year, p.published.month), []).append(p)
    tags = {t: tag_slug(t) for t in by_tag}
    for p in posts:
        for t in p.tags:
            tags.setdefault(t, tag_slug(t))
    readable = [p for p in listed if p.status == 200 and not p.slow]
    if keep_most_read is not None:  # a variant of a site keeps its sidebar
        most_read = [by_id[p.id] for p in keep_most_read if not by_id[p.id].archive_only]
    else:
        most_read = rng.sample(readable[:200], min(5, len(readable)))
    broken = next(p for p in posts if p.status == 500)
    return Site(posts, by_id, by_path, cats, tags, listed, by_category, by_tag, by_author,
                by_month, most_read, broken, {p.id: n for n, p in enumerate(listed)})
