# ruff: noqa: RUF002, RUF003 - Arabic queries and notes on their spelling
"""The relevance check of the issue: a fixed set of Arabic queries, each
with the spelling variants readers use (with and without short vowels,
tatweel, the hamza forms of alef, ة and ه, ى and ي, Arabic-Indic and
Western digits, the prefixes و، ال، بال، لل), finds the expected article
first. And English gets stemming."""

from __future__ import annotations

import pytest

from taawun.knowledge.models import Article
from taawun.knowledge.search import search

pytestmark = pytest.mark.django_db

ARTICLES = {
    "farming": (
        "التعاونيات الزراعية في صعيد مصر",
        "تجمع التعاونية الزراعية صغار المزارعين لشراء البذور والأسمدة معًا وبيع المحصول "
        "بسعر عادل. يقرر الأعضاء في الجمعية العمومية كيف يوزع الفائض.",
    ),
    "hospital": (
        "إدارة المستشفى التعاوني",
        "يملك المرضى والعاملون المستشفى معًا، وتختار التعاونية مجلس إدارتها بالانتخاب.",
    ),
    "library": (
        "مكتبة الكتب المدرسية",
        "تتبادل الأسر الكتب المدرسية في المكتبة كل عام بدل شرائها من جديد.",
    ),
    "budget": (
        "ميزانية التعاونية",
        "أقرت الجمعية العمومية ميزانية عام ٢٠٢٦ بعد نقاش طويل في بنود الإنفاق.",
    ),
    "solar": (
        "الطاقة الشمسية للقرى",
        "تركب تعاونية الطاقة ألواحًا شمسية على أسطح البيوت وتبيع الكهرباء للجيران.",
    ),
    "software": (
        "تدريب المبرمجين على البرمجيات الحرة",
        "دورة قصيرة لأعضاء التعاونية عن كتابة البرمجيات الحرة ومشاركتها.",
    ),
    "duty": (
        "مسؤولية الأعضاء",
        "على كل عضو في التعاونية مسؤولية حضور الاجتماعات والمشاركة في القرار.",
    ),
    "housing": (
        "الإسكان التعاوني",
        "يبني أعضاء تعاونية الإسكان مساكنهم معًا ويملكونها ملكية مشتركة.",
    ),
    "loans": (
        "القروض الصغيرة للنساء",
        "تقدم التعاونية قروضًا صغيرة للنساء لبدء مشروعات منزلية.",
    ),
    "dairy": (
        "إنتاج الألبان",
        "تجمع تعاونية الألبان حليب القرية وتصنع منه الجبن والزبدة.",
    ),
}

QUERIES = [
    ("التَّعَاوُنِيَّاتُ الزِّرَاعِيَّةُ", "farming"),  # full short vowels
    ("الزراعيـــة", "farming"),  # tatweel
    ("بالتعاونيات الزراعيه", "farming"),  # بال prefix; ه for ة
    ("المستشفي", "hospital"),  # ي for ى
    ("والمستشفى", "hospital"),  # و prefix
    ("للمكتبة", "library"),  # لل prefix
    ("ميزانية 2026", "budget"),  # Western digits; the article has ٢٠٢٦
    ("۲۰۲۶", "budget"),  # Persian digits
    ("الطاقه الشمسيه", "solar"),  # ه for ة
    ("برمجيات", "software"),  # without the article
    ("المسؤوليه", "duty"),  # ال prefix and ه for ة
    ("اسكان", "housing"),  # no hamza under the alef; no article
    ("وأنتاج", "dairy"),  # و prefix; the wrong hamza on the alef
    ("الالبان", "dairy"),  # no hamza on the alef
]


@pytest.fixture
def articles(coop, founder):
    author = coop.members.get(user=founder)
    return {
        key: Article.objects.create(
            cooperative=coop,
            slug=key,
            language="ar",
            title=title,
            body=body,
            visibility="public",
            author=author,
        )
        for key, (title, body) in ARTICLES.items()
    }


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _e in QUERIES])
def test_an_arabic_query_finds_its_article_first_whatever_the_spelling(articles, query, expected):
    results = search(query)
    assert results.hits, f"{query} found nothing"
    assert (
        results.hits[0].url == f"/coops/{articles[expected].cooperative.slug}/knowledge/{expected}/"
    )


def test_the_words_found_are_marked_in_the_title(articles):
    hit = search("بالتعاونيات").hits[0]
    assert "<mark>" in hit.title


def test_english_gets_stemming(coop, founder):
    author = coop.members.get(user=founder)
    Article.objects.create(
        cooperative=coop,
        slug="housing",
        language="en",
        title="A cooperative for housing",
        body="Members built their homes together.",
        visibility="public",
        author=author,
    )
    for query in ("cooperatives", "cooperative", "housed", "members homes"):
        assert len(search(query).hits) == 1, query
    assert search("cooperatives").hits[0].title == "A <mark>cooperative</mark> for housing"
    assert "<mark>housing</mark>" in search("housed").hits[0].title
    assert search("cooperative gardens").hits == []  # every word must match
