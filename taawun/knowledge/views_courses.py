"""Pages of the training courses: find a course, enrol, read its lessons in
order, mark them done and take the course up again where one left off; and,
for the members of the cooperative, write courses, lessons and translations.

A public course and its lessons are read without signing in; enrolling and
progress need an account.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.knowledge import course_actions as actions
from taawun.knowledge import course_queries as queries
from taawun.knowledge.forms_courses import ConfirmForm, CourseForm, LessonForm, TranslateForm
from taawun.knowledge.models import CONTENT_LANGUAGES, Course, Lesson
from taawun.knowledge.rules import ReaderScope, reader_scope
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative
from taawun.web.forms import run_action

# Right-to-left content languages, for the dir of a lesson's text.
RTL = {"ar", "fa", "ur"}


def _course(request: HttpRequest, slug: str, course_slug: str) -> tuple[Course, ReaderScope]:
    coop = membership_queries.get_cooperative(slug)
    scope = reader_scope(request.user)
    course = queries.get_course(coop, course_slug, scope)
    return course, scope


def _editable(request: HttpRequest, slug: str, course_slug: str) -> Course:
    """The course, if the reader is a member of its cooperative."""
    course, _scope = _course(request, slug, course_slug)
    rules.access_member(request.user, course.cooperative)
    return course


def _is_member(request: HttpRequest, coop: Cooperative) -> bool:
    return rules.is_member(rules.membership_of(request.user, coop))


def _lesson_url(lesson: Lesson) -> str:
    course = lesson.course
    return reverse("knowledge:lesson", args=[course.cooperative.slug, course.slug, lesson.position])


# --- Finding courses ------------------------------------------------------------------------


def course_index(request: HttpRequest) -> HttpResponse:
    """Every course the reader may take, and the reader's own learning."""
    scope = reader_scope(request.user)
    language = request.GET.get("language", "")
    if language not in dict(CONTENT_LANGUAGES):
        language = ""
    context = {
        "courses": queries.readable_courses(scope, language=language),
        "languages": CONTENT_LANGUAGES,
        "language": language,
        "learning": queries.my_learning(request.user, scope),
    }
    return render(request, "knowledge/courses/index.html", context)


def course_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    context = {
        "coop": coop,
        "courses": queries.courses_of(coop, reader_scope(request.user)),
        "is_member": _is_member(request, coop),
    }
    return render(request, "knowledge/courses/list.html", context)


def course_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    language = (request.LANGUAGE_CODE or "")[:2]
    form = CourseForm(request.POST or None, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        course = run_action(
            form,
            lambda: actions.create_course(
                by=signed_in(request),
                coop=coop,
                title=data["title"],
                language=data["language"],
                summary=data["summary"],
                visibility=data["visibility"],
                skills=data.get("skills") or (),
            ),
        )
        if course is not None:
            messages.success(request, _("The course is made. Now add its first lesson."))
            return redirect("knowledge:lesson_new", coop.slug, course.slug)
    return render(request, "knowledge/courses/course_form.html", {"coop": coop, "form": form})


# --- One course -------------------------------------------------------------------------------


def course_detail(request: HttpRequest, slug: str, course_slug: str) -> HttpResponse:
    course, scope = _course(request, slug, course_slug)
    enrolment = queries.enrolment_of(request.user, course)
    done = queries.done_lessons(enrolment)
    lessons = list(course.lessons.all())
    context = {
        "coop": course.cooperative,
        "course": course,
        "lessons": lessons,
        "done": done,
        "done_count": sum(1 for lesson in lessons if lesson.pk in done),
        "enrolment": enrolment,
        "resume": queries.resume_lesson(enrolment) if enrolment else None,
        "translations": queries.translations(course, scope),
        "is_member": _is_member(request, course.cooperative),
        "rtl": course.language in RTL,
    }
    return render(request, "knowledge/courses/detail.html", context)


def course_enrol(request: HttpRequest, slug: str, course_slug: str) -> HttpResponse:
    course, _scope = _course(request, slug, course_slug)
    if request.method != "POST":
        return redirect("knowledge:course", slug, course_slug)
    user = signed_in(request)
    form = ConfirmForm(request.POST)
    enrolment = run_action(form, lambda: actions.enrol(by=user, course=course))
    if enrolment is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("knowledge:course", slug, course_slug)
    first = queries.resume_lesson(enrolment)
    messages.success(request, _("You are enrolled. Your progress is saved as you go."))
    if first is not None:
        first.course = course
        return redirect(_lesson_url(first))
    return redirect("knowledge:course", slug, course_slug)


def course_edit(request: HttpRequest, slug: str, course_slug: str) -> HttpResponse:
    course = _editable(request, slug, course_slug)
    form = CourseForm(
        request.POST or None,
        with_language=False,
        initial={
            "title": course.title,
            "summary": course.summary,
            "visibility": course.visibility,
            "skills": list(course.skills.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        edited = run_action(
            form,
            lambda: actions.edit_course(
                course,
                by=signed_in(request),
                title=data["title"],
                summary=data["summary"],
                visibility=data["visibility"],
                skills=data.get("skills") or (),
            ),
        )
        if edited is not None:
            messages.success(request, _("The course is saved."))
            return redirect("knowledge:course", slug, course.slug)
    context = {"coop": course.cooperative, "course": course, "form": form}
    return render(request, "knowledge/courses/course_form.html", context)


def course_translate(request: HttpRequest, slug: str, course_slug: str) -> HttpResponse:
    course = _editable(request, slug, course_slug)
    form = TranslateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        translation = run_action(
            form,
            lambda: actions.translate_course(
                course,
                by=signed_in(request),
                language=data["language"],
                title=data["title"],
                summary=data["summary"],
            ),
        )
        if translation is not None:
            messages.success(
                request, _("The translation is made. Now write its lessons in that language.")
            )
            return redirect("knowledge:lesson_new", slug, translation.slug)
    context = {
        "coop": course.cooperative,
        "course": course,
        "form": form,
        "lessons": list(course.lessons.all()),
    }
    return render(request, "knowledge/courses/translate.html", context)


# --- Lessons -----------------------------------------------------------------------------------


def lesson_new(request: HttpRequest, slug: str, course_slug: str) -> HttpResponse:
    course = _editable(request, slug, course_slug)
    form = LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lesson = run_action(
            form,
            lambda: actions.add_lesson(
                course, by=signed_in(request), title=data["title"], body=data["body"]
            ),
        )
        if lesson is not None:
            messages.success(request, _("The lesson is added."))
            return redirect("knowledge:course", slug, course.slug)
    context = {
        "coop": course.cooperative,
        "course": course,
        "form": form,
        "rtl": course.language in RTL,
    }
    return render(request, "knowledge/courses/lesson_form.html", context)


def lesson_detail(request: HttpRequest, slug: str, course_slug: str, position: int) -> HttpResponse:
    course, _scope = _course(request, slug, course_slug)
    lesson = queries.get_lesson(course, position)
    enrolment = queries.enrolment_of(request.user, course)
    lessons = list(course.lessons.only("pk", "position", "title"))
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        user = signed_in(request)
        was_complete = enrolment is not None and enrolment.completed_at is not None
        enrolment = run_action(form, lambda: actions.complete_lesson(by=user, lesson=lesson))
        if enrolment is not None:
            if enrolment.completed_at is not None and not was_complete:
                messages.success(request, _("You have completed the course. Well done!"))
                return redirect("knowledge:course", slug, course.slug)
            # On to the next lesson; after the last, to one skipped earlier.
            upcoming = following or queries.resume_lesson(enrolment)
            if upcoming is None:
                return redirect("knowledge:course", slug, course.slug)
            upcoming.course = course
            return redirect(_lesson_url(upcoming))
    done = queries.done_lessons(enrolment)
    context = {
        "coop": course.cooperative,
        "course": course,
        "lesson": lesson,
        "previous": lessons[index - 1] if index > 0 else None,
        "next": following,
        "lesson_count": len(lessons),
        "enrolment": enrolment,
        "is_done": lesson.pk in done,
        "form": form,
        "is_member": _is_member(request, course.cooperative),
        "rtl": course.language in RTL,
    }
    return render(request, "knowledge/courses/lesson.html", context)


def lesson_edit(request: HttpRequest, slug: str, course_slug: str, position: int) -> HttpResponse:
    course = _editable(request, slug, course_slug)
    lesson = queries.get_lesson(course, position)
    form = LessonForm(request.POST or None, initial={"title": lesson.title, "body": lesson.body})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        edited = run_action(
            form,
            lambda: actions.edit_lesson(
                lesson, by=signed_in(request), title=data["title"], body=data["body"]
            ),
        )
        if edited is not None:
            messages.success(request, _("The lesson is saved."))
            return redirect(_lesson_url(edited))
    context = {
        "coop": course.cooperative,
        "course": course,
        "lesson": lesson,
        "form": form,
        "rtl": course.language in RTL,
    }
    return render(request, "knowledge/courses/lesson_form.html", context)


def lesson_move(request: HttpRequest, slug: str, course_slug: str, position: int) -> HttpResponse:
    """Move a lesson up or down (a button beside it on the course page)."""
    course = _editable(request, slug, course_slug)
    if request.method == "POST":
        lesson = queries.get_lesson(course, position)
        actions.move_lesson(lesson, by=signed_in(request), up=request.POST.get("to") == "up")
    return redirect("knowledge:course", slug, course.slug)
