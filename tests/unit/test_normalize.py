"""The matching form: one rule per test, with real Arabic spellings that must meet."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madar.text.arabic import MATCHING_TABLE
from madar.text.arabic import normalize_for_matching as norm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # diacritics: harakat, tanween, shadda, sukun, superscript alef
        ("الْعَرَبِيَّةُ", "العربيه"),
        ("كِتَابًا مُهِمٌّ", "كتابا مهم"),
        ("هٰذا", "هذا"),
        # tatweel, decorative and abbreviation alike
        ("مــــرحبا", "مرحبا"),
        ("١٤٤٥هـ", "1445ه"),
        # alef forms
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),
        # alef maqsura -> yeh (not alef, unlike PyArabic's normalize_alef)
        ("مستشفى على", "مستشفي علي"),
        # teh marbuta -> heh
        ("مدرسة الجامعة", "مدرسه الجامعه"),
        # hamza carriers
        ("مؤتمر قائد", "موتمر قايد"),
        # Persian letters
        ("کتاب ایران", "كتاب ايران"),
        # digits
        ("٢٠١٧ ۱۳۹۶", "2017 1396"),
        # punctuation -> space
        ("قال، ثم؛ لماذا؟ ٪٥٠", "قال ثم لماذا 50"),
        ("«روسيا» “أستانا” - (جنيف) – غدا...", "روسيا استانا جنيف غدا"),
        # Latin lower case, numbers split at the point like every other punctuation
        ("Staffan DE MISTURA 3.5", "staffan de mistura 3 5"),
        # repeated letters collapse, digits do not
        ("جمييييل جدااا 1000", "جميل جدا 1000"),
        # whitespace
        ("  سطر\n\nسطر\u00a0آخر\t ", "سطر سطر اخر"),
        # presentation forms and the two explicit ligatures
        ("ﻻ ﺍﻟﻌﺮﺑﻴﺔ", "لا العربيه"),
        ("﷽", "بسم الله الرحمن الرحيم"),
        ("١٠٠ ﷼", "100 ريال"),
        # invisible characters are deleted, not turned into spaces
        ("مر\u200cحبا \u200fنعم\ufeff", "مرحبا نعم"),
        # decomposed hamza (alef + U+0654) meets the composed letter
        ("ا\u0654حمد", "احمد"),
        # emoji and symbols are content, kept
        ("تحية 😀 $5", "تحيه 😀 $5"),
        ("", ""),
    ],
)
def test_rules(text: str, expected: str) -> None:
    assert norm(text) == expected


def test_variants_of_one_sentence_meet() -> None:
    published = "بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة من مفاوضات أستانة."
    variants = [
        "بَدَأَتْ رُوسِيَا وَإِيرَانُ التحضيرات لعقد جولة جديدة من مفاوضات أستانة",
        "بدات روسيا وايران ، التحضيرات لعقد جوله جديده من مفاوضات استانه",
        "بـــدأت روسيا\u00a0وإيران، التحضيرات لعقد جولة جديدة من مفاوضات\u200f أستانة!!",
    ]
    for variant in variants:
        assert norm(variant) == norm(published)


def test_distinct_words_stay_distinct() -> None:
    # Folding must not merge words that differ in a real letter.
    assert norm("سوريا") != norm("سورية")  # ة→ه, not ا
    assert norm("قال") != norm("قتل")
    assert norm("علم") != norm("عالم")


@given(st.text())
def test_idempotent_and_single_spaced(text: str) -> None:
    once = norm(text)
    assert norm(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert all(not ch.isspace() or ch == " " for ch in once)


def test_table_scan_covers_every_code_point_that_needs_mapping() -> None:
    # The table is built from planes 0, 1 and 14 only; nothing elsewhere may need it
    # (guards against a future Unicode version adding punctuation or case there).
    missed = [
        cp
        for cp in range(0x20000, 0x110000)
        if not 0xE0000 <= cp < 0xE1000
        and (
            unicodedata.category(chr(cp))[0] in "PZ"
            or unicodedata.category(chr(cp)) in ("Cc", "Cf", "Lu", "Lt")
        )
    ]
    assert missed == []
    assert MATCHING_TABLE[0xE0041] is None  # a tag character (Cf) in plane 14


_BELOW_FAST_TABLE = st.characters(max_codepoint=0x2FFF)  # the numpy path's whole range


@given(st.text(_BELOW_FAST_TABLE, min_size=200) | st.text(min_size=200))
def test_numpy_fold_equals_the_str_fold(text: str) -> None:
    from madar.text import arabic

    folded = arabic._fold_vectorized(text)
    if arabic.numpy is None or folded is None:
        return
    expected = " ".join(text.translate(arabic._FAST_TABLE).split())
    assert folded == expected
