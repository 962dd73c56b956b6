"""The knowledge commons: articles with their revisions, translations and
comments; the shared skills vocabulary and who has which skill; the services
a cooperative offers; calls for collaboration; courses, lessons and the
learners' progress; mentoring; and the search index over all of it.

Who reads what is decided by ``visibility`` (see ``rules``): this
cooperative's members only, the members of every cooperative in a network it
belongs to, or everyone, signed in or not.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taawun.membership.models import Cooperative, Member, localised

# Languages an article or a course can be written in, by their own names
# (a reader looks for their language written as they write it).
CONTENT_LANGUAGES = [
    ("ar", "العربية"),
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("tr", "Türkçe"),
    ("fa", "فارسی"),
    ("ur", "اردو"),
    ("sw", "Kiswahili"),
]

# The longest article, lesson or call text accepted, in characters.
MAX_TEXT = 100_000


class Visibility(models.TextChoices):
    COOPERATIVE = "cooperative", _("Members of this cooperative")
    NETWORK = "network", _("Members of the cooperatives in our networks")
    PUBLIC = "public", _("Everyone, also without signing in")


class Level(models.IntegerChoices):
    BEGINNER = 1, _("beginner")
    INTERMEDIATE = 2, _("intermediate")
    ADVANCED = 3, _("advanced")
    EXPERT = 4, _("expert")


class Skill(models.Model):
    """A skill in the shared vocabulary, named in several languages; any
    member can add one, so the vocabulary grows with the network."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True, allow_unicode=True)
    names = models.JSONField(_("names"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering: ClassVar = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.names) or self.slug


class PersonSkill(models.Model):
    """A skill a person declares, at a level, and whether they will mentor
    in it. A person's skills are theirs, shown in every cooperative they
    belong to."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills"
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="holders")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    mentors = models.BooleanField(_("I will mentor others in this"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "skill"], name="one_level_per_skill")
        ]
        indexes: ClassVar = [models.Index(fields=["skill", "level"], name="skill_level")]

    def __str__(self) -> str:
        return f"{self.user} · {self.skill.slug} ({self.level})"


class Tag(models.Model):
    """A free label on articles (lower case, spaces kept)."""

    name = models.CharField(_("tag"), max_length=50, unique=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """A knowledge-base article. Its text is the latest revision's; every
    revision is kept. Translations of one article share a ``family``."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="articles")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("address"), max_length=80, allow_unicode=True)
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=MAX_TEXT)
    visibility = models.CharField(
        _("who can read it"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.COOPERATIVE,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    skills = models.ManyToManyField(Skill, blank=True, related_name="articles")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revision_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["cooperative", "slug"], name="article_address"),
            models.UniqueConstraint(
                fields=["cooperative", "family", "language"], name="one_translation_per_language"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["cooperative", "-updated_at"], name="article_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=MAX_TEXT)
    summary = models.CharField(_("what changed"), max_length=200, blank=True)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The revision whose text this one brought back, when it is a restore.
    restored_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class ArticleComment(models.Model):
    """A comment by anyone signed in who can read the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=10000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.article_id}"


class Service(models.Model):
    """A service a cooperative offers, shown on its profile (and, through
    federation, in the network's directory)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="services")
    title = models.CharField(_("service"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="services")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Call(models.Model):
    """A call for collaboration: a project that needs skills."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Terms(models.TextChoices):
        PAID = "paid", _("paid")
        VOLUNTEER = "volunteer", _("volunteer")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="calls")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what the project is"), max_length=MAX_TEXT)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    terms = models.CharField(_("paid or volunteer"), max_length=10, choices=Terms.choices)
    visibility = models.CharField(
        _("who can see it"), max_length=12, choices=Visibility.choices, default=Visibility.NETWORK
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("call for collaboration")
        verbose_name_plural = _("calls for collaboration")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CallSkill(models.Model):
    """A skill a call needs, and the least level that will do."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="needs")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["call", "skill"], name="call_needs_skill_once")
        ]

    def __str__(self) -> str:
        return f"{self.call_id} needs {self.skill_id}"


class CallResponse(models.Model):
    """Someone who can read the call says they are interested."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["call", "user"], name="one_response_each")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → call {self.call_id}"


class Course(models.Model):
    """A training course: lessons in order, in one language; translations of
    a course share a ``family``."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="courses")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("address"), max_length=80, allow_unicode=True)
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what you will learn"), max_length=4000)
    visibility = models.CharField(
        _("who can take it"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="courses")
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["cooperative", "slug"], name="course_address"),
            models.UniqueConstraint(
                fields=["cooperative", "family", "language"], name="one_course_per_language"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("lesson"), max_length=MAX_TEXT)

    class Meta:
        ordering: ClassVar = ["position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["course", "position"], name="lesson_position")
        ]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    """A learner on a course: where they are and when they finished."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    started_at = models.DateTimeField(default=timezone.now)
    last_lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["course", "user"], name="enrolled_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.course_id}"


class LessonCompletion(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="completions")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="lesson_done_once")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: lesson {self.lesson_id}"


class Mentorship(models.Model):
    """A learner asks for help with a skill; a mentor takes it on.

    open → active (a mentor accepted) → ended; open → withdrawn (the learner
    no longer needs it)."""

    class State(models.TextChoices):
        OPEN = "open", _("waiting for a mentor")
        ACTIVE = "active", _("under way")
        ENDED = "ended", _("ended")
        WITHDRAWN = "withdrawn", _("withdrawn")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="mentorships"
    )
    learner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("what you would like help with"), max_length=4000)
    mentor = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    # Mentors who said no, so they are not proposed again for this request.
    declined_by = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"mentorship {self.pk} ({self.state})"


class SearchDocument(models.Model):
    """One searchable thing (an article, a discussion, a member's skills...),
    with what the search needs to rank it, filter it and decide who may find
    it. The full-text index itself is kept beside it by ``search``: an FTS5
    table on SQLite, a tsvector column on PostgreSQL."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("articles")
        DISCUSSION = "discussion", _("discussions")
        PROPOSAL = "proposal", _("proposals")
        MEMBER = "member", _("members' skills")
        COURSE = "course", _("courses")
        CALL = "call", _("calls for collaboration")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    visibility = models.CharField(max_length=12, choices=Visibility.choices)
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=300)
    # The plain text that snippets are cut from (not the normalised terms).
    text = models.TextField()
    url = models.CharField(max_length=500)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="indexed_once")
        ]
        indexes: ClassVar = [
            models.Index(fields=["visibility", "cooperative"], name="search_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class Event(models.Model):
    """Something a cooperative holds that others may come to: a workshop, a
    meetup, an assembly open to the network. Shared like an article (its
    visibility), and it travels to the network as an ActivityStreams Event."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="events")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what it is"), max_length=MAX_TEXT, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=CONTENT_LANGUAGES)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online address"), max_length=500, blank=True)
    visibility = models.CharField(
        _("who can see it"), max_length=12, choices=Visibility.choices, default=Visibility.NETWORK
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title
