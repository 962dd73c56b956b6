"""Reading courses: which a reader may take, a learner's progress, and where
to take up a course again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.knowledge.models import Course, Enrolment, Lesson, LessonCompletion
from taawun.knowledge.rules import ReaderScope, require_readable
from taawun.membership.models import Cooperative


def readable_courses(scope: ReaderScope, *, language: str = "") -> QuerySet[Course]:
    """Every course the reader may take, in every cooperative."""
    courses = Course.objects.filter(scope.q()).select_related("cooperative")
    if language:
        courses = courses.filter(language=language)
    return courses.annotate(lesson_count=Count("lessons")).order_by("title", "pk")


def courses_of(coop: Cooperative, scope: ReaderScope) -> QuerySet[Course]:
    return readable_courses(scope).filter(cooperative=coop)


def get_course(coop: Cooperative, slug: str, scope: ReaderScope) -> Course:
    """The course at this address, if the reader may read it (else NotFound:
    whether it exists is not told either)."""
    course = (
        Course.objects.filter(cooperative=coop, slug=slug).select_related("cooperative").first()
    )
    if course is None:
        raise NotFound(_("There is no such course in this cooperative."))
    require_readable(scope, course.visibility, course.cooperative_id)
    return course


def get_lesson(course: Course, position: int) -> Lesson:
    """A lesson by its place in this course: a lesson of another course is
    never found through it."""
    lesson = Lesson.objects.filter(course=course, position=position).first()
    if lesson is None:
        raise NotFound(_("This course has no such lesson."))
    lesson.course = course
    return lesson


def translations(course: Course, scope: ReaderScope) -> list[Course]:
    """The other languages of the course that the reader may read."""
    return list(
        Course.objects.filter(Q(cooperative=course.cooperative, family=course.family) & scope.q())
        .exclude(pk=course.pk)
        .order_by("language")
    )


def enrolment_of(user: Any, course: Course) -> Enrolment | None:
    if user is None or not user.is_authenticated:
        return None
    return Enrolment.objects.filter(course=course, user=user).first()


def done_lessons(enrolment: Enrolment | None) -> set[int]:
    """The ids of the lessons the learner has marked done."""
    if enrolment is None:
        return set()
    return set(
        LessonCompletion.objects.filter(enrolment=enrolment).values_list("lesson_id", flat=True)
    )


def resume_lesson(enrolment: Enrolment) -> Lesson | None:
    """Where to take the course up again: the first lesson not yet done
    after the last one the learner worked on, else the first not done at
    all (one skipped earlier); None once every lesson is done."""
    lessons = list(Lesson.objects.filter(course_id=enrolment.course_id).order_by("position"))
    done = done_lessons(enrolment)
    waiting = [lesson for lesson in lessons if lesson.pk not in done]
    if not waiting:
        return None
    last = enrolment.last_lesson
    if last is not None and last.course_id == enrolment.course_id:
        after = [lesson for lesson in waiting if lesson.position > last.position]
        if after:
            return after[0]
    return waiting[0]


@dataclass(frozen=True)
class Progress:
    enrolment: Enrolment
    done: int
    total: int
    next_lesson: Lesson | None

    @property
    def completed(self) -> bool:
        return self.enrolment.completed_at is not None


def progress(enrolment: Enrolment) -> Progress:
    done = done_lessons(enrolment)
    lessons = Lesson.objects.filter(course_id=enrolment.course_id)
    return Progress(
        enrolment=enrolment,
        done=lessons.filter(pk__in=done).count(),
        total=lessons.count(),
        next_lesson=resume_lesson(enrolment),
    )


def my_learning(user: Any, scope: ReaderScope) -> list[Progress]:
    """The courses the learner is enrolled in and may still read (not those
    of a cooperative they have left), unfinished ones first, with their
    progress and where to continue."""
    if user is None or not user.is_authenticated:
        return []
    enrolments = (
        Enrolment.objects.filter(scope.q("course__"), user=user)
        .select_related("course__cooperative", "last_lesson")
        .order_by("-started_at", "-pk")
    )
    rows = [progress(enrolment) for enrolment in enrolments]
    return sorted(rows, key=lambda row: row.completed)
