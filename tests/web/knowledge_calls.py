"""Knowledge pages (calls) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

The world's cooperative has an open call (network-visible, with suggested people
and a partner cooperative in its network, and a response), a closed call, and a
public call a visitor reads. Ids: calls_open, calls_closed, calls_public.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from taawun.knowledge import call_actions as actions
from taawun.knowledge import skill_actions
from taawun.knowledge.models import Level, Skill, Visibility
from taawun.membership import networks
from tests import factories
from tests.web.page import Page

C = "/coops/{slug}/calls/"

PAGES: list[Page] = [
    Page("calls-index", "/calls/", who="member"),
    Page("calls-index-visitor", "/calls/"),
    Page("calls-coop", C, who="member"),
    Page("calls-new", C + "new/", who="founder"),
    Page("calls-new-with-errors", C + "new/", who="founder", submit_empty=True),
    Page("calls-call", C + "{calls_open}/", who="founder"),
    Page("calls-call-respond", C + "{calls_open}/", who="member"),
    Page(
        "calls-call-respond-with-errors",
        C + "{calls_open}/",
        who="member",
        submit_empty=True,
    ),
    Page("calls-call-closed", C + "{calls_closed}/", who="member"),
    Page("calls-call-public-visitor", C + "{calls_public}/"),
    Page("calls-call-network-visitor", C + "{calls_open}/", status=404),
    Page("calls-edit", C + "{calls_open}/edit/", who="founder"),
]


def _skill(names: dict[str, str], by: Any) -> Skill:
    found = skill_actions.same_skill(names)
    return found[1] if found else skill_actions.add_skill(by=by, names=names)


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    founder, coop, member = world.founder, world.coop, world.member
    networking = _skill({"en": "Networking", "ar": "الشبكات"}, founder)
    arabic = _skill({"en": "Arabic localisation", "ar": "التعريب"}, founder)
    skill_actions.declare_skill(by=member.user, skill=networking, level=Level.EXPERT, mentors=False)
    skill_actions.declare_skill(by=member.user, skill=arabic, level=Level.BEGINNER, mentors=False)

    partner = factories.cooperative(slug="calls-partner")
    network = networks.create_network(slug="calls-network", names={"en": "Calls network"})
    networks.join_network(coop, network)
    networks.join_network(partner, network)
    skill_actions.add_service(
        by=factories.founder_of(partner),
        coop=partner,
        title="Community networks",
        skills=[networking],
    )
    neighbour = factories.member(partner, factories.person("Nadia Neighbour"))
    skill_actions.declare_skill(
        by=neighbour.user, skill=arabic, level=Level.ADVANCED, mentors=False
    )

    today = timezone.localdate()
    open_call = actions.post_call(
        by=founder,
        coop=coop,
        title="Community Wi-Fi mesh for a village school",
        body="A few **rooftop nodes** linking the school and the youth centre.\n\n- Plan\n- Build",
        terms="paid",
        needs=[(networking, Level.ADVANCED), (arabic, Level.INTERMEDIATE)],
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=70),
    )
    actions.respond_to_call(by=neighbour.user, call=open_call, message="I can translate.")
    closed = actions.post_call(
        by=founder,
        coop=coop,
        title="Usability tests with older members",
        body="Thank you, the sessions are done.",
        terms="volunteer",
        needs=[(arabic, Level.BEGINNER)],
    )
    actions.close_call(closed, by=founder)
    public = actions.post_call(
        by=founder,
        coop=coop,
        title="A website for a food co-op",
        body="Opening hours and stock.",
        terms="volunteer",
        needs=[(networking, Level.BEGINNER)],
        visibility=Visibility.PUBLIC,
    )
    world.ids.update(calls_open=open_call.pk, calls_closed=closed.pk, calls_public=public.pk)
