"""A cooperative's skills directory, its services and its public profile:
members find each other by skill and level; an officer who keeps the
register keeps the services; everyone sees what the cooperative offers, in
counts, never names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.errors import InvalidInput, PermissionDenied
from taawun.knowledge import skill_actions, skill_queries
from taawun.knowledge.models import Service, Skill
from taawun.membership import actions as membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def python(founder) -> Skill:  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"ar": "بايثون", "en": "Python"})


@pytest.fixture
def design(founder) -> Skill:  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"en": "Design"})


def person_with(coop, name: str, skill: Skill, level: int, mentors: bool = False):  # type: ignore[no-untyped-def]
    member = factories.member(coop, factories.person(name))
    skill_actions.declare_skill(by=member.user, skill=skill, level=level, mentors=mentors)
    return member


def url(name: str, coop, *args) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"knowledge:{name}", args=[coop.slug, *args])


def test_members_are_found_by_skill_and_least_level_highest_first(coop, python, design):
    amal = person_with(coop, "Amal", python, 2)
    badr = person_with(coop, "Badr", python, 4, mentors=True)
    person_with(coop, "Dalia", python, 1)
    person_with(coop, "Emad", design, 4)
    found = list(skill_queries.find_members(coop, python, least_level=2))
    assert [(f.user.name, f.member_id) for f in found] == [("Badr", badr.pk), ("Amal", amal.pk)]
    mentors = skill_queries.find_members(coop, python, mentors_only=True)
    assert [f.user.name for f in mentors] == ["Badr"]


def test_a_former_member_and_a_member_of_another_cooperative_are_not_listed(coop, python):
    leaving = person_with(coop, "Leaving", python, 4)
    membership.withdraw_membership(leaving, by=leaving.user)
    other = factories.cooperative()
    person_with(other, "Elsewhere", python, 4)
    applicant = factories.applicant(coop)
    skill_actions.declare_skill(by=applicant.user, skill=python, level=4, mentors=False)
    assert list(skill_queries.find_members(coop, python)) == []
    assert skill_queries.skill_counts(coop) == []


def test_a_persons_skills_show_in_every_cooperative_they_belong_to(coop, python):
    amal = person_with(coop, "Amal", python, 3)
    other = factories.cooperative()
    there = factories.member(other, amal.user)
    [found] = skill_queries.find_members(other, python)
    assert found.member_id == there.pk


def test_the_counts_say_how_many_members_hold_each_skill_at_each_level(coop, python, design):
    person_with(coop, "Amal", python, 2)
    person_with(coop, "Badr", python, 4, mentors=True)
    person_with(coop, "Dalia", python, 4)
    person_with(coop, "Emad", design, 1)
    [first, second] = skill_queries.skill_counts(coop)
    assert first.skill == python
    assert (first.levels, first.mentors, first.total, first.highest) == ([0, 1, 0, 2], 1, 3, 4)
    assert (second.skill, second.levels) == (design, [1, 0, 0, 0])


def test_the_directory_page_finds_members_and_links_to_their_pages(client, coop, founder, python):
    badr = person_with(coop, "Badr", python, 4, mentors=True)
    person_with(coop, "Amal", python, 1)
    client.force_login(founder)
    response = client.get(url("coop_skills", coop), {"skill": "python", "level": "3"})
    assert response["Location"] == url("coop_skill", coop, "python") + "?level=3"
    page = client.get(response["Location"]).content.decode()
    assert reverse("membership:member", args=[coop.slug, badr.pk]) in page
    assert "Badr" in page and "Amal" not in page
    counts = client.get(url("coop_skills", coop)).content.decode()
    assert url("coop_skill", coop, "python") in counts


def test_the_directory_page_shows_an_unknown_skill_as_an_error(client, coop, founder, python):
    client.force_login(founder)
    response = client.get(url("coop_skills", coop), {"skill": "cobol"})
    assert response.status_code == 200
    assert 'id="id_skill_error"' in response.content.decode()
    assert client.get(url("coop_skill", coop, "cobol")).status_code == 404
    bad_level = client.get(url("coop_skill", coop, "python"), {"level": "9"})
    assert 'id="id_level_error"' in bad_level.content.decode()


def test_only_members_see_the_directory(client, coop, python):
    assert client.get(url("coop_skills", coop)).status_code == 302
    client.force_login(factories.applicant(coop).user)
    assert client.get(url("coop_skills", coop)).status_code == 403
    client.force_login(factories.person())
    assert client.get(url("coop_skills", coop)).status_code == 403


# --- Services ---------------------------------------------------------------------------------


def test_an_officer_who_keeps_the_register_adds_changes_and_removes_a_service(
    coop, founder, python, design
):
    service = skill_actions.add_service(
        by=founder, coop=coop, title="  Web   sites ", description="For co-ops.", skills=[python]
    )
    assert service.title == "Web sites"
    assert list(service.skills.all()) == [python]
    changed = skill_actions.change_service(
        service, by=founder, title="Web applications", skills=[python, design, python]
    )
    assert set(changed.skills.all()) == {python, design}
    assert changed.description == ""
    skill_actions.remove_service(changed, by=founder)
    assert not Service.objects.exists()


def test_a_member_without_the_office_cannot_keep_the_services(coop, founder):
    member = factories.member(coop)
    with pytest.raises(PermissionDenied):
        skill_actions.add_service(by=member.user, coop=coop, title="Web sites")
    service = skill_actions.add_service(by=founder, coop=coop, title="Web sites")
    with pytest.raises(PermissionDenied):
        skill_actions.change_service(service, by=member.user, title="Mine")
    with pytest.raises(PermissionDenied):
        skill_actions.remove_service(service, by=member.user)
    service.refresh_from_db()
    assert service.title == "Web sites"


@pytest.mark.parametrize(
    ("title", "description", "field"),
    [("", "", "title"), ("x" * 201, "", "title"), ("Web", "x" * 2001, "description")],
)
def test_a_service_without_a_title_or_too_long_is_refused(coop, founder, title, description, field):
    with pytest.raises(InvalidInput) as refused:
        skill_actions.add_service(by=founder, coop=coop, title=title, description=description)
    assert refused.value.field == field
    assert not Service.objects.exists()


def test_the_services_pages_for_an_officer_and_for_a_member(client, coop, founder, python):
    client.force_login(founder)
    response = client.post(
        url("service_new", coop),
        {"title": "Hosting", "description": "We host.", "skills": ["python"]},
    )
    assert response.status_code == 302
    service = Service.objects.get()
    response = client.post(
        url("service_edit", coop, service.pk), {"title": "Hosting and care", "skills": []}
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.title == "Hosting and care" and not service.skills.exists()
    member = factories.member(coop)
    client.force_login(member.user)
    page = client.get(url("services", coop)).content.decode()
    assert "Hosting and care" in page
    assert url("service_new", coop) not in page
    assert client.get(url("service_new", coop)).status_code == 403
    assert client.post(url("service_remove", coop, service.pk)).status_code == 403
    client.force_login(founder)
    assert client.post(url("service_remove", coop, service.pk)).status_code == 302
    assert not Service.objects.exists()


def test_the_service_page_shows_a_missing_title_beside_the_field(client, coop, founder):
    client.force_login(founder)
    response = client.post(url("service_new", coop), {"title": "", "description": ""})
    assert 'id="id_title_error"' in response.content.decode()
    assert not Service.objects.exists()


def test_the_cooperative_page_shows_its_skills_and_services_to_a_visitor_without_names(
    client, coop, founder, python
):
    person_with(coop, "Badr Secretname", python, 4)
    person_with(coop, "Amal Hiddenname", python, 2)
    skill_actions.add_service(by=founder, coop=coop, title="Python training")
    page = client.get(reverse("membership:coop", args=[coop.slug])).content.decode()
    assert "Skills and services" in page
    assert "Python training" in page
    assert '<th scope="row">Python</th><td class="number">2</td><td>expert</td>' in page
    assert "Secretname" not in page and "Hiddenname" not in page
    assert url("coop_skills", coop) not in page
    client.force_login(founder)
    assert (
        url("coop_skills", coop)
        in client.get(reverse("membership:coop", args=[coop.slug])).content.decode()
    )
