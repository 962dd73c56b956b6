"""What is searchable, one function per kind: the registry.

Each kind has a function that turns one object into the ``Document`` the
index keeps for it (or None: not searchable, e.g. a member who has left),
and a queryset of every object of the kind. The signals (on each save and
delete), ``reindex_all`` (the CLI, the benchmark) and the tests all go
through ``SOURCES``, so a document is built the same way whoever builds it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation

from taawun import markdown
from taawun.governance.models import Discussion, Proposal
from taawun.knowledge.models import (
    MAX_TEXT,
    Article,
    Call,
    Course,
    Level,
    PersonSkill,
    SearchDocument,
    Visibility,
)
from taawun.knowledge.normalise import arabic_share, terms_text
from taawun.knowledge.search import engine
from taawun.membership.models import Member
from taawun.membership.rules import MEMBER_STATUSES

Kind = SearchDocument.Kind
TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")
# Documents written to the index at a time by reindex_all.
BATCH = 500


@dataclass(frozen=True)
class Document:
    """One searchable thing as the index keeps it."""

    kind: str
    object_id: int
    cooperative_id: int | None
    visibility: str
    language: str
    title: str
    text: str
    url: str

    def fields(self) -> dict[str, Any]:
        return {
            "cooperative_id": self.cooperative_id,
            "visibility": self.visibility,
            "language": self.language,
            "title": self.title[:300],
            "text": self.text,
            "url": self.url[:500],
        }

    def terms(self) -> tuple[str, str]:
        return terms_text(self.title), terms_text(self.text)


def plain_text(source: str) -> str:
    """Markdown as the words a reader sees: rendered (safely), tags dropped."""
    rendered = markdown.render(source or "")
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", rendered))).strip()


def language_of(text: str) -> str:
    """The language of a text with none declared, from its script."""
    return "ar" if arabic_share(text) > 0.5 else "en"


def _joined(parts: Iterable[str]) -> str:
    """Texts one after the other, up to MAX_TEXT characters in all."""
    out: list[str] = []
    size = 0
    for part in parts:
        if not part:
            continue
        if size + len(part) > MAX_TEXT:
            out.append(part[: MAX_TEXT - size])
            break
        out.append(part)
        size += len(part) + 1
    return "\n".join(out)


# --- one function per kind ---------------------------------------------------------------


def article_document(article: Article) -> Document:
    slug = article.cooperative.slug
    return Document(
        kind=Kind.ARTICLE,
        object_id=article.pk,
        cooperative_id=article.cooperative_id,
        visibility=article.visibility,
        language=article.language,
        title=article.title,
        text=plain_text(article.body),
        url=reverse("knowledge:article", args=[slug, article.slug]),
    )


def course_document(course: Course) -> Document:
    slug = course.cooperative.slug
    lessons = (f"{lesson.title}\n{plain_text(lesson.body)}" for lesson in course.lessons.all())
    return Document(
        kind=Kind.COURSE,
        object_id=course.pk,
        cooperative_id=course.cooperative_id,
        visibility=course.visibility,
        language=course.language,
        title=course.title,
        text=_joined([plain_text(course.summary), *lessons]),
        url=reverse("knowledge:course", args=[slug, course.slug]),
    )


def call_document(call: Call) -> Document:
    slug = call.cooperative.slug
    needs = [need.skill.name for need in call.needs.all()]
    text = _joined([plain_text(call.body), " · ".join(needs)])
    return Document(
        kind=Kind.CALL,
        object_id=call.pk,
        cooperative_id=call.cooperative_id,
        visibility=call.visibility,
        language=language_of(f"{call.title} {text}"),
        title=call.title,
        text=text,
        url=reverse("knowledge:call", args=[slug, call.pk]),
    )


def discussion_document(discussion: Discussion) -> Document:
    text = plain_text(discussion.body)
    return Document(
        kind=Kind.DISCUSSION,
        object_id=discussion.pk,
        cooperative_id=discussion.cooperative_id,
        visibility=Visibility.COOPERATIVE,
        language=language_of(f"{discussion.title} {text}"),
        title=discussion.title,
        text=text,
        url=discussion.get_absolute_url(),
    )


def proposal_document(proposal: Proposal) -> Document:
    discussion = proposal.discussion
    text = plain_text(proposal.body)
    return Document(
        kind=Kind.PROPOSAL,
        object_id=proposal.pk,
        cooperative_id=discussion.cooperative_id,
        visibility=Visibility.COOPERATIVE,
        language=language_of(f"{proposal.title} {text}"),
        title=proposal.title,
        text=text,
        url=f"{discussion.get_absolute_url()}#proposal-{proposal.pk}",
    )


def _level_names(level: int) -> str:
    """A level in Arabic and English, so that either finds it."""
    names = []
    for language in ("ar", "en"):
        with translation.override(language):
            names.append(str(Level(level).label))
    return " / ".join(dict.fromkeys(names))


def skills_text(skills: Iterable[PersonSkill]) -> str:
    """A person's skills: every name the skill has, and the level."""
    lines = []
    for held in sorted(skills, key=lambda s: s.skill.slug):
        names = " / ".join(dict.fromkeys(n for n in held.skill.names.values() if n))
        lines.append(f"{names or held.skill.slug} ({_level_names(held.level)})")
    return "\n".join(lines)


def member_document(member: Member) -> Document | None:
    """A current member with at least one skill: found by their skills (and
    name) by the members of their cooperative."""
    if member.status not in MEMBER_STATUSES:
        return None
    skills = list(member.user.skills.all())
    if not skills:
        return None
    text = skills_text(skills)
    slug = member.cooperative.slug
    return Document(
        kind=Kind.MEMBER,
        object_id=member.pk,
        cooperative_id=member.cooperative_id,
        visibility=Visibility.COOPERATIVE,
        language=language_of(f"{member.user.name} {text}"),
        title=member.user.name,
        text=text,
        url=reverse("membership:member", args=[slug, member.pk]),
    )


@dataclass(frozen=True)
class Source:
    model: type[Model]
    build: Callable[[Any], Document | None]
    every: Callable[[], QuerySet[Any]]


def _skills() -> Prefetch[Any]:
    return Prefetch("user__skills", queryset=PersonSkill.objects.select_related("skill"))


SOURCES: dict[str, Source] = {
    Kind.ARTICLE: Source(
        Article, article_document, lambda: Article.objects.select_related("cooperative")
    ),
    Kind.DISCUSSION: Source(
        Discussion,
        discussion_document,
        lambda: Discussion.objects.select_related("cooperative"),
    ),
    Kind.PROPOSAL: Source(
        Proposal,
        proposal_document,
        lambda: Proposal.objects.select_related("discussion__cooperative"),
    ),
    Kind.MEMBER: Source(
        Member,
        member_document,
        lambda: (
            Member.objects.filter(status__in=MEMBER_STATUSES)
            .select_related("cooperative", "user")
            .prefetch_related(_skills())
        ),
    ),
    Kind.COURSE: Source(
        Course,
        course_document,
        lambda: Course.objects.select_related("cooperative").prefetch_related("lessons"),
    ),
    Kind.CALL: Source(
        Call,
        call_document,
        lambda: Call.objects.select_related("cooperative").prefetch_related("needs__skill"),
    ),
}


# --- keeping the index in step -----------------------------------------------------------


def index(kind: str, obj: Any) -> None:
    """Bring ``obj``'s document up to date (or remove it, if it is no
    longer searchable). Nothing is written when nothing changed."""
    document = SOURCES[kind].build(obj)
    if document is None:
        remove(kind, obj.pk)
        return
    fields = document.fields()
    with transaction.atomic():
        row = (
            SearchDocument.objects.select_for_update()
            .filter(kind=kind, object_id=document.object_id)
            .first()
        )
        if row is not None and all(getattr(row, k) == v for k, v in fields.items()):
            return
        if row is None:
            row = SearchDocument.objects.create(kind=kind, object_id=document.object_id, **fields)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
        engine.write([(row.pk, document.language, *document.terms())])


def remove(kind: str, object_id: int) -> None:
    # The index row goes with the document row (the trigger on SQLite, the
    # column itself on PostgreSQL).
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


def _batches(documents: Iterator[Document]) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _built(kind: str) -> Iterator[Document]:
    source = SOURCES[kind]
    for obj in source.every().iterator(chunk_size=BATCH):
        document = source.build(obj)
        if document is not None:
            yield document


def reindex_all(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index of ``kinds`` (default: all) from the objects
    themselves, in one transaction; returns how many documents of each."""
    counts: dict[str, int] = {}
    kinds = list(kinds or SOURCES)
    with transaction.atomic():
        if set(kinds) == set(SOURCES):
            engine.clear()
            SearchDocument.objects.all().delete()
        else:
            SearchDocument.objects.filter(kind__in=kinds).delete()
        for kind in kinds:
            counts[kind] = 0
            for batch in _batches(_built(kind)):
                rows = SearchDocument.objects.bulk_create(
                    SearchDocument(kind=kind, object_id=d.object_id, **d.fields()) for d in batch
                )
                engine.write(
                    [(row.pk, d.language, *d.terms()) for row, d in zip(rows, batch, strict=True)]
                )
                counts[kind] += len(batch)
    return counts
