"""Near-duplicate detection on realistic Arabic news: republications must match, distinct
stories about the same event or topic must not (zero false positives).

The originals are written in the site's register (dateline "<place> – مدار اليوم", long
sentences, agency attributions); the first one is the real seed article's body. The
"same topic" pairs are the hard negatives: same actors, places and stock phrases, and
daily bulletins that share a template but report another day's figures.
"""

from __future__ import annotations

import re

import pytest

from madar.dedup.index import NearDuplicateIndex
from madar.dedup.minhash import MinHasher, jaccard_estimates
from madar.text.normalize import normalize_for_matching
from tests.seed import seed_path

#: the near-duplicate threshold chosen for the project (settings MADAR_NEAR_DUP_THRESHOLD)
THRESHOLD = 0.6

ASTANA_PREP = (
    "طهران – مدار اليوم\n\n"
    "بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة من مفاوضات أستانة المقررة في الأسبوع الأخير "
    "من الشهر الجاري، حيث ستتبعها جولة أخرى من مفاوضات جنيف وجديد هذا التحضيرات اجتماع على "
    "مستوى الخبراء في طهران ودعوة روسيا لمفاوضات مباشرة بين المعارضة والنظام. وذكرت مصادر "
    "مطلعة، أن لقاءات على مستوى الخبراء ستعقد في وقت لاحق في طهران اليوم، وتتناول نتائج "
    "الجولة الخامسة من مفاوضات في «أستانا» والتحضير لجولة جديدة، وستجري هذه اللقاءات برعاية "
    "الدول الضامنة لوقف إطلاق النار في سوريا، وهي روسيا وإيران وتركيا.\n\n"
    "وفي هذا الإطار، أجرى نائب وزير الخارجية الروسي ميخائيل بوغدانوف محادثات في موسكو أمس، مع "
    "نائب وزير الخارجية الإيراني للشؤون العربية والأفريقية حسين جابر أنصاري، أعلن على أثرها "
    "أن روسيا تريد دعم الأمم المتحدة في إجراء حوار مباشر بين الوفد السوري ووفد المعارضة "
    "الموحد، الذي يجرى تشكيله. وقال بوغدانوف، ننتظر غدا زيارة نائب المبعوث الأممي إلى سوريا "
    "ستيفان دي ميستورا، رمزي رمزي إلى موسكو، لمناقشة مسائل التحضير للقاء أستانا بمشاركة "
    "الجميع، وستأتي بعدها جولة جديدة من المفاوضات في جنيف.\n\n"
    "وأكد نائب وزير الخارجية الروسي، أنه بحث مع أنصاري إنشاء مناطق خفض التصعيد في جنوب سوريا. "
    "من جانبه لفت أنصاري، إلى أن مسائل عدة تتشكل في إطار مناقشة القضية السورية، منها توفير "
    "الأمن ومكافحة الإرهاب بشكل فعال، وإبداء الحزم الشديد ضد من يلجأ لاستخدام الإرهاب لبلوغ "
    "أهداف ذاتية، وكذلك الجانب السياسي للقضية السورية.\n\n"
    "وتداولت وكالات أنباء، احتمال تغيير توقيت عقد الجولة السادسة من المفاوضات المقررة في "
    "نهاية الشهر الجاري وعقدها في منتصفه، إلا أن وزارة الخارجية الكازاخية قالت إنها لا تستطيع "
    "تحديد الموعد بالضبط."
)

# Same event (the sixth Astana round), another story: the opposition's answer.
ASTANA_OPPOSITION = (
    "إسطنبول – مدار اليوم\n\n"
    "أعلن وفد المعارضة السورية إلى مفاوضات أستانة أنه لم يتلق حتى الآن دعوة رسمية للمشاركة في "
    "الجولة السادسة المقررة في نهاية الشهر الجاري، مؤكداً استعداده لحضورها في حال وصول الدعوة "
    "من الدول الضامنة. وقال عضو في الوفد لمدار اليوم إن المعارضة تنتظر ضمانات حقيقية بشأن "
    "وقف إطلاق النار في سوريا قبل أي جولة جديدة، مشيراً إلى أن الخروقات المتكررة في ريف "
    "إدلب وريف حماة الشمالي تهدد مسار المفاوضات برمته.\n\n"
    "وأضاف أن الوفد سيطرح في الجولة المقبلة ملف المعتقلين والمناطق المحاصرة بوصفه أولوية، "
    "وأن أي حديث عن مناطق خفض التصعيد يجب أن يترافق مع إدخال المساعدات الإنسانية دون شروط. "
    "ولفت إلى أن روسيا وإيران لم تفيا بالتزاماتهما في الجولة الخامسة، وأن تركيا وحدها أبدت "
    "مرونة في ملف المراقبين على خطوط التماس.\n\n"
    "في المقابل، قالت مصادر دبلوماسية في أنقرة إن الخارجية التركية تجري اتصالات مكثفة مع "
    "موسكو وطهران لتثبيت موعد الجولة السادسة، وإن اجتماعاً للخبراء قد يعقد في العاصمة "
    "الكازاخية قبل أسبوع من الموعد لبحث خرائط مناطق خفض التصعيد الأربع، وسط خلاف مستمر حول "
    "الجهة التي ستتولى الأمن في إدلب."
)

EXCHANGE_DAY1 = (
    "دمشق – مدار اليوم\n\n"
    "سجل سعر صرف الدولار الأمريكي مقابل الليرة السورية في السوق السوداء بدمشق اليوم الأحد "
    "2150 ليرة للمبيع و2100 ليرة للشراء، بارتفاع قدره 50 ليرة عن سعر إغلاق أمس، فيما بلغ "
    "سعر صرف اليورو 2390 ليرة للمبيع و2330 للشراء. وفي حلب سجل الدولار 2160 ليرة للمبيع، "
    "وفي إدلب 2175 ليرة، بينما حافظ مصرف سوريا المركزي على سعر النشرة الرسمية عند 1256 ليرة "
    "للدولار الواحد.\n\n"
    "وعزا متعاملون في السوق الارتفاع إلى زيادة الطلب على القطع الأجنبي من قبل التجار مع "
    "اقتراب موسم الاستيراد، وإلى شح المعروض بعد حملة الملاحقات الأمنية لشركات الصرافة غير "
    "المرخصة. وقال أحد الصرافين في منطقة المرجة إن حركة البيع كانت ضعيفة منذ الصباح، وإن "
    "كثيراً من حاملي الدولار يفضلون الانتظار بانتظار مزيد من الارتفاع.\n\n"
    "وانعكس ارتفاع الدولار على أسعار الذهب، إذ سجل غرام الذهب عيار 21 قيراطاً 187 ألف ليرة "
    "للمبيع بزيادة ألفي ليرة، بحسب نشرة جمعية الصاغة في دمشق."
)

# The same bulletin the next day: template shared, figures and one explanation differ.
EXCHANGE_DAY2 = (
    "دمشق – مدار اليوم\n\n"
    "سجل سعر صرف الدولار الأمريكي مقابل الليرة السورية في السوق السوداء بدمشق اليوم الاثنين "
    "2215 ليرة للمبيع و2170 ليرة للشراء، بارتفاع قدره 65 ليرة عن سعر إغلاق أمس، فيما بلغ "
    "سعر صرف اليورو 2460 ليرة للمبيع و2405 للشراء. وفي حلب سجل الدولار 2220 ليرة للمبيع، "
    "وفي إدلب 2240 ليرة، بينما حافظ مصرف سوريا المركزي على سعر النشرة الرسمية عند 1256 ليرة "
    "للدولار الواحد.\n\n"
    "وربط اقتصاديون موجة الارتفاع الجديدة بقرار الحكومة رفع أسعار المحروقات المدعومة، الذي "
    "دخل حيز التنفيذ منتصف الليل، وبتراجع التحويلات الخارجية مع إغلاق عدد من مكاتب الحوالات "
    "في ريف دمشق. وتوقع أحدهم أن يتجاوز الدولار حاجز 2300 ليرة قبل نهاية الأسبوع إذا لم "
    "يتدخل المصرف المركزي بضخ كميات من القطع في السوق.\n\n"
    "وانعكس ارتفاع الدولار على أسعار الذهب، إذ سجل غرام الذهب عيار 21 قيراطاً 193 ألف ليرة "
    "للمبيع بزيادة ستة آلاف ليرة، بحسب نشرة جمعية الصاغة في دمشق."
)

SHELLING_MAARAT = (
    "إدلب – مدار اليوم\n\n"
    "قتل 12 مدنياً بينهم أربعة أطفال وأصيب أكثر من 30 آخرين، اليوم الثلاثاء، بقصف جوي "
    "استهدف سوقاً شعبية في مدينة معرة النعمان بريف إدلب الجنوبي، وفق ما أفاد الدفاع المدني "
    "السوري. وقال مسؤول في الدفاع المدني إن الطائرات الحربية شنت ثلاث غارات متتالية على "
    "السوق في ساعة الذروة، ما أدى إلى دمار واسع في المحال التجارية واحتراق عدد من السيارات.\n\n"
    "وأضاف أن فرق الإنقاذ ما زالت تعمل على انتشال الضحايا من تحت الأنقاض، وأن الحصيلة مرشحة "
    "للارتفاع بسبب وجود حالات حرجة بين المصابين الذين نقلوا إلى مشافي المنطقة. وتأتي هذه "
    "الغارات رغم إدراج محافظة إدلب ضمن مناطق خفض التصعيد المتفق عليها في مفاوضات أستانة.\n\n"
    "وأدان ناشطون القصف ووصفوه بأنه استهداف متعمد للمدنيين، مطالبين الدول الضامنة بتحمل "
    "مسؤولياتها ووقف الخروقات المتكررة، فيما لم يصدر أي تعليق من الجانب الروسي حتى ساعة "
    "إعداد هذا الخبر."
)

# Another strike in the same province, a week later, in the same stock phrases.
SHELLING_SARAQIB = (
    "إدلب – مدار اليوم\n\n"
    "قتل سبعة مدنيين بينهم امرأتان وأصيب نحو 20 آخرين، فجر اليوم السبت، بقصف مدفعي وصاروخي "
    "استهدف الأحياء السكنية في مدينة سراقب بريف إدلب الشرقي، بحسب ما أفاد الدفاع المدني "
    "السوري. وأوضح مصدر طبي أن القذائف سقطت قرب مدرسة ومسجد في الحي الشمالي من المدينة، "
    "وأن بين المصابين ثلاثة من عناصر الدفاع المدني أصيبوا خلال عمليات الإسعاف.\n\n"
    "وشهدت المدينة حركة نزوح لعشرات العائلات نحو المخيمات القريبة من الحدود التركية، وسط "
    "مخاوف من تصعيد بري بعد حشود للقوات الحكومية على أطراف ريف حلب الجنوبي. وكانت المنطقة "
    "قد شهدت هدوءاً نسبياً خلال الأسبوعين الماضيين بعد تفاهمات تركية روسية.\n\n"
    "وطالب المجلس المحلي في سراقب المنظمات الإنسانية بتأمين مراكز إيواء للنازحين، مشيراً "
    "إلى أن القصف أخرج المشفى الوحيد في المدينة عن الخدمة بشكل جزئي."
)

WEATHER_STORM = (
    "دمشق – مدار اليوم\n\n"
    "توقعت المديرية العامة للأرصاد الجوية أن تتأثر سوريا اعتباراً من مساء اليوم بمنخفض جوي "
    "مصحوب بكتلة هوائية باردة، تهطل معه أمطار غزيرة تكون رعدية أحياناً على المناطق الساحلية "
    "والوسطى، وتتساقط الثلوج على المرتفعات التي يزيد ارتفاعها على 1200 متر. وأوضحت المديرية "
    "في نشرتها أن درجات الحرارة ستنخفض بمقدار ست إلى ثماني درجات عن معدلاتها، وأن الرياح "
    "ستكون جنوبية غربية نشطة السرعة مع هبات قوية قد تثير الغبار في البادية.\n\n"
    "ودعت المديرية السائقين إلى توخي الحذر على الطرق الجبلية، ولا سيما طريق دمشق بيروت "
    "الدولي وطرق ريف اللاذقية، كما حذرت من تشكل السيول في الأودية. وأعلنت محافظة طرطوس رفع "
    "الجاهزية في فرق الطوارئ والإطفاء تحسباً لأي انهيارات أو انقطاعات في الكهرباء."
)

# Same topic (winter weather), another forecast.
WEATHER_COLD = (
    "دمشق – مدار اليوم\n\n"
    "أعلنت المديرية العامة للأرصاد الجوية أن موجة من الصقيع ستسيطر على معظم المناطق خلال "
    "ساعات الليل والصباح الباكر في الأيام الثلاثة المقبلة، مع انخفاض درجات الحرارة الصغرى "
    "إلى ما دون الصفر في المنطقتين الجنوبية والشرقية، وتوقعت أن يكون الجو صحواً إلى غائم "
    "جزئياً نهاراً مع رياح شمالية شرقية خفيفة.\n\n"
    "ونصحت المديرية المزارعين باتخاذ إجراءات وقائية لحماية المزروعات والبيوت البلاستيكية "
    "في الساحل وسهل الغاب من أضرار الصقيع، كما دعت المواطنين إلى الحذر من استخدام المدافئ "
    "في الأماكن المغلقة. وبينت أن الأجواء الباردة ستستمر حتى نهاية الأسبوع، على أن ترتفع "
    "درجات الحرارة تدريجياً مطلع الأسبوع المقبل مع احتمال عودة الهطولات المطرية."
)

ORIGINALS = {
    "astana_prep": ASTANA_PREP,
    "astana_opposition": ASTANA_OPPOSITION,
    "exchange_day1": EXCHANGE_DAY1,
    "exchange_day2": EXCHANGE_DAY2,
    "shelling_maarat": SHELLING_MAARAT,
    "shelling_saraqib": SHELLING_SARAQIB,
    "weather_storm": WEATHER_STORM,
    "weather_cold": WEATHER_COLD,
}

SAME_TOPIC_PAIRS = [
    ("astana_prep", "astana_opposition"),
    ("exchange_day1", "exchange_day2"),
    ("shelling_maarat", "shelling_saraqib"),
    ("weather_storm", "weather_cold"),
]


def _replace_sentence(text: str, index: int, new: str) -> str:
    sentences = re.split(r"(?<=\.)\s+", text)
    sentences[index] = new + "."
    return " ".join(sentences)


def republications() -> list[tuple[str, str, str]]:
    """(original key, kind of edit, edited text): the same story under another URL."""
    out = []
    for key, text in ORIGINALS.items():
        body = text.split("\n\n", 1)[1]
        out.append((key, "other dateline", "بيروت – وكالات\n\n" + body))
        out.append((key, "no dateline", body))
        out.append((key, "one sentence rewritten", _replace_sentence(
            text, 2, "وأشارت المصادر ذاتها إلى أن التفاصيل الكاملة ستعلن في وقت لاحق")))
        out.append((key, "diacritics and punctuation", text.replace("،", ",")
                    .replace("أن ", "أنَّ ").replace("الجاري", "الجاري،")))
        out.append((key, "a closing line added", text
                    + "\n\nيذكر أن مدار اليوم تتابع تطورات هذا الملف أولاً بأول."))
        out.append((key, "dateline + sentence + closing line", _replace_sentence(
            "حلب – مدار اليوم\n\n" + body, 1, "ونقلت وكالات الأنباء الخبر عن مصادر محلية")
                    + "\n\nالمصدر: وكالات."))
    return out


@pytest.fixture(scope="module")
def hasher() -> MinHasher:
    return MinHasher(num_perm=128, shingle_size=3)


def _sig(hasher: MinHasher, text: str):
    return hasher.signature(normalize_for_matching(text))


def _similarity(hasher: MinHasher, a: str, b: str) -> float:
    sa, sb = _sig(hasher, a), _sig(hasher, b)
    return float(jaccard_estimates(sa, sb[None, :])[0])


def test_seed_article_is_the_first_original() -> None:
    seed = normalize_for_matching(seed_path().read_text(encoding="utf-8"))
    assert normalize_for_matching("بدأت روسيا وإيران، التحضيرات لعقد جولة جديدة") in seed


@pytest.mark.parametrize(("key", "kind", "text"), republications(),
                         ids=[f"{k}-{kind}" for k, kind, _ in republications()])
def test_republication_is_found_as_near_duplicate(hasher, key, kind, text) -> None:
    index = NearDuplicateIndex(num_perm=128, threshold=THRESHOLD)
    for doc_id, original in enumerate(ORIGINALS.values()):
        index.add(doc_id, _sig(hasher, original))
    found = index.query(_sig(hasher, text))
    assert found, f"{key} / {kind}: similarity {_similarity(hasher, ORIGINALS[key], text):.2f}"
    assert list(ORIGINALS)[found[0][0]] == key


@pytest.mark.parametrize(("a", "b"), SAME_TOPIC_PAIRS)
def test_same_topic_different_stories_are_not_duplicates(hasher, a, b) -> None:
    sim = _similarity(hasher, ORIGINALS[a], ORIGINALS[b])
    assert sim < THRESHOLD
    index = NearDuplicateIndex(num_perm=128, threshold=THRESHOLD)
    index.add(1, _sig(hasher, ORIGINALS[a]))
    assert index.query(_sig(hasher, ORIGINALS[b])) == []


def test_no_original_matches_another(hasher) -> None:
    """Zero false positives across all pairs of distinct stories."""
    index = NearDuplicateIndex(num_perm=128, threshold=THRESHOLD)
    keys = list(ORIGINALS)
    for doc_id, key in enumerate(keys):
        assert index.query(_sig(hasher, ORIGINALS[key])) == [], key
        index.add(doc_id, _sig(hasher, ORIGINALS[key]))
