"""Erasing a person's personal data, as one change.

What goes: their name, email and handle (the email becomes a unique address
under ``.invalid``, a name that can never receive mail, RFC 2606), their
password (unusable), their sessions, API tokens and two-factor devices, the
free text they wrote for others to read (comments, opening posts of
discussions, application statements, notes on their contributions,
messages to calls and mentors), their declared skills, and their
federation actor's name and summary. Their memberships
are withdrawn through ``membership.actions.withdraw_membership``, so each
cooperative's register and ledger record it as any withdrawal.

What stays, because the cooperative must account for it: ballots as they
were cast, a consent ballot's reason included (it is part of the choice
that was counted, and the result's digest in the ledger seals it), voter
marks, share and capital movements, allocations, contributions' amounts,
and the ledger, which never held a name or an email (actors are opaque
member ids). Knowledge written with others stays for the
commons, attributed to no one: articles and their revisions, courses,
calls and events belong to the cooperative that published them. Titles of
discussions, proposals, polls and their outcomes stay too: they are the
record of what the members decided, and some are sealed in the ledger.

Each cooperative the person belonged to gets a ledger entry
``member.erased`` naming only the opaque member id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from taawun.accounts import two_factor
from taawun.accounts.models import ApiToken, User
from taawun.accounts.signals import profile_changed
from taawun.errors import Conflict, InvalidInput, InvalidTransition
from taawun.federation.models import Actor
from taawun.governance.models import Comment, Discussion
from taawun.knowledge import mentoring_actions
from taawun.knowledge.models import ArticleComment, CallResponse, Mentorship, PersonSkill
from taawun.membership import actions as membership
from taawun.membership import rules
from taawun.membership.models import Cooperative, Invitation, Member, MembershipEvent
from taawun.privacy.export import device_models

S = Member.Status

# The domain of the addresses erased accounts get: .invalid never resolves.
ERASED_DOMAIN = "erased.invalid"

# Marked for translation here, translated into each cooperative's first
# working language when written, as that is the language its members read.
ERASED_TEXT = gettext_noop("[erased]")
ERASED_NAME = gettext_noop("Former member")

# Membership history notes that are an officer's free text about the person
# (the others hold codes: an office list, "officers", "poll:42").
FREE_TEXT_EVENTS = ("rejected", "suspended", "reinstated", "ended")


@dataclass
class Erasure:
    """What was done, for the person and the operator to read."""

    cooperatives: list[str] = field(default_factory=list)
    withdrawn: int = 0
    texts: int = 0
    tokens: int = 0
    sessions: int = 0
    devices: int = 0


def is_erased(user: User) -> bool:
    return not user.is_active and user.email.endswith("@" + ERASED_DOMAIN)


def _marker(text: str, coop: Cooperative | None) -> str:
    language = coop.languages[0] if coop and coop.languages else settings.LANGUAGE_CODE
    with translation.override(language):
        return _(text)


def check_offices(members: list[Member]) -> None:
    """Refuse to leave a cooperative with nobody who can appoint officers."""
    for member in members:
        if member.status != S.ACTIVE or not rules.has_power(member, "assign_offices"):
            continue
        others = [
            m
            for m in membership.officers_with_power(member.cooperative, "assign_offices")
            if m.pk != member.pk
        ]
        if not others:
            raise InvalidTransition(
                _(
                    "You are the last officer of %(coop)s who can appoint officers. "
                    "Hand over your offices first, then erase your data."
                )
                % {"coop": member.cooperative.name}
            )


def erase_my_data(user: User, *, password: str, confirmed: bool) -> Erasure:
    """The person asks, with their password, having ticked the confirmation."""
    if not user.check_password(password or ""):
        raise InvalidInput(_("That is not your password."), field="password")
    if not confirmed:
        raise InvalidInput(
            _("Tick the box to confirm that you understand this cannot be undone."),
            field="confirm",
        )
    return erase_person(user, requested_by="member")


def _end_mentoring(user: User, members: list[Member]) -> None:
    """Requests and mentorships under way end while the person is still a member
    (the mentoring actions check membership)."""
    ids = [m.pk for m in members if m.status in rules.MEMBER_STATUSES]
    for mentorship in Mentorship.objects.filter(learner_id__in=ids, state="open"):
        mentoring_actions.withdraw_mentorship_request(mentorship, by=user)
    active = Mentorship.objects.filter(Q(learner_id__in=ids) | Q(mentor_id__in=ids), state="active")
    for mentorship in active:
        mentoring_actions.end_mentorship(mentorship, by=user)


def _erase_texts(user: User, members: list[Member]) -> int:
    ids = [m.pk for m in members]
    count = 0
    for member in members:
        marker = _marker(ERASED_TEXT, member.cooperative)
        if member.statement:
            Member.objects.filter(pk=member.pk).update(statement=marker)
            count += 1
        events = MembershipEvent.objects.filter(member=member, kind__in=FREE_TEXT_EVENTS)
        count += events.exclude(note="").update(note=marker)
    # Saved one by one, so that the search index follows (knowledge.signals).
    for discussion in Discussion.objects.filter(author_id__in=ids).select_related("cooperative"):
        discussion.body = _marker(ERASED_TEXT, discussion.cooperative)
        discussion.save(update_fields=["body"])
        count += 1
    for comment in Comment.objects.filter(author_id__in=ids).select_related(
        "discussion__cooperative"
    ):
        comment.body = _marker(ERASED_TEXT, comment.discussion.cooperative)
        comment.save(update_fields=["body"])
        count += 1
    for member in members:
        marker = _marker(ERASED_TEXT, member.cooperative)
        count += member.contributions.exclude(note="").update(note=marker)
        count += Mentorship.objects.filter(learner=member).update(message=marker)
    for remark in ArticleComment.objects.filter(author=user).select_related("article__cooperative"):
        remark.body = _marker(ERASED_TEXT, remark.article.cooperative)
        remark.save(update_fields=["body"])
        count += 1
    for response in CallResponse.objects.filter(user=user).select_related("call__cooperative"):
        response.message = _marker(ERASED_TEXT, response.call.cooperative)
        response.save(update_fields=["message"])
        count += 1
    return count


def _session_of(data: dict[str, Any], user: User) -> bool:
    """Whether a session's data is ``user``'s: signed in as them, or holding
    their sign-in while it waits for the second factor (with the address as
    they typed it)."""
    if data.get("_auth_user_id") == str(user.pk):
        return True
    pending = data.get(two_factor.PENDING_SESSION_KEY)
    return isinstance(pending, dict) and str(pending.get("user")) == str(user.pk)


def _delete_sessions(user: User) -> int:
    """Sessions name their person only inside the signed data, so each is read.

    Changing the password would end them too (the session holds a hash of
    it); deleting them also removes what they hold."""
    doomed = [s.session_key for s in Session.objects.all() if _session_of(s.get_decoded(), user)]
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


def _forget_address(email: str) -> None:
    """Other places that hold the address as text: invitations sent to it,
    sign-in attempts (django-axes) and queued or finished emails."""
    placeholder = f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}"
    Invitation.objects.filter(email__iexact=email).update(email=placeholder)
    for log in (AccessAttempt, AccessLog, AccessFailureLog):
        log.objects.filter(username__iexact=email).delete()
    # The text match finds candidates; only tasks naming this very address
    # (not ali@… inside khalid.ali@…) are deleted.
    as_text = DBTaskResult.objects.annotate(text=Cast("args_kwargs", TextField()))
    candidates = as_text.filter(text__icontains=email).exclude(status="RUNNING")
    naming = [task.pk for task in candidates if _names(task.args_kwargs, email.lower())]
    DBTaskResult.objects.filter(pk__in=naming).delete()


def _names(value: object, email: str) -> bool:
    """Does this JSON value hold ``email`` (lower case) as a whole string?"""
    if isinstance(value, str):
        return value.lower() == email
    if isinstance(value, dict):
        return any(_names(item, email) for item in value.values())
    if isinstance(value, list):
        return any(_names(item, email) for item in value)
    return False


def erase_person(user: User, *, requested_by: str) -> Erasure:
    """Erase ``user``'s personal data (``requested_by``: "member" or "operator")."""
    report = Erasure()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_erased(user):
            raise Conflict(_("This person's data has already been erased."))
        members = list(
            Member.objects.select_for_update()
            .filter(user=user)
            .select_related("cooperative")
            .order_by("pk")
        )
        check_offices(members)
        _end_mentoring(user, members)
        for member in members:
            if member.status not in (S.WITHDRAWN, S.REJECTED):
                membership.withdraw_membership(member, by=user)
                report.withdrawn += 1
        members = list(Member.objects.filter(user=user).select_related("cooperative"))
        for member in members:
            membership.record(
                member.cooperative,
                "member.erased",
                member if requested_by == "member" else None,
                {"member": str(member.public_id), "requested_by": requested_by},
            )
            report.cooperatives.append(member.cooperative.slug)
        report.texts = _erase_texts(user, members)
        for held in PersonSkill.objects.filter(user=user):
            held.delete()  # one by one, so the search index follows
        report.tokens = ApiToken.objects.filter(user=user).delete()[0]
        for model in device_models():
            report.devices += model._default_manager.filter(user=user).delete()[0]
        report.sessions = _delete_sessions(user)
        Actor.objects.filter(user=user).update(
            names={}, summary="", username=f"u{user.pk}", url="", data={}
        )
        old_email = user.email
        first = members[0].cooperative if members else None
        user.name = _marker(ERASED_NAME, first)
        user.email = f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}"
        user.handle = None
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        profile_changed.send(sender=User, user=user)
        _forget_address(old_email)
    return report
