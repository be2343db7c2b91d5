"""Repair Arabic UTF-8 that was decoded with a single-byte charset somewhere upstream.

Both forms are repaired here, run by run, by re-encoding with the charset that broke them
and decoding UTF-8 strictly: windows-1256 (``ط§ظ„ط®ط¨ط±``) and latin-1/cp1252
(``Ø§Ù„Ø®Ø¨Ø±``; each byte as latin-1 shows it, or as cp1252 shows 0x80-0x9F, a browser's
reading). ftfy, which did the second, pulled in 7 MB for that one step. The windows-1256 rule
is strict (enough strong ``ط``/``ظ`` pairs, and most Arabic characters inside well-formed
sequences) because correct Arabic re-encodes to valid UTF-8 surprisingly often; the
measurements behind it: docs/text.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
#: A character as latin-1 or cp1252 shows a byte -> that byte.
_SLOPPY_1252 = {chr(b): b for b in range(256)} | {
    bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0)
    if bytes([b]).decode("cp1252", "ignore")}
_L1_TRAIL = "[\x80-\xbf" + re.escape(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore")) + "]"
_L1_SEQ = (f"(?:[\xc2-\xdf]{_L1_TRAIL}|[\xe0-\xef]{_L1_TRAIL}{{2}}"
           f"|[\xf0-\xf4]{_L1_TRAIL}{{3}})")
#: A run of UTF-8 sequences as latin-1/cp1252 shows them, with the ASCII between them.
_LATIN1_RUN_RE = re.compile(f"{_L1_SEQ}(?:{_L1_SEQ}|[\x00-\x7f])*")


def looks_like_win1256_mojibake(text: str) -> bool:
    """True when ``text`` as a whole looks like UTF-8 Arabic read as windows-1256."""
    if text.count("ط") + text.count("ظ") < MIN_PAIRS:
        return False
    if len(_STRONG_PAIR_RE.findall(text)) < MIN_PAIRS:
        return False
    arabic = len(_ARABIC_BLOCK_RE.findall(text))
    covered = sum(len(_ARABIC_BLOCK_RE.findall(m)) for m in _SEQ_RE.findall(text))
    return covered >= MIN_COVERAGE * arabic


def _win1256_bytes(run: str) -> bytes:
    return run.encode("cp1256")


def _latin1_bytes(run: str) -> bytes:
    try:
        return bytes(_SLOPPY_1252[c] for c in run)
    except KeyError:
        raise UnicodeEncodeError("latin-1/cp1252", run, 0, len(run), "not a byte") from None


def _decode_run(run: str, to_bytes: Callable[[str], bytes]) -> str:
    try:
        return to_bytes(run).decode("utf-8")
    except UnicodeError:
        return run


def _run_repairer(pair_re: re.Pattern[str],
                  to_bytes: Callable[[str], bytes]) -> Callable[[re.Match[str]], str]:
    def repair(match: re.Match[str]) -> str:
        run = match.group()
        if not pair_re.search(run):
            return run
        fixed = _decode_run(run, to_bytes)
        if fixed is not run:
            return fixed
        # One bad sequence spoils the whole run: retry word by word.
        return "".join(_decode_run(part, to_bytes) for part in re.split(r"(\s+)", run))
    return repair


_repair_win1256_run = _run_repairer(_ARABIC_PAIR_RE, _win1256_bytes)
_repair_latin1_run = _run_repairer(_LATIN1_PAIR_RE, _latin1_bytes)


def _repair_win1256(text: str) -> str:
    return _WIN1256_RUN_RE.sub(_repair_win1256_run, text)


def _repair_latin1(text: str) -> str:
    return _LATIN1_RUN_RE.sub(_repair_latin1_run, text)


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
            fixed, kind = _repair_latin1(text), LATIN1
        else:
            break
        if fixed == text:
            break
        text = fixed
        applied = applied or kind
    return text, applied
