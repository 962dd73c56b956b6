"""The demo's skills: a starter vocabulary loaded once however often it
runs, and a demo cooperative with skills, services and mentoring."""

from __future__ import annotations

import pytest

from taawun.knowledge import demo_skills, skill_queries
from taawun.knowledge.models import Mentorship, PersonSkill, Service, Skill
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_starter_vocabulary_is_named_in_both_languages_and_loads_once():
    demo_skills.load_vocabulary()
    count = Skill.objects.count()
    demo_skills.load_vocabulary()
    assert Skill.objects.count() == count == len(demo_skills.VOCABULARY)
    assert all(set(skill.names) == {"ar", "en"} for skill in Skill.objects.all())


def test_a_demo_cooperative_gets_skills_services_and_mentoring():
    coop = factories.cooperative(slug="masar-code")
    for n in range(8):
        factories.member(coop, factories.person(f"Member {n}"))
    demo_skills.load_vocabulary()
    demo_skills.load(coop)
    assert PersonSkill.objects.filter(mentors=True).exists()
    assert PersonSkill.objects.filter(mentors=False).exists()
    assert Service.objects.filter(cooperative=coop).count() == 2
    states = sorted(Mentorship.objects.filter(cooperative=coop).values_list("state", flat=True))
    assert states == ["active", "open"]
    profile = skill_queries.coop_profile(coop)
    assert profile["skills"][0].members >= 2
