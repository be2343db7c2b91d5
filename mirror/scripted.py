"""Script-filled listings and boxes, for rendering tests: off by default.

Two modes, switched on per mirror (``serve_mirror(load_more=True, script_boxes=True)``):

- ``load_more``: a share of listed posts appear in every listing (home, categories, tags, …)
  only inside a "load more" list that an inline script fills from a JSON blob: the page ships
  ``<ul id="load-more-posts" class="posts-items load-more-posts" data-load-more=…></ul>``
  empty. Chosen among posts no "read also" link points to, so a crawler that follows
  listings and boxes reaches them only by running the script, unless a box links them.
- ``script_boxes``: for half of the orphans (at least one), every post whose check-also or
  related box links the orphan ships both boxes empty and fills them by script, so those
  orphans are reachable only through a script-filled box. With ``load_more`` too, the same
  is done for the boxes linking two of the load-more posts.

``ScriptPlan.script_only_ids`` says which in-scope posts a crawler that follows listings and
boxes (not sidebars, feeds or sitemaps) reaches only by running the scripts.

Either mode also adds a lazy-image loader to article pages: once run, ``img[data-src]`` gets
its real ``src`` and loses ``data-src`` (extraction must read either form).

The scripts are ES5 with DOM APIs that Splash's 2018 WebKit has (no ``fetch``, no arrow
functions): ``JSON.parse`` of a ``<script type="application/json">`` and ``innerHTML``.
Rendered, every page is the normal page, so the ground truth does not change.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from .generator import PER_PAGE, Site
from .render import BASE

#: Share of eligible listed posts that only a "load more" script lists.
LOAD_MORE_SHARE = 0.15
#: Share of orphans whose boxes (on every host) are script-filled.
BOX_ORPHAN_SHARE = 0.5
#: With both modes on: load-more posts whose box links are script-filled too (script-only).
HIDDEN_LOAD_MORE = 2
LOAD_MORE_ENDPOINT = BASE + "/wp-admin/admin-ajax.php?action=tie_load_more"

_OUTER = re.compile(r"\s*(<(?P<tag>[a-z]+)\b[^>]*>)(?P<inner>.*)(</(?P=tag)>)\s*\Z", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_LAZY_LOADER = (
    "<script>(function(){var imgs=document.querySelectorAll('img[data-src]');"
    "for(var i=0;i<imgs.length;i++){var img=imgs[i];"
    "img.setAttribute('src',img.getAttribute('data-src'));img.removeAttribute('data-src');"
    "img.className=img.className.replace('lazy-img','lazy-loaded');}})();</script>"
)


def _fraction(key: str) -> float:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def _pick(ids: list[int], seed: int, salt: str, share: float) -> set[int]:
    """Ids whose stable fraction is below ``share``; at least one when ``ids`` is not empty."""
    ranked = sorted(ids, key=lambda i: _fraction(f"{seed}:{salt}:{i}"))
    chosen = {i for i in ranked if _fraction(f"{seed}:{salt}:{i}") < share}
    return chosen or set(ranked[:1])


@dataclass(frozen=True)
class ScriptPlan:
    """Which posts and pages are script-filled in this mirror."""

    #: posts listed only by a "load more" script, in every listing
    load_more_ids: frozenset[int] = frozenset()
    #: posts whose check-also and related boxes are filled by script
    box_host_ids: frozenset[int] = frozenset()
    #: in-scope posts a crawler following listings and boxes reaches only by running scripts
    script_only_ids: frozenset[int] = frozenset()

    @property
    def enabled(self) -> bool:
        return bool(self.load_more_ids or self.box_host_ids)


def plan(site: Site, seed: int, *, load_more: bool = False,
         script_boxes: bool = False) -> ScriptPlan:
    """The deterministic plan for ``site`` (empty when both modes are off)."""
    if not (load_more or script_boxes):
        return ScriptPlan()
    links = {p.id: [i for i in (p.check_also, *p.related) if i is not None] for p in site.posts}
    hosts: dict[int, set[int]] = {}
    for pid, targets in links.items():
        for target in targets:
            hosts.setdefault(target, set()).add(pid)
    read_also = {p.read_also[0] for p in site.posts if p.read_also}
    load_more_ids: set[int] = set()
    if load_more:
        eligible = [p.id for p in site.listed if p.status == 200 and not p.special
                    and p.duplicate_of is None and p.id not in read_also]
        load_more_ids = _pick(eligible, seed, "load-more", LOAD_MORE_SHARE) if eligible else set()
        # At least one on the first page of the home page, where themes put "load more".
        first_page = [i for i in eligible if i in {p.id for p in site.listed[:PER_PAGE]}]
        if first_page and not load_more_ids & set(first_page):
            load_more_ids |= _pick(first_page, seed, "load-more-home", 0.0)
    box_host_ids: set[int] = set()
    if script_boxes:
        orphans = [p.id for p in site.posts if p.orphan and p.status == 200]
        hidden = _pick(orphans, seed, "script-box", BOX_ORPHAN_SHARE) if orphans else set()
        # The load-more posts with the fewest box links also lose their box links to scripts:
        # those are then listed and linked only by script.
        fewest = sorted(load_more_ids, key=lambda i: (len(hosts.get(i, ())), i))
        hidden |= set(fewest[:HIDDEN_LOAD_MORE])
        box_host_ids = {h for target in hidden for h in hosts.get(target, ())}
    # What a crawler reaches without scripts: listing entries, then box links of pages whose
    # boxes are server-rendered.
    reached = {p.id for p in site.listed if p.id not in load_more_ids}
    frontier = list(reached)
    while frontier:
        pid = frontier.pop()
        if pid in box_host_ids:
            continue
        for target in links.get(pid, []):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    in_scope = {p.id for p in site.posts if p.status == 200}
    return ScriptPlan(frozenset(load_more_ids), frozenset(box_host_ids),
                      frozenset(in_scope - reached))


def script_filled(element_html: str, open_tag: str | None = None) -> str:
    """``element_html`` (one element with an ``id``) shipped empty and filled by a script.

    ``open_tag`` replaces the element's opening tag (it must carry an ``id``). The content
    travels as JSON in ``<script type="application/json" id="<id>-data">``.
    """
    match = _OUTER.match(element_html)
    if match is None:
        raise ValueError("script_filled needs exactly one element")
    opening = open_tag or match.group(1)
    id_match = _ID.search(opening)
    if id_match is None:
        raise ValueError(f"script-filled element needs an id: {opening}")
    element_id = id_match.group(1)
    blob = json.dumps({"html": match.group("inner")}, ensure_ascii=False).replace("</", "<\\/")
    script = (f"<script>(function(){{var d=JSON.parse(document.getElementById("
              f"'{element_id}-data').textContent);var box=document.getElementById("
              f"'{element_id}');box.innerHTML=d.html;}})();</script>")
    return (f"{opening}</{match.group('tag')}>"
            f'<script type="application/json" id="{element_id}-data">{blob}</script>{script}\n')


def load_more_list(entries_html: str, theme: str) -> str:
    """Listing entries (the output of the theme's entries renderer) as a script-filled list."""
    if theme == "jannah":
        opening = (f'<ul id="load-more-posts" class="posts-items load-more-posts" '
                   f'data-load-more="{LOAD_MORE_ENDPOINT}">')
    else:
        opening = (f'<div id="load-more-posts" class="post-listing archive-box load-more-posts" '
                   f'data-load-more="{LOAD_MORE_ENDPOINT}">')
    return script_filled(entries_html, opening)


def with_lazy_loader(html: str) -> str:
    """The page with a lazy-image loader run last (before ``</body>``)."""
    head, sep, tail = html.rpartition("</body>")
    return f"{head}{_LAZY_LOADER}{sep}{tail}" if sep else html + _LAZY_LOADER


__all__ = ["ScriptPlan", "load_more_list", "plan", "script_filled", "with_lazy_loader"]
