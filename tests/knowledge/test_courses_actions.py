"""Courses as their authors and learners use them: writing a course and its
lessons, translations, enrolling, marking lessons done, taking the course up
again where one left off, and bad input refused with nothing written."""

from __future__ import annotations

import pytest

from taawun.errors import Conflict, InvalidInput, NotFound, NotSignedIn, PermissionDenied
from taawun.knowledge import course_actions as actions
from taawun.knowledge import course_queries as queries
from taawun.knowledge.models import MAX_TEXT, Course, Enrolment, Lesson, Visibility
from taawun.knowledge.rules import reader_scope
from taawun.membership import networks
from tests import factories

pytestmark = pytest.mark.django_db


def a_course(coop, by, *, lessons: int = 3, visibility: str = Visibility.PUBLIC, title="Basics"):  # type: ignore[no-untyped-def]
    course = actions.create_course(
        by=by,
        coop=coop,
        title=title,
        language="en",
        summary="What you will learn.",
        visibility=visibility,
    )
    for n in range(1, lessons + 1):
        actions.add_lesson(course, by=by, title=f"Lesson {n}", body=f"## Part {n}\n\nText.")
    return course


def lesson(course: Course, position: int) -> Lesson:
    return queries.get_lesson(course, position)


# --- Writing ----------------------------------------------------------------------------


def test_a_member_writes_a_course_whose_lessons_follow_in_order(coop, founder):
    course = a_course(coop, founder, lessons=3)
    assert course.slug == "basics"
    assert [(each.position, each.title) for each in course.lessons.all()] == [
        (1, "Lesson 1"),
        (2, "Lesson 2"),
        (3, "Lesson 3"),
    ]


def test_an_arabic_title_makes_an_arabic_address_and_a_taken_one_is_numbered(coop, founder):
    first = a_course(coop, founder, title="أمان البريد", lessons=0)
    second = a_course(coop, founder, title="أمان البريد", lessons=0)
    assert (first.slug, second.slug) == ("أمان-البريد", "أمان-البريد-2")


def test_a_course_cannot_take_the_address_of_the_new_course_page(coop, founder):
    assert a_course(coop, founder, title="New", lessons=0).slug == "new-2"


def test_someone_outside_the_cooperative_cannot_write_its_courses(coop):
    outsider = factories.person()
    with pytest.raises(PermissionDenied):
        a_course(coop, outsider)
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"language": "xx"}, "language"),
        ({"summary": ""}, "summary"),
        ({"visibility": "everyone"}, "visibility"),
    ],
)
def test_a_course_with_bad_input_is_refused_beside_the_field(coop, founder, changes, field):
    values = {"title": "Basics", "language": "en", "summary": "Learn.", "visibility": "public"}
    with pytest.raises(InvalidInput) as refused:
        actions.create_course(by=founder, coop=coop, **{**values, **changes})
    assert refused.value.field == field
    assert not Course.objects.exists()


def test_an_oversized_or_empty_lesson_is_refused_and_nothing_changes(coop, founder):
    course = a_course(coop, founder, lessons=1)
    with pytest.raises(InvalidInput, match="at most 100000 characters") as refused:
        actions.add_lesson(course, by=founder, title="Long", body="x" * (MAX_TEXT + 1))
    assert refused.value.field == "body"
    with pytest.raises(InvalidInput):
        actions.edit_lesson(lesson(course, 1), by=founder, title="", body="Still here")
    assert list(course.lessons.values_list("title", "body")) == [("Lesson 1", "## Part 1\n\nText.")]


def test_lessons_move_up_and_down_and_stay_put_at_the_ends(coop, founder):
    course = a_course(coop, founder, lessons=3)
    actions.move_lesson(lesson(course, 3), by=founder, up=True)
    actions.move_lesson(lesson(course, 1), by=founder, up=True)  # already first
    assert list(course.lessons.values_list("title", flat=True)) == [
        "Lesson 1",
        "Lesson 3",
        "Lesson 2",
    ]
    actions.move_lesson(lesson(course, 1), by=founder, up=False)
    assert list(course.lessons.values_list("title", flat=True)) == [
        "Lesson 3",
        "Lesson 1",
        "Lesson 2",
    ]


def test_a_translation_joins_the_family_once_per_language(coop, founder):
    course = a_course(coop, founder)
    arabic = actions.translate_course(
        course, by=founder, language="ar", title="الأساسيات", summary="ما ستتعلمه."
    )
    assert (arabic.family, arabic.language, arabic.lessons.count()) == (course.family, "ar", 0)
    assert queries.translations(course, reader_scope(founder)) == [arabic]
    with pytest.raises(Conflict) as refused:
        actions.translate_course(course, by=founder, language="ar", title="مرة أخرى", summary="…")
    assert refused.value.field == "language"
    with pytest.raises(Conflict):
        actions.translate_course(arabic, by=founder, language="en", title="Again", summary="…")
    assert Course.objects.filter(family=course.family).count() == 2


# --- Learning ---------------------------------------------------------------------------


def test_enrolling_twice_keeps_one_enrolment(coop, founder):
    course = a_course(coop, founder)
    learner = factories.person()
    first = actions.enrol(by=learner, course=course)
    assert actions.enrol(by=learner, course=course) == first
    assert Enrolment.objects.filter(course=course).count() == 1


def test_a_visitor_cannot_enrol(coop, founder):
    with pytest.raises(NotSignedIn):
        actions.enrol(by=None, course=a_course(coop, founder))


def test_a_course_for_members_only_cannot_be_taken_from_outside(coop, founder):
    course = a_course(coop, founder, visibility=Visibility.COOPERATIVE)
    with pytest.raises(NotFound):
        actions.enrol(by=factories.person(), course=course)
    assert not Enrolment.objects.exists()


def test_a_network_course_is_taken_by_members_of_a_cooperative_in_the_network(coop, founder):
    course = a_course(coop, founder, visibility=Visibility.NETWORK)
    partner = factories.cooperative()
    stranger = factories.cooperative()
    network = networks.create_network(slug="net", names={"en": "Net"})
    networks.join_network(coop, network)
    networks.join_network(partner, network)
    assert actions.enrol(by=factories.founder_of(partner), course=course)
    with pytest.raises(NotFound):
        actions.enrol(by=factories.founder_of(stranger), course=course)


def test_completing_a_lesson_without_enrolling_is_refused_clearly(coop, founder):
    course = a_course(coop, founder)
    learner = factories.person()
    with pytest.raises(Conflict, match="Enrol in the course"):
        actions.complete_lesson(by=learner, lesson=lesson(course, 1))
    assert not Enrolment.objects.exists()


def test_a_learner_resumes_after_the_last_lesson_done_and_completes_the_course(coop, founder):
    course = a_course(coop, founder, lessons=3)
    learner = factories.person()
    enrolment = actions.enrol(by=learner, course=course)
    assert queries.resume_lesson(enrolment) == lesson(course, 1)

    enrolment = actions.complete_lesson(by=learner, lesson=lesson(course, 1))
    assert queries.resume_lesson(enrolment) == lesson(course, 2)
    assert enrolment.completed_at is None

    # Skipping ahead: the place is the lesson after the last one done...
    enrolment = actions.complete_lesson(by=learner, lesson=lesson(course, 3))
    # ...and after the last lesson, the one skipped.
    assert queries.resume_lesson(enrolment) == lesson(course, 2)

    enrolment = actions.complete_lesson(by=learner, lesson=lesson(course, 2))
    assert enrolment.completed_at is not None
    assert queries.resume_lesson(enrolment) is None
    progress = queries.progress(enrolment)
    assert (progress.done, progress.total, progress.completed) == (3, 3, True)


def test_completing_a_lesson_twice_records_it_once(coop, founder):
    course = a_course(coop, founder, lessons=2)
    learner = factories.person()
    actions.enrol(by=learner, course=course)
    actions.complete_lesson(by=learner, lesson=lesson(course, 1))
    enrolment = actions.complete_lesson(by=learner, lesson=lesson(course, 1))
    assert enrolment.completions.count() == 1
    assert enrolment.completed_at is None


def test_a_lesson_of_another_course_is_not_found_through_this_one(coop, founder):
    short = a_course(coop, founder, lessons=1, title="Short")
    a_course(coop, founder, lessons=3, title="Long")
    with pytest.raises(NotFound):
        queries.get_lesson(short, 2)


def test_my_learning_lists_unfinished_courses_first_with_where_to_continue(coop, founder):
    learner = factories.person()
    done = a_course(coop, founder, lessons=1, title="Done")
    going = a_course(coop, founder, lessons=2, title="Going")
    actions.enrol(by=learner, course=done)
    actions.complete_lesson(by=learner, lesson=lesson(done, 1))
    actions.enrol(by=learner, course=going)
    actions.complete_lesson(by=learner, lesson=lesson(going, 1))
    rows = queries.my_learning(learner, reader_scope(learner))
    assert [(r.enrolment.course.title, r.done, r.total) for r in rows] == [
        ("Going", 1, 2),
        ("Done", 1, 1),
    ]
    assert rows[0].next_lesson == lesson(going, 2)
    assert rows[1].next_lesson is None
