"""Arabic script in one place: letter and mark classes, letter variants, presentation forms,
and the two folds: ``fold_arabic`` to recognise a word in page text, and the stricter
matching form dedup compares. Rules and measurements: docs/text.md.
"""

from __future__ import annotations

import re
import unicodedata

try:  # optional accelerator, as in madar.dedup.minhash: the same strings, computed vectorized
    import numpy
except ImportError:  # pragma: no cover - exercised by the lean install
    numpy = None

#: Arabic-script letters as a regex class body (no digits, punctuation, marks or tatweel).
LETTERS = (
    "\u0620-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\u08a0-\u08c9"
)
#: Arabic combining marks (all category Mn) as a regex class body: harakat, tanween, shadda,
#: sukun, superscript alef, combining hamza, Quranic and extended marks.
MARKS = (
    "\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u08d3-\u08e1\u08e3-\u08ff"
)
TATWEEL = "\u0640"
#: Letters only Persian (and Urdu) writing uses: a paragraph with one is written in Persian.
PERSIAN_LETTERS = "پچژگکی"
#: Characters that only direct or hide text (zero-width, direction marks, BOM, soft hyphen).
#: Not ZWJ and ZWNJ: they shape Persian words and emoji.
INVISIBLE = (
    "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
#: Spellings of one letter that writers, keyboards and editors swap: alef with hamza or
#: madda, alef maqsura, teh marbuta, hamza on a carrier, the Persian/Urdu look-alikes.
LETTER_VARIANTS = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ئ": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي",
    "ؤ": "و",
    "ة": "ه", "ۀ": "ه", "ھ": "ه", "ہ": "ه", "ۃ": "ه",
    "ک": "ك", "ڪ": "ك",
}  # fmt: skip
#: Arabic-Indic and Persian digits -> ASCII digits.
DIGITS = {base + d: str(d) for base in (0x0660, 0x06F0) for d in range(10)}
#: What both folds do to letters: marks and tatweel deleted, variants unified, ASCII digits.
_LETTER_FOLD: dict[int, str | None] = {
    **{cp: None for cp in range(0x0610, 0x0900) if re.match(f"[{MARKS}{TATWEEL}]", chr(cp))},
    **{ord(src): dst for src, dst in LETTER_VARIANTS.items()},
    **DIGITS,
}

#: Presentation forms: glyph shapes (``ﻻ`` for ``لا``) that old tools and PDF copy-paste leave.
PRESENTATION_FORM_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
_PRESENTATION_RUN_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
#: NFKC leaves ``﷽`` alone and spells ``﷼`` with a Persian yeh.
_LIGATURES = {"\ufdfd": "بسم الله الرحمن الرحيم", "\ufdfc": "ريال"}


def _fold_run(match: re.Match[str]) -> str:
    return "".join(_LIGATURES.get(ch) or unicodedata.normalize("NFKC", ch) for ch in match[0])


def fold_presentation_forms(text: str) -> str:
    """Presentation forms -> the letters they draw: NFKC on those runs only, since on the
    whole text it would also rewrite the ``½ ™ …`` the site published on purpose."""
    return _PRESENTATION_RUN_RE.sub(_fold_run, text)


_FOLD_TABLE: dict[int, str | None] = {
    **_LETTER_FOLD,
    **dict.fromkeys(map(ord, INVISIBLE + "\u200c\u200d")),
    ord("،"): ",", ord("٬"): ",", ord("؛"): ";", ord("؟"): "?",
}


def fold_arabic(text: str) -> str:
    """The loose form for recognising a word in page text (a month name, a label, a menu
    entry). Case, spacing and other punctuation stay, so a regex folded with it still means
    what it says."""
    return text.translate(_FOLD_FAST).replace("\ufeff", "")


# As the matching form's (below): a tuple is looked up twice as fast; past it, U+FEFF only.
_FOLD_FAST = tuple(_FOLD_TABLE.get(cp, chr(cp)) for cp in range(0x2070))
assert set(_FOLD_TABLE) - set(range(0x2070)) <= {0xFEFF}, "a fold key past the fast table"


# --- The matching form: what dedup compares, never shown to readers -------------------------


def _build_matching_table() -> dict[int, str | None]:
    """Punctuation, spaces and controls -> space, format characters deleted, upper case ->
    lower case (one to one), then the letter fold. Only planes 0, 1 and 14 hold such
    characters (a test checks), so only they are scanned: import 0.02 s, not 0.13 s."""
    table: dict[int, str | None] = {}
    for cp in (*range(0x20000), *range(0xE0000, 0xE1000)):
        char = chr(cp)
        category = unicodedata.category(char)
        if category[0] in "PZ" or category == "Cc":
            table[cp] = " "
        elif category == "Cf":
            table[cp] = None
        elif category in ("Lu", "Lt"):
            lower = char.lower()
            if len(lower) == 1 and lower != char:
                table[cp] = lower
    return table | _LETTER_FOLD


MATCHING_TABLE: dict[int, str | None] = _build_matching_table()
# ``str.translate`` looks a tuple up twice as fast as a dict (no hashing); past its end
# (IndexError: unchanged) runs of higher code points go through the dict.
_FAST_LIMIT = 0x3000
_FAST_TABLE = tuple(MATCHING_TABLE.get(cp, chr(cp)) for cp in range(_FAST_LIMIT))
_HIGH_TABLE = {cp: value for cp, value in MATCHING_TABLE.items() if cp >= _FAST_LIMIT}
_HIGH_RUN_RE = re.compile(f"[{chr(_FAST_LIMIT)}-\U0010ffff]+")
#: Any character three times in a row: a cheap scan before the letter-aware regex.
_TRIPLE_RE = re.compile(r"(.)\1\1", re.DOTALL)
_REPEATED_WORD_CHAR_RE = re.compile(r"(\w)\1{2,}")


def _collapse_letter_run(match: re.Match[str]) -> str:
    char = match[1]
    return match[0] if char == "_" or char.isdecimal() else char


def collapse_repeated_letters(text: str) -> str:
    """``جمييييل`` → ``جميل``: a letter (not a digit) three or more times in a row → once."""
    for triple in _TRIPLE_RE.finditer(text):
        char = triple[1]
        if char.isalnum() and not char.isdecimal():
            start = triple.start()
            return text[:start] + _REPEATED_WORD_CHAR_RE.sub(_collapse_letter_run, text[start:])
    return text


def normalize_for_matching(text: str) -> str:
    """The matching form: two spellings of one sentence give one string, words kept apart."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if numpy is not None and len(text) >= 200 and (folded := _fold_vectorized(text)) is not None:
        return collapse_repeated_letters(folded)
    if PRESENTATION_FORM_RE.search(text):
        text = fold_presentation_forms(text)
    text = _HIGH_RUN_RE.sub(lambda run: run[0].translate(_HIGH_TABLE), text.translate(_FAST_TABLE))
    return collapse_repeated_letters(" ".join(text.split()))


#: The fast table's code points for numpy, a deletion as NUL (no character becomes NUL).
_FAST_CODES = None if numpy is None else numpy.array(
    [ord(value or "\0") for value in _FAST_TABLE], dtype=numpy.uint32)


def _fold_vectorized(text: str) -> str | None:
    """``" ".join(text.translate(_FAST_TABLE).split())`` on numpy (every space is " " by then),
    2.5x faster for an article; None for a character past the fast table."""
    codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), numpy.uint32)
    if codes.max() >= _FAST_LIMIT:
        return None
    codes = _FAST_CODES[codes]
    codes = codes[codes != 0]
    repeated_space = codes == 32
    repeated_space[1:] &= repeated_space[:-1]  # numpy reads an overlapping input first
    return codes[~repeated_space].tobytes().decode("utf-32-le", "surrogatepass").strip(" ")
