"""Pages of network decisions.

- For a network hosted here: its decisions (members of its member
  cooperatives read them and their results), opening one and closing it
  (its coordinators, who also see each cooperative's answer).
- For a cooperative: the questions of the networks it belongs to, here or
  elsewhere; its officers answer, or let the members decide in a poll.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.errors import NotFound, NotSignedIn, PermissionDenied
from taawun.federation import decisions as actions
from taawun.federation.forms_decisions import (
    AnswerForm,
    ConfirmForm,
    DecisionForm,
    InternalPollForm,
)
from taawun.federation.models import NetworkDecision
from taawun.federation.rules import access_coordinator, coordinators, reads_network, represents
from taawun.federation.tally import DecisionResult, percent
from taawun.membership import queries as membership_queries
from taawun.membership.models import Member, Network
from taawun.membership.rules import access_member, membership_of
from taawun.web.forms import run_action

T = "federation/decisions/"


def _network(slug: str) -> Network:
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise NotFound(_("There is no network called “%(slug)s”.") % {"slug": slug[:60]})
    return network


def _coordinator(request: HttpRequest, network: Network) -> Member:
    """The signed-in person's membership through which they coordinate."""
    access_coordinator(request.user, network)
    return next(m for m in coordinators(network) if m.user_id == request.user.pk)


def _access_reader(request: HttpRequest, network: Network) -> bool:
    """Members of the network's member cooperatives read its decisions;
    returns whether the reader also coordinates."""
    user = request.user
    if not user.is_authenticated:
        raise NotSignedIn()
    if any(m.user_id == user.pk for m in coordinators(network)):
        return True
    if not reads_network(user, network):
        raise PermissionDenied(_("Only the members of the network's cooperatives can see this."))
    return False


def _decision(network: Network, public_id: Any) -> NetworkDecision:
    decision = NetworkDecision.objects.filter(network=network, public_id=public_id).first()
    if decision is None:
        raise NotFound(_("This network has no such decision."))
    return decision


def _result_rows(result: DecisionResult | None) -> list[dict[str, Any]]:
    if result is None:
        return []
    return [
        {"label": option, "value": n, "winner": option == result.winner}
        for option, n in result.counts.items()
    ]


def _result(decision: NetworkDecision) -> DecisionResult | None:
    if not decision.result:
        return None
    return DecisionResult.from_dict(decision.result, decision.options)


def decision_list(request: HttpRequest, network: str) -> HttpResponse:
    found = _network(network)
    coordinates = _access_reader(request, found)
    context = {
        "network": found,
        "decisions": found.decisions.all(),
        "coordinates": coordinates,
    }
    return render(request, T + "list.html", context)


def decision_new(request: HttpRequest, network: str) -> HttpResponse:
    found = _network(network)
    by = _coordinator(request, found)
    form = DecisionForm(
        request.POST or None,
        initial={"closes_at": timezone.localtime() + timedelta(days=14)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = run_action(
            form,
            lambda: actions.open_decision(
                found,
                by=by,
                title=data["title"],
                body=data["body"],
                options=form.option_list(),
                closes_at=data["closes_at"],
                quorum=form.share("quorum"),
                threshold=form.share("threshold"),
            ),
        )
        if decision is not None:
            messages.success(request, _("The question is sent to the member cooperatives."))
            return redirect("federation:decision", found.slug, decision.public_id)
    context = {
        "network": found,
        "form": form,
        "quorum": percent(found.decision_quorum),
        "threshold": percent(found.decision_threshold),
    }
    return render(request, T + "new.html", context)


def decision_detail(request: HttpRequest, network: str, public_id: Any) -> HttpResponse:
    found = _network(network)
    coordinates = _access_reader(request, found)
    decision = _decision(found, public_id)
    result = _result(decision)
    context = {
        "network": found,
        "decision": decision,
        "coordinates": coordinates,
        "answers": (
            decision.answers.select_related("cooperative").order_by("received_at")
            if coordinates
            else []
        ),
        "result": result,
        "rows": _result_rows(result),
        "form": ConfirmForm(),
    }
    return render(request, T + "detail.html", context)


def decision_close(request: HttpRequest, network: str, public_id: Any) -> HttpResponse:
    found = _network(network)
    by = _coordinator(request, found)
    decision = _decision(found, public_id)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        if run_action(form, lambda: actions.close_decision(decision, by=by)) is not None:
            messages.success(request, _("The decision is closed and its result announced."))
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("federation:decision", found.slug, decision.public_id)


def coop_question_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    member = access_member(request.user, coop)
    context = {
        "coop": coop,
        "questions": actions.coop_questions(coop),
        "speaks": represents(member),
    }
    return render(request, T + "coop_list.html", context)


def coop_question(request: HttpRequest, slug: str, location: str, key: str) -> HttpResponse:
    """A network's question as the cooperative sees it; its officers answer
    here (``action=answer``) or open a poll of the members (``action=poll``)."""
    coop = membership_queries.get_cooperative(slug)
    member = access_member(request.user, coop)
    question = actions.coop_question(coop, location, key)
    if question is None:
        raise NotFound(_("Your cooperative was not asked this question."))
    target = question.decision or question.remote
    assert target is not None
    action = request.POST.get("action") if request.method == "POST" else None
    answer_form = AnswerForm(
        request.POST if action == "answer" else None,
        options=question.options,
        prefix="answer",
        initial={"choice": question.answer.choice if question.answer else None},
    )
    poll_form = InternalPollForm(
        request.POST if action == "poll" else None,
        prefix="poll",
        initial={"closes_at": _poll_default_close(question.closes_at)},
    )
    if action == "answer" and answer_form.is_valid():
        by = _representative(request, coop)
        sent = run_action(
            answer_form,
            lambda: actions.answer_decision(
                coop, target, choice=answer_form.cleaned_data["choice"], by=by
            ),
        )
        if sent is not None:
            messages.success(request, _("Your cooperative's answer is sent to the network."))
            return redirect(request.path)
    if action == "poll" and poll_form.is_valid():
        by = _representative(request, coop)
        poll = run_action(
            poll_form,
            lambda: actions.open_internal_poll(
                coop, target, by=by, closes_at=poll_form.cleaned_data["closes_at"]
            ),
        )
        if poll is not None:
            messages.success(
                request,
                _("The members' poll is open. Its winner is sent to the network when it closes."),
            )
            return redirect(poll)
    context = {
        "coop": coop,
        "question": question,
        "speaks": represents(member),
        "answer_form": answer_form,
        "poll_form": poll_form,
        "rows": _result_rows(question.result),
    }
    return render(request, T + "coop_question.html", context)


def _representative(request: HttpRequest, coop: Any) -> Member:
    member = membership_of(signed_in(request), coop)
    if member is None or not represents(member):
        raise PermissionDenied(
            _("Only the cooperative's officers can speak for it in the network.")
        )
    return member


def _poll_default_close(closes_at: Any) -> Any:
    """A day before the network's question closes: time to send the answer."""
    if closes_at is None:
        return None
    return timezone.localtime(closes_at - timedelta(days=1))
