"""The demo's calls for collaboration."""

from __future__ import annotations

import pytest

from taawun.knowledge import demo_calls
from taawun.knowledge.models import Call
from tests import factories

pytestmark = pytest.mark.django_db


def test_masar_code_has_an_open_mesh_call_and_a_closed_one():
    coop = factories.cooperative(slug="masar-code")
    demo_calls.load(coop, by=coop.members.get(number=1))
    open_call = Call.objects.get(state="open")
    assert open_call.title == "Community Wi-Fi mesh for a village school"
    assert (open_call.terms, open_call.visibility) == ("paid", "network")
    assert sorted(n.skill.names["en"] for n in open_call.needs.all()) == [
        "Arabic localisation",
        "Community wireless networks",
    ]
    assert Call.objects.filter(state="closed").count() == 1


def test_another_cooperative_reuses_the_skills_already_in_the_vocabulary():
    first = factories.cooperative(slug="masar-code")
    demo_calls.load(first, by=first.members.get(number=1))
    other = factories.cooperative(slug="nawa-net")
    demo_calls.load(other, by=other.members.get(number=1))
    assert Call.objects.filter(cooperative=other).count() == 1
