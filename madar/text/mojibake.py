"""Repair Arabic UTF-8 that was decoded with a single-byte charset somewhere upstream.

windows-1256 mojibake (``ط§ظ„ط®ط¨ط±``) is repaired here, exactly, because ftfy does not;
latin-1/cp1252 mojibake (``Ø§Ù„Ø®Ø¨Ø±``) goes to ftfy's encoding step. The windows-1256 rule
is strict (enough strong ``ط``/``ظ`` pairs, and most Arabic characters inside well-formed
sequences) because correct Arabic re-encodes to valid UTF-8 surprisingly often; the
measurements behind it: docs/text.md.
"""

from __future__ import annotations

import re

import ftfy

WIN1256 = "win1256"
LATIN1 = "latin1"

MIN_PAIRS = 3
MIN_COVERAGE = 0.8
MAX_LAYERS = 3


def _cp1256(lo: int, hi: int) -> str:
    return bytes(range(lo, hi + 1)).decode("cp1256")


def _class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


_TRAIL = _class(_cp1256(0x80, 0xBF))
_LEAD2 = _class(_cp1256(0xC2, 0xDF))
_LEAD3 = _class(_cp1256(0xE0, 0xEF))
_LEAD4 = _class(_cp1256(0xF0, 0xF4))
_SEQ = f"(?:{_LEAD2}{_TRAIL}|{_LEAD3}{_TRAIL}{{2}}|{_LEAD4}{_TRAIL}{{3}})"

#: ``ط``/``ظ`` followed by a trail char: one mojibaked Arabic letter (a run must have one).
_ARABIC_PAIR_RE = re.compile(f"[طظ]{_TRAIL}")
#: A run of mojibaked UTF-8 sequences, with the ASCII between them (ASCII is the same in
#: both charsets).
_WIN1256_RUN_RE = re.compile(f"{_SEQ}(?:{_SEQ}|[\\x00-\\x7f])*")
_SEQ_RE = re.compile(_SEQ)
_ARABIC_BLOCK_RE = re.compile("[\u0600-\u06ff]")
#: A pair whose trail is not Arabic (``§ „ … ±`` …): never seen after ``ط``/``ظ`` in real text,
#: unlike ``ط،`` (``خط، ضغط،``) or ``طھ``.
_STRONG_PAIR_RE = re.compile(
    "[طظ]["
    + "".join(re.escape(c) for c in _cp1256(0x80, 0xBF) if not "\u0600" <= c <= "\u06ff")
    + "]"
)

#: ``Ø``/``Ù`` followed by a latin-1 or cp1252 rendering of a trail byte.
_LATIN1_PAIR_RE = re.compile(
    "[ØÙ][\x80-\xbf" + re.escape(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore")) + "]"
)
#: ftfy's encoding step reads only restore_byte_a0, replace_lossy_sequences,
#: decode_inconsistent_utf8 and fix_c1_controls; C1 controls are the cleaner's business.
_FTFY_CONFIG = ftfy.TextFixerConfig(fix_c1_controls=False, explain=False)


def looks_like_win1256_mojibake(text: str) -> bool:
    """True when ``text`` as a whole looks like UTF-8 Arabic read as windows-1256."""
    if text.count("ط") + text.count("ظ") < MIN_PAIRS:
        return False
    if len(_STRONG_PAIR_RE.findall(text)) < MIN_PAIRS:
        return False
    arabic = len(_ARABIC_BLOCK_RE.findall(text))
    covered = sum(len(_ARABIC_BLOCK_RE.findall(m)) for m in _SEQ_RE.findall(text))
    return covered >= MIN_COVERAGE * arabic


def _decode_run(run: str) -> str:
    try:
        return run.encode("cp1256").decode("utf-8")
    except UnicodeError:
        return run


def _repair_run(match: re.Match[str]) -> str:
    run = match.group()
    if not _ARABIC_PAIR_RE.search(run):
        return run
    fixed = _decode_run(run)
    if fixed is not run:
        return fixed
    # One bad sequence spoils the whole run: retry word by word.
    return "".join(_decode_run(part) for part in re.split(r"(\s+)", run))


def _repair_win1256(text: str) -> str:
    return _WIN1256_RUN_RE.sub(_repair_run, text)


def looks_like_latin1_mojibake(text: str) -> bool:
    """True when ``text`` shows UTF-8 Arabic read as latin-1/cp1252 (``Ø§Ù„``)."""
    if "Ø" not in text and "Ù" not in text:
        return False
    return len(_LATIN1_PAIR_RE.findall(text)) >= MIN_PAIRS


def repair_mojibake(text: str) -> tuple[str, str | None]:
    """Return ``(text, repair)``: the repaired text and ``'win1256'``, ``'latin1'`` or None.

    Correct text comes back unchanged (the same object) with None. When layers of both kinds
    were undone, the outermost (first applied) repair is reported.
    """
    applied: str | None = None
    for _ in range(MAX_LAYERS):
        if looks_like_win1256_mojibake(text):
            fixed, kind = _repair_win1256(text), WIN1256
        elif looks_like_latin1_mojibake(text):
            fixed, kind = ftfy.fix_encoding(text, _FTFY_CONFIG), LATIN1
        else:
            break
        if fixed == text:
            break
        text = fixed
        applied = applied or kind
    return text, applied
