"""The madar spider's arguments (``-a name=value``), checked before anything starts.

A bad value raises :class:`BadArgument`, which names the argument, the value given and what
is accepted. The project's ``crawl`` command (``madar.commands.crawl``) and the cron entry
point check the arguments before the crawl starts: one line on stderr, exit status 2 (as
argparse does), no traceback. Names starting with ``_`` pass through unchecked (Scrapyd adds
``_job``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from madar.incremental import parse_flag

RENDER_MODES = ("off", "splash", "playwright")


class BadArgument(ValueError):
    """A spider argument with a value the spider cannot use."""

    def __init__(self, name: str, given: Any, accepted: str) -> None:
        self.name, self.given, self.accepted = name, given, accepted
        super().__init__(f"-a {name}={given!s}: expected {accepted}")


def _whole_number(name: str, value: Any, minimum: int) -> int | None:
    if value is None or str(value).strip().lower() in ("", "none"):
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) < minimum:
        raise BadArgument(name, value, f"a whole number >= {minimum} (e.g. {name}=5)")
    return int(text)


def _date(name: str, value: Any) -> dt.date | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadArgument(name, value, f"a date YYYY-MM-DD (e.g. {name}=2024-01-31)") from None


def _flag(name: str, value: Any) -> bool | None:
    try:
        return None if value is None else parse_flag(value)
    except ValueError:
        raise BadArgument(name, value, "1 or 0 (also true/false, yes/no, on/off)") from None


def _base_url(name: str, value: Any) -> str | None:
    if value is None:
        return None
    parts = urlsplit(str(value).strip())
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadArgument(name, value,
                          "an absolute http(s) URL (e.g. base_url=http://127.0.0.1:8000)")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _render(name: str, value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().lower()
    if text in ("none", "no", "0", "false", "plain"):
        return "off"
    if text not in RENDER_MODES:
        raise BadArgument(name, value, "one of " + ", ".join(RENDER_MODES))
    return text


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
        """Parse ``-a`` values; :class:`BadArgument` for a bad value or an unknown name."""
        known = tuple(cls.__dataclass_fields__)
        for name in raw:
            if name not in known and not name.startswith("_"):
                raise BadArgument(name, raw[name],
                                  "no such argument; the spider takes " + ", ".join(known))
        parsed = cls(
            base_url=_base_url("base_url", raw.get("base_url")),
            max_pages=_whole_number("max_pages", raw.get("max_pages"), 0),
            max_articles=_whole_number("max_articles", raw.get("max_articles"), 1),
            since=_date("since", raw.get("since")),
            related_depth=_whole_number("related_depth", raw.get("related_depth"), 0),
            incremental=_flag("incremental", raw.get("incremental")),
            render=_render("render", raw.get("render")),
            archive=_flag("archive", raw.get("archive")),
            until=_date("until", raw.get("until")),
        )
        if parsed.until is not None and not parsed.archive:
            raise BadArgument("until", raw.get("until"),
                              "archive=1 beside it (until bounds the sitemaps' lastmod)")
        if parsed.since and parsed.until and parsed.since > parsed.until:
            raise BadArgument("until", raw.get("until"), f"a day on or after since={parsed.since}")
        return parsed

    @staticmethod
    def passthrough(raw: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments this class does not parse (``_job`` …), for ``Spider.__init__``."""
        return {name: value for name, value in raw.items() if name.startswith("_")}
