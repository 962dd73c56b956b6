"""The mentoring pages as members use them: asking, the request with its
proposed mentors and their reasons, the buttons, and who may see what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.knowledge import mentoring_actions as actions
from taawun.knowledge import skill_actions
from taawun.knowledge.models import Mentorship, Skill
from tests import factories

pytestmark = pytest.mark.django_db
S = Mentorship.State


@pytest.fixture
def python(founder) -> Skill:  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"en": "Python"})


@pytest.fixture
def learner(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop, factories.person("Lina Learner"))


@pytest.fixture
def badr(coop, python):  # type: ignore[no-untyped-def]
    member = factories.member(coop, factories.person("Badr Mentor"))
    skill_actions.declare_skill(by=member.user, skill=python, level=3, mentors=True)
    return member


def url(name: str, coop, *args) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"knowledge:{name}", args=[coop.slug, *args])


def test_a_member_asks_and_sees_the_proposed_mentors_with_their_reasons(
    client, coop, learner, badr, python
):
    client.force_login(learner.user)
    response = client.post(
        url("mentoring_new", coop), {"skill": "python", "message": "Review my *first* app"}
    )
    mentorship = Mentorship.objects.get()
    assert response["Location"] == url("mentorship", coop, mentorship.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Badr Mentor" in page
    assert "Python, advanced, mentors, 0 of 3 places taken" in page
    assert "<em>first</em>" in page
    assert url("mentorship_withdraw", coop, mentorship.pk) in page
    assert url("mentorship_accept", coop, mentorship.pk) not in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"skill": "", "message": ""}, "skill"),
        ({"skill": "python", "message": ""}, "message"),
        ({"skill": "python", "message": "x" * 4001}, "message"),
        ({"skill": "cobol", "message": "Help"}, "skill"),
    ],
)
def test_asking_with_bad_input_shows_the_error_beside_the_field(
    client, coop, learner, python, data, field
):
    client.force_login(learner.user)
    response = client.post(url("mentoring_new", coop), data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Mentorship.objects.exists()


def test_the_proposed_mentor_sees_the_request_on_their_page_and_accepts_it(
    client, coop, learner, badr, python
):
    mentorship = actions.ask_for_mentor(by=learner.user, coop=coop, skill=python, message="Help")
    client.force_login(badr.user)
    listing = client.get(url("mentoring", coop)).content.decode()
    assert url("mentorship", coop, mentorship.pk) in listing
    page = client.get(url("mentorship", coop, mentorship.pk)).content.decode()
    assert url("mentorship_accept", coop, mentorship.pk) in page
    response = client.post(url("mentorship_accept", coop, mentorship.pk), follow=True)
    assert "You are now the mentor of this request." in response.content.decode()
    mentorship.refresh_from_db()
    assert (mentorship.state, mentorship.mentor) == (S.ACTIVE, badr)
    mine = client.get(url("mentoring", coop)).content.decode()
    assert "Lina Learner" in mine
    client.force_login(learner.user)
    theirs = client.get(url("mentoring", coop)).content.decode()
    assert "Badr Mentor" in theirs
    assert (
        url("mentorship_end", coop, mentorship.pk)
        in client.get(url("mentorship", coop, mentorship.pk)).content.decode()
    )


def test_a_refused_step_shows_the_request_again_with_the_reason(
    client, coop, learner, badr, python
):
    mentorship = actions.ask_for_mentor(by=learner.user, coop=coop, skill=python, message="Help")
    actions.accept_mentorship(mentorship, by=badr.user)
    client.force_login(badr.user)
    response = client.post(url("mentorship_accept", coop, mentorship.pk))
    assert response.status_code == 409
    page = response.content.decode()
    assert "You have already accepted this request." in page
    assert "Nothing was changed." in page


def test_the_learner_cannot_accept_their_own_request(client, coop, learner, badr, python):
    mentorship = actions.ask_for_mentor(by=learner.user, coop=coop, skill=python, message="Help")
    client.force_login(learner.user)
    response = client.post(url("mentorship_accept", coop, mentorship.pk))
    assert response.status_code == 403
    assert "Only a mentor the platform proposes" in response.content.decode()
    mentorship.refresh_from_db()
    assert mentorship.state == S.OPEN


def test_a_mentor_declines_and_the_learner_withdraws(client, coop, learner, badr, python):
    mentorship = actions.ask_for_mentor(by=learner.user, coop=coop, skill=python, message="Help")
    client.force_login(badr.user)
    assert client.post(url("mentorship_decline", coop, mentorship.pk)).status_code == 302
    assert client.get(url("mentorship", coop, mentorship.pk)).status_code == 403
    client.force_login(learner.user)
    assert client.post(url("mentorship_withdraw", coop, mentorship.pk)).status_code == 302
    mentorship.refresh_from_db()
    assert (mentorship.state, mentorship.declined_by) == (S.WITHDRAWN, [badr.pk])


def test_only_the_learner_and_the_mentors_see_a_request(client, coop, learner, badr, python):
    mentorship = actions.ask_for_mentor(
        by=learner.user, coop=coop, skill=python, message="Private wish"
    )
    address = url("mentorship", coop, mentorship.pk)
    client.force_login(factories.member(coop).user)
    response = client.get(address)
    assert response.status_code == 403
    assert "Private wish" not in response.content.decode()
    client.force_login(factories.person())
    assert client.get(address).status_code == 403
    assert client.get(url("mentoring", coop)).status_code == 403
    client.logout()
    assert client.get(address).status_code == 302
    other = factories.cooperative()
    client.force_login(factories.founder_of(other))
    assert (
        client.get(reverse("knowledge:mentorship", args=[other.slug, mentorship.pk])).status_code
        == 404
    )


def test_the_step_addresses_take_only_a_post(client, coop, learner, python):
    mentorship = actions.ask_for_mentor(by=learner.user, coop=coop, skill=python, message="Help")
    client.force_login(learner.user)
    assert client.get(url("mentorship_withdraw", coop, mentorship.pk)).status_code == 405
