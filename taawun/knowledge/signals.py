"""Keeps the search index in step with what it indexes (see
taawun.knowledge.search.documents): every save or delete of an indexed
object rebuilds its one document, in the same transaction.

A member's document holds their name and skills, so it follows their
PersonSkill rows, their Member row (a member who leaves drops out), their
account's name and the names of their skills. Saving an indexed model with
``queryset.update()`` or ``bulk_create`` sends no signal: run
``taawun search reindex`` after such a change.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from taawun.accounts.models import User
from taawun.governance.models import Discussion, Proposal
from taawun.knowledge.models import (
    Article,
    Call,
    CallSkill,
    Course,
    Lesson,
    PersonSkill,
    SearchDocument,
    Skill,
)
from taawun.knowledge.search import documents
from taawun.membership.models import Member

Kind = SearchDocument.Kind
DIRECT = {
    Article: Kind.ARTICLE,
    Course: Kind.COURSE,
    Call: Kind.CALL,
    Discussion: Kind.DISCUSSION,
    Proposal: Kind.PROPOSAL,
    Member: Kind.MEMBER,
}


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        documents.index(DIRECT[sender], instance)


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    documents.remove(DIRECT[sender], instance.pk)


for model in DIRECT:
    post_save.connect(_saved, sender=model, dispatch_uid=f"search-save-{model.__name__}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-delete-{model.__name__}")


def _reindex_members_of(user_id: int) -> None:
    for member in Member.objects.filter(user_id=user_id).select_related("user", "cooperative"):
        documents.index(Kind.MEMBER, member)


def _lesson_changed(sender: Any, instance: Lesson, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    course = Course.objects.filter(pk=instance.course_id).first()
    if course is not None:  # None: the course itself is being deleted
        documents.index(Kind.COURSE, course)


def _need_changed(sender: Any, instance: CallSkill, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    call = Call.objects.filter(pk=instance.call_id).first()
    if call is not None:
        documents.index(Kind.CALL, call)


def _person_skill_changed(
    sender: Any, instance: PersonSkill, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        _reindex_members_of(instance.user_id)


def _skill_renamed(
    sender: Any, instance: Skill, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    if raw or created:
        return  # a new skill is nobody's yet
    holders = PersonSkill.objects.filter(skill=instance).values_list("user_id", flat=True)
    for user_id in set(holders):
        _reindex_members_of(user_id)


def _user_saved(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    """Only a change of name matters (signing in saves last_login alone)."""
    fields = kwargs.get("update_fields")
    if raw or (fields is not None and "name" not in fields):
        return
    members = Member.objects.filter(user=instance).values_list("pk", flat=True)
    stale = SearchDocument.objects.filter(kind=Kind.MEMBER, object_id__in=members).exclude(
        title=instance.name[:300]
    )
    if stale.exists():
        _reindex_members_of(instance.pk)


post_save.connect(_lesson_changed, sender=Lesson, dispatch_uid="search-save-lesson")
post_delete.connect(_lesson_changed, sender=Lesson, dispatch_uid="search-delete-lesson")
post_save.connect(_need_changed, sender=CallSkill, dispatch_uid="search-save-callskill")
post_delete.connect(_need_changed, sender=CallSkill, dispatch_uid="search-delete-callskill")
post_save.connect(_person_skill_changed, sender=PersonSkill, dispatch_uid="search-save-skill")
post_delete.connect(_person_skill_changed, sender=PersonSkill, dispatch_uid="search-del-skill")
post_save.connect(_skill_renamed, sender=Skill, dispatch_uid="search-skill-renamed")
post_save.connect(_user_saved, sender=User, dispatch_uid="search-user-renamed")
