"""A person's own skills: declared with a level and whether they mentor,
changed by declaring again, removed; bad input is refused beside its field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.errors import InvalidInput, NotFound, PermissionDenied
from taawun.knowledge import skill_actions
from taawun.knowledge.models import PersonSkill, Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def python(founder) -> Skill:  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"ar": "بايثون", "en": "Python"})


def test_a_person_declares_a_skill_and_declaring_again_changes_its_level(founder, python):
    held = skill_actions.declare_skill(by=founder, skill=python, level=2, mentors=False)
    assert (held.level, held.mentors) == (2, False)
    again = skill_actions.declare_skill(by=founder, skill="python", level="4", mentors=True)
    assert again.pk == held.pk
    assert (again.level, again.mentors) == (4, True)
    assert PersonSkill.objects.filter(user=founder).count() == 1


@pytest.mark.parametrize("level", [0, 9, "9", "high", None, True, 2.5])
def test_a_level_outside_beginner_to_expert_is_refused(founder, python, level):
    with pytest.raises(InvalidInput) as refused:
        skill_actions.declare_skill(by=founder, skill=python, level=level, mentors=False)
    assert refused.value.field == "level"
    assert not PersonSkill.objects.exists()


def test_a_skill_not_in_the_vocabulary_is_refused(founder):
    with pytest.raises(InvalidInput) as refused:
        skill_actions.declare_skill(by=founder, skill="cobol", level=2, mentors=False)
    assert refused.value.field == "skill"
    assert not PersonSkill.objects.exists()


def test_someone_not_signed_in_declares_nothing(python):
    with pytest.raises(PermissionDenied):
        skill_actions.declare_skill(by=None, skill=python, level=2, mentors=False)


def test_a_person_removes_a_skill_and_removing_it_again_is_not_found(founder, python):
    skill_actions.declare_skill(by=founder, skill=python, level=2, mentors=False)
    skill_actions.remove_skill(by=founder, skill=python)
    assert not PersonSkill.objects.exists()
    with pytest.raises(NotFound):
        skill_actions.remove_skill(by=founder, skill=python)


# --- The page ----------------------------------------------------------------------------------


def test_the_page_lists_my_skills_and_saves_a_new_one(client, founder, python):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:skills_mine"),
        {"skill": "python", "level": "3", "mentors": "on"},
        follow=True,
    )
    page = response.content.decode()
    assert "Python is in your skills, at the level advanced." in page
    assert reverse("knowledge:skills_mine_remove", args=["python"]) in page
    held = PersonSkill.objects.get(user=founder)
    assert (held.level, held.mentors) == (3, True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"skill": "cobol", "level": "3"}, "skill"),
        ({"skill": "python", "level": "9"}, "level"),
        ({"skill": "", "level": ""}, "skill"),
    ],
)
def test_the_page_shows_bad_input_beside_its_field_and_saves_nothing(
    client, founder, python, data, field
):
    client.force_login(founder)
    response = client.post(reverse("knowledge:skills_mine"), data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not PersonSkill.objects.exists()


def test_the_remove_button_removes_the_skill_and_only_by_post(client, founder, python):
    skill_actions.declare_skill(by=founder, skill=python, level=2, mentors=False)
    client.force_login(founder)
    url = reverse("knowledge:skills_mine_remove", args=["python"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not PersonSkill.objects.exists()


def test_a_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("knowledge:skills_mine"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
