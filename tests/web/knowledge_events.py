"""Knowledge pages (events) for the catalogue in tests/web: what they need in
the world, made through the real actions, and the pages themselves.

The world's cooperative has a workshop shared with its networks, an event
called off, and a public online assembly a visitor reads. Ids: events_open,
events_off, events_public.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from taawun.knowledge import event_actions as actions
from taawun.knowledge.models import Visibility
from tests.web.page import Page

E = "/coops/{slug}/events/"

PAGES: list[Page] = [
    Page("events-index", "/events/", who="member"),
    Page("events-index-visitor", "/events/"),
    Page("events-coop", E, who="member"),
    Page("events-new", E + "new/", who="founder"),
    Page("events-new-with-errors", E + "new/", who="founder", submit_empty=True),
    Page("events-event", E + "{events_open}/", who="founder"),
    Page("events-event-off", E + "{events_off}/", who="member"),
    Page("events-event-public-visitor", E + "{events_public}/"),
    Page("events-event-network-visitor", E + "{events_open}/", status=404),
    Page("events-edit", E + "{events_open}/edit/", who="founder"),
]


def build(world: Any) -> None:
    founder, coop = world.founder, world.coop
    soon = timezone.now() + timedelta(days=9)
    workshop = actions.announce_event(
        by=founder,
        coop=coop,
        title="Open workshop: community networks",
        starts_at=soon,
        ends_at=soon + timedelta(hours=3),
        language="en",
        place="Downtown hub, second floor",
        body="Bring a **laptop**; we build a mesh node together.",
    )
    off = actions.announce_event(
        by=founder,
        coop=coop,
        title="ورشة التعريب",
        starts_at=soon + timedelta(days=2),
        language="ar",
        place="المكتب",
    )
    actions.call_off_event(off, by=founder)
    public = actions.announce_event(
        by=founder,
        coop=coop,
        title="General assembly of the network",
        starts_at=soon + timedelta(days=20),
        language="en",
        online_url="https://meet.example.org/assembly",
        visibility=Visibility.PUBLIC,
    )
    world.ids.update(events_open=workshop.pk, events_off=off.pk, events_public=public.pk)
