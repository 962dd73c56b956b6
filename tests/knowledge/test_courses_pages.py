"""The course pages as learners and authors use them: finding a course,
enrolling, reading lessons in order, marking them done, continuing where one
left off, completing; writing a course, lessons and a translation, with
errors beside the fields and nothing written by bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.knowledge import course_actions as actions
from taawun.knowledge.models import MAX_TEXT, Course, Enrolment, Lesson, Visibility
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(coop, founder):  # type: ignore[no-untyped-def]
    course = actions.create_course(
        by=founder,
        coop=coop,
        title="Safe steps",
        language="en",
        summary="Staying safe online.",
        slug="safe-steps",
    )
    for n in (1, 2, 3):
        actions.add_lesson(course, by=founder, title=f"Lesson {n}", body=f"**Body {n}**")
    return course


def url(name: str, course: Course, *args: object) -> str:
    return reverse(f"knowledge:{name}", args=[course.cooperative.slug, course.slug, *args])


def test_a_visitor_reads_a_public_course_and_its_lessons_and_is_invited_to_sign_in(client, course):
    page = client.get(url("course", course)).content.decode()
    assert "Lesson 1" in page and "Sign in to enrol" in page
    assert url("course_enrol", course) not in page
    lesson = client.get(url("lesson", course, 1)).content.decode()
    assert "<strong>Body 1</strong>" in lesson
    assert '<article lang="en" dir="ltr">' in lesson
    assert url("lesson", course, 2) in lesson  # next


def test_a_visitor_cannot_find_a_members_only_course(client, coop, founder):
    hidden = actions.create_course(
        by=founder,
        coop=coop,
        title="Ours",
        language="en",
        summary="For members.",
        visibility=Visibility.COOPERATIVE,
    )
    assert client.get(url("course", hidden)).status_code == 404
    assert "Ours" not in client.get(reverse("knowledge:courses")).content.decode()


def test_a_learner_enrols_marks_lessons_done_continues_and_completes(client, course):
    learner = factories.person()
    client.force_login(learner)
    response = client.post(url("course_enrol", course), follow=True)
    assert response.redirect_chain[-1][0] == url("lesson", course, 1)
    assert "Mark as done and continue" in response.content.decode()

    response = client.post(url("lesson", course, 1))
    assert response.url == url("lesson", course, 2)

    page = client.get(url("course", course)).content.decode()
    assert "1 of 3 lessons done" in page
    assert "Continue where you left off" in page
    assert f'href="{url("lesson", course, 2)}"' in page

    learning = client.get(reverse("knowledge:courses")).content.decode()
    assert "My learning" in learning and "Continue “Safe steps”" in learning

    client.post(url("lesson", course, 2))
    response = client.post(url("lesson", course, 3), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == url("course", course)
    assert "You have completed the course" in page
    assert "You completed this course on" in page
    assert "3 of 3 lessons done" in page


def test_enrolling_twice_from_the_page_keeps_one_enrolment(client, course):
    learner = factories.person()
    client.force_login(learner)
    client.post(url("course_enrol", course))
    client.post(url("course_enrol", course))
    assert Enrolment.objects.filter(user=learner).count() == 1


def test_marking_a_lesson_done_without_enrolling_shows_the_error(client, course):
    client.force_login(factories.person())
    response = client.post(url("lesson", course, 1))
    assert response.status_code == 200
    assert "Enrol in the course before marking its lessons as done." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_visitor_marking_a_lesson_done_is_sent_to_sign_in(client, course):
    response = client.post(url("lesson", course, 1))
    assert response.status_code == 302 and "login" in response.url


def test_a_lesson_beyond_the_course_is_not_found(client, course):
    assert client.get(url("lesson", course, 4)).status_code == 404


def test_a_member_writes_a_course_then_its_first_lesson(client, coop, founder):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:course_new", args=[coop.slug]),
        {"title": "أمان البريد", "language": "ar", "summary": "درس.", "visibility": "public"},
    )
    course = Course.objects.get()
    assert response.url == url("lesson_new", course)
    client.post(url("lesson_new", course), {"title": "العلامات", "body": "## نص"})
    lesson = client.get(url("lesson", course, 1)).content.decode()
    assert '<article lang="ar" dir="rtl">' in lesson


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "language": "en"}, "title", "Give it a title."),
        ({"title": "Basics", "language": ""}, "language", "Choose a language from the list."),
    ],
)
def test_a_course_with_bad_input_shows_the_error_beside_the_field(
    client, coop, founder, data, field, message
):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:course_new", args=[coop.slug]),
        {"summary": "Learn.", "visibility": "public", **data},
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Course.objects.exists()


def test_an_oversized_lesson_is_refused_beside_the_text(client, course, founder):
    client.force_login(founder)
    response = client.post(
        url("lesson_new", course), {"title": "Huge", "body": "x" * (MAX_TEXT + 1)}
    )
    assert "at most 100000 characters" in " ".join(response.context["form"].errors["body"])
    assert course.lessons.count() == 3


def test_only_members_see_and_use_the_writing_pages(client, course):
    client.force_login(factories.person())
    assert client.get(url("course_edit", course)).status_code == 403
    assert client.post(url("lesson_new", course), {"title": "X", "body": "Y"}).status_code == 403
    assert "Add a lesson" not in client.get(url("course", course)).content.decode()
    assert course.lessons.count() == 3


def test_a_member_edits_a_lesson_and_moves_it(client, course, founder):
    client.force_login(founder)
    client.post(url("lesson_edit", course, 1), {"title": "First steps", "body": "New"})
    client.post(url("lesson_move", course, 1), {"to": "down"})
    assert list(course.lessons.values_list("title", flat=True)) == [
        "Lesson 2",
        "First steps",
        "Lesson 3",
    ]
    assert Lesson.objects.get(title="First steps").body == "New"


def test_a_translation_is_made_and_each_course_links_to_the_other(client, course, founder):
    client.force_login(founder)
    response = client.post(
        url("course_translate", course),
        {"language": "ar", "title": "خطوات آمنة", "summary": "دروس قصيرة."},
    )
    arabic = Course.objects.get(language="ar")
    assert response.url == url("lesson_new", arabic)
    assert url("course", arabic) in client.get(url("course", course)).content.decode()
    assert url("course", course) in client.get(url("course", arabic)).content.decode()
    again = client.post(
        url("course_translate", course), {"language": "ar", "title": "Again", "summary": "x"}
    )
    assert "already has a translation" in " ".join(again.context["form"].errors["language"])


def test_the_index_filters_courses_by_language(client, course, founder):
    actions.translate_course(course, by=founder, language="ar", title="خطوات", summary="دروس")
    page = client.get(reverse("knowledge:courses"), {"language": "ar"}).content.decode()
    assert "خطوات" in page and "Safe steps" not in page
