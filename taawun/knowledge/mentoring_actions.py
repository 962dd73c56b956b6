"""Every change to mentoring: a learner asks for help with a skill; a mentor
the platform proposes (see ``mentoring_queries``) accepts or declines; the
learner withdraws a request no one has taken; either ends one under way.

    open → active (a proposed mentor accepted) → ended
    open → withdrawn (the learner no longer needs it)

A step from the wrong state raises InvalidTransition. The request's row is
locked before its state is read, so two mentors accepting at once cannot
both take it: the second finds it under way and is told so.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from taawun.knowledge import mentoring_queries
from taawun.knowledge.models import Mentorship, Skill
from taawun.knowledge.skill_actions import check_skill
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

S = Mentorship.State
MAX_MESSAGE = 4000


def _lock(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("skill", "learner", "cooperative")
        .get(pk=mentorship.pk)
    )


def _no_longer(mentorship: Mentorship) -> InvalidTransition:
    return InvalidTransition(
        _("This request is %(state)s: it cannot change that way now.")
        % {"state": mentorship.get_state_display()}
    )


@transaction.atomic
def ask_for_mentor(
    *, by: User | None, coop: Cooperative, skill: Skill | str, message: str
) -> Mentorship:
    """A member asks for a mentor in ``skill``, saying what they would like help with."""
    learner = rules.access_member(by, coop)
    found = check_skill(skill)
    message = (message or "").strip()
    if not message:
        raise InvalidInput(_("Say what you would like help with."), field="message")
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(
            _("Keep your message under %(limit)d characters.") % {"limit": MAX_MESSAGE},
            field="message",
        )
    # Lock the learner's row: two requests sent at once are one request.
    Member.objects.select_for_update().filter(pk=learner.pk).first()
    if Mentorship.objects.filter(
        learner=learner, skill=found, state__in=[S.OPEN, S.ACTIVE]
    ).exists():
        raise Conflict(
            _("You already have a request for this skill that is open or under way."),
            field="skill",
        )
    return Mentorship.objects.create(
        cooperative=coop, learner=learner, skill=found, message=message
    )


@transaction.atomic
def accept_mentorship(mentorship: Mentorship, *, by: User | None) -> Mentorship:
    """A proposed mentor takes the request on."""
    mentor = rules.access_member(by, mentorship.cooperative)
    # The mentor's row first, then the request's: two requests this mentor
    # accepts at once are counted one after the other against their places.
    Member.objects.select_for_update().filter(pk=mentor.pk).first()
    locked = _lock(mentorship)
    if locked.state == S.ACTIVE:
        if locked.mentor_id == mentor.pk:
            raise InvalidTransition(_("You have already accepted this request."))
        raise InvalidTransition(_("Another mentor has already taken this request."))
    if locked.state != S.OPEN:
        raise _no_longer(locked)
    if not mentoring_queries.is_proposed(mentor, locked):
        raise PermissionDenied(
            _("Only a mentor the platform proposes for this request can accept it.")
        )
    locked.mentor = mentor
    locked.state = S.ACTIVE
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["mentor", "state", "accepted_at"])
    return locked


@transaction.atomic
def decline_mentorship(mentorship: Mentorship, *, by: User | None) -> Mentorship:
    """A proposed mentor says no: they are not proposed for it again."""
    mentor = rules.access_member(by, mentorship.cooperative)
    locked = _lock(mentorship)
    if locked.state != S.OPEN:
        raise _no_longer(locked)
    if not mentoring_queries.is_proposed(mentor, locked):
        raise PermissionDenied(
            _("Only a mentor the platform proposes for this request can decline it.")
        )
    locked.declined_by = [*(locked.declined_by or []), mentor.pk]
    locked.save(update_fields=["declined_by"])
    return locked


def _learner(mentorship: Mentorship, by: Any) -> Member:
    member = rules.access_member(by, mentorship.cooperative)
    if member.pk != mentorship.learner_id:
        raise PermissionDenied(_("Only the member who asked can withdraw the request."))
    return member


@transaction.atomic
def withdraw_mentorship_request(mentorship: Mentorship, *, by: User | None) -> Mentorship:
    """The learner no longer needs a request that no mentor has taken."""
    _learner(mentorship, by)
    locked = _lock(mentorship)
    if locked.state != S.OPEN:
        raise _no_longer(locked)
    locked.state = S.WITHDRAWN
    locked.ended_at = timezone.now()
    locked.save(update_fields=["state", "ended_at"])
    return locked


@transaction.atomic
def end_mentorship(mentorship: Mentorship, *, by: User | None) -> Mentorship:
    """The learner or the mentor ends a mentorship under way; the mentor's
    place is free again."""
    member = rules.access_member(by, mentorship.cooperative)
    locked = _lock(mentorship)
    if member.pk not in (locked.learner_id, locked.mentor_id):
        raise PermissionDenied(_("Only the learner and the mentor can end a mentorship."))
    if locked.state != S.ACTIVE:
        raise _no_longer(locked)
    locked.state = S.ENDED
    locked.ended_at = timezone.now()
    locked.save(update_fields=["state", "ended_at"])
    return locked
