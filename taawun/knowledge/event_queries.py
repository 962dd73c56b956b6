"""Reading events: what is coming up that a reader may see, a cooperative's
events, one event, and the event as an iCalendar file for a calendar app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.knowledge.models import Event
from taawun.knowledge.rules import ReaderScope, require_readable
from taawun.membership.models import Cooperative


def upcoming_events(scope: ReaderScope, *, now: datetime | None = None) -> QuerySet[Event]:
    """Events of every cooperative the reader may see that have not ended
    (an event without an end counts as over a day after it starts)."""
    now = now or timezone.now()
    return (
        Event.objects.filter(scope.q(), starts_at__gte=now - timedelta(days=1))
        .select_related("cooperative")
        .order_by("starts_at", "pk")
    )


def events_of(coop: Cooperative, scope: ReaderScope) -> QuerySet[Event]:
    """The cooperative's events the reader may see, latest first."""
    return Event.objects.filter(scope.q(), cooperative=coop).order_by("-starts_at", "-pk")


def get_event(coop: Cooperative, event_id: int, scope: ReaderScope) -> Event:
    event = (
        Event.objects.filter(cooperative=coop, pk=event_id).select_related("cooperative").first()
    )
    if event is None:
        raise NotFound(_("There is no such event in this cooperative."))
    require_readable(scope, event.visibility, event.cooperative_id)
    return event


def _ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 section 3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (RFC 5545 section 3.1),
    never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode("utf-8")) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def icalendar(event: Event, *, url: str) -> str:
    """One event as an iCalendar (RFC 5545) file."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Taawun//Events//EN",
        "BEGIN:VEVENT",
        f"UID:{event.public_id}@taawun",
        f"DTSTAMP:{_ics_time(event.updated_at)}",
        f"DTSTART:{_ics_time(event.starts_at)}",
    ]
    if event.ends_at:
        lines.append(f"DTEND:{_ics_time(event.ends_at)}")
    lines.append(f"SUMMARY:{_ics_text(event.title)}")
    if event.body:
        lines.append(f"DESCRIPTION:{_ics_text(event.body)}")
    where = ", ".join(part for part in (event.place, event.online_url) if part)
    if where:
        lines.append(f"LOCATION:{_ics_text(where)}")
    lines.append(f"URL:{url}")
    lines.append(f"STATUS:{'CANCELLED' if event.cancelled_at else 'CONFIRMED'}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(folded + "\r\n" for line in lines for folded in _fold(line))
