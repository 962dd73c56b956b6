"""The demo's events."""

from __future__ import annotations

import pytest

from taawun.knowledge import demo_events
from taawun.knowledge.models import Event
from tests import factories

pytestmark = pytest.mark.django_db


def test_masar_code_opens_a_workshop_to_its_network_and_nawa_an_assembly_to_all():
    masar = factories.cooperative(slug="masar-code")
    demo_events.load(masar, by=masar.members.get(number=1))
    nawa = factories.cooperative(slug="nawa-net")
    demo_events.load(nawa, by=nawa.members.get(number=1))
    workshop = Event.objects.get(cooperative=masar)
    assert (workshop.language, workshop.visibility) == ("ar", "network")
    assert workshop.place and workshop.ends_at > workshop.starts_at
    assembly = Event.objects.get(cooperative=nawa)
    assert assembly.visibility == "public"
    assert assembly.online_url.startswith("https://")


def test_other_cooperatives_hold_a_members_meetup():
    coop = factories.cooperative(slug="sahel-solar")
    demo_events.load(coop, by=coop.members.get(number=1))
    assert Event.objects.get().visibility == "cooperative"
