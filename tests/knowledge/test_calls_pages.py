"""The call pages as cooperatives use them: posting a call, the suggestions
its members see, responding, closing, with errors beside the fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.knowledge import call_actions as actions
from taawun.knowledge import skill_actions
from taawun.knowledge.models import Call, CallResponse, Level, Visibility
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def django_skill(founder):  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"en": "Django"})


@pytest.fixture
def call(coop, founder, django_skill):  # type: ignore[no-untyped-def]
    return actions.post_call(
        by=founder,
        coop=coop,
        title="A booking site",
        body="We need **help**.",
        terms="paid",
        needs=[(django_skill, Level.ADVANCED)],
        visibility=Visibility.PUBLIC,
    )


def url(name: str, call: Call) -> str:
    return reverse(f"knowledge:{name}", args=[call.cooperative.slug, call.pk])


def test_a_member_posts_a_call_with_skills_and_levels(client, coop, founder, django_skill):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:call_new", args=[coop.slug]),
        {
            "title": "Mesh",
            "body": "Nodes",
            "starts_on": "2026-03-01",
            "ends_on": "2026-04-01",
            "terms": "paid",
            "visibility": "network",
            "skill_1": str(django_skill.pk),
            "level_1": "4",
            "level_2": "2",
        },
    )
    call = Call.objects.get()
    assert response.url == url("call", call)
    assert [(n.skill, n.level) for n in call.needs.all()] == [(django_skill, 4)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Say in a few words what the project is."),
        ({"starts_on": "2026-05-01"}, "ends_on", "The project cannot end before it starts."),
    ],
)
def test_a_call_with_bad_input_shows_the_error_beside_the_field(
    client, coop, founder, django_skill, changes, field, message
):
    client.force_login(founder)
    data = {
        "title": "Mesh",
        "body": "Nodes",
        "starts_on": "2026-03-01",
        "ends_on": "2026-04-01",
        "terms": "paid",
        "visibility": "network",
        "skill_1": str(django_skill.pk),
        "level_1": "3",
    }
    response = client.post(reverse("knowledge:call_new", args=[coop.slug]), {**data, **changes})
    assert message in response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Call.objects.exists()


def test_a_call_without_skills_is_refused_with_a_clear_message(client, coop, founder):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:call_new", args=[coop.slug]),
        {"title": "Mesh", "body": "Nodes", "terms": "paid", "visibility": "network"},
    )
    assert "Name at least one skill the project needs." in response.content.decode()
    assert not Call.objects.exists()


def test_members_see_suggested_people_with_the_reason(client, coop, founder, call, django_skill):
    amal = factories.member(coop, factories.person("Amal"))
    skill_actions.declare_skill(by=amal.user, skill=django_skill, level=4, mentors=False)
    client.force_login(founder)
    page = client.get(url("call", call)).content.decode()
    assert "Suggested people" in page
    assert "has Django at expert (needs advanced)" in page
    assert reverse("membership:member", args=[coop.slug, amal.pk]) in page


def test_others_see_neither_suggestions_nor_the_responses(client, call, coop):
    reader = factories.person()
    actions.respond_to_call(by=reader, call=call, message="Call me on 0100")
    client.force_login(factories.person())
    page = client.get(url("call", call)).content.decode()
    assert "Suggested people" not in page
    assert "Call me on 0100" not in page
    assert "1 person has responded." in page


def test_someone_who_can_read_the_call_responds_once(client, call):
    person = factories.person("Hala")
    client.force_login(person)
    response = client.post(url("call", call), {"message": "I build Django sites."}, follow=True)
    assert "Your response is sent" in response.content.decode()
    assert "You have responded to this call" in response.content.decode()
    client.post(url("call", call), {"message": "Again"})
    assert CallResponse.objects.filter(call=call).count() == 1
    client.force_login(factories.founder_of(call.cooperative))
    assert "I build Django sites." in client.get(url("call", call)).content.decode()


def test_an_empty_response_shows_the_error_beside_the_message(client, call):
    client.force_login(factories.person())
    response = client.post(url("call", call), {"message": ""})
    assert 'id="id_message_error"' in response.content.decode()
    assert not CallResponse.objects.exists()


def test_a_member_closes_the_call_and_it_takes_no_more_responses(client, call, founder):
    client.force_login(founder)
    client.post(url("call_close", call))
    call.refresh_from_db()
    assert call.state == "closed"
    client.force_login(factories.person())
    page = client.get(url("call", call)).content.decode()
    assert "This call is closed" in page
    response = client.post(url("call", call), {"message": "Late"})
    assert "it takes no more responses" in response.content.decode()
    assert not CallResponse.objects.exists()


def test_someone_outside_cannot_close_a_call(client, call):
    client.force_login(factories.person())
    assert client.post(url("call_close", call)).status_code == 403
    call.refresh_from_db()
    assert call.state == "open"


def test_the_cooperative_page_lists_open_calls_before_closed_ones(client, coop, founder, call):
    closed = actions.close_call(
        actions.post_call(
            by=founder,
            coop=coop,
            title="Old one",
            body="Done",
            terms="volunteer",
            needs=[(call.needs.get().skill, 1)],
            visibility=Visibility.PUBLIC,
        ),
        by=founder,
    )
    page = client.get(reverse("knowledge:coop_calls", args=[coop.slug])).content.decode()
    assert page.index(call.title) < page.index(closed.title)
    index = client.get(reverse("knowledge:calls")).content.decode()
    assert call.title in index and closed.title not in index
