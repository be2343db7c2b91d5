"""A theme update the page objects have never seen: the ids and classes they key on renamed.

Metadata (Open Graph, JSON-LD, ``<link>``) stays as it was, as it would on the real site
after a theme change. Used by the theme-change alarm and self-check tests, in process
(:func:`drifted`) and over HTTP (:func:`drift_hook` on ``MirrorServer.reply_hooks``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

RENAMES = {
    "post-title": "headline-x", "entry-title": "headline-y", "entry-content": "story-body",
    "entry": "story", "post-inner": "story-inner", "post-listing": "story-listing",
    "post-meta": "story-meta", "tie-date": "stamp", "check-also-box": "more-box",
    "related-posts": "more-posts-x", "related_posts": "more_posts_x", "the-post": "story-x",
    "breadcrumb": "trail", "crumbs": "trail-x", "post-bottom-tags": "labels",
    "post-tag": "labels-x", "tagcloud": "labels-y", "meta-author": "byline",
    "post-meta-author": "byline-x",
}
_NAMES = "|".join(map(re.escape, sorted(RENAMES, key=len, reverse=True)))
_RENAME = re.compile(rf"""(?<=[\s"'=#.])({_NAMES})(?=[\s"'>.\]])""")


def drifted(html: str) -> str:
    return _RENAME.sub(lambda m: RENAMES[m[1]], html)


def drift_hook(handler: Any, reply: Any) -> Any:
    """``MirrorServer.reply_hooks`` entry: serve every HTML page in the renamed markup."""
    if reply.status != 200 or "html" not in reply.content_type:
        return reply
    return replace(reply, body=drifted(reply.body.decode("utf-8")).encode("utf-8"))
