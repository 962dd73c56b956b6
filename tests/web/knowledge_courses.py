"""Knowledge pages (courses) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

The world has a public course "Safe steps" (three lessons, and an Arabic
translation) that the member has enrolled in and done the first lesson of, and a
course for the cooperative's members only, which a visitor cannot find.
"""

from __future__ import annotations

from typing import Any

from taawun.knowledge import course_actions as actions
from taawun.knowledge.models import Visibility
from tests.web.page import Page

C = "/coops/{slug}/courses/"
COURSE = C + "safe-steps/"

PAGES: list[Page] = [
    Page("courses-index", "/courses/", who="member"),
    Page("courses-index-visitor", "/courses/"),
    Page("courses-coop", C, who="member"),
    Page("courses-new", C + "new/", who="founder"),
    Page("courses-new-with-errors", C + "new/", who="founder", submit_empty=True),
    Page("courses-course", COURSE, who="member"),
    Page("courses-course-as-author", COURSE, who="founder"),
    Page("courses-course-visitor", COURSE),
    Page("courses-course-members-only-visitor", C + "members-corner/", status=404),
    Page("courses-edit", COURSE + "edit/", who="founder"),
    Page("courses-translate", COURSE + "translate/", who="founder"),
    Page("courses-translate-with-errors", COURSE + "translate/", who="founder", submit_empty=True),
    Page("courses-lesson-new", COURSE + "lessons/new/", who="founder"),
    Page(
        "courses-lesson-new-with-errors",
        COURSE + "lessons/new/",
        who="founder",
        submit_empty=True,
    ),
    Page("courses-lesson", COURSE + "lessons/2/", who="member"),
    Page("courses-lesson-visitor", COURSE + "lessons/1/"),
    Page("courses-lesson-edit", COURSE + "lessons/1/edit/", who="founder"),
    Page("courses-lesson-unknown", COURSE + "lessons/9/", who="member", status=404),
]

LESSONS = [
    (
        "Spotting a dangerous email",
        "## Signs\n\n- It **hurries** you.\n- It asks for a password.\n\n"
        "Check the address after the `@`. [More](https://example.org/phishing)",
    ),
    ("Passphrases", "Use **four random words**, and never reuse them.\n\n1. One\n2. Two"),
    ("Voting on Taawun", "Read the proposal, check your vote, keep your receipt."),
]


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    founder, coop = world.founder, world.coop
    course = actions.create_course(
        by=founder,
        coop=coop,
        title="Safe steps",
        language="en",
        summary="Three short lessons on staying safe online.",
        visibility=Visibility.PUBLIC,
        slug="safe-steps",
    )
    lessons = [actions.add_lesson(course, by=founder, title=t, body=b) for t, b in LESSONS]
    arabic = actions.translate_course(
        course, by=founder, language="ar", title="خطوات آمنة", summary="ثلاثة دروس قصيرة."
    )
    actions.add_lesson(arabic, by=founder, title="البريد الآمن", body="## العلامات\n\nنص.")
    actions.enrol(by=world.member.user, course=course)
    actions.complete_lesson(by=world.member.user, lesson=lessons[0])
    actions.create_course(
        by=founder,
        coop=coop,
        title="Members' corner",
        language="en",
        summary="For our members.",
        visibility=Visibility.COOPERATIVE,
        slug="members-corner",
    )
