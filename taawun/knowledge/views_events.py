"""Pages of events: what is coming up, a cooperative's events, announcing
and changing one, its page (with an iCalendar file), calling it off."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.knowledge import event_actions as actions
from taawun.knowledge import event_queries as queries
from taawun.knowledge.forms_calls import ConfirmForm
from taawun.knowledge.forms_events import EventForm
from taawun.knowledge.models import Event
from taawun.knowledge.rules import reader_scope
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.web.forms import run_action


def _event(request: HttpRequest, slug: str, event_id: int) -> Event:
    coop = membership_queries.get_cooperative(slug)
    return queries.get_event(coop, event_id, reader_scope(request.user))


def event_index(request: HttpRequest) -> HttpResponse:
    events = queries.upcoming_events(reader_scope(request.user))
    return render(request, "knowledge/events/index.html", {"events": events})


def event_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    context = {
        "coop": coop,
        "events": queries.events_of(coop, reader_scope(request.user)),
        "is_member": rules.is_member(rules.membership_of(request.user, coop)),
    }
    return render(request, "knowledge/events/list.html", context)


def _event_form_page(request: HttpRequest, slug: str, event: Event | None) -> HttpResponse:
    """Announcing an event and changing one: the same form."""
    coop = event.cooperative if event else membership_queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    initial = EventForm.initial_for(event) if event else {"language": request.LANGUAGE_CODE}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {"by": signed_in(request), **form.cleaned_data}
        saved = run_action(
            form,
            lambda: (
                actions.change_event(event, **fields)
                if event
                else actions.announce_event(coop=coop, **fields)
            ),
        )
        if saved is not None:
            messages.success(
                request, _("The event is saved.") if event else _("The event is announced.")
            )
            return redirect("knowledge:event", coop.slug, saved.pk)
    return render(
        request, "knowledge/events/event_form.html", {"coop": coop, "event": event, "form": form}
    )


def event_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _event_form_page(request, slug, None)


def event_edit(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    return _event_form_page(request, slug, _event(request, slug, event_id))


def event_detail(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = _event(request, slug, event_id)
    context = {
        "coop": event.cooperative,
        "event": event,
        "is_member": rules.is_member(rules.membership_of(request.user, event.cooperative)),
    }
    return render(request, "knowledge/events/detail.html", context)


def event_calendar(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = _event(request, slug, event_id)
    url = request.build_absolute_uri(f"/coops/{slug}/events/{event.pk}/")
    response = HttpResponse(
        queries.icalendar(event, url=url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


def event_call_off(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = _event(request, slug, event_id)
    rules.access_member(request.user, event.cooperative)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        done = run_action(form, lambda: actions.call_off_event(event, by=signed_in(request)))
        if done is not None:
            messages.success(request, _("The event is called off."))
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("knowledge:event", slug, event.pk)
