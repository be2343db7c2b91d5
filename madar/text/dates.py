"""Dates as the site shows them and as its metadata writes them, turned into ISO 8601.
Why a month table and not dateparser: docs/text.md.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from madar.text.arabic import DIGITS, fold_arabic


def _fold(text: str) -> str:
    """The form month names and relative words are matched in."""
    return " ".join(fold_arabic(text).split()).lower()


# Gregorian (Egyptian ``يونيه``), Levantine, Maghrebi; hamza and the space before a digit
# do not matter (the text is folded, the patterns allow the space).
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "كانون ثاني", "كانون2", "جانفي", "january", "jan"),
    2: ("فبراير", "شباط", "فيفري", "february", "feb"),
    3: ("مارس", "آذار", "march", "mar"),
    4: ("أبريل", "نيسان", "أفريل", "april", "apr"),
    5: ("مايو", "أيار", "ماي", "may"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "june", "jun"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "july", "jul"),
    8: ("أغسطس", "آب", "أوت", "august", "aug"),
    9: ("سبتمبر", "أيلول", "september", "sept", "sep"),
    10: ("أكتوبر", "تشرين الأول", "تشرين أول", "تشرين1", "october", "oct"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني", "تشرين2", "november", "nov"),
    12: ("ديسمبر", "كانون الأول", "كانون أول", "كانون1", "december", "dec"),
}
_SPELLINGS = sorted({_fold(n) for names in _MONTH_NAMES.values() for n in names}, key=len)
_MONTHS = {_fold(n).replace(" ", ""): month for month, names in _MONTH_NAMES.items() for n in names}


def _name_pattern(name: str) -> str:
    # Any spacing between the words; a trailing month digit must not run into a day number
    # ("تشرين 12" is not "تشرين1 2").
    parts = re.findall(r"[^\W\d_]+|\d", name)
    return r"\s*".join(map(re.escape, parts)) + (r"(?!\d)" if name[-1].isdigit() else "")


_MONTH_RE = "|".join(map(_name_pattern, reversed(_SPELLINGS)))  # the longest first
# A month, optionally followed by its other-calendar name: "أغسطس/آب", "آب (أغسطس)".
_MONTH = rf"(?P<m>{_MONTH_RE})(?:\s*[/|(-]\s*(?:{_MONTH_RE})\s*\)?)?"
_SEP = r"\s*[,./-]?\s*"
_WORD_START = r"(?<![^\W\d_])"
_WORD_END = r"(?![^\W\d_])"
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}}){_SEP}{_WORD_START}{_MONTH}{_WORD_END}{_SEP}(?P<y>\d{{4}})(?!\d)"
)
_MONTH_DAY_YEAR = re.compile(
    rf"{_WORD_START}{_MONTH}{_WORD_END}\s*(?P<d>\d{{1,2}})(?!\d)\s*,?\s*(?P<y>\d{{4}})(?!\d)"
)
#: The forms the site shows, "16 فبراير 2019" and "فبراير 16, 2019" (folded): the month looked
#: up by its spelling gives what the searches below find (~20 us a date, their code cold).
_SHOWN = re.compile(r"(\d{1,2}) ([^\d\s,]+(?: [^\d\s,]+)?) (\d{4})"
                    r"|([^\d\s,]+(?: [^\d\s,]+)?) (\d{1,2}),? (\d{4})")
_MONTH_OF_SPELLING = {spelling: _MONTHS[spelling.replace(" ", "")] for spelling in _SPELLINGS}
_YEAR_MONTH_DAY = re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
_DAY_MONTH_YEAR_NUM = re.compile(r"(?<!\d)(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})(?!\d)")

# Relative dates: folded unit words (singular, dual, plural) -> timedelta unit and size.
_UNIT_FORMS: dict[tuple[str, int], tuple[str, ...]] = {
    ("seconds", 1): ("ثانيه", "ثانيتين", "ثانيتان", "ثوان", "ثواني"),
    ("minutes", 1): ("دقيقه", "دقيقتين", "دقيقتان", "دقايق"),
    ("hours", 1): ("ساعه", "ساعتين", "ساعتان", "ساعات"),
    ("days", 1): ("يوم", "يومين", "يومان", "ايام"),
    ("days", 7): ("اسبوع", "اسبوعين", "اسبوعان", "اسابيع"),
    ("days", 30): ("شهر", "شهرين", "شهران", "اشهر", "شهور"),
    ("days", 365): ("سنه", "سنتين", "سنتان", "سنوات", "سنين", "عام", "عامين", "عامان", "اعوام"),
}
_UNITS = {form: unit for unit, forms in _UNIT_FORMS.items() for form in forms}
_RELATIVE = re.compile(
    rf"(?:منذ|قبل)\s*(?P<n>\d+)?\s*(?P<u>{'|'.join(sorted(_UNITS, key=len, reverse=True))})"
    r"(?![^\W\d_])"
)
_YESTERDAY = re.compile(r"(?<![^\W\d_])(?:امس|البارحه)(?![^\W\d_])")
_TODAY = re.compile(r"^(?:اليوم|الان|منذ لحظات|قبل لحظات)$")
_DUAL = re.compile(r"(?:تين|تان|ين|ان)$")


def _day(year: str, month: int | str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _relative(folded: str, now: datetime | None) -> str | None:
    now = now or datetime.now(timezone.utc)
    if _TODAY.match(folded):
        return now.date().isoformat()
    match = _RELATIVE.search(folded)
    if match:
        unit, size = _UNITS[match["u"]]
        count = int(match["n"]) if match["n"] else (2 if _DUAL.search(match["u"]) else 1)
        if count > 100_000:
            return None
        return (now - timedelta(**{unit: count * size})).date().isoformat()
    if _YESTERDAY.search(folded):
        return (now - timedelta(days=1)).date().isoformat()
    return None


def parse_visible_date(raw: str | None, now: datetime | None = None) -> str | None:
    """A date as shown on a page -> ``YYYY-MM-DD``, or None when it is not a date. Never raises.

    ``now`` (the download time; default: the current UTC time) anchors ``منذ 3 ساعات``.
    """
    if not raw or not isinstance(raw, str) or len(raw) > 300:
        return None
    folded = _fold(raw)
    if shown := _SHOWN.fullmatch(folded):
        day, month, year, month2, day2, year2 = shown.groups()
        if (month := month or month2) in _MONTH_OF_SPELLING:
            return _day(year or year2, _MONTH_OF_SPELLING[month], day or day2)
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = pattern.search(folded)
        if match:
            month = _MONTHS.get(re.sub(r"\s+", "", match["m"]))
            if month:
                return _day(match["y"], month, match["d"])
    match = _YEAR_MONTH_DAY.search(folded) or _DAY_MONTH_YEAR_NUM.search(folded)
    if match:
        return _day(match["y"], match["m"], match["d"])
    try:
        return _relative(folded, now)
    except (OverflowError, ValueError):
        return None


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 date or datetime as written (offset kept, none when none); else None."""
    try:
        return datetime.fromisoformat(value.strip())  # type: ignore[union-attr]
    except (ValueError, TypeError, AttributeError):
        return None


def as_utc(value: str | None) -> datetime | None:
    """An ISO 8601 date or datetime as an aware datetime (no offset means UTC); else None."""
    parsed = parse_iso(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def iso_day(value: str | None) -> date | None:
    """The day an ISO 8601 date or datetime falls on, as written; else None."""
    parsed = parse_iso(value[:10]) if value else None
    return parsed.date() if parsed is not None else None


def parse_datetime(value: str | None) -> datetime | None:
    """A date from a page's metadata or a feed: ISO 8601 in any digits, or RFC 2822."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip().translate(DIGITS)
    parsed = parse_iso(value)
    if parsed is not None:
        return parsed
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


_DATE_ONLY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def normalize_datetime(value: str | None) -> str | None:
    """A metadata date (``article:published_time``, JSON-LD) -> ISO 8601, or None. Never raises.

    An offset is kept (``Z`` becomes ``+00:00``), none is guessed when there is none, a date
    stays a date, fractions of a second are dropped.
    """
    if not value or not isinstance(value, str) or len(value) > 100:
        return None
    day = _DATE_ONLY.match(value.translate(DIGITS))
    if day:
        return _day(*day.groups())
    parsed = parse_datetime(value)
    if parsed is None or parsed.year < 1900:
        return None
    return parsed.replace(microsecond=0).isoformat()
