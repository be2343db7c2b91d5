"""Arabic script in one place: its letter and mark classes, and the loose fold for lookups.

Cleaning, validation, the matching form, dates and the page objects all need to know what
an Arabic letter is and which spellings count as the same letter; they read it from here.
"""

from __future__ import annotations

#: Arabic-script letters as a regex class body (no digits, punctuation, marks or tatweel).
LETTERS = (
    "\u0620-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\u08a0-\u08c9"
)
#: Arabic combining marks as a regex class body: harakat, tanween, shadda, sukun,
#: superscript alef, combining hamza, Quranic and extended marks (all category Mn).
MARKS = (
    "\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u08d3-\u08e1\u08e3-\u08ff"
)
TATWEEL = "\u0640"
#: Letters only Persian (and Urdu) writing uses: a paragraph with one is written in Persian.
PERSIAN_LETTERS = "پچژگکی"

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
#: Invisible characters that split a word without showing: zero-width and direction marks.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u061c\ufeff"


def expand_class(spec: str) -> list[int]:
    """Code points of a regex class body such as ``a-cx`` (no escapes)."""
    points: list[int] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            points.extend(range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            points.append(ord(spec[i]))
            i += 1
    return points


_FOLD_TABLE: dict[int, str | None] = {
    **{cp: None for cp in expand_class(MARKS)},
    ord(TATWEEL): None,
    **{ord(ch): None for ch in _INVISIBLE},
    **{ord(src): dst for src, dst in LETTER_VARIANTS.items()},
    **DIGITS,
    ord("،"): ",", ord("٬"): ",", ord("؛"): ";", ord("؟"): "?",
}


def fold_arabic(text: str) -> str:
    """The loose form for recognising a word in page text (a month name, a box label, a
    menu entry): letter variants unified, marks, tatweel and invisible characters deleted,
    Arabic digits and punctuation in ASCII. Case and spacing are left alone, so a regex
    pattern folded with it still means what it says; ``normalize_for_matching`` is the
    stricter form dedup compares.
    """
    return text.translate(_FOLD_TABLE)
