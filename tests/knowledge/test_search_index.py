"""The index follows what it indexes: every save and delete of an article,
course, lesson, call, discussion, proposal, member, skill or name is found
(or no longer found) at once, and ``reindex_all`` builds the same index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taawun.governance import actions as governance
from taawun.knowledge.models import (
    Article,
    Call,
    CallSkill,
    Course,
    Lesson,
    PersonSkill,
    SearchDocument,
    Skill,
)
from taawun.knowledge.search import search
from taawun.knowledge.search.documents import plain_text, reindex_all
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(coop, founder):
    return coop.members.get(user=founder)


def _article(author, **fields):
    values = {
        "cooperative": author.cooperative,
        "slug": "compost",
        "language": "en",
        "title": "Compost",
        "body": "Turn the heap every week.",
        "visibility": "public",
        "author": author,
        **fields,
    }
    return Article.objects.create(**values)


def _titles(query, **options):
    return [h.title for h in search(query, **options).hits]


def test_an_edited_article_is_found_by_its_new_words_only(author):
    article = _article(author)
    article.title = "Worm farms"
    article.body = "Worms eat the kitchen scraps."
    article.save()
    assert _titles("heap") == []
    assert _titles("worms") == ["<mark>Worm</mark> farms"]


def test_a_deleted_article_is_no_longer_found(author):
    _article(author).delete()
    assert _titles("compost") == []
    assert not SearchDocument.objects.exists()


def test_an_article_made_members_only_leaves_the_visitors_results(author, founder):
    article = _article(author)
    article.visibility = "cooperative"
    article.save()
    assert _titles("compost") == []
    assert _titles("compost", user=founder) == ["<mark>Compost</mark>"]


def test_the_markdown_of_a_body_is_searched_as_the_words_a_reader_sees():
    assert plain_text("# Title\n\n**bold** and [a link](https://example.org)") == (
        "Title bold and a link"
    )


def test_a_course_is_found_by_its_lessons_and_follows_them(author):
    course = Course.objects.create(
        cooperative=author.cooperative,
        slug="bees",
        language="en",
        title="Keeping bees",
        summary="A season with a hive.",
        visibility="public",
        created_by=author,
    )
    lesson = Lesson.objects.create(course=course, position=1, title="Smoke", body="Calm the swarm.")
    assert _titles("swarm", kind="course") == ["Keeping bees"]
    lesson.delete()
    assert _titles("swarm") == []
    assert search("hive").hits[0].url == f"/coops/{author.cooperative.slug}/courses/bees/"


def test_a_call_is_found_by_the_skills_it_needs(author):
    call = Call.objects.create(
        cooperative=author.cooperative,
        title="A website for the bakery",
        body="We need help for three months.",
        terms="paid",
        visibility="public",
        created_by=author,
    )
    skill = Skill.objects.create(slug="django", names={"en": "Django"})
    CallSkill.objects.create(call=call, skill=skill, level=2)
    hits = search("django").hits
    assert [h.kind for h in hits] == ["call"]
    assert hits[0].url == f"/coops/{author.cooperative.slug}/calls/{call.pk}/"


def test_discussions_and_proposals_are_found_by_the_members(coop, founder):
    discussion = governance.start_discussion(
        by=founder, coop=coop, title="A shared van", body="Who would drive it?"
    )
    proposal = governance.add_proposal(
        by=founder, discussion=discussion, title="Buy a van", body="A used electric van."
    )
    hits = {h.kind: h for h in search("van", user=founder).hits}
    assert set(hits) == {"discussion", "proposal"}
    assert hits["discussion"].url == f"/coops/{coop.slug}/discussions/{discussion.pk}/"
    assert hits["proposal"].url.endswith(f"#proposal-{proposal.pk}")
    assert search("van").hits == []  # a visitor


def test_a_member_s_document_follows_their_skills_and_name(coop, founder):
    member = factories.member(coop, factories.person("Huda Weaver"))
    skill = Skill.objects.create(slug="weaving", names={"en": "Weaving", "ar": "نسيج"})
    held = PersonSkill.objects.create(user=member.user, skill=skill, level=4)
    assert _titles("نسيج", user=founder) == ["Huda Weaver"]
    member.user.name = "Huda Loom"
    member.user.save()
    assert _titles("weaving", user=founder) == ["Huda Loom"]
    skill.names = {"en": "Hand weaving"}
    skill.save()
    assert _titles("hand", user=founder) == ["Huda Loom"]
    held.delete()
    assert _titles("weaving", user=founder) == []


def test_signing_in_does_not_touch_the_index(coop):
    member = factories.member(coop)
    skill = Skill.objects.create(slug="pottery", names={"en": "Pottery"})
    PersonSkill.objects.create(user=member.user, skill=skill, level=1)
    with CaptureQueriesContext(connection) as queries:
        member.user.save(update_fields=["last_login"])
    assert not [q for q in queries.captured_queries if "search" in q["sql"]]


def test_saving_an_unchanged_article_writes_nothing_to_the_index(author):
    article = _article(author)
    with CaptureQueriesContext(connection) as queries:
        article.save()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert [w for w in writes if "search" in w] == []


def test_reindexing_builds_the_same_index_as_the_saves(coop, founder, author):
    _article(author)
    _article(author, slug="tea", title="التعاونيات والشاي", body="شاي **أخضر**", language="ar")
    discussion = governance.start_discussion(by=founder, coop=coop, title="Tea", body="More tea")
    governance.add_proposal(by=founder, discussion=discussion, title="Green tea", body="Yes")
    fields = (
        "kind",
        "object_id",
        "cooperative_id",
        "visibility",
        "language",
        "title",
        "text",
        "url",
    )
    before = sorted(SearchDocument.objects.values_list(*fields))
    found = [(h.kind, h.title, h.snippet) for h in search("tea", user=founder).hits]
    counts = reindex_all()
    assert sorted(SearchDocument.objects.values_list(*fields)) == before
    assert counts["article"] == 2 and counts["proposal"] == 1
    assert [(h.kind, h.title, h.snippet) for h in search("tea", user=founder).hits] == found
    assert _titles("بالتعاونيات") == ["<mark>التعاونيات</mark> والشاي"]
