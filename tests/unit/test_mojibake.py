"""Mojibake repair: both forms come back exactly, correct text is never touched."""

from __future__ import annotations

import random

import pytest

from madar.text.clean import LATIN1, WIN1256, repair_mojibake
from mirror.samples import PERSIAN, REAL_PARAGRAPHS, sentences

TITLE = "اجتماع روسي – ايراني في طهران للتحضير لجولة جديدة من مفاوضات أستانة"
BODY = REAL_PARAGRAPHS[1]


def as_win1256(text: str) -> str:
    return text.encode("utf-8").decode("cp1256")


def as_latin1(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def as_browser_cp1252(text: str) -> str:
    """What a browser shows: cp1252, with its five undefined bytes as C1 controls."""
    return "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8")
    )


@pytest.mark.parametrize("text", [TITLE, BODY, "الخبر العاجل", "سوريا", "مصر"])
def test_windows_1256_mojibake_is_repaired_exactly(text: str) -> None:
    broken = as_win1256(text)
    assert broken != text
    assert repair_mojibake(broken) == (text, WIN1256)


def test_windows_1256_example_is_repaired() -> None:
    assert repair_mojibake("ط§ظ„ط®ط¨ط±") == ("الخبر", WIN1256)


def test_windows_1256_keeps_soft_hyphen_and_nbsp_bytes() -> None:
    # ح is D8 AD (AD = soft hyphen in windows-1256), ٠ is D9 A0 (A0 = nbsp).
    text = "التحضيرات في عام ٢٠١٧ حتى الآن"
    broken = as_win1256(text)
    assert "\u00ad" in broken and "\u00a0" in broken
    assert repair_mojibake(broken) == (text, WIN1256)


@pytest.mark.parametrize("text", [TITLE, BODY, "الخبر العاجل"])
@pytest.mark.parametrize("break_it", [as_latin1, as_browser_cp1252])
def test_latin1_and_cp1252_mojibake_is_repaired(text: str, break_it) -> None:
    broken = break_it(text)
    assert broken != text
    assert repair_mojibake(broken) == (text, LATIN1)


def test_latin1_example_from_the_issue_keeps_curly_quotes() -> None:
    text = "قال: “روسيا تريد دعم الأمم المتحدة”"
    assert repair_mojibake(as_latin1(text)) == (text, LATIN1)


def test_double_mojibake_is_undone_layer_by_layer() -> None:
    broken = as_win1256(as_win1256(BODY))
    assert repair_mojibake(broken) == (BODY, WIN1256)


def test_emoji_and_latin_inside_mojibake() -> None:
    text = "وقالت وكالة Reuters إن الاجتماع انتهى 👍 في الساعة 10:30"
    assert repair_mojibake(as_win1256(text)) == (text, WIN1256)


@pytest.mark.parametrize("text", ["في", "غدا", "و"])
def test_short_strings_are_never_repaired(text: str) -> None:
    broken = as_win1256(text)
    assert repair_mojibake(broken) == (broken, None)


def test_hundreds_of_correct_sentences_are_unchanged() -> None:
    texts = [*sentences(3000, seed=11), *REAL_PARAGRAPHS, *PERSIAN]
    changed = [t for t in texts if repair_mojibake(t) != (t, None)]
    assert changed == []


def test_ta_and_za_heavy_correct_text_is_unchanged() -> None:
    # Words ending in ط/ظ followed by Arabic punctuation are valid UTF-8 once re-encoded
    # (ط، = D8 A1 = ء): the rule must not fire on them.
    words = [
        "خط",
        "ضغط",
        "ربط",
        "شرط",
        "نفط",
        "قط",
        "فقط",
        "حظ",
        "لفظ",
        "حفظ",
        "وسط",
        "بط",
        "محافظ",
    ]
    rng = random.Random(5)
    for _ in range(5000):
        text = " ".join(
            w + rng.choice(["،", "؛", "؟", "", "…", "..."]) for w in rng.choices(words, k=8)
        )
        assert repair_mojibake(text) == (text, None)


@pytest.mark.parametrize(
    "text",
    [
        "Øster Ømø, a Danish place",  # Ø followed by ordinary letters
        "Prix: 10 € — «Ça va» Ù",
        "ÙØ",
        "",
    ],
)
def test_latin_text_is_unchanged(text: str) -> None:
    assert repair_mojibake(text) == (text, None)
