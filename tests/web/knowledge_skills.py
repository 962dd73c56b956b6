"""Knowledge pages (skills) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

The world has the starter vocabulary; the founder is an expert in Python who
mentors, the member a beginner in it; the cooperative offers one service
(its id in ``world.ids`` as skills_service). The edit pages have no
"-with-errors" variant: their fields come filled in, so a browser sending
the form as it is saves it; the "new" pages show the same form's errors."""

from __future__ import annotations

from typing import Any

from taawun.knowledge import demo_skills, skill_actions, skill_queries
from tests.web.page import Page

C = "/coops/{slug}/"

PAGES: list[Page] = [
    Page("skills-vocabulary", "/skills/"),
    Page("skills-vocabulary-as-member", "/skills/", who="member"),
    Page("skills-new", "/skills/new/", who="member"),
    Page("skills-new-with-errors", "/skills/new/", who="member", submit_empty=True),
    Page("skills-edit", "/skills/python/edit/", who="member"),
    Page("skills-mine", "/skills/mine/", who="member"),
    Page("skills-mine-with-errors", "/skills/mine/", who="member", submit_empty=True),
    Page("skills-directory", C + "skills/", who="member"),
    Page("skills-directory-found", C + "skills/python/", who="member"),
    Page("skills-services", C + "services/", who="founder"),
    Page("skills-services-as-member", C + "services/", who="member"),
    Page("skills-service-new", C + "services/new/", who="founder"),
    Page("skills-service-new-with-errors", C + "services/new/", who="founder", submit_empty=True),
    Page("skills-service-new-forbidden", C + "services/new/", who="member", status=403),
    Page("skills-service-edit", C + "services/{skills_service}/edit/", who="founder"),
]


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    demo_skills.load_vocabulary()
    python = skill_queries.get_skill("python")
    accessibility = skill_queries.get_skill("accessibility")
    founder, member = world.founder, world.member.user
    skill_actions.declare_skill(by=founder, skill=python, level=4, mentors=True)
    skill_actions.declare_skill(by=founder, skill="django", level=3, mentors=True)
    skill_actions.declare_skill(by=founder, skill=accessibility, level=3, mentors=False)
    skill_actions.declare_skill(by=member, skill=python, level=2, mentors=False)
    skill_actions.declare_skill(by=member, skill=accessibility, level=1, mentors=False)
    service = skill_actions.add_service(
        by=founder,
        coop=world.coop,
        title="Accessible web sites",
        description="Sites that work with a screen reader,\non a cheap phone.",
        skills=[python, accessibility],
    )
    world.ids["skills_service"] = service.pk
