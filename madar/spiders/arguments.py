"""The madar spider's arguments (``-a name=value``, docs/crawling.md), checked before anything
starts: a bad one raises :class:`BadArgument` naming it, the value and what is accepted
(one line and exit 2 in ``scrapy crawl`` and cron). ``_``-names pass through (Scrapyd's ``_job``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, get_args
from urllib.parse import urlsplit

from madar.incremental import parse_flag
from madar.rendering import RenderMode

RENDER_MODES: tuple[str, ...] = get_args(RenderMode)


class BadArgument(ValueError):
    def __init__(self, name: str, given: Any, accepted: str) -> None:
        self.name, self.given, self.accepted = name, given, accepted
        super().__init__(f"-a {name}={given!s}: expected {accepted}")


def _whole_number(minimum: int) -> Callable[[str, str], int | None]:
    def parse(name: str, text: str) -> int | None:
        if text.lower() == "none":
            return None
        if not text.isdigit() or int(text) < minimum:
            raise BadArgument(name, text, f"a whole number >= {minimum} (e.g. {name}=5)")
        return int(text)
    return parse


def _date(name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadArgument(name, text, f"a date YYYY-MM-DD (e.g. {name}=2024-01-31)") from None


def _flag(name: str, text: str) -> bool:
    try:
        return parse_flag(text)
    except ValueError:
        raise BadArgument(name, text, "1 or 0 (also true/false, yes/no, on/off)") from None


def site_origin(url: str, name: str = "the site") -> str:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased; else ValueError."""
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises on a port that is not a number
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _base_url(name: str, text: str) -> str:
    try:
        return site_origin(text)
    except ValueError:
        raise BadArgument(name, text, "an absolute http(s) URL "
                          "(e.g. base_url=http://127.0.0.1:8000)") from None


def _render(name: str, text: str) -> str:
    mode = text.lower()
    if mode in ("none", "no", "0", "false", "plain"):
        return "off"
    if mode not in RENDER_MODES:
        raise BadArgument(name, text, "one of " + ", ".join(RENDER_MODES))
    return mode


#: How each argument is read from its text (blank: not given).
_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "base_url": _base_url, "max_pages": _whole_number(0), "max_articles": _whole_number(1),
    "since": _date, "related_depth": _whole_number(0), "incremental": _flag,
    "render": _render, "archive": _flag, "until": _date,
}


@dataclass(frozen=True)
class SpiderArguments:
    """The spider arguments, parsed (``None``: not given, the setting or default applies)."""

    base_url: str | None = None
    max_pages: int | None = None
    max_articles: int | None = None
    since: dt.date | None = None
    related_depth: int | None = None
    incremental: bool | None = None
    render: str | None = None
    archive: bool | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> SpiderArguments:
        known = [f.name for f in fields(cls)]
        parsed = {}
        for name, value in raw.items():
            if name.startswith("_"):
                continue
            if name not in known:
                raise BadArgument(name, value,
                                  "no such argument; the spider takes " + ", ".join(known))
            text = "" if value is None else str(value).strip()
            if text:
                parsed[name] = _PARSERS[name](name, text)
        arguments = cls(**parsed)
        if arguments.until is not None and not arguments.archive:
            raise BadArgument("until", raw.get("until"),
                              "archive=1 beside it (until bounds the sitemaps' lastmod)")
        if arguments.since and arguments.until and arguments.since > arguments.until:
            raise BadArgument("until", raw.get("until"),
                              f"a day on or after since={arguments.since}")
        return arguments

    @staticmethod
    def passthrough(raw: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments this class does not parse (``_job`` …), for ``Spider.__init__``."""
        return {name: value for name, value in raw.items() if name.startswith("_")}
