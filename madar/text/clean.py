"""Display-text cleaning: undo what got between the site and us, change nothing it wrote.

Letters, digits, diacritics and the site's choice of comma stay as published; markup
debris, mojibake, presentation forms, invisible characters, decorative tatweel and broken
spacing go. Every step sits behind a cheap guard, so clean text pays only for a few scans.
The steps and their reasons: docs/text.md.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

from w3lib.html import remove_tags_with_content

from madar.text.arabic import LETTERS, MARKS, PERSIAN_LETTERS, TATWEEL
from madar.text.forms import PRESENTATION_FORM_RE, fold_presentation_forms
from madar.text.mojibake import repair_mojibake

Stats = Callable[[str], None]

#: Invisible characters deleted everywhere, plus C0/C1 controls.
_DELETED = (
    "\u200b\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\ufeff\u00ad"
)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _DELETED}
    for cp in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[cp] = None
    for cp in range(0x10000):  # every space separator (Zs) is in the BMP
        if unicodedata.category(chr(cp)) == "Zs" and cp != 0x20:
            table[cp] = " "
    table.update({ord("\t"): " ", ord("\n"): "\n", 0x0B: "\n", 0x0C: "\n", 0x85: "\n"})
    table.update({0x2028: "\n", 0x2029: "\n\n"})
    return table


_TABLE = _build_table()
# A tuple indexed by code point is looked up twice as fast as the dict by ``str.translate``;
# beyond its end (IndexError = unchanged) only U+3000 and U+FEFF are in the table.
_FAST_LIMIT = 0x2070
_FAST_TABLE: tuple[str | None, ...] = tuple(_TABLE.get(cp, chr(cp)) for cp in range(_FAST_LIMIT))
_HIGH = {chr(cp): v or "" for cp, v in _TABLE.items() if cp >= _FAST_LIMIT}
#: Any character the table changes (the guard for the translate step).
_TRANSLATED_RE = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in sorted(_TABLE) if cp != ord("\n")) + "]"
)

# --- markup ---------------------------------------------------------------------------------
_ENTITY_RE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_TAG_RE = re.compile(
    r"<!--.*?-->"
    r"|<!--.*$"  # an unclosed comment swallows the rest, as in a browser
    r"|<![A-Za-z][^<>]*>"
    r"|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>",
    re.DOTALL,
)
_LINE_BREAK_TAG_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|blockquote|figure|table|tr)\b[^<>]*>", re.IGNORECASE
)
_SCRIPT_OR_STYLE_RE = re.compile(r"<(?:script|style)\b", re.IGNORECASE)

# --- ZWJ/ZWNJ, tatweel ----------------------------------------------------------------------
_JOINER_BETWEEN_LETTERS_RE = re.compile(f"(?<=[{LETTERS}{MARKS}])[\u200c\u200d]+(?=[{LETTERS}])")
_ZWJ_BETWEEN_LETTERS_RE = re.compile(f"(?<=[{LETTERS}{MARKS}])\u200d+(?=[{LETTERS}])")
_PERSIAN_RE = re.compile(f"[{PERSIAN_LETTERS}]")
# A joiner next to a space or at a line's edge joins nothing, in any script.
_EDGE_JOINER_RE = re.compile(r"(?:^|(?<=\s))[\u200c\u200d]+|[\u200c\u200d]+(?=\s|$)", re.M)
_TATWEEL_BETWEEN_RE = re.compile(f"([{LETTERS}][{MARKS}]*){TATWEEL}+(?=[{LETTERS}])")
_TATWEEL_RUN_RE = re.compile(f"{TATWEEL}{{2,}}")

# --- whitespace -----------------------------------------------------------------------------
_MESSY_SPACE_RE = re.compile(r"  | \n|\n |\n\n\n")
_SPACE_RUN_RE = re.compile(r" {2,}")
_SPACE_AROUND_NEWLINE_RE = re.compile(r" *\n *")
_NEWLINE_RUN_RE = re.compile(r"\n{3,}")

# --- punctuation ----------------------------------------------------------------------------
_PUNCT = "،؛؟.!:,;"
_SPACE_BEFORE_PUNCT_RE = re.compile(f" +(?=[{re.escape(_PUNCT)}])")
# Cheap scans that rule out most texts before the precise regexes run.
_SPACE_BEFORE_PUNCT_GATE_RE = re.compile(f" [{re.escape(_PUNCT)}]")
_PUNCT_BEFORE_LETTER_GATE_RE = re.compile(f"[{re.escape(_PUNCT)}…][^\\W\\d_]")
# Every alternative starts with the punctuation mark itself (lookbehinds after it), so the
# regex engine can skip ahead to candidate characters: 5x faster than leading lookbehinds.
_NEEDS_SPACE_AFTER_RE = re.compile(
    "[،؛؟](?=[^\\W\\d_])"  # Arabic comma, semicolon, question mark before any letter
    f"|[!:,;…](?=[{LETTERS}])"  # Latin marks and the ellipsis character before Arabic
    f"|\\.(?<=\\.\\.)(?=[{LETTERS}])"  # a dotted ellipsis before an Arabic letter
    f"|\\.(?<=[^\\W_]{{2}}\\.)(?=[{LETTERS}])"  # full stop after a word/number of 2+ chars
)
#: URLs and e-mail addresses: punctuation rules never apply inside them.
_URL_CHAR = r"[^\s<>\"«»“”،؛؟]"
_URL = rf"(?:https?://|ftp://|www\.){_URL_CHAR}*{_URL_CHAR}(?<![.,;:!?)])"  # no trailing stop
_URL_RE = re.compile(_URL, re.IGNORECASE)
_URL_OR_EMAIL_RE = re.compile(rf"{_URL}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def _noop(_key: str) -> None:
    return None


def _strip_markup(text: str, stats: Stats) -> str:
    """Unescape entities and drop tags until neither is left (double-escaped markup)."""
    for _ in range(5):
        changed = False
        if "&" in text and _ENTITY_RE.search(text):
            text = _ENTITY_RE.sub(lambda m: html.unescape(m.group()), text)
            stats("html/entities")
            changed = True
        if "<" in text and _TAG_RE.search(text):
            if _SCRIPT_OR_STYLE_RE.search(text):
                text = remove_tags_with_content(text, which_ones=("script", "style"))
            text = _LINE_BREAK_TAG_RE.sub("\n", text)
            text = _BLOCK_TAG_RE.sub("\n\n", text)
            text = _TAG_RE.sub("", text)
            stats("html/tags")
            changed = True
        if not changed:
            break
    return text


def _drop_joiners(text: str) -> str:
    """Delete ZWJ/ZWNJ between Arabic letters (ZWNJ kept in paragraphs written in Persian)
    and at word edges."""
    text = _EDGE_JOINER_RE.sub("", text)
    if "\u200c" not in text:
        return _ZWJ_BETWEEN_LETTERS_RE.sub("", text)
    if not _PERSIAN_RE.search(text):
        return _JOINER_BETWEEN_LETTERS_RE.sub("", text)
    paragraphs = text.split("\n")
    for i, paragraph in enumerate(paragraphs):
        pattern = _ZWJ_BETWEEN_LETTERS_RE if _PERSIAN_RE.search(paragraph) else None
        paragraphs[i] = (pattern or _JOINER_BETWEEN_LETTERS_RE).sub("", paragraph)
    return "\n".join(paragraphs)


def _fix_whitespace(text: str, inline: bool) -> str:
    if not text:
        return text
    if inline:
        if "\n" in text:
            text = text.replace("\n", " ")
        if "  " in text:
            text = _SPACE_RUN_RE.sub(" ", text)
        return text.strip(" ")
    if text[0] in " \n" or text[-1] in " \n" or _MESSY_SPACE_RE.search(text):
        text = _SPACE_RUN_RE.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE_RE.sub("\n", text)
        text = _NEWLINE_RUN_RE.sub("\n\n", text)
        text = text.strip(" \n")
    return text


def _fix_punctuation_spacing(text: str) -> str:
    if _SPACE_BEFORE_PUNCT_GATE_RE.search(text):
        text = _SPACE_BEFORE_PUNCT_RE.sub("", text)
    if _PUNCT_BEFORE_LETTER_GATE_RE.search(text):
        text = _NEEDS_SPACE_AFTER_RE.sub(r"\g<0> ", text)
    return text


def _fix_punctuation_outside_urls(text: str) -> str:
    if not (_SPACE_BEFORE_PUNCT_GATE_RE.search(text) or _PUNCT_BEFORE_LETTER_GATE_RE.search(text)):
        return text  # the common case: nothing to fix, no need to look for URLs
    if "@" in text or "://" in text or "www." in text:
        pattern = _URL_OR_EMAIL_RE if "@" in text else _URL_RE
        urls = pattern.findall(text)
        if urls:
            parts = pattern.split(text)
            out = [_fix_punctuation_spacing(parts[0])]
            for url, part in zip(urls, parts[1:], strict=True):
                out.append(url)
                out.append(_fix_punctuation_spacing(part))
            return "".join(out)
    return _fix_punctuation_spacing(text)


def _clean(text: str, inline: bool, stats: Stats | None) -> str:
    if not text:
        return ""
    record = stats or _noop
    text = _strip_markup(text, record)
    text, repair = repair_mojibake(text)
    if repair:
        record(f"mojibake/{repair}")
    if PRESENTATION_FORM_RE.search(text):
        text = fold_presentation_forms(text)
        record("presentation_forms")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _TRANSLATED_RE.search(text):
        text = text.translate(_FAST_TABLE)
        for char, replacement in _HIGH.items():
            if char in text:
                text = text.replace(char, replacement)
    if "\u200c" in text or "\u200d" in text:
        text = _drop_joiners(text)
    if TATWEEL in text:
        text = _TATWEEL_BETWEEN_RE.sub(r"\1", text)
        text = _TATWEEL_RUN_RE.sub(TATWEEL, text)
    text = _fix_whitespace(text, inline)
    # NFC before the punctuation rules: a letter and its combining madda (ا + ٓ) become one
    # letter (آ) only here, and the full-stop rule counts letters (idempotence).
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _fix_punctuation_outside_urls(text)


def clean_text(text: str, *, stats: Stats | None = None) -> str:
    """Clean display text, keeping paragraph breaks (``\\n\\n``) and line breaks.

    ``stats`` is called with a short key (``mojibake/win1256``, ``html/entities``, …) for every
    repair made, so a pipeline can count them.
    """
    return _clean(text, inline=False, stats=stats)


def clean_inline(text: str, *, stats: Stats | None = None) -> str:
    """Clean a single-line field (title, tag, author, caption …): newlines become spaces."""
    return _clean(text, inline=True, stats=stats)
