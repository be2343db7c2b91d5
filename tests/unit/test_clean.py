"""Display-text cleaning: every rule with a real Arabic example, and what must NOT change."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from madar.text.clean import clean_inline, clean_text
from mirror.samples import DIACRITIZED, FRAGMENTS, LATIN, PERSIAN, article_text, sentences


def recorder() -> tuple[list[str], object]:
    seen: list[str] = []
    return seen, seen.append


# --- what must not change ------------------------------------------------------------------

UNCHANGED = [
    "بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة من مفاوضات أستانة.",
    "إِنَّ الْعِلْمَ نُورٌ",  # diacritics as published
    "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ",  # superscript alef, shadda
    "می‌خواهم به تهران بروم",  # Persian ZWNJ
    "نامه‌ای از دوستم رسید",
    "ستيفان دي ميستورا Staffan de Mistura",
    "بنسبة 3.5% في الساعة 10:30 ونحو 1,000 شخص",
    "بنسبة ٪٣٫٥ عام ١٤٤٥هـ و1445 هـ",
    "حتى الـ15 من الشهر وقناة الـBBC",
    "(أ.ف.ب) ص.ب 1234 د.أحمد U.S. e.g. mailto:info@example.com",
    "عبر الموقع https://madaralyoum.com/archives/12345?a=1,2;b=3 وwww.example.com/x.",
    "أسرة سعيدة 👨‍👩‍👧 وإعجاب 👍🏽 وعلم 🏳️‍🌈",
    "قال: «الجزيرة» و“أستانا” و”روسيا وتركيا”",
    "½ كيلو و™ و… و١٢٣٤٥٦٧٨٩٠ و۱۲۳۴",
    "الفقرة الأولى.\n\nالفقرة الثانية.",
    "سطر أول\nسطر ثان",
    "3 < 5 و AT&T و R&D",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_correct_text_is_unchanged(text: str) -> None:
    assert clean_text(text) == text


def test_generated_correct_sentences_are_unchanged() -> None:
    texts = sentences(3000, seed=7)
    changed = [t for t in texts if clean_text(t) != t]
    assert changed == []


@pytest.mark.parametrize("text", [*PERSIAN, *DIACRITIZED, *LATIN, *FRAGMENTS])
def test_sample_pools_are_unchanged(text: str) -> None:
    assert clean_text(text) == text
    assert clean_inline(text) == text


# --- mojibake ------------------------------------------------------------------------------


def test_windows_1256_mojibake_is_repaired_and_counted() -> None:
    text = "اجتماع روسي – ايراني في طهران للتحضير لجولة جديدة"
    seen, stats = recorder()
    assert clean_text(text.encode().decode("cp1256"), stats=stats) == text
    assert seen == ["mojibake/win1256"]


def test_latin1_mojibake_is_repaired_and_counted() -> None:
    text = "قال: “روسيا تريد دعم الأمم المتحدة”"
    seen, stats = recorder()
    assert clean_text(text.encode().decode("latin-1"), stats=stats) == text
    assert seen == ["mojibake/latin1"]


def test_mojibake_repair_runs_before_invisible_cleanup() -> None:
    # ح (D8 AD) shows a soft hyphen, ٠ (D9 A0) an nbsp: deleting them first would lose letters.
    text = "التحضيرات في عام ٢٠١٧ حتى الآن"
    assert clean_text(text.encode().decode("cp1256")) == text


# --- Unicode forms -------------------------------------------------------------------------


def test_nfc() -> None:
    decomposed = "ا\u0654حمد و\u0654"  # alef + combining hamza
    assert clean_text(decomposed) == "أحمد ؤ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ﻣﺮﺣﺒﺎ ﺑﻜﻢ", "مرحبا بكم"),
        ("ﻻ", "لا"),
        ("﷽", "بسم الله الرحمن الرحيم"),
        ("السعر ١٠٠ ﷼", "السعر ١٠٠ ريال"),
        ("النبي ﷺ", "النبي صلى الله عليه وسلم"),
        # NFKC only on presentation forms: ½ ™ … stay
        ("ﻻ ½ ™ …", "لا ½ ™ …"),
    ],
)
def test_presentation_forms(text: str, expected: str) -> None:
    assert clean_text(text) == expected


# --- invisible characters and spaces -------------------------------------------------------


@pytest.mark.parametrize(
    "char",
    [
        "\u200b", "\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d",
        "\u202e", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066", "\u2067",
        "\u2068", "\u2069", "\ufeff", "\u00ad", "\x00", "\x07", "\x7f", "\x9f",
    ],
)  # fmt: skip
def test_invisible_characters_are_deleted(char: str) -> None:
    assert clean_text(f"{char}مر{char}حبا بكم{char}") == "مرحبا بكم"


def test_zwnj_and_zwj_between_arabic_letters_are_deleted() -> None:
    assert clean_text("مر\u200cحبا و\u200dأهلا") == "مرحبا وأهلا"
    assert clean_text("مَ\u200cرحبا") == "مَرحبا"  # after a diacritic too


def test_zwnj_kept_in_persian_and_emoji_zwj_kept() -> None:
    text = "کتاب‌ها را روی میز گذاشتند"
    assert clean_text(text) == text
    assert clean_text("عائلة 👨\u200d👩\u200d👧") == "عائلة 👨\u200d👩\u200d👧"
    # an Arabic paragraph next to a Persian one loses its stray ZWNJ
    assert clean_text("مر\u200cحبا\n\nمی\u200cخواهم") == "مرحبا\n\nمی\u200cخواهم"


@pytest.mark.parametrize(
    "space", ["\u00a0", "\u2002", "\u2003", "\u2009", "\u200a", "\u202f", "\u205f", "\u3000", "\t"]
)
def test_space_variants_become_one_space(space: str) -> None:
    assert clean_text(f"مدار{space}{space} اليوم") == "مدار اليوم"


def test_paragraph_breaks_are_normalized_not_lost() -> None:
    raw = "  الفقرة الأولى.  \r\n \r\n\n\n  الفقرة   الثانية.\u2029الثالثة\n"
    assert clean_text(raw) == "الفقرة الأولى.\n\nالفقرة الثانية.\n\nالثالثة"


def test_clean_inline_joins_lines() -> None:
    assert clean_inline(" عنوان\nالخبر\n\n العاجل ") == "عنوان الخبر العاجل"


# --- tatweel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مــــرحبا", "مرحبا"),
        ("الحمــد لله", "الحمد لله"),
        ("عاجـــل: مدار اليــوم", "عاجل: مدار اليوم"),
        ("مَــرحبا", "مَرحبا"),  # after a diacritic
        ("١٤٤٥هـ", "١٤٤٥هـ"),
        ("1445 هـــ", "1445 هـ"),  # abbreviation kept, decoration collapsed
        ("الـ15 والـــBBC", "الـ15 والـBBC"),
        ("مـَرحبا", "مـَرحبا"),  # a tatweel carrying a diacritic stays
    ],
)
def test_tatweel(text: str, expected: str) -> None:
    assert clean_text(text) == expected


# --- punctuation spacing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("والنظام . وذكرت", "والنظام. وذكرت"),
        ("في منتصفه , إلا أن", "في منتصفه, إلا أن"),  # the site's Latin comma is kept
        ("قال ، ثم ؛ لماذا ؟ نعم ! هكذا :", "قال، ثم؛ لماذا؟ نعم! هكذا:"),
        ("قال،ثم؛لماذا؟نعم", "قال، ثم؛ لماذا؟ نعم"),
        ("الاتفاق.وقال:غدا!ثم,بعد;ذلك", "الاتفاق. وقال: غدا! ثم, بعد; ذلك"),
        ("انتظر...ثم قال…نعم", "انتظر... ثم قال… نعم"),
        ("عام 2017.وقال", "عام 2017. وقال"),
        ("قال،“نعم”", "قال،“نعم”"),  # a quote is not a letter
        ("(أ.ف.ب) ص.ب د.أحمد", "(أ.ف.ب) ص.ب د.أحمد"),
        ("3.5 و10:30 و1,000", "3.5 و10:30 و1,000"),
        ("زوروا https://madaralyoum.com/a,b;c:d ،ثم", "زوروا https://madaralyoum.com/a,b;c:d، ثم"),
    ],
)  # fmt: skip
def test_punctuation_spacing(text: str, expected: str) -> None:
    assert clean_text(text) == expected


# --- markup --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مدار&nbsp;اليوم &amp; الأخبار", "مدار اليوم & الأخبار"),
        ("&#1605;&#1583;&#1575;&#1585; &#x627;&#x644;&#x64A;&#x648;&#x645;", "مدار اليوم"),
        ("&amp;quot;نص&amp;quot;", '"نص"'),  # double-escaped
        ("<p>الفقرة الأولى</p><p>الفقرة <b>الثانية</b></p>", "الفقرة الأولى\n\nالفقرة الثانية"),
        ("سطر<br>سطر<br/>", "سطر\nسطر"),
        ("نص<script>var a = 1 < 2;</script> آخر<!-- تعليق -->", "نص آخر"),
        ("&lt;strong&gt;عاجل&lt;/strong&gt;", "عاجل"),
    ],
)
def test_markup_never_reaches_the_output(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_markup_is_counted() -> None:
    seen, stats = recorder()
    clean_text("<b>مدار</b>&amp;", stats=stats)
    assert seen == ["html/entities", "html/tags"]


# --- properties ----------------------------------------------------------------------------


def assert_clean_output(out: str) -> None:
    assert unicodedata.is_normalized("NFC", out)
    assert all(ch == "\n" or unicodedata.category(ch) != "Cc" for ch in out)
    assert out == out.strip()
    assert "\n\n\n" not in out and "  " not in out and " \n" not in out and "\n " not in out


arabic_heavy = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
        st.sampled_from(list(" \n\t\u00a0\u200c\u200d\u200f\u00adـ،؛؟.!:,;&<>/#;pbr1234567890")),
    )
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), arabic_heavy))
@example("ﻻٓ.ٮ")  # lam-alef form + madda: NFC makes آ, the full-stop rule must see it
def test_idempotent_and_well_formed(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert_clean_output(once)
    inline = clean_inline(text)
    assert clean_inline(inline) == inline
    assert "\n" not in inline
    assert_clean_output(inline)


def test_realistic_article_bodies_are_stable() -> None:
    for seed in range(20):
        body = article_text(12, seed=seed)
        once = clean_text(body)
        assert clean_text(once) == once
        assert_clean_output(once)


def test_fold_arabic_covers_its_whole_table():
    from madar.text import arabic
    assert all(cp < len(arabic._FOLD_FAST) or cp == 0xFEFF for cp in arabic._FOLD_TABLE)
    for cp, value in arabic._FOLD_TABLE.items():
        assert arabic.fold_arabic(f"a{chr(cp)}b") == f"a{value or ''}b"
