"""Display-text cleaning: undo what got between the site and us, change nothing it wrote.

Every step sits behind a cheap guard, so clean text pays only for a few scans. The steps and
their reasons, mojibake repair included: docs/text.md.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from w3lib.html import remove_tags_with_content

from madar.text.arabic import (
    INVISIBLE,
    LETTERS,
    MARKS,
    PERSIAN_LETTERS,
    PRESENTATION_FORM_RE,
    TATWEEL,
    fold_presentation_forms,
)

Stats = Callable[[str], None]

# --- mojibake: Arabic UTF-8 decoded with a single-byte charset upstream ---------------------
WIN1256 = "win1256"
LATIN1 = "latin1"
MIN_PAIRS = 3
MIN_COVERAGE = 0.8
MAX_LAYERS = 3


class _Charset(NamedTuple):
    name: str
    run: re.Pattern[str]  # UTF-8 multi-byte sequences as the charset shows them, and ASCII
    letter: re.Pattern[str]  # lead D8/D9 and a trail: one Arabic letter
    to_bytes: Callable[[str], bytes]


def _charset(name: str, shown: Callable[[int], str], to_bytes: Callable[[str], bytes]) -> _Charset:
    """``shown(byte)``: the characters the charset shows a byte as."""

    def chars(lo: int, hi: int) -> str:
        return "[" + re.escape("".join(shown(b) for b in range(lo, hi + 1))) + "]"

    trail = chars(0x80, 0xBF)
    seq = (f"(?:{chars(0xC2, 0xDF)}{trail}|{chars(0xE0, 0xEF)}{trail}{{2}}"
           f"|{chars(0xF0, 0xF4)}{trail}{{3}})")
    run = re.compile(f"{seq}(?:{seq}|[\\x00-\\x7f])*")
    return _Charset(name, run, re.compile(chars(0xD8, 0xD9) + trail), to_bytes)


def _cp1256(byte: int) -> str:
    return bytes([byte]).decode("cp1256")


def _cp1252_bytes(error: UnicodeEncodeError) -> tuple[bytes, int]:
    """What latin-1 cannot encode, as cp1252 shows bytes 0x80-0x9F (a browser's reading)."""
    return error.object[error.start : error.end].encode("cp1252"), error.end


codecs.register_error("madar.cp1252", _cp1252_bytes)  # type: ignore[arg-type]
_WIN1256 = _charset(WIN1256, _cp1256, lambda run: run.encode("cp1256"))


def _latin1_or_cp1252(byte: int) -> str:
    """How a page shows ``byte``: latin-1 always, and cp1252 too for 0x80-0x9F."""
    return chr(byte) + bytes([byte]).decode("cp1252", "ignore")


def _latin1_bytes(run: str) -> bytes:
    return run.encode("latin-1", "madar.cp1252")


_LATIN1 = _charset(LATIN1, _latin1_or_cp1252, _latin1_bytes)
_ARABIC_BLOCK_RE = re.compile("[\u0600-\u06ff]")
#: ``ط``/``ظ`` and a trail that is not Arabic (``§ „ … ±`` …): never seen in real text, unlike
#: ``ط،`` (``خط، ضغط،``) or ``طھ``.
_NON_ARABIC_TRAIL = [ch for ch in map(_cp1256, range(0x80, 0xC0)) if not _ARABIC_BLOCK_RE.match(ch)]
_STRONG_PAIR_RE = re.compile(f"[طظ][{re.escape(''.join(_NON_ARABIC_TRAIL))}]")


def _looks_like_win1256(text: str) -> bool:
    """The whole text must look like mojibake: correct Arabic often re-encodes to valid UTF-8."""
    if text.count("ط") + text.count("ظ") < MIN_PAIRS:
        return False
    if len(_STRONG_PAIR_RE.findall(text)) < MIN_PAIRS:
        return False
    arabic = len(_ARABIC_BLOCK_RE.findall(text))
    covered = sum(len(_ARABIC_BLOCK_RE.findall(run)) for run in _WIN1256.run.findall(text))
    return covered >= MIN_COVERAGE * arabic


def _decode(run: str, charset: _Charset) -> str:
    try:
        return charset.to_bytes(run).decode("utf-8")
    except UnicodeError:
        return run


def _repair(text: str, charset: _Charset) -> str:
    def repair_run(match: re.Match[str]) -> str:
        run = match[0]
        if not charset.letter.search(run):
            return run
        fixed = _decode(run, charset)
        if fixed is not run:
            return fixed
        # One bad sequence spoils the whole run: retry word by word.
        return "".join(_decode(part, charset) for part in re.split(r"(\s+)", run))

    return charset.run.sub(repair_run, text)


def repair_mojibake(text: str) -> tuple[str, str | None]:
    """``(text, repair)``: the repaired text and ``'win1256'``, ``'latin1'`` or None.

    Correct text comes back unchanged (the same object) with None. When layers of both kinds
    were undone, the outermost (first applied) repair is reported.
    """
    applied: str | None = None
    for _ in range(MAX_LAYERS):
        if _looks_like_win1256(text):
            charset = _WIN1256
        elif ("Ø" in text or "Ù" in text) and len(_LATIN1.letter.findall(text)) >= MIN_PAIRS:
            charset = _LATIN1
        else:
            break
        fixed = _repair(text, charset)
        if fixed == text:
            break
        text = fixed
        applied = applied or charset.name
    return text, applied


# --- invisible characters and spaces --------------------------------------------------------
def _build_replacements() -> dict[str, str]:
    """Invisible characters and controls deleted, every space a space, line breaks ``\\n``."""
    replacements = dict.fromkeys(INVISIBLE, "")
    for char in map(chr, range(0x10000)):  # every control (Cc) and space (Zs) is in the BMP
        category = unicodedata.category(char)
        if category == "Cc" and char != "\n":
            replacements[char] = ""
        elif category == "Zs" and char != " ":
            replacements[char] = " "
    replacements.update({"\t": " ", "\v": "\n", "\f": "\n", "\x85": "\n", "\u2028": "\n"})
    replacements["\u2029"] = "\n\n"
    return replacements


_REPLACEMENTS = _build_replacements()
# One character at a time: a few matches in a long text cost less than a translate of it all.
_REPLACED_RE = re.compile("[" + re.escape("".join(sorted(_REPLACEMENTS))) + "]")

# A joiner first, its left side in a lookbehind after it: the search skips to joiners (5x).
_JOINER = "[\u200c\u200d]"  # ZWNJ or ZWJ
_JOINER_BETWEEN_LETTERS_RE = re.compile(
    f"{_JOINER}(?<=[{LETTERS}{MARKS}]{_JOINER}){_JOINER}*(?=[{LETTERS}])")
_ZWJ_BETWEEN_LETTERS_RE = re.compile(f"\u200d(?<=[{LETTERS}{MARKS}]\u200d)\u200d*(?=[{LETTERS}])")
_PERSIAN_RE = re.compile(f"[{PERSIAN_LETTERS}]")
# A joiner next to a space or at a line's edge joins nothing, in any script. The lookbehind
# after the first joiner, ``(?<!\S<joiner>)``, means "at the start or after whitespace".
_EDGE_JOINER_RE = re.compile(rf"{_JOINER}(?:(?<!\S{_JOINER}){_JOINER}*|{_JOINER}*(?!\S))")
_TATWEEL_BETWEEN_RE = re.compile(f"([{LETTERS}][{MARKS}]*){TATWEEL}+(?=[{LETTERS}])")
_TATWEEL_RUN_RE = re.compile(f"{TATWEEL}{{2,}}")
_MESSY_SPACE_RE = re.compile(r"  | \n|\n |\n\n\n")
_SPACE_RUN_RE = re.compile(r" {2,}")
_SPACE_AROUND_NEWLINE_RE = re.compile(r" *\n *")
_NEWLINE_RUN_RE = re.compile(r"\n{3,}")

# --- markup ---------------------------------------------------------------------------------
# Only entities with their ";": ``html.unescape`` alone would also read ``&copy`` in a URL.
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

# --- punctuation ----------------------------------------------------------------------------
_PUNCT = re.escape("،؛؟.!:,;")
_SPACE_BEFORE_PUNCT_RE = re.compile(f" +(?=[{_PUNCT}])")
# Cheap scans that rule out most texts before the precise regexes run.
_SPACE_BEFORE_PUNCT_GATE_RE = re.compile(f" [{_PUNCT}]")
_PUNCT_BEFORE_LETTER_GATE_RE = re.compile(f"[{_PUNCT}…][^\\W\\d_]")
# Every alternative starts with the punctuation mark itself (lookbehinds after it), so the
# regex engine can skip ahead to candidate characters: 5x faster than leading lookbehinds.
_NEEDS_SPACE_AFTER_RE = re.compile(
    "[،؛؟](?=[^\\W\\d_])"  # Arabic comma, semicolon, question mark before any letter
    f"|[!:,;…](?=[{LETTERS}])"  # Latin marks and the ellipsis character before Arabic
    f"|\\.(?<=\\.\\.)(?=[{LETTERS}])"  # a dotted ellipsis before an Arabic letter
    f"|\\.(?<=[^\\W_]{{2}}\\.)(?=[{LETTERS}])"  # full stop after a word/number of 2+ chars
)
#: URLs and e-mail addresses (one capturing group): punctuation rules never apply inside them.
_URL_CHAR = r"[^\s<>\"«»“”،؛؟]"
_URL = rf"(?:https?://|ftp://|www\.){_URL_CHAR}*{_URL_CHAR}(?<![.,;:!?)])"  # no trailing stop
_URL_RE = re.compile(f"({_URL})", re.IGNORECASE)
_URL_OR_EMAIL_RE = re.compile(rf"({_URL}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)


def _noop(_key: str) -> None:
    return None


def _strip_markup(text: str, stats: Stats) -> str:
    """Unescape entities and drop tags until neither is left (double-escaped markup)."""
    for _ in range(5):
        entities = "&" in text and _ENTITY_RE.search(text)
        if entities:
            text = _ENTITY_RE.sub(lambda entity: html.unescape(entity[0]), text)
            stats("html/entities")
        tags = "<" in text and _TAG_RE.search(text)
        if tags:
            text = remove_tags_with_content(text, which_ones=("script", "style"))
            text = _LINE_BREAK_TAG_RE.sub("\n", text)
            text = _BLOCK_TAG_RE.sub("\n\n", text)
            text = _TAG_RE.sub("", text)
            stats("html/tags")
        if not (entities or tags):
            break
    return text


def _drop_joiners(text: str) -> str:
    """ZWJ/ZWNJ go at word edges and between Arabic letters, but ZWNJ stays in a paragraph
    written in Persian."""
    text = _EDGE_JOINER_RE.sub("", text)
    if not _PERSIAN_RE.search(text):
        return _JOINER_BETWEEN_LETTERS_RE.sub("", text)
    paragraphs = text.split("\n")
    for i, paragraph in enumerate(paragraphs):
        persian = _PERSIAN_RE.search(paragraph)
        between = _ZWJ_BETWEEN_LETTERS_RE if persian else _JOINER_BETWEEN_LETTERS_RE
        paragraphs[i] = between.sub("", paragraph)
    return "\n".join(paragraphs)


def _fix_whitespace(text: str, inline: bool) -> str:
    if inline:  # a single line is its words; only " " and "\n" are left by now
        return " ".join(text.split()) if "\n" in text or "  " in text else text.strip(" ")
    if text and (text[0] in " \n" or text[-1] in " \n" or _MESSY_SPACE_RE.search(text)):
        text = _SPACE_RUN_RE.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE_RE.sub("\n", text)
        text = _NEWLINE_RUN_RE.sub("\n\n", text)
        text = text.strip(" \n")
    return text


def _fix_punctuation(text: str) -> str:
    """Spaces around punctuation, never inside a URL or an e-mail address."""
    space_before = _SPACE_BEFORE_PUNCT_GATE_RE.search(text)
    space_after = _PUNCT_BEFORE_LETTER_GATE_RE.search(text)
    if not (space_before or space_after):
        return text  # the common case: nothing to fix, no need to look for URLs
    parts = [text]
    if "@" in text or "://" in text or "www." in text:
        parts = (_URL_OR_EMAIL_RE if "@" in text else _URL_RE).split(text)  # URLs: odd parts
    for i in range(0, len(parts), 2):
        if space_before:
            parts[i] = _SPACE_BEFORE_PUNCT_RE.sub("", parts[i])
        if space_after:
            parts[i] = _NEEDS_SPACE_AFTER_RE.sub(r"\g<0> ", parts[i])
    return "".join(parts)


def _clean(text: str, inline: bool, stats: Stats | None) -> str:
    if not text:
        return ""
    record = stats or _noop
    text = _strip_markup(text, record)
    # Mojibake before the invisible characters: windows-1256 shows some UTF-8 bytes as them.
    text, repair = repair_mojibake(text)
    if repair:
        record(f"mojibake/{repair}")
    if PRESENTATION_FORM_RE.search(text):
        text = fold_presentation_forms(text)
        record("presentation_forms")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _REPLACED_RE.search(text):
        text = _REPLACED_RE.sub(lambda char: _REPLACEMENTS[char[0]], text)
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
    return _fix_punctuation(text)


def clean_text(text: str, *, stats: Stats | None = None) -> str:
    """Clean display text, keeping paragraph breaks (``\\n\\n``) and line breaks.

    ``stats`` is called with a short key (``mojibake/win1256``, ``html/entities`` …) for every
    repair made, so a pipeline can count them.
    """
    return _clean(text, inline=False, stats=stats)


def clean_inline(text: str, *, stats: Stats | None = None) -> str:
    """Clean a single-line field (title, tag, author, caption …): newlines become spaces."""
    return _clean(text, inline=True, stats=stats)
