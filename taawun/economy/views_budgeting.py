"""Participatory budgeting pages: parse, call one action, render."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.economy import budgeting_actions as actions
from taawun.economy.charts import bar_chart
from taawun.economy.forms_budgeting import (
    ApprovalBallotForm,
    ImportForm,
    PointsBallotForm,
    ProjectForm,
    RoundForm,
)
from taawun.economy.models import BudgetingRound
from taawun.errors import NotFound, TaawunError
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative
from taawun.web.forms import run_action
from taawun.web.ratelimits import VOTING, limit

State = BudgetingRound.State


def _money(minor: int, coop: Cooperative) -> str:
    return actions.money_text(actions.to_major(minor, coop), coop)


def _posted(request: HttpRequest) -> Any:
    """The form's data on a POST, even an empty one (an empty ballot is
    refused, not taken for a first visit)."""
    return request.POST if request.method == "POST" else None


def rounds(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    me = actions.access_viewer(request.user, coop)
    listed = actions.rounds(coop).annotate(project_count=Count("projects"))[:200]
    return render(
        request,
        "economy/budgeting/rounds.html",
        {
            "coop": coop,
            "rounds": [(r, _money(r.fund, coop)) for r in listed],
            "can_manage": actions.can_manage(me),
        },
    )


def round_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_accounts")
    form = RoundForm(_posted(request), initial={"ballot_kind": "approval", "rule": "mes"})
    if request.method == "POST" and form.is_valid():
        made = run_action(
            form,
            lambda: actions.create_round(by=signed_in(request), coop=coop, **form.cleaned_data),
        )
        if made:
            messages.success(request, _("The round is open for proposals."))
            return redirect(made)
    return render(request, "economy/budgeting/round_new.html", {"coop": coop, "form": form})


def _ballot_form(
    round_: BudgetingRound,
    listed: list[Any],
    data: Any = None,
    current: dict[int, int] | None = None,
) -> ApprovalBallotForm | PointsBallotForm:
    coop = round_.cooperative
    choices = [(p, _money(p.cost, coop)) for p in listed]
    current = current or {}
    if round_.ballot_kind == BudgetingRound.BallotKind.APPROVAL:
        return ApprovalBallotForm(
            data, projects=choices, initial={"projects": [str(pk) for pk in current]}
        )
    return PointsBallotForm(
        data,
        projects=choices,
        initial={f"project_{pk}": str(n) for pk, n in current.items()},
    )


@limit("voting", VOTING, key="user")
def round_page(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    """The round as its state has it: proposals and the form to propose; the
    ballot; or the result. A POST proposes a project or casts the ballot."""
    coop = membership_queries.get_cooperative(slug)
    me = actions.access_viewer(request.user, coop)
    round_ = actions.get_round(coop, round_id)
    listed = actions.projects(round_)
    project_form: ProjectForm | None = None
    ballot_form: ApprovalBallotForm | PointsBallotForm | None = None
    participating = me.status in actions.PARTICIPATING
    if round_.state == State.PROPOSING and participating and not round_.is_record:
        project_form = ProjectForm(_posted(request))
        if request.method == "POST" and project_form.is_valid():
            form = project_form
            made = run_action(
                form,
                lambda: actions.propose_project(
                    by=signed_in(request), round=round_, **form.cleaned_data
                ),
            )
            if made:
                messages.success(request, _("Your project is proposed."))
                return redirect(round_)
    current = actions.ballot_of(round_, me)
    if round_.state == State.VOTING and actions.may_vote(me) and not round_.is_record:
        ballot_form = _ballot_form(round_, listed, _posted(request), current)
        if request.method == "POST" and ballot_form.is_valid():
            ballot = ballot_form
            cast = run_action(
                ballot,
                lambda: actions.cast_ballot(round_, by=signed_in(request), **ballot.action_input()),
            )
            if cast:
                messages.success(
                    request,
                    _("Your ballot is replaced.") if current else _("Your ballot is recorded."),
                )
                return redirect(round_)
    return render(
        request,
        "economy/budgeting/round.html",
        {
            "coop": coop,
            "me": me,
            "round": round_,
            "projects": [(p, _money(p.cost, coop)) for p in listed],
            "fund": _money(round_.fund, coop),
            "project_form": project_form,
            "ballot_form": ballot_form,
            "voted": current is not None,
            "my_ballot": [
                (p, current[p.pk]) for p in listed if current is not None and p.pk in current
            ],
            "ballots": actions.ballot_count(round_),
            "can_manage": actions.can_manage(me) and not round_.is_record,
            "participating": participating,
        },
    )


def round_step(request: HttpRequest, slug: str, round_id: int, step: str) -> HttpResponse:
    """Open voting or close and count (POST only; the buttons on the round page)."""
    coop = membership_queries.get_cooperative(slug)
    actions.access_viewer(request.user, coop)
    round_ = actions.get_round(coop, round_id)
    if request.method != "POST":
        return redirect(round_)
    try:
        if step == "open":
            actions.open_voting(round_, by=signed_in(request))
            messages.success(request, _("Voting is open; the projects are now fixed."))
        else:
            actions.close_round(round_, by=signed_in(request))
            messages.success(request, _("The round is closed and counted."))
            return redirect("economy:pb_result", coop.slug, round_.pk)
    except TaawunError as error:
        messages.error(request, str(error.message))
    return redirect(round_)


def result(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    """Why each project was or was not funded, with the numbers, a chart and a table."""
    coop = membership_queries.get_cooperative(slug)
    actions.access_viewer(request.user, coop)
    round_ = actions.get_round(coop, round_id)
    if round_.state != State.CLOSED or not round_.result:
        raise NotFound(_("This round has no result yet: it is counted when it closes."))
    outcome = round_.result
    explained = actions.explain_result(round_)
    points = round_.ballot_kind == BudgetingRound.BallotKind.POINTS
    chart = bar_chart(
        [
            (e.project.title, int(Fraction(e.decision["support"])), str(e.decision["support"]))
            for e in sorted(explained, key=lambda e: -Fraction(e.decision["support"]))
        ],
        title=_("Support per project (funded projects highlighted)"),
        label_heading=_("Project"),
        value_heading=_("Points") if points else _("Members who support it"),
        highlight=[e.project.title for e in explained if e.funded],
    )

    def amount(key: str) -> str | None:
        if key not in outcome:
            return None
        return actions.money_text(outcome[key], coop)

    return render(
        request,
        "economy/budgeting/result.html",
        {
            "coop": coop,
            "round": round_,
            "explained": [(e, _money(e.project.cost, coop)) for e in explained],
            "chart": chart,
            "points": points,
            "fund": _money(round_.fund, coop),
            "spent": amount("cost"),
            "left": amount("left"),
            "first_share": amount("first_share"),
            "share": amount("share"),
            "voters": outcome.get("voters", 0),
            "funded_count": len(outcome.get("funded", [])),
        },
    )


def export(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    actions.access_viewer(request.user, coop)
    round_ = actions.get_round(coop, round_id)
    text = actions.export_round(round_, by=request.user)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{coop.slug}-budget-{round_.pk}.pb"'
    return response


def import_page(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_accounts")
    form = ImportForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        initial={"what": "record"},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(actions.MAX_IMPORT_BYTES + 1)
        made = run_action(
            form,
            lambda: actions.import_round(
                by=signed_in(request),
                coop=coop,
                data=data,
                rule=form.cleaned_data["rule"],
                with_votes=form.cleaned_data["what"] == "record",
                title=form.cleaned_data["title"],
            ),
        )
        if made:
            messages.success(
                request,
                _("The round is imported and counted.")
                if made.state == State.CLOSED
                else _("The round is imported and open for the members' votes."),
            )
            return redirect(made)
    return render(request, "economy/budgeting/import.html", {"coop": coop, "form": form})
