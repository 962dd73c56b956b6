"""Pages of the calls for collaboration: the open calls one may read, a
cooperative's calls, posting one, and a call's page, where anyone who can
read it responds, and where the members of the posting cooperative see the
people and partner cooperatives whose skills match, with the reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.knowledge import call_actions as actions
from taawun.knowledge import call_queries as queries
from taawun.knowledge.forms_calls import CallForm, ConfirmForm, ResponseForm
from taawun.knowledge.models import Call
from taawun.knowledge.rules import reader_scope
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.web.forms import run_action

if TYPE_CHECKING:
    from taawun.federation.partners import RemotePartner


def _call(request: HttpRequest, slug: str, call_id: int) -> Call:
    coop = membership_queries.get_cooperative(slug)
    return queries.get_call(coop, call_id, reader_scope(request.user))


def call_index(request: HttpRequest) -> HttpResponse:
    calls = queries.open_calls(reader_scope(request.user))
    return render(request, "knowledge/calls/index.html", {"calls": calls})


def call_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    context = {
        "coop": coop,
        "calls": queries.calls_of(coop, reader_scope(request.user)),
        "is_member": rules.is_member(rules.membership_of(request.user, coop)),
    }
    return render(request, "knowledge/calls/list.html", context)


def _call_form_page(request: HttpRequest, slug: str, call: Call | None) -> HttpResponse:
    """Posting a call and editing one: the same form."""
    coop = call.cooperative if call else membership_queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    initial = CallForm.initial_for(call) if call else {}
    form = CallForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "by": signed_in(request),
            "title": data["title"],
            "body": data["body"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "terms": data["terms"],
            "visibility": data["visibility"],
            "needs": form.needs(),
        }
        saved = run_action(
            form,
            lambda: (
                actions.edit_call(call, **fields)
                if call
                else actions.post_call(coop=coop, **fields)
            ),
        )
        if saved is not None:
            messages.success(request, _("The call is saved.") if call else _("The call is posted."))
            return redirect("knowledge:call", coop.slug, saved.pk)
    return render(
        request, "knowledge/calls/call_form.html", {"coop": coop, "call": call, "form": form}
    )


def call_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _call_form_page(request, slug, None)


def call_edit(request: HttpRequest, slug: str, call_id: int) -> HttpResponse:
    return _call_form_page(request, slug, _call(request, slug, call_id))


def call_detail(request: HttpRequest, slug: str, call_id: int) -> HttpResponse:
    """The call; a respond form posts back here."""
    call = _call(request, slug, call_id)
    form = ResponseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = signed_in(request)
        response = run_action(
            form,
            lambda: actions.respond_to_call(
                by=user, call=call, message=form.cleaned_data["message"]
            ),
        )
        if response is not None:
            messages.success(request, _("Your response is sent to the cooperative."))
            return redirect("knowledge:call", slug, call.pk)
    is_member = rules.is_member(rules.membership_of(request.user, call.cooperative))
    remote_partners: list[RemotePartner] = []
    if is_member:
        # Imported here so that knowledge does not depend on federation when
        # it is loaded: the call pages work the same without other servers.
        from taawun.federation.partners import suggest_remote_partners

        remote_partners = suggest_remote_partners(call)
    context = {
        "coop": call.cooperative,
        "call": call,
        "needs": queries.needs_of(call),
        "is_member": is_member,
        "people": queries.suggest_people(call) if is_member else [],
        "partners": queries.suggest_partners(call) if is_member else [],
        "remote_partners": remote_partners,
        "responses": queries.responses_to(call),
        "has_responded": queries.has_responded(call, request.user),
        "form": form,
    }
    return render(request, "knowledge/calls/detail.html", context)


def call_close(request: HttpRequest, slug: str, call_id: int) -> HttpResponse:
    call = _call(request, slug, call_id)
    rules.access_member(request.user, call.cooperative)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        closed = run_action(form, lambda: actions.close_call(call, by=signed_in(request)))
        if closed is not None:
            messages.success(request, _("The call is closed."))
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("knowledge:call", slug, call.pk)
