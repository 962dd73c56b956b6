"""Every change to courses, their lessons and the learners' progress.

A member of the cooperative writes and edits its courses (a course is kept
together, like the knowledge base); anyone signed in who can read a course
may enrol and mark its lessons as done. A refusal raises an error of the
taawun.errors family, with the field it concerns, and leaves nothing
written.

Progress is private to the learner, so none of it goes to the ledger; nor
do courses, which are teaching material and not decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.errors import Conflict, InvalidInput, NotSignedIn
from taawun.knowledge import rules as knowledge_rules
from taawun.knowledge.checks import checked_title
from taawun.knowledge.models import (
    CONTENT_LANGUAGES,
    MAX_TEXT,
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    Skill,
    Visibility,
)
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

MAX_SUMMARY = 4000
MAX_SLUG = 80
# Addresses that are pages of their own (…/courses/new/).
RESERVED_SLUGS = {"new"}


# --- Checks ------------------------------------------------------------------------------


def _author(by: Any, coop: Cooperative) -> Member:
    """Only a current member of the cooperative writes its courses."""
    return rules.access_member(by, coop)


def _learner(by: Any) -> User:
    if not isinstance(by, User) or not by.is_authenticated:
        raise NotSignedIn()
    return by


def _readable(by: Any, course: Course) -> None:
    scope = knowledge_rules.reader_scope(by)
    knowledge_rules.require_readable(scope, course.visibility, course.cooperative_id)


def _title(title: str) -> str:
    return checked_title(title, missing=_("Give it a title."))


def _summary(summary: str) -> str:
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput(_("Say in a few words what a learner will learn."), field="summary")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            _("The summary can be at most %(limit)s characters long.") % {"limit": MAX_SUMMARY},
            field="summary",
        )
    return summary


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write the lesson."), field="body")
    if len(body) > MAX_TEXT:
        raise InvalidInput(
            _("A lesson can be at most %(limit)s characters long; split it in two.")
            % {"limit": MAX_TEXT},
            field="body",
        )
    return body


def check_language(language: str) -> str:
    if language not in dict(CONTENT_LANGUAGES):
        raise InvalidInput(_("Choose a language from the list."), field="language")
    return language


def _visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise InvalidInput(_("Choose who can take the course."), field="visibility")
    return visibility


def _free_slug(coop: Cooperative, title: str, wanted: str = "") -> str:
    """An address from ``wanted`` or the title (Arabic letters kept), made
    unique in the cooperative with -2, -3..."""
    base = slugify(wanted or title, allow_unicode=True)[: MAX_SLUG - 4].strip("-") or "course"
    taken = RESERVED_SLUGS | set(
        Course.objects.filter(cooperative=coop, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _set_skills(course: Course, skills: Iterable[Skill]) -> None:
    course.skills.set(list(skills))


# --- Courses -----------------------------------------------------------------------------


@transaction.atomic
def create_course(
    *,
    by: Any,
    coop: Cooperative,
    title: str,
    language: str,
    summary: str,
    visibility: str = Visibility.PUBLIC,
    skills: Iterable[Skill] = (),
    slug: str = "",
) -> Course:
    author = _author(by, coop)
    title = _title(title)
    course = Course.objects.create(
        cooperative=coop,
        slug=_free_slug(coop, title, slug),
        language=check_language(language),
        title=title,
        summary=_summary(summary),
        visibility=_visibility(visibility),
        created_by=author,
    )
    _set_skills(course, skills)
    return course


@transaction.atomic
def edit_course(
    course: Course,
    *,
    by: Any,
    title: str,
    summary: str,
    visibility: str,
    skills: Iterable[Skill] = (),
) -> Course:
    """Change what a course says about itself. Its language stays: a course
    in another language is a translation (``translate_course``)."""
    _author(by, course.cooperative)
    course.title = _title(title)
    course.summary = _summary(summary)
    course.visibility = _visibility(visibility)
    course.save()
    _set_skills(course, skills)
    return course


@transaction.atomic
def translate_course(
    course: Course,
    *,
    by: Any,
    language: str,
    title: str,
    summary: str,
) -> Course:
    """A new course in ``course``'s family, in another language, with the
    same visibility and skills. It starts with no lessons: lessons are
    written in the new language, not copied across untranslated."""
    author = _author(by, course.cooperative)
    language = check_language(language)
    title = _title(title)
    summary = _summary(summary)
    family = Course.objects.filter(cooperative=course.cooperative, family=course.family)
    if family.filter(language=language).exists():
        raise Conflict(
            _("This course already has a translation in that language."), field="language"
        )
    try:
        with transaction.atomic():
            translation = Course.objects.create(
                cooperative=course.cooperative,
                slug=_free_slug(course.cooperative, title),
                family=course.family,
                language=language,
                title=title,
                summary=summary,
                visibility=course.visibility,
                created_by=author,
            )
    except IntegrityError:  # a translation made at the same moment
        raise Conflict(
            _("This course already has a translation in that language."), field="language"
        ) from None
    _set_skills(translation, course.skills.all())
    return translation


# --- Lessons -----------------------------------------------------------------------------


@transaction.atomic
def add_lesson(course: Course, *, by: Any, title: str, body: str) -> Lesson:
    """A lesson at the end of the course."""
    _author(by, course.cooperative)
    title, body = _title(title), _body(body)
    # Lock the course so that two lessons added at once get two positions.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    last = course.lessons.order_by("-position").values_list("position", flat=True).first()
    return Lesson.objects.create(course=course, position=(last or 0) + 1, title=title, body=body)


@transaction.atomic
def edit_lesson(lesson: Lesson, *, by: Any, title: str, body: str) -> Lesson:
    _author(by, lesson.course.cooperative)
    lesson.title = _title(title)
    lesson.body = _body(body)
    lesson.save()
    return lesson


@transaction.atomic
def move_lesson(lesson: Lesson, *, by: Any, up: bool) -> Lesson:
    """Swap a lesson with the one before it (``up``) or after it; at either
    end of the course nothing moves."""
    _author(by, lesson.course.cooperative)
    Course.objects.select_for_update().filter(pk=lesson.course_id).first()
    lesson.refresh_from_db()
    lessons = Lesson.objects.filter(course_id=lesson.course_id)
    other = (
        lessons.filter(position__lt=lesson.position).order_by("-position").first()
        if up
        else lessons.filter(position__gt=lesson.position).order_by("position").first()
    )
    if other is None:
        return lesson
    mine, theirs = lesson.position, other.position
    # Position 0 is never a lesson's: it holds this one while the other
    # moves, since (course, position) is unique at every step.
    lesson.position = 0
    lesson.save()
    other.position = mine
    other.save()
    lesson.position = theirs
    lesson.save()
    return lesson


# --- Learning ----------------------------------------------------------------------------


@transaction.atomic
def enrol(*, by: Any, course: Course) -> Enrolment:
    """Enrol in a course one can read; enrolling again changes nothing."""
    user = _learner(by)
    _readable(user, course)
    enrolment, _created = Enrolment.objects.get_or_create(course=course, user=user)
    return enrolment


@transaction.atomic
def complete_lesson(*, by: Any, lesson: Lesson) -> Enrolment:
    """Mark a lesson done: it becomes the learner's place in the course, and
    the course is complete once every lesson is done. Marking a lesson done
    twice changes nothing but the place. One enrols first: the button is
    offered to enrolled learners only, and progress is kept per enrolment."""
    user = _learner(by)
    course = lesson.course
    _readable(user, course)
    enrolment = Enrolment.objects.select_for_update().filter(course=course, user=user).first()
    if enrolment is None:
        raise Conflict(_("Enrol in the course before marking its lessons as done."))
    LessonCompletion.objects.get_or_create(enrolment=enrolment, lesson=lesson)
    enrolment.last_lesson = lesson
    if enrolment.completed_at is None:
        done = LessonCompletion.objects.filter(enrolment=enrolment, lesson__course=course).count()
        if done >= course.lessons.count():
            enrolment.completed_at = timezone.now()
    enrolment.save()
    return enrolment
