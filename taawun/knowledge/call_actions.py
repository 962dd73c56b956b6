"""Every change to calls for collaboration: post one, edit it, respond to
it, close it.

A member of the cooperative posts, edits and closes its calls; anyone
signed in who can read a call may respond to it, once, while it is open. A
refusal raises an error of the taawun.errors family, with the field it
concerns, and leaves nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.errors import Conflict, InvalidInput, InvalidTransition, NotSignedIn
from taawun.knowledge import rules as knowledge_rules
from taawun.knowledge.checks import checked_title
from taawun.knowledge.models import (
    MAX_TEXT,
    Call,
    CallResponse,
    CallSkill,
    Level,
    Skill,
    Visibility,
)
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

MAX_MESSAGE = 4000
# The most skills one call may name: beyond this it is several projects.
MAX_NEEDS = 10

# What a call needs: each skill with the least level that will do.
Needs = Sequence[tuple[Skill, int]]


def _poster(by: Any, coop: Cooperative) -> Member:
    """Only a current member of the cooperative speaks for it."""
    return rules.access_member(by, coop)


def _checked(
    *,
    title: str,
    body: str,
    starts_on: date | None,
    ends_on: date | None,
    terms: str,
    visibility: str,
    needs: Needs,
) -> dict[str, Any]:
    title = checked_title(title, missing=_("Say in a few words what the project is."))
    body = (body or "").strip()
    if not body:
        raise InvalidInput(
            _("Describe the project: what it is, who it is for, what help it needs."),
            field="body",
        )
    if len(body) > MAX_TEXT:
        raise InvalidInput(
            _("The description can be at most %(limit)s characters long.") % {"limit": MAX_TEXT},
            field="body",
        )
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(_("The project cannot end before it starts."), field="ends_on")
    if terms not in Call.Terms.values:
        raise InvalidInput(_("Say whether the work is paid or volunteer."), field="terms")
    if visibility not in Visibility.values:
        raise InvalidInput(_("Choose who can see the call."), field="visibility")
    if not needs:
        raise InvalidInput(_("Name at least one skill the project needs."), field="needs")
    if len(needs) > MAX_NEEDS:
        raise InvalidInput(
            _("A call can name at most %(limit)s skills.") % {"limit": MAX_NEEDS}, field="needs"
        )
    seen: set[int] = set()
    for skill, level in needs:
        if level not in Level.values:
            raise InvalidInput(_("Choose a level from the list."), field="needs")
        if skill.pk in seen:
            raise InvalidInput(
                _("%(skill)s is named twice: name each skill once.") % {"skill": skill.name},
                field="needs",
            )
        seen.add(skill.pk)
    return {
        "title": title,
        "body": body,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "terms": terms,
        "visibility": visibility,
    }


def _set_needs(call: Call, needs: Needs) -> None:
    call.needs.all().delete()
    for skill, level in needs:
        CallSkill.objects.create(call=call, skill=skill, level=level)


@transaction.atomic
def post_call(
    *,
    by: Any,
    coop: Cooperative,
    title: str,
    body: str,
    terms: str,
    needs: Needs,
    starts_on: date | None = None,
    ends_on: date | None = None,
    visibility: str = Visibility.NETWORK,
) -> Call:
    poster = _poster(by, coop)
    fields = _checked(
        title=title,
        body=body,
        starts_on=starts_on,
        ends_on=ends_on,
        terms=terms,
        visibility=visibility,
        needs=needs,
    )
    call = Call.objects.create(cooperative=coop, created_by=poster, **fields)
    _set_needs(call, needs)
    return call


@transaction.atomic
def edit_call(
    call: Call,
    *,
    by: Any,
    title: str,
    body: str,
    terms: str,
    needs: Needs,
    starts_on: date | None = None,
    ends_on: date | None = None,
    visibility: str = Visibility.NETWORK,
) -> Call:
    """Change an open call; its responses stay."""
    _poster(by, call.cooperative)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.state != Call.State.OPEN:
        raise InvalidTransition(_("This call is closed: it can no longer change."))
    fields = _checked(
        title=title,
        body=body,
        starts_on=starts_on,
        ends_on=ends_on,
        terms=terms,
        visibility=visibility,
        needs=needs,
    )
    for name, value in fields.items():
        setattr(call, name, value)
    call.save()
    _set_needs(call, needs)
    return call


@transaction.atomic
def respond_to_call(*, by: Any, call: Call, message: str) -> CallResponse:
    """Say one is interested: once per person, while the call is open."""
    if not isinstance(by, User) or not by.is_authenticated:
        raise NotSignedIn()
    scope = knowledge_rules.reader_scope(by)
    knowledge_rules.require_readable(scope, call.visibility, call.cooperative_id)
    message = (message or "").strip()
    if not message:
        raise InvalidInput(
            _("Say a few words: what you can bring, and how to reach you."), field="message"
        )
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(
            _("A message can be at most %(limit)s characters long.") % {"limit": MAX_MESSAGE},
            field="message",
        )
    state = Call.objects.select_for_update().filter(pk=call.pk).values_list("state", flat=True)
    if state.first() != Call.State.OPEN:
        raise InvalidTransition(_("This call is closed: it takes no more responses."))
    if CallResponse.objects.filter(call=call, user=by).exists():
        raise Conflict(_("You have already responded to this call."), field="message")
    try:
        with transaction.atomic():
            return CallResponse.objects.create(call=call, user=by, message=message)
    except IntegrityError:  # the same response sent twice at once
        raise Conflict(_("You have already responded to this call."), field="message") from None


@transaction.atomic
def close_call(call: Call, *, by: Any) -> Call:
    """The project has found its people, or is called off."""
    _poster(by, call.cooperative)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.state != Call.State.OPEN:
        raise InvalidTransition(_("This call is already closed."))
    call.state = Call.State.CLOSED
    call.closed_at = timezone.now()
    call.save()
    return call
