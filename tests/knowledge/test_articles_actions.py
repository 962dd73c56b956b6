"""The knowledge base's actions as members use them: writing, revisions,
restoring, translations, comments, and who may do each."""

from __future__ import annotations

import pytest

from taawun.errors import Conflict, InvalidInput, NotFound, NotSignedIn, PermissionDenied
from taawun.knowledge import article_actions as actions
from taawun.knowledge.models import MAX_TEXT, Article, ArticleRevision, Skill, Tag
from taawun.membership import actions as membership
from taawun.membership import networks
from tests import factories

pytestmark = pytest.mark.django_db


def write(by, coop, **changes):  # type: ignore[no-untyped-def]
    fields = {
        "title": "Running a consensus meeting",
        "body": "Start with a **clear proposal**.",
        "language": "en",
        "visibility": "cooperative",
    }
    fields.update(changes)
    return actions.write_article(by=by, coop=coop, **fields)


def edit(article, by, **changes):  # type: ignore[no-untyped-def]
    fields = {
        "title": article.title,
        "body": article.body,
        "visibility": article.visibility,
        "tags": [t.name for t in article.tags.all()],
        "skills": list(article.skills.all()),
    }
    fields.update(changes)
    return actions.edit_article(article, by=by, **fields)


# --- Writing ----------------------------------------------------------------------


def test_a_member_writes_an_article_with_its_first_revision(coop, founder):
    article = write(founder, coop, tags="Meetings, governance ,meetings")
    assert article.slug == "running-a-consensus-meeting"
    assert article.revision_count == 1
    first = article.revisions.get()
    assert (first.number, first.title, first.body) == (1, article.title, article.body)
    assert first.author.user == founder
    assert sorted(t.name for t in article.tags.all()) == ["governance", "meetings"]


def test_an_arabic_title_gives_an_arabic_address(coop, founder):
    article = write(founder, coop, title="إدارة اجتماع بالتوافق", language="ar")
    assert article.slug == "إدارة-اجتماع-بالتوافق"


def test_a_taken_address_gets_a_number(coop, founder):
    slugs = [write(founder, coop).slug for _ in range(3)]
    assert slugs == [
        "running-a-consensus-meeting",
        "running-a-consensus-meeting-2",
        "running-a-consensus-meeting-3",
    ]


def test_a_title_without_letters_still_gets_an_address(coop, founder):
    assert write(founder, coop, title="???").slug == "article"
    assert write(founder, coop, title="New").slug == "new-2"


def test_tags_are_trimmed_lower_cased_and_split_on_arabic_commas_too(coop, founder):
    article = write(founder, coop, tags="  Backups،  Small   Co-ops , ")
    assert sorted(t.name for t in article.tags.all()) == ["backups", "small co-ops"]


def test_skills_are_chosen_from_the_vocabulary_by_id_or_short_name(coop, founder):
    facilitation = Skill.objects.create(slug="facilitation", names={"en": "Facilitation"})
    linux = Skill.objects.create(slug="linux", names={"en": "Linux", "ar": "لينكس"})
    article = write(founder, coop, skills=[str(facilitation.pk), "linux"])
    assert set(article.skills.all()) == {facilitation, linux}


def test_an_unknown_skill_is_refused(coop, founder):
    with pytest.raises(InvalidInput) as refused:
        write(founder, coop, skills=["no-such-skill"])
    assert refused.value.field == "skills"
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": " \n "}, "body"),
        ({"language": "xx"}, "language"),
        ({"visibility": "everyone"}, "visibility"),
        ({"tags": ",".join(f"tag {n}" for n in range(11))}, "tags"),
        ({"tags": "x" * 51}, "tags"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(coop, founder, changes, field):
    with pytest.raises(InvalidInput) as refused:
        write(founder, coop, **changes)
    assert refused.value.field == field
    assert not Article.objects.exists()
    assert not ArticleRevision.objects.exists()
    assert not Tag.objects.exists()


def test_an_oversized_article_is_refused_with_the_limit_named(coop, founder):
    with pytest.raises(InvalidInput) as refused:
        write(founder, coop, body="a" * (MAX_TEXT + 1))
    assert refused.value.field == "body"
    assert "100,000" in str(refused.value.message)
    assert "100,001" in str(refused.value.message)
    assert not Article.objects.exists()


def test_an_article_of_exactly_the_limit_is_accepted(coop, founder):
    assert len(write(founder, coop, body="a" * MAX_TEXT).body) == MAX_TEXT


def test_the_text_is_kept_as_typed_even_with_html_in_it(coop, founder):
    body = "<script>alert(1)</script>\n[x](javascript:alert(1))"
    assert write(founder, coop, body=body).body == body


# --- Who may write ---------------------------------------------------------------------


def test_only_members_write_articles(coop):
    outsider = factories.person()
    applicant = factories.applicant(coop).user
    for user in (outsider, applicant):
        with pytest.raises(PermissionDenied):
            write(user, coop)
    with pytest.raises(NotSignedIn):
        write(None, coop)
    assert not Article.objects.exists()


def test_a_former_member_may_no_longer_edit(coop, founder):
    leaver = factories.member(coop)
    article = write(leaver.user, coop)
    membership.withdraw_membership(leaver, by=leaver.user)
    with pytest.raises(PermissionDenied):
        edit(article, leaver.user, body="Changed after leaving.")


def test_a_member_of_a_network_cooperative_may_read_but_not_edit(coop, founder):
    other = factories.cooperative()
    network = networks.create_network(slug="together", names={"en": "Together"})
    networks.join_network(coop, network)
    networks.join_network(other, network)
    neighbour = factories.founder_of(other)
    article = write(founder, coop, visibility="network")
    with pytest.raises(PermissionDenied):
        edit(article, neighbour, body="Not mine to change.")
    with pytest.raises(PermissionDenied):
        actions.translate_article(article, by=neighbour, language="ar", title="ت", body="ن")


# --- Revisions ------------------------------------------------------------------------


def test_an_edit_is_a_new_revision_by_its_author(coop, founder):
    article = write(founder, coop)
    amal = factories.member(coop, factories.person("Amal"))
    edited = edit(article, amal.user, body="Start with a proposal.", summary="Simpler")
    assert edited.revision_count == 2
    second = edited.revisions.get(number=2)
    assert (second.body, second.summary, second.author) == (
        "Start with a proposal.",
        "Simpler",
        amal,
    )
    assert edited.revisions.get(number=1).body == "Start with a **clear proposal**."
    assert edited.author.user == founder


def test_changing_only_who_can_read_it_is_a_revision_too(coop, founder):
    article = write(founder, coop)
    assert edit(article, founder, visibility="public").revision_count == 2


def test_an_edit_that_changes_nothing_is_refused(coop, founder):
    article = write(founder, coop, tags="meetings")
    with pytest.raises(InvalidInput) as refused:
        edit(article, founder, body=article.body + "\n")
    assert refused.value.field == "body"
    assert "Nothing has changed" in str(refused.value.message)
    assert Article.objects.get().revision_count == 1


def test_a_bad_edit_leaves_the_article_as_it_was(coop, founder):
    article = write(founder, coop)
    with pytest.raises(InvalidInput):
        edit(article, founder, title="Fine", body="b" * (MAX_TEXT + 1))
    article.refresh_from_db()
    assert (article.title, article.revision_count) == ("Running a consensus meeting", 1)


def test_member_restores_an_earlier_revision_as_a_new_one(coop, founder):
    article = write(founder, coop)
    edit(article, founder, title="Consensus meetings", body="Version two.")
    edit(article, founder, body="Version three.")
    restored = actions.restore_revision(article, number=1, by=founder)
    assert (restored.number, restored.restored_from) == (4, 1)
    article.refresh_from_db()
    assert (article.title, article.body) == (
        "Running a consensus meeting",
        "Start with a **clear proposal**.",
    )
    assert list(article.revisions.values_list("number", flat=True)) == [4, 3, 2, 1]


def test_restoring_the_text_the_article_already_has_is_refused(coop, founder):
    article = write(founder, coop)
    with pytest.raises(Conflict):
        actions.restore_revision(article, number=1, by=founder)
    with pytest.raises(NotFound):
        actions.restore_revision(article, number=9, by=founder)
    assert Article.objects.get().revision_count == 1


def test_only_members_restore(coop, founder):
    article = write(founder, coop, visibility="public")
    edit(article, founder, body="Two.")
    with pytest.raises(PermissionDenied):
        actions.restore_revision(article, number=1, by=factories.person())


# --- Translations ------------------------------------------------------------------------


def test_a_translation_joins_the_family_with_its_own_address(coop, founder):
    article = write(founder, coop, visibility="public", tags="meetings")
    arabic = actions.translate_article(
        article, by=founder, language="ar", title="إدارة اجتماع بالتوافق", body="ابدأ بمقترح واضح."
    )
    assert arabic.family == article.family
    assert arabic.slug == "إدارة-اجتماع-بالتوافق"
    assert arabic.visibility == "public"
    assert [t.name for t in arabic.tags.all()] == ["meetings"]
    assert arabic.revisions.get().number == 1


def test_a_second_translation_into_the_same_language_is_refused(coop, founder):
    article = write(founder, coop)
    actions.translate_article(article, by=founder, language="ar", title="عنوان", body="نص")
    for source in (article, Article.objects.get(language="ar")):
        with pytest.raises(Conflict) as refused:
            actions.translate_article(source, by=founder, language="ar", title="آخر", body="نص")
        assert refused.value.field == "language"
    with pytest.raises(Conflict):
        actions.translate_article(article, by=founder, language="en", title="Again", body="x")
    assert Article.objects.count() == 2


# --- Comments -----------------------------------------------------------------------------


def test_anyone_signed_in_who_can_read_a_public_article_comments(coop, founder):
    article = write(founder, coop, visibility="public")
    stranger = factories.person()
    comment = actions.comment_on_article(article, by=stranger, body="  Thank you!  ")
    assert (comment.author, comment.body) == (stranger, "Thank you!")


def test_a_reader_who_cannot_read_the_article_cannot_comment(coop, founder):
    article = write(founder, coop)
    with pytest.raises(NotFound):
        actions.comment_on_article(article, by=factories.person(), body="Hello")
    with pytest.raises(NotSignedIn):
        actions.comment_on_article(article, by=None, body="Hello")
    with pytest.raises(InvalidInput):
        actions.comment_on_article(article, by=founder, body="   ")
    assert not article.comments.exists()


def test_a_network_neighbour_comments_on_a_network_article(coop, founder):
    other = factories.cooperative()
    network = networks.create_network(slug="neighbours", names={"en": "Neighbours"})
    networks.join_network(coop, network)
    networks.join_network(other, network)
    article = write(founder, coop, visibility="network")
    neighbour = factories.founder_of(other)
    assert actions.comment_on_article(article, by=neighbour, body="Useful.").pk
    with pytest.raises(NotFound):
        actions.comment_on_article(article, by=factories.person(), body="Hm")
