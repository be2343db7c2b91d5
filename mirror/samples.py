"""Correct Arabic text for tests and benchmarks: what the cleaners must leave alone.

``REAL_PARAGRAPHS`` are paragraphs as published on the site (from the one real article we
have), with the site's own quirks (space before a full stop, Latin comma). ``sentences()``
builds any number of varied, *correct* sentences from a vocabulary chosen to be hard on the
mojibake rule (many ``ط``/``ظ`` words, ``ط،``-style endings, words that are valid UTF-8 when
re-encoded as windows-1256) and on the punctuation rules (numbers, times, URLs, quotes,
abbreviations, diacritics, Persian with ZWNJ, Latin names, emoji). Deterministic for a seed.
"""

from __future__ import annotations

import random

REAL_PARAGRAPHS: tuple[str, ...] = (
    "بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة من مفاوضات أستانة المقررة في الأسبوع"
    " الأخير من الشهر الجاري، حيث ستتبعها جولة أخرى من مفاوضات جنيف وجديد هذا التحضيرات"
    " اجتماع على مستوى الخبراء في طهران ودعوة روسيا لمفاوضات مباشرة بين المعارضة والنظام .",
    "وذكرت مصادر مطلعة، أن لقاءات على مستوى الخبراء ستعقد في في وقت لاحق في طهران اليوم،"
    " وتتناول نتائج الجولة الخامسة من مفاوضات في “أستانا” والتحضير لجولة جديدة، وستجري هذه"
    " اللقاءات برعاية الدول الضامنة لوقف إطلاق النار في سوريا، وهي روسيا وإيران وتركيا.",
    "وفي هذا الإطار، أجرى نائب وزير الخارجية الروسي ميخائيل بوغدانوف محادثات في موسكو أمس،"
    " مع نائب وزير الخارجية الإيراني للشؤون العربية والأفريقية حسين جابر أنصاري، أعلن على"
    " أثرها أن “روسيا تريد دعم الأمم المتحدة في إجراء حوار مباشر بين الوفد السوري ووفد"
    " المعارضة الموحد، الذي يجرى تشكيله”.",
    "وتداولت وكالات أنباء، احتمال تغيير توقيت عقد الجولة السادسة من المفاوضات المقررة في"
    " نهاية الشهر الجاري وعقدها في منتصفه , إلا أن وزارة الخارجية الكازاخية قالت أنها لا"
    " تستطيع تحديد الموعد بالضبط.",
    "فيما أشار البيان الختامي الذي تلاه وزير كازاخستان إلى أنه تم تشكيل مجموعة عمل من الدول"
    " الضامنة ” روسيا وتركيا ” لمتابعة تنفيذ مناطق تخفيف التوتر , وتحديد موعد لجولة سادسة في"
    " نهاية الشهر المقبل .",
    "دمشق – مدار اليوم أجرى قسم الأحوال الشخصية في كلية الشريعة بدمشق، ...",
)

#: Common news words, weighted towards ط/ظ (the windows-1256 lead letters) and towards
#: letters whose windows-1256 byte is a UTF-8 trail byte (، ؛ ؟ پ چ ژ گ ک ھ).
_WORD_LIST = """
    قال أعلن وزير الخارجية الحكومة رئيس الوزراء مجلس الأمن الدولي الأمم المتحدة سوريا
    لبنان العراق مصر الأردن فلسطين تركيا إيران روسيا الولايات المتحدة أوروبا دمشق بيروت
    بغداد القاهرة عمان القدس حلب إدلب طهران موسكو جنيف أستانة الرياض الكويت قطر ظبي طرابلس
    طرطوس الطائف ظفار الظهران طالب طلاب طبيب طائرة طريق طاقة طويل قطاع نفط ضغط خط ربط شرط
    حفظ محافظ محافظة نظام انتظار ظروف ظاهرة ظل عظيم حظر لحظة وطني وطن مطار مطر سلطة سلطات
    شرطة خطة خطير خطاب بطولة بطل قطعة قطر إحباط نشاط نقاط ارتباط اختلاط ضباط ظلم ظالم
    اقتصاد سياسة مفاوضات اتفاق هدنة وقف إطلاق النار المعارضة النظام اللاجئين المساعدات
    الإنسانية الانتخابات البرلمان الدستور القانون المحكمة الجيش القوات الأمنية الهجوم
    الصواريخ الغارات المدنيين الأطفال النساء المستشفى المدرسة الجامعة الطلاب المعلمين
    الأسعار الدولار الليرة البنك المركزي التضخم الكهرباء المياه الوقود الخبز القمح
    أكد أشار أوضح أضاف نقلت وكالة مصادر مطلعة مسؤول رفيع المستوى بيان صحفي مؤتمر
    اجتماع زيارة رسمية جولة جديدة الأسبوع الماضي الشهر الجاري العام المقبل اليوم أمس غدا
    مسؤولية مؤسسة مؤكدا رئيسي هيئة سائق قائد دائرة بيئة ذئب شؤون رؤية سؤال مسألة
    مستشفى مبنى على إلى حتى مصطفى موسى عيسى ليلى سلمى هدى منى
    """
WORDS: tuple[str, ...] = tuple(_WORD_LIST.split())
LATIN = ("BBC", "CNN", "Reuters", "AFP", "Staffan de Mistura", "iPhone", "COVID-19", "UN")
PERSIAN = (
    "می‌خواهم به تهران بروم",
    "کتاب‌ها را روی میز گذاشتند",
    "نامه‌ای از دوستم رسید",
    "این خانه‌ها بسیار زیبا هستند",
)
DIACRITIZED = (
    "إِنَّ الْعِلْمَ نُورٌ",
    "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ",
    "قَالَ الرَّئِيسُ إِنَّ الْوَضْعَ خَطِيرٌ جِدًّا",
    "كِتَابًا مُفِيدًا",
    "مُؤْتَمَرٌ دَوْلِيٌّ",
)
FRAGMENTS = (
    "في الساعة 10:30 صباحا",
    "بنسبة 3.5%",
    "بنسبة ٪٣٫٥",
    "نحو 1,000 شخص",
    "عام ١٤٤٥هـ",
    "في 12 أيار/مايو 2017",
    "حتى الـ15 من الشهر",
    "عبر الموقع https://madaralyoum.com/archives/12345",
    "(أ.ف.ب)",
    "ص.ب 1234",
    "د.أحمد",
    "(سانا)",
    "«الجزيرة»",
    "“أستانا”",
    "👍",
    "👨‍👩‍👧",
    "½ كيلو",
    "١٢٣٤٥٦٧٨٩٠",
    "۱۲۳۴",
)
ENDINGS = (".", "،", "؟", "!", ":", "؛", "...", "")


def sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` correct, already-clean sentences (single spaces, published punctuation)."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        parts: list[str] = [" ".join(rng.choices(WORDS, k=rng.randint(1, 14)))]
        for pool, chance in ((LATIN, 0.15), (DIACRITIZED, 0.15), (FRAGMENTS, 0.35)):
            if rng.random() < chance:
                parts.insert(rng.randint(0, len(parts)), rng.choice(pool))
        sentence = " ".join(parts)
        # Punctuation the site would publish: after a word, followed by a space.
        words = sentence.split(" ")
        for _ in range(rng.randint(0, 2)):
            i = rng.randrange(len(words))
            if words[i] and words[i][-1].isalpha():
                words[i] += rng.choice("،؛,")
        sentence = " ".join(words) + rng.choice(ENDINGS)
        if rng.random() < 0.05:
            sentence = rng.choice(PERSIAN)
        out.append(sentence)
    return out


def article_text(paragraphs: int, seed: int = 0) -> str:
    """A plausible article body: paragraphs of 2–6 sentences joined by blank lines."""
    rng = random.Random(seed)
    body: list[str] = []
    for i in range(paragraphs):
        if i % 4 == 0:
            body.append(REAL_PARAGRAPHS[rng.randrange(len(REAL_PARAGRAPHS))])
        else:
            body.append(" ".join(sentences(rng.randint(2, 6), seed=rng.randrange(1 << 30))))
    return "\n\n".join(body)
