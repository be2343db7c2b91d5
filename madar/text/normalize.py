"""The matching form of Arabic text: used by dedup, never shown to readers.

Two spellings of one sentence must give one string, so this folds what varies between
writers, keyboards and editors (diacritics, tatweel, letter variants, digits, punctuation,
case, invisible characters, stretched letters) while keeping the words apart. One
``str.translate`` table looked up as a tuple: measured faster than PyArabic's helpers plus
a table, for the same output (docs/text.md, docs/benchmarks.md).
"""

from __future__ import annotations

import re
import unicodedata

from madar.text.arabic import DIGITS, LETTER_VARIANTS, MARKS, TATWEEL, expand_class
from madar.text.forms import PRESENTATION_FORM_RE, fold_presentation_forms

#: Planes 0, 1 and 14 hold every punctuation, space, control, format and cased character;
#: planes 2-13 (CJK ideographs, unassigned) and 15-16 (private use) have none, so the table
#: is built from a scan of 135k code points instead of 1.1M (import ~0.02 s, not 0.13 s).
_CODE_POINTS_WITH_CASE_PUNCTUATION_OR_FORMAT = (*range(0x20000), *range(0xE0000, 0xE1000))


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in _CODE_POINTS_WITH_CASE_PUNCTUATION_OR_FORMAT:
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat[0] == "P" or cat[0] == "Z" or cat == "Cc":
            table[cp] = " "
        elif cat == "Cf":
            table[cp] = None
        elif cat == "Lu" or cat == "Lt":
            low = ch.lower()
            if len(low) == 1 and low != ch:
                table[cp] = low
    for cp in expand_class(MARKS):
        table[cp] = None
    table[ord(TATWEEL)] = None
    for src, dst in LETTER_VARIANTS.items():
        table[ord(src)] = dst
    table.update(DIGITS)
    return table


#: The translation table (built once, about 2,600 entries), as a dict for any code point ...
MATCHING_TABLE: dict[int, str | None] = _build_table()

#: ... and as a tuple indexed by code point for the common range: ``str.translate`` looks a
#: tuple up about twice as fast as a dict (no hashing). Code points past its end raise
#: IndexError, which ``translate`` reads as "unchanged"; runs of such characters (emoji, CJK,
#: full-width forms) are then translated with the dict, run by run.
_FAST_LIMIT = 0x3000
_FAST_TABLE: tuple[str | None, ...] = tuple(
    MATCHING_TABLE.get(cp, chr(cp)) for cp in range(_FAST_LIMIT)
)
_HIGH_TABLE = {cp: v for cp, v in MATCHING_TABLE.items() if cp >= _FAST_LIMIT}
_HIGH_RUN_RE = re.compile(f"[{chr(_FAST_LIMIT)}-\U0010ffff]+")

#: Any character three times in a row: a cheap scan before the letter-aware regex.
_TRIPLE_RE = re.compile(r"(.)\1\1", re.DOTALL)
_REPEATED_WORD_CHAR_RE = re.compile(r"(\w)\1{2,}")


def _translate_high_run(match: re.Match[str]) -> str:
    return match.group().translate(_HIGH_TABLE)


def _collapse_letter_run(match: re.Match[str]) -> str:
    char = match.group(1)
    return match.group() if char == "_" or char.isdecimal() else char


def collapse_repeated_letters(text: str) -> str:
    """``جمييييل`` → ``جميل``: a letter (not a digit) three or more times in a row → once."""
    for triple in _TRIPLE_RE.finditer(text):
        char = triple.group(1)
        if char.isalnum() and not char.isdecimal():
            start = triple.start()
            return text[:start] + _REPEATED_WORD_CHAR_RE.sub(_collapse_letter_run, text[start:])
    return text


def normalize_for_matching(text: str) -> str:
    """Return the matching form of ``text`` (see the module docstring for the rules)."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if PRESENTATION_FORM_RE.search(text):
        text = fold_presentation_forms(text)
    text = _HIGH_RUN_RE.sub(_translate_high_run, text.translate(_FAST_TABLE))
    return collapse_repeated_letters(" ".join(text.split()))
