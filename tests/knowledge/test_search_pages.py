"""The search page (/search?q=…) and the API (/api/search?q=…): visitors
find what is public, members what they may read; any search string, of any
shape, gets a page or a JSON answer with a clear message, never an error
page, and never HTML from the documents or the query unescaped."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taawun.accounts.actions import create_api_token
from taawun.knowledge.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

NASTY = [
    '"',
    '"unclosed',
    "AND OR NOT",
    "NEAR(a b, 2)",
    "*",
    "seed*",
    "-seed",
    "title:seed",
    "{title}: x",
    "^seed",
    "(((",
    "\u064e\u064f\u0650",  # only short vowels
    "ـــ",  # only tatweel
    "'; DROP TABLE knowledge_searchdocument; --",
    "<script>alert(1)</script>",
    "seed " * 2000,  # 10 KB
    "\x00",
    "🌱🌱",
]


@pytest.fixture
def articles(coop, founder):
    author = coop.members.get(user=founder)
    for slug, visibility in (("open", "public"), ("inside", "cooperative")):
        Article.objects.create(
            cooperative=coop,
            slug=slug,
            language="en",
            title=f"Seed library ({slug})",
            body="Keep seeds dry. `<script>alert(1)</script>` is not run.",
            visibility=visibility,
            author=author,
        )
    return coop


def test_a_visitor_finds_the_public_article_with_the_words_marked(client, articles):
    page = client.get("/search", {"q": "seeds"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<mark>Seed</mark> library (open)" in html
    assert "(inside)" not in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "1 result." in html


def test_a_member_also_finds_their_cooperative_s_article(client, articles, founder):
    client.force_login(founder)
    html = client.get("/search", {"q": "seed", "kind": "article"}).content.decode()
    assert "(inside)" in html and "(open)" in html
    assert "2 results." in html


def test_the_empty_page_shows_only_the_form(client, articles):
    page = client.get("/search")
    assert page.status_code == 200
    assert b'role="search"' in page.content
    assert b'role="status"' not in page.content


def test_only_punctuation_asks_for_a_word(client, articles):
    html = client.get("/search", {"q": "?! … ؟"}).content.decode()
    assert "Type a word to search for" in html


def test_nothing_found_says_so(client, articles):
    html = client.get("/search", {"q": "zebra"}).content.decode()
    assert "Nothing matches your search" in html


def test_a_ten_kilobyte_search_is_cut_with_a_note(client, articles):
    html = client.get("/search", {"q": "seed " + "x " * 5000}).content.decode()
    assert "only its first 32 words were searched for" in html


def test_an_unknown_filter_is_shown_beside_its_field(client, articles):
    html = client.get("/search", {"q": "seed", "kind": "secrets"}).content.decode()
    assert "field-error" in html and "Seed library" not in html


def test_a_page_past_the_last_is_explained(client, articles):
    html = client.get("/search", {"q": "seed", "page": "2"}).content.decode()
    assert "There are no more results after these." in html
    html = client.get("/search", {"q": "seed", "page": "500"}).content.decode()
    assert "Only the first 50 pages" in html


def test_the_api_answers_visitors_with_public_results(client, articles):
    answer = client.get("/api/search", {"q": "seed"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and body["more"] is False
    hit = body["results"][0]
    assert hit["title"] == "<mark>Seed</mark> library (open)"
    assert hit["url"] == f"/coops/{articles.slug}/knowledge/open/"
    assert hit["kind"] == "article" and hit["language"] == "en"
    assert "&lt;script&gt;" in hit["snippet"]


def test_the_api_answers_a_token_holder_with_what_they_may_read(client, articles, founder):
    _token, secret = create_api_token(founder, "search")
    answer = client.get("/api/search", {"q": "seed"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.json()["total"] == 2


def test_the_api_answers_a_signed_in_browser_with_what_they_may_read(client, articles, founder):
    client.force_login(founder)
    assert client.get("/api/search", {"q": "seed"}).json()["total"] == 2


def test_the_api_refuses_a_bad_token_rather_than_answer_as_a_visitor(client, articles):
    answer = client.get("/api/search", {"q": "seed"}, HTTP_AUTHORIZATION="Bearer nope")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_signed_in"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "!!!"}, "q"), ({"q": "seed", "kind": "x"}, "kind"), ({"q": "seed", "page": 0}, "page")],
)
def test_the_api_explains_what_it_refuses(client, articles, params, field):
    answer = client.get("/api/search", params)
    assert answer.status_code == 400
    assert answer.json()["field"] == field and answer.json()["message"]


@pytest.mark.parametrize("query", NASTY, ids=range(len(NASTY)))
def test_search_strings_of_any_shape_never_break_the_page_or_the_api(client, articles, query):
    page = client.get("/search", {"q": query})
    assert page.status_code == 200
    assert b"<script>" not in page.content
    assert client.get("/api/search", {"q": query}).status_code in (200, 400)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.one_of(st.text(), st.sampled_from(NASTY)),
    kind=st.sampled_from(["", "article", "member", "bogus"]),
    page=st.sampled_from(["", "1", "2", "-1", "٢", "x"]),
)
def test_any_search_input_gets_a_page_and_a_json_answer(articles, query, kind, page):
    client = Client()
    params = {"q": query, "kind": kind, "page": page}
    response = client.get("/search", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html.replace("&lt;script", "")
    api = client.get("/api/search", params)
    assert api.status_code in (200, 400, 422), api.content
    assert api["Content-Type"].startswith("application/json")


def test_the_form_offers_only_cooperatives_the_reader_can_find_something_of(client, articles):
    hidden = factories.cooperative(slug="quiet-coop")
    Article.objects.create(
        cooperative=hidden,
        slug="private",
        language="en",
        title="Members only",
        body="Nothing public here.",
        visibility="cooperative",
        author=hidden.members.get(number=1),
    )
    html = client.get("/search").content.decode()
    assert f'value="{articles.slug}"' in html
    assert 'value="quiet-coop"' not in html
