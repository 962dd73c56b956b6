"""Knowledge pages (mentoring) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

The member asks for help with Python (open: the founder is proposed) and with
Django (the founder took it on); the founder asks for help with
accessibility, which the member cannot mentor in and so cannot see. Ids in
``world.ids``: mentoring_open, mentoring_active, mentoring_hidden."""

from __future__ import annotations

from typing import Any

from taawun.knowledge import demo_skills, mentoring_actions, skill_actions
from tests.web.page import Page

M = "/coops/{slug}/mentoring/"

PAGES: list[Page] = [
    Page("mentoring-list", M, who="member"),
    Page("mentoring-list-as-mentor", M, who="founder"),
    Page("mentoring-new", M + "new/", who="member"),
    Page("mentoring-new-with-errors", M + "new/", who="member", submit_empty=True),
    Page("mentoring-open", M + "{mentoring_open}/", who="member"),
    Page("mentoring-open-as-mentor", M + "{mentoring_open}/", who="founder"),
    Page("mentoring-active", M + "{mentoring_active}/", who="founder"),
    Page("mentoring-hidden", M + "{mentoring_hidden}/", who="member", status=403),
]


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    demo_skills.load_vocabulary()
    founder, member, coop = world.founder, world.member.user, world.coop
    skill_actions.declare_skill(by=founder, skill="python", level=4, mentors=True)
    skill_actions.declare_skill(by=founder, skill="django", level=3, mentors=True)
    skill_actions.declare_skill(by=member, skill="accessibility", level=1, mentors=False)
    waiting = mentoring_actions.ask_for_mentor(
        by=member,
        coop=coop,
        skill="python",
        message="I know the basics; I would like someone to review my **first** project.",
    )
    under_way = mentoring_actions.ask_for_mentor(
        by=member, coop=coop, skill="django", message="How do I write my first view?"
    )
    mentoring_actions.accept_mentorship(under_way, by=founder)
    hidden = mentoring_actions.ask_for_mentor(
        by=founder, coop=coop, skill="accessibility", message="Testing with a screen reader."
    )
    world.ids.update(
        mentoring_open=waiting.pk, mentoring_active=under_way.pk, mentoring_hidden=hidden.pk
    )
