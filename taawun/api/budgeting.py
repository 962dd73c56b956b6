"""Participatory budgeting over the API: the rounds, a round with its
projects and (once closed) its result, casting a ballot, and the round as a
Pabulib file. The same actions as the pages (taawun.economy.budgeting_actions).

Amounts are decimal strings in the cooperative's currency (``fund``,
``cost``); a result keeps the exact numbers of taawun.economy.budgeting
(whole units of the currency: a number, or "p/q"), and each decision comes
with its ``explanation`` in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from taawun.accounts.rules import signed_in
from taawun.api.schemas import ErrorOut
from taawun.economy import budgeting_actions as actions
from taawun.economy.models import BudgetingRound
from taawun.economy.money import format_amount
from taawun.membership import queries
from taawun.web import ratelimits

router = Router(tags=["budgeting"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class RoundOut(Schema):
    id: int
    title: str
    description: str
    state: str = Field(description="proposing, voting or closed")
    source: str = Field(description="members, or pabulib for a record imported with its votes")
    currency: str
    fund: str
    ballot_kind: str = Field(description="approval or points")
    points_per_voter: int | None
    rule: str = Field(description="greedy, or mes (the Method of Equal Shares)")
    created_at: datetime


class ProjectOut(Schema):
    id: int
    code: str = Field(description="the project's id in the result and in Pabulib files")
    title: str
    description: str
    cost: str


class RoundDetailOut(RoundOut):
    projects: list[ProjectOut]
    ballots: int
    my_ballot: dict[str, int] | None = Field(
        None, description="your ballot: project id -> points (1 for an approval)"
    )
    result: dict[str, Any] | None = None


class BallotIn(Schema):
    projects: list[int] = Field(
        default_factory=list, description="approval: the ids of the projects you support"
    )
    points: dict[str, int] = Field(default_factory=dict, description="points: project id -> points")


class BallotOut(Schema):
    round: int
    ballot: dict[str, int]


def _round_out(round_: BudgetingRound) -> dict[str, Any]:
    coop = round_.cooperative
    return {
        "id": round_.pk,
        "title": round_.title,
        "description": round_.description,
        "state": round_.state,
        "source": round_.source,
        "currency": coop.currency,
        "fund": format_amount(round_.fund, coop.currency),
        "ballot_kind": round_.ballot_kind,
        "points_per_voter": round_.points_per_voter,
        "rule": round_.rule,
        "created_at": round_.created_at,
    }


def _result(round_: BudgetingRound) -> dict[str, Any] | None:
    if round_.result is None:
        return None
    coop = round_.cooperative
    return {
        **round_.result,
        "decisions": [
            {**d, "explanation": actions.explain(d, coop, record=round_.is_record)}
            for d in round_.result["decisions"]
        ],
    }


def _round(request: HttpRequest, slug: str, round_id: int) -> BudgetingRound:
    coop = queries.get_cooperative(slug)
    actions.access_viewer(request.user, coop)
    return actions.get_round(coop, round_id)


@router.get("/coops/{slug}/budgets", response={200: list[RoundOut], **ERRORS})
def list_rounds(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The cooperative's budgeting rounds, newest first (members only)."""
    coop = queries.get_cooperative(slug)
    actions.access_viewer(request.user, coop)
    return [_round_out(r) for r in actions.rounds(coop)[:500]]


@router.get("/coops/{slug}/budgets/{round_id}", response={200: RoundDetailOut, **ERRORS})
def get_round(request: HttpRequest, slug: str, round_id: int) -> dict[str, Any]:
    """A round with its projects, your ballot, and its result once closed."""
    round_ = _round(request, slug, round_id)
    coop = round_.cooperative
    me = actions.access_viewer(request.user, coop)
    mine = actions.ballot_of(round_, me)
    return {
        **_round_out(round_),
        "projects": [
            {
                "id": p.pk,
                "code": p.code,
                "title": p.title,
                "description": p.description,
                "cost": format_amount(p.cost, coop.currency),
            }
            for p in actions.projects(round_)
        ],
        "ballots": actions.ballot_count(round_),
        "my_ballot": None if mine is None else {str(pk): n for pk, n in mine.items()},
        "result": _result(round_),
    }


@router.post(
    "/coops/{slug}/budgets/{round_id}/ballot", response={200: BallotOut, 429: ErrorOut, **ERRORS}
)
def cast_ballot(
    request: HttpRequest, slug: str, round_id: int, payload: BallotIn
) -> dict[str, Any] | HttpResponse:
    """Cast your ballot, or replace the one you cast, while voting is open
    (counted with the member's ballots on the pages)."""
    round_ = _round(request, slug, round_id)
    refused = ratelimits.check(request, "voting", ratelimits.VOTING, "user")
    if refused is not None:
        return refused
    ballot = actions.cast_ballot(
        round_, by=signed_in(request), approve=payload.projects, points=payload.points
    )
    return {
        "round": round_.pk,
        "ballot": {str(pk): n for pk, n in ballot.supports.values_list("project_id", "points")},
    }


@router.get(
    "/coops/{slug}/budgets/{round_id}/export.pb",
    response=ERRORS,
    summary="The round as a Pabulib file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The Pabulib file.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_round(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    """The round in the Pabulib format (text/plain), to decide it again with
    other tools (pabutools, equalshares.net, ``taawun pb``)."""
    round_ = _round(request, slug, round_id)
    text = actions.export_round(round_, by=request.user)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{round_.cooperative.slug}-budget-{round_.pk}.pb"'
    )
    return response
