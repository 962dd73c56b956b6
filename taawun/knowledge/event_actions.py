"""Every change to a cooperative's events: announce one, change it, call it
off.

A member of the cooperative announces, changes and calls off its events (as
with calls, any member speaks for the cooperative here, and every change is
kept on the row's own dates). An event is never deleted: calling it off
keeps it, marked, so that those who planned to come learn it is off — on
this server and, through federation, on the others it reached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.errors import InvalidInput, InvalidTransition
from taawun.knowledge.checks import checked_title
from taawun.knowledge.models import CONTENT_LANGUAGES, MAX_TEXT, Event, Visibility
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

MAX_PLACE = 300


def _organiser(by: Any, coop: Cooperative) -> Member:
    return rules.access_member(by, coop)


def _checked(
    *,
    title: str,
    body: str,
    language: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    place: str,
    online_url: str,
    visibility: str,
) -> dict[str, Any]:
    title = checked_title(title, missing=_("Say in a few words what the event is."))
    body = (body or "").strip()
    if len(body) > MAX_TEXT:
        raise InvalidInput(
            _("The description can be at most %(limit)s characters long.") % {"limit": MAX_TEXT},
            field="body",
        )
    if language not in dict(CONTENT_LANGUAGES):
        raise InvalidInput(_("Choose a language from the list."), field="language")
    if starts_at is None:
        raise InvalidInput(_("Say when the event starts."), field="starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput(_("The event cannot end before it starts."), field="ends_at")
    place = " ".join((place or "").split())
    if len(place) > MAX_PLACE:
        raise InvalidInput(
            _("A place can be at most %(limit)s characters long.") % {"limit": MAX_PLACE},
            field="place",
        )
    online_url = (online_url or "").strip()
    if online_url and urlsplit(online_url).scheme not in ("https", "http"):
        raise InvalidInput(
            _("Give the online address in full, starting with https://."), field="online_url"
        )
    if not place and not online_url:
        raise InvalidInput(
            _("Say where the event is: a place, an online address, or both."), field="place"
        )
    if visibility not in Visibility.values:
        raise InvalidInput(_("Choose who can see the event."), field="visibility")
    return {
        "title": title,
        "body": body,
        "language": language,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "online_url": online_url,
        "visibility": visibility,
    }


@transaction.atomic
def announce_event(
    *,
    by: Any,
    coop: Cooperative,
    title: str,
    starts_at: datetime | None,
    language: str,
    body: str = "",
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    visibility: str = Visibility.NETWORK,
) -> Event:
    organiser = _organiser(by, coop)
    fields = _checked(
        title=title,
        body=body,
        language=language,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        visibility=visibility,
    )
    if fields["starts_at"] < timezone.now():
        raise InvalidInput(_("An event is announced before it starts."), field="starts_at")
    return Event.objects.create(cooperative=coop, created_by=organiser, **fields)


@transaction.atomic
def change_event(
    event: Event,
    *,
    by: Any,
    title: str,
    starts_at: datetime | None,
    language: str,
    body: str = "",
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    visibility: str = Visibility.NETWORK,
) -> Event:
    _organiser(by, event.cooperative)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.cancelled_at is not None:
        raise InvalidTransition(_("This event is called off: it can no longer change."))
    fields = _checked(
        title=title,
        body=body,
        language=language,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        visibility=visibility,
    )
    for name, value in fields.items():
        setattr(event, name, value)
    event.updated_at = timezone.now()
    event.save()
    return event


@transaction.atomic
def call_off_event(event: Event, *, by: Any) -> Event:
    _organiser(by, event.cooperative)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.cancelled_at is not None:
        raise InvalidTransition(_("This event is already called off."))
    event.cancelled_at = timezone.now()
    event.updated_at = event.cancelled_at
    event.save()
    return event
