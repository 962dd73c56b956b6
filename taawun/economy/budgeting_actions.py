"""Participatory budgeting rounds: every change, and what the pages read.

A round runs in three states (docs/participatory-budgeting.md, "Budgeting
rounds on the web"):

1. *proposing* — an officer with the ``keep_accounts`` power creates the
   round (``create_round``): a fund, the ballot (approval, or points with
   so many per voter) and the rule (greedy by support, or the Method of
   Equal Shares); members in good standing propose projects with a cost
   (``propose_project``);
2. *voting* — the officer opens voting (``open_voting``); the projects are
   then fixed, and each member whose class may vote casts one ballot
   (``cast_ballot``), which they may replace until the close;
3. *closed* — the officer closes the round (``close_round``): the rule
   decides through taawun.economy.budgeting, and the outcome, with a
   decision for every project, is frozen in the round.

Rounds move in and out as Pabulib files: ``export_round`` writes one (any
member); ``import_round`` (the officer) reads one either as a *record* — its
projects and its votes, which belong to no member, counted at once into a
closed round — or as the start of a new round: its projects and fund only,
open for the members' votes.

Ballots are named: a member's ballot is stored with their membership, so
that they can see and replace it, and it is never shown to anyone else; the
ledger records that they voted (with a digest of the ballot), and the export
lists ballots under numbers in an order that says nothing about who cast
them. Money is counted in whole units of the currency (exact fractions), so
that the completion of equal shares raises every share by one unit of money
(1 EGP), as Pabulib's ``equalshares/add1`` does.

Each action checks who may act and the input, writes in one transaction,
appends to the ledger (``economy.pb_*``), and on a refusal raises an error of
the taawun.errors family, with its field, leaving nothing written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.accounts.models import User
from taawun.economy import budgeting, pabulib
from taawun.economy.actions import _amount, _keeper, _money, _pid, _text
from taawun.economy.budgeting_errors import BudgetingError
from taawun.economy.models import (
    BudgetingBallot,
    BudgetingProject,
    BudgetingRound,
    BudgetingSupport,
)
from taawun.economy.money import currency_places, format_amount, normalise_digits
from taawun.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from taawun.membership import rules
from taawun.membership.actions import record
from taawun.membership.models import Cooperative, Member

State = BudgetingRound.State
Kind = BudgetingRound.BallotKind
# The completion of equal shares: first raise the shares, then greedy by
# support on what is left, so that no supported project that fits stays
# unfunded (the issue: "so that money is not left idle").
COMPLETION: budgeting.Completion = "add1-greedy"
MAX_POINTS_PER_VOTER = 1000
MAX_PROJECTS = 200
# A Pabulib file of a city's round (Wieliczka: 6,586 votes) fits well within these.
MAX_IMPORT_BYTES = 10_000_000
MAX_IMPORT_VOTES = 200_000
MAX_ID = 64
BATCH = 5000
# Who may propose and vote: members in good standing, as for polls.
PARTICIPATING = (Member.Status.ACTIVE, Member.Status.PROBATION)


# --- who may act -----------------------------------------------------------------


def access_viewer(by: Any, coop: Cooperative) -> Member:
    """Any member sees the cooperative's rounds, results and exports."""
    return rules.access_member(by, coop)


def _participant(by: User | None, coop: Cooperative) -> Member:
    member = rules.access_member(by, coop)
    if member.status not in PARTICIPATING:
        raise PermissionDenied(_("Only members in good standing can take part in budgeting."))
    return member


def may_vote(member: Member | None) -> bool:
    """A member in good standing whose membership class may vote under the bylaws."""
    if member is None or member.status not in PARTICIPATING:
        return False
    found = member.cooperative.membership_class(member.membership_class)
    return bool(found and found["may_vote"])


def _voter(by: User | None, coop: Cooperative) -> Member:
    member = _participant(by, coop)
    if not may_vote(member):
        raise PermissionDenied(_("Your membership class does not vote under the bylaws."))
    return member


def can_manage(member: Member | None) -> bool:
    return rules.has_power(member, "keep_accounts")


# --- reading -----------------------------------------------------------------------


def rounds(coop: Cooperative) -> QuerySet[BudgetingRound]:
    return BudgetingRound.objects.filter(cooperative=coop).select_related("cooperative")


def get_round(coop: Cooperative, round_id: int) -> BudgetingRound:
    found = rounds(coop).filter(pk=round_id).first()
    if found is None:
        raise NotFound(_("There is no such budgeting round."))
    return found


def projects(round_: BudgetingRound) -> list[BudgetingProject]:
    return list(round_.projects.select_related("proposed_by__user").order_by("id"))


def ballot_of(round_: BudgetingRound, member: Member) -> dict[int, int] | None:
    """A member's ballot as project id → points (1 for an approval), or None."""
    ballot = round_.ballots.filter(member=member).first()
    if ballot is None:
        return None
    return dict(ballot.supports.values_list("project_id", "points"))


def ballot_count(round_: BudgetingRound) -> int:
    return round_.ballots.count()


def to_major(minor: int, coop: Cooperative) -> Fraction:
    """Minor units as an exact amount in whole units of the currency."""
    return Fraction(minor, 10 ** currency_places(coop.currency))


def show_amount(value: Fraction | int | str, coop: Cooperative) -> str:
    """An exact amount in whole units of the currency (a number, or "p/q" as
    the result stores it) shown to the minor unit, rounded half to even."""
    exact = Fraction(value)
    places = currency_places(coop.currency)
    minor = Decimal(exact.numerator * 10**places) / Decimal(exact.denominator)
    return format_amount(int(minor.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), coop.currency)


def money_text(value: Fraction | int | str, coop: Cooperative) -> str:
    """``show_amount`` with the currency's code: "1250.50 EGP"."""
    return f"{show_amount(value, coop)} {coop.currency}"


def budget_round(round_: BudgetingRound) -> budgeting.BudgetRound:
    """The round as the rules take it: ids are the projects' codes, amounts
    in whole units of the currency, one ballot per voter in ballot order."""
    coop = round_.cooperative
    costs = {p.code: to_major(p.cost, coop) for p in round_.projects.order_by("id")}
    choices: dict[int, dict[str, int]] = {
        pk: {} for pk in round_.ballots.order_by("id").values_list("id", flat=True)
    }
    rows = BudgetingSupport.objects.filter(ballot__round=round_).values_list(
        "ballot_id", "project__code", "points"
    )
    for ballot_id, code, points in rows.iterator(chunk_size=BATCH):
        choices[ballot_id][code] = points
    budget = to_major(round_.fund, coop)
    if round_.ballot_kind == Kind.APPROVAL:
        return budgeting.BudgetRound.approval(budget, costs, (set(c) for c in choices.values()))
    return budgeting.BudgetRound.with_points(budget, costs, choices.values())


# --- the result, in words ----------------------------------------------------------------


@dataclass(frozen=True)
class Explained:
    """One project's decision with the sentence that explains it."""

    project: BudgetingProject
    decision: dict[str, Any]
    sentence: str
    payments: list[str]

    @property
    def funded(self) -> bool:
        return bool(self.decision["funded"])


def explain_result(round_: BudgetingRound) -> list[Explained]:
    """Each project of a closed round with why it was or was not funded:
    funded ones first, in the order they were funded, then the others in
    the order proposed."""
    result = round_.result or {}
    by_code = {p.code: p for p in projects(round_)}
    out = [
        Explained(
            by_code[d["project"]],
            d,
            explain(d, round_.cooperative, record=round_.is_record),
            _payment_lines(d, round_.cooperative),
        )
        for d in result.get("decisions", [])
        if d["project"] in by_code
    ]
    return sorted(out, key=lambda e: (not e.funded, e.decision.get("position", 0)))


def _payment_lines(decision: dict[str, Any], coop: Cooperative) -> list[str]:
    return [
        ngettext(
            "%(count)d supporter paid %(amount)s",
            "%(count)d supporters paid %(amount)s each",
            p["supporters"],
        )
        % {"count": p["supporters"], "amount": money_text(p["amount"], coop)}
        for p in decision.get("payments", [])
    ]


def explain(decision: dict[str, Any], coop: Cooperative, *, record: bool = False) -> str:
    """Why a project was or was not funded, in one sentence, with the numbers
    of its decision (``budgeting.Decision.to_dict``). ``record``: the voters
    of an imported round, who are not members (the sentences of ``taawun pb
    --explain``)."""
    count = int(decision["supporters"])
    left = money_text(decision["money_left"], coop) if "money_left" in decision else ""
    params = {"count": count, "left": left}
    reason = decision["reason"]
    if reason in _COUNTED:
        return (_voters_sentence if record else _members_sentence)(reason, count) % params
    if reason == budgeting.DID_NOT_FIT:
        return _("not funded: it cost more than the %(left)s left when its turn came") % params
    if reason == budgeting.SHARES_SHORT:
        shares = money_text(decision.get("shares_left", 0), coop)
        if not left:
            return _(
                "not funded: its supporters' remaining shares (%(shares)s) could not cover it"
            ) % {"shares": shares}
        return _(
            "not funded: its supporters' remaining shares (%(shares)s) could not cover it, "
            "and it did not fit in the %(left)s left"
        ) % {"shares": shares, "left": left}
    return _("not funded: nobody supported it")


_COUNTED = (
    budgeting.FUNDED_BY_SHARES,
    budgeting.FUNDED_AT_NO_COST,
    budgeting.FUNDED_BY_SUPPORT,
    budgeting.FUNDED_BY_COMPLETION,
)


def _members_sentence(reason: str, count: int) -> str:
    if reason == budgeting.FUNDED_BY_SHARES:
        return ngettext(
            "funded: supported by %(count)d member, whose equal share covered its cost",
            "funded: supported by %(count)d members, whose equal shares covered its cost",
            count,
        )
    if reason == budgeting.FUNDED_AT_NO_COST:
        return ngettext(
            "funded: it costs nothing, and %(count)d member supported it",
            "funded: it costs nothing, and %(count)d members supported it",
            count,
        )
    if reason == budgeting.FUNDED_BY_SUPPORT:
        return ngettext(
            "funded: supported by %(count)d member, and its cost fit in the %(left)s left",
            "funded: supported by %(count)d members, and its cost fit in the %(left)s left",
            count,
        )
    return ngettext(
        "funded from the money left over: supported by %(count)d member, "
        "and its cost fit in the %(left)s left",
        "funded from the money left over: supported by %(count)d members, "
        "and its cost fit in the %(left)s left",
        count,
    )


def _voters_sentence(reason: str, count: int) -> str:
    if reason == budgeting.FUNDED_BY_SHARES:
        return ngettext(
            "funded: supported by %(count)d voter, whose equal share covered its cost",
            "funded: supported by %(count)d voters, whose equal shares covered its cost",
            count,
        )
    if reason == budgeting.FUNDED_AT_NO_COST:
        return ngettext(
            "funded: it costs nothing, and %(count)d voter supported it",
            "funded: it costs nothing, and %(count)d voters supported it",
            count,
        )
    if reason == budgeting.FUNDED_BY_SUPPORT:
        return ngettext(
            "funded: supported by %(count)d voter, and its cost fit in the %(left)s left",
            "funded: supported by %(count)d voters, and its cost fit in the %(left)s left",
            count,
        )
    return ngettext(
        "funded from the money left over: supported by %(count)d voter, "
        "and its cost fit in the %(left)s left",
        "funded from the money left over: supported by %(count)d voters, "
        "and its cost fit in the %(left)s left",
        count,
    )


# --- input ------------------------------------------------------------------------------


def _whole(value: Any, field: str, *, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, given as a number or as text
    (Arabic-Indic digits too)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        text = normalise_digits(value)
        value = int(text) if text.isascii() and text.isdigit() else None
    if not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field=field,
        )
    return value


def _title(value: Any, field: str = "title") -> str:
    title = _text(value if isinstance(value, str) else "", field, limit=200)
    if not title:
        raise InvalidInput(_("Give it a title."), field=field)
    return title


def _lock(round_: BudgetingRound) -> BudgetingRound:
    return (
        BudgetingRound.objects.select_for_update().select_related("cooperative").get(pk=round_.pk)
    )


def _require_state(round_: BudgetingRound, state: str, message: str, field: str | None) -> None:
    if round_.state != state or round_.is_record:
        raise InvalidTransition(message, field=field)


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_rule(rule: Any) -> str:
    if rule not in BudgetingRound.Rule.values:
        raise InvalidInput(_("Choose greedy by support or equal shares."), field="rule")
    return str(rule)


# --- the round ------------------------------------------------------------------------


def create_round(
    *,
    by: User,
    coop: Cooperative,
    title: str,
    fund: str,
    ballot_kind: str,
    rule: str,
    points_per_voter: Any = None,
    description: str = "",
) -> BudgetingRound:
    """A new round, open for proposals."""
    with transaction.atomic():
        officer = _keeper(by, coop)
        title = _title(title)
        description = _text(description, "description", limit=5000)
        minor = _amount(fund, coop, "fund")
        if minor <= 0:
            raise InvalidInput(_("The fund must be more than zero."), field="fund")
        if ballot_kind not in Kind.values:
            raise InvalidInput(_("Choose approval or points ballots."), field="ballot_kind")
        points = None
        if ballot_kind == Kind.POINTS:
            if points_per_voter in (None, ""):
                raise InvalidInput(
                    _("Say how many points each member spreads."), field="points_per_voter"
                )
            points = _whole(points_per_voter, "points_per_voter", low=1, high=MAX_POINTS_PER_VOTER)
        rule = _check_rule(rule)
        round_ = BudgetingRound.objects.create(
            cooperative=coop,
            title=title,
            description=description,
            fund=minor,
            ballot_kind=ballot_kind,
            points_per_voter=points,
            rule=rule,
            created_by=officer,
        )
        record(
            coop,
            "economy.pb_round_created",
            officer,
            {
                "round": round_.pk,
                "title": title,
                "fund": _money(minor, coop),
                "ballot": ballot_kind,
                "points_per_voter": points,
                "rule": rule,
            },
        )
        return round_


def propose_project(
    *, by: User, round: BudgetingRound, title: str, cost: str, description: str = ""
) -> BudgetingProject:
    """A member's project for the round, while it is open for proposals."""
    coop = round.cooperative
    with transaction.atomic():
        member = _participant(by, coop)
        round_ = _lock(round)
        _require_state(round_, State.PROPOSING, _("This round no longer takes proposals."), "title")
        title = _title(title)
        description = _text(description, "description", limit=5000)
        minor = _amount(cost, coop, "cost")
        if minor <= 0:
            raise InvalidInput(_("The cost must be more than zero."), field="cost")
        if minor > round_.fund:
            raise InvalidInput(
                _("The cost is more than the whole fund (%(fund)s).")
                % {"fund": _money(round_.fund, coop)},
                field="cost",
            )
        count = round_.projects.count()
        if count >= MAX_PROJECTS:
            raise InvalidInput(
                _("A round takes at most %(n)d projects.") % {"n": MAX_PROJECTS}, field="title"
            )
        project = BudgetingProject.objects.create(
            round=round_,
            code=str(count + 1),
            title=title,
            description=description,
            cost=minor,
            proposed_by=member,
        )
        record(
            coop,
            "economy.pb_project_proposed",
            member,
            {
                "round": round_.pk,
                "project": project.code,
                "title": title,
                "cost": _money(minor, coop),
            },
        )
        return project


def open_voting(round: BudgetingRound, *, by: User) -> BudgetingRound:
    """Close the proposals and open the vote; the projects are then fixed."""
    coop = round.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        round_ = _lock(round)
        _require_state(round_, State.PROPOSING, _("Voting can only open once."), None)
        if not round_.projects.exists():
            raise InvalidTransition(_("Voting needs at least one project."), field=None)
        round_.state = State.VOTING
        round_.voting_opened_by = officer
        round_.voting_opened_at = timezone.now()
        round_.save(update_fields=["state", "voting_opened_by", "voting_opened_at"])
        record(
            coop,
            "economy.pb_voting_opened",
            officer,
            {"round": round_.pk, "projects": round_.projects.count()},
        )
        return round_


def cast_ballot(
    round: BudgetingRound,
    *,
    by: User,
    approve: Iterable[Any] = (),
    points: Mapping[Any, Any] | None = None,
) -> BudgetingBallot:
    """A member's ballot, replacing the one they cast before. Approval: the
    ids of the projects ``approve``d. Points: ``points`` maps project ids to
    whole numbers, 0 or more, adding up to at most the round's points per
    voter."""
    coop = round.cooperative
    with transaction.atomic():
        member = _voter(by, coop)
        round_ = _lock(round)
        _require_state(round_, State.VOTING, _("This round is not open for voting."), None)
        known = {p.pk: p for p in round_.projects.all()}
        choice = _choice(round_, known, approve, points)
        ballot = round_.ballots.filter(member=member).first()
        replaced = ballot is not None
        if ballot is None:
            ballot = BudgetingBallot.objects.create(round=round_, member=member)
        else:
            ballot.supports.all().delete()
            ballot.cast_at = timezone.now()
            ballot.save(update_fields=["cast_at"])
        BudgetingSupport.objects.bulk_create(
            BudgetingSupport(ballot=ballot, project=known[pk], points=n) for pk, n in choice.items()
        )
        record(
            coop,
            "economy.pb_ballot_cast",
            member,
            {
                "round": round_.pk,
                "member": _pid(member),
                "replaced": replaced,
                # Lets the member check their ballot later, without the
                # ledger telling the other members what it said.
                "ballot_digest": _digest([round_.pk, _pid(member), _codes(choice, known)]),
            },
        )
        return ballot


def _codes(choice: Mapping[int, int], known: Mapping[int, BudgetingProject]) -> dict[str, int]:
    return {known[pk].code: n for pk, n in choice.items()}


def _project_id(value: Any, known: Mapping[int, BudgetingProject], field: str) -> int:
    text = normalise_digits(str(value)) if not isinstance(value, bool) else ""
    pk = int(text) if text.isascii() and text.isdigit() else None
    if pk is None or pk not in known:
        raise InvalidInput(_("That project is not in this round."), field=field)
    return pk


def _choice(
    round_: BudgetingRound,
    known: Mapping[int, BudgetingProject],
    approve: Iterable[Any],
    points: Mapping[Any, Any] | None,
) -> dict[int, int]:
    if round_.ballot_kind == Kind.APPROVAL:
        if points:
            raise InvalidInput(
                _("This round's ballot approves projects; it gives no points."), field="projects"
            )
        chosen = {_project_id(value, known, "projects") for value in approve}
        if not chosen:
            raise InvalidInput(_("Tick at least one project you support."), field="projects")
        return dict.fromkeys(sorted(chosen), 1)
    if approve:
        raise InvalidInput(
            _("This round's ballot spreads points; give each project a number."), field="points"
        )
    limit = round_.points_per_voter or 0
    given: dict[int, int] = {}
    for key, value in (points or {}).items():
        pk = _project_id(key, known, "points")
        field = f"project_{pk}"
        if value in (None, ""):
            continue
        given[pk] = _whole(value, field, low=0, high=limit)
    total = sum(given.values())
    if total == 0:
        raise InvalidInput(_("Give at least one point to a project."), field="points")
    if total > limit:
        raise InvalidInput(
            ngettext(
                "Your points add up to %(total)d; you have %(limit)d point to spread.",
                "Your points add up to %(total)d; you have %(limit)d points to spread.",
                limit,
            )
            % {"total": total, "limit": limit},
            field="points",
        )
    return {pk: n for pk, n in sorted(given.items()) if n}


def close_round(round: BudgetingRound, *, by: User) -> BudgetingRound:
    """Close the vote and count: the round's rule decides, and the outcome is frozen."""
    coop = round.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        round_ = _lock(round)
        _require_state(round_, State.VOTING, _("Only a round that is voting can be closed."), None)
        _count(round_, officer)
        return round_


def _count(round_: BudgetingRound, officer: Member) -> None:
    """Decide the (locked) round, store the result and tell the ledger."""
    coop = round_.cooperative
    decided = budget_round(round_)
    try:
        outcome = (
            budgeting.greedy(decided)
            if round_.rule == BudgetingRound.Rule.GREEDY
            else budgeting.equal_shares(decided, COMPLETION)
        )
    except BudgetingError as error:
        raise InvalidInput(_pure_message(error), field="rule") from None
    ballots = sorted(_digest(_json_ballot(b)) for b in decided.ballots)
    result = outcome.to_dict()
    result["voters"] = len(decided.ballots)
    if round_.rule == BudgetingRound.Rule.EQUAL_SHARES:
        result["completion"] = COMPLETION
    result["ballots_digest"] = _digest(ballots)
    round_.result = result
    round_.state = State.CLOSED
    round_.closed_by = officer
    round_.closed_at = timezone.now()
    round_.save(update_fields=["result", "state", "closed_by", "closed_at"])
    scale = 10 ** currency_places(coop.currency)
    record(
        coop,
        "economy.pb_round_closed",
        officer,
        {
            "round": round_.pk,
            "rule": round_.rule,
            "completion": result.get("completion"),
            "fund": _money(round_.fund, coop),
            "voters": result["voters"],
            "funded": list(outcome.funded),
            "cost": _money(int(outcome.cost * scale), coop),
            "left": _money(int(outcome.left * scale), coop),
            "ballots_digest": result["ballots_digest"],
        },
    )


def _json_ballot(ballot: Mapping[str, Fraction]) -> dict[str, int | str]:
    return {pid: budgeting.json_number(n) for pid, n in ballot.items()}


def _pure_message(error: BudgetingError) -> str:
    """The pure code's error in the reader's language."""
    try:
        return _(error.template) % error.params if error.params else _(error.template)
    except (KeyError, TypeError, ValueError):
        return error.message


# --- Pabulib files ------------------------------------------------------------------------


def export_round(round: BudgetingRound, *, by: Any) -> str:
    """The round as a Pabulib file (any member): its projects, and once
    closed ``selected`` and its ballots, numbered in an order that says
    nothing about who cast them."""
    coop = round.cooperative
    access_viewer(by, coop)
    decided = budget_round(round)
    listed = projects(round)
    funded = set((round.result or {}).get("funded", []))
    fields: dict[str, dict[str, str]] = {}
    for project in listed:
        fields[project.code] = {"name": project.title}
        if round.state == State.CLOSED:
            fields[project.code]["selected"] = "1" if project.code in funded else "0"
    meta = {k: str(v) for k, v in round.meta.items()}
    meta.update({"description": round.title, "currency": coop.currency})
    if round.ballot_kind == Kind.POINTS:
        meta["vote_type"] = meta.get("vote_type", "cumulative")
        meta["max_sum_points"] = str(round.points_per_voter)
    meta["rule"] = "greedy" if round.rule == BudgetingRound.Rule.GREEDY else "equalshares"
    # Before the close the file has no votes: a running tally would sway
    # the members who have not voted yet.
    ballots = list(decided.ballots) if round.state == State.CLOSED else []
    if round.is_record:
        voter_ids = list(round.ballots.order_by("id").values_list("voter_id", flat=True))
    else:
        ballots.sort(key=lambda b: json.dumps(_json_ballot(b), sort_keys=True))
        voter_ids = [str(i) for i in range(1, len(ballots) + 1)]
    shown = budgeting.BudgetRound(
        budget=decided.budget, projects=decided.projects, ballots=tuple(ballots), kind=decided.kind
    )
    try:
        return pabulib.write(
            pabulib.from_round(shown, meta=meta, voter_ids=voter_ids, project_fields=fields)
        )
    except BudgetingError as error:
        raise InvalidInput(_pure_message(error)) from None


def _file_error(error: BudgetingError) -> InvalidInput:
    message = _pure_message(error)
    if error.line:
        message = _("Line %(line)s: %(message)s") % {"line": error.line, "message": message}
    return InvalidInput(message, field="file")


def _file_minor(value: Fraction, coop: Cooperative, what: str) -> int:
    minor = value * 10 ** currency_places(coop.currency)
    if minor.denominator != 1 or minor.numerator >= 2**62:
        raise InvalidInput(
            _("The amount %(value)s in the file is not an amount of %(currency)s.")
            % {"value": what, "currency": coop.currency},
            field="file",
        )
    return minor.numerator


def import_round(
    *,
    by: User,
    coop: Cooperative,
    data: bytes | str,
    rule: str,
    with_votes: bool,
    title: str = "",
) -> BudgetingRound:
    """A round from a Pabulib file. ``with_votes``: a record of a round held
    elsewhere — its projects and votes, counted now with ``rule`` into a
    closed round. Otherwise a new round of this cooperative: the file's
    projects and fund, open for the members' votes (points ballots when the
    file's are cumulative or scoring with a whole max_sum_points, approval
    otherwise)."""
    with transaction.atomic():
        officer = _keeper(by, coop)
        rule = _check_rule(rule)
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInput(
                _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // 10**6},
                field="file",
            )
        try:
            pb = pabulib.read(data)
            decided = pabulib.to_round(pb) if with_votes else None
        except BudgetingError as error:
            raise _file_error(error) from None
        if len(pb.votes) > MAX_IMPORT_VOTES:
            raise InvalidInput(
                _("The file has more than %(n)s votes.") % {"n": f"{MAX_IMPORT_VOTES:,}"},
                field="file",
            )
        currency = pb.meta.get("currency", "").strip().upper()
        if currency and currency != coop.currency:
            raise InvalidInput(
                _("The file counts money in %(theirs)s; this cooperative counts in %(ours)s.")
                % {"theirs": currency, "ours": coop.currency},
                field="file",
            )
        if not pb.projects:
            raise InvalidInput(_("The file lists no projects."), field="file")
        fund = _file_minor(pb.budget, coop, pb.meta["budget"])
        if fund <= 0:
            raise InvalidInput(_("The file's budget must be more than zero."), field="file")
        for project in pb.projects:
            if len(project.project_id) > MAX_ID:
                raise InvalidInput(
                    _("Line %(line)s: a project id is longer than %(n)d characters.")
                    % {"line": project.line, "n": MAX_ID},
                    field="file",
                )
        kind, points_per_voter = _file_ballot(pb, decided)
        title = _text(title, "title", limit=200) or (
            pb.meta.get("description", "").strip()[:200] or _("Imported round")
        )
        kept = {
            k: v
            for k, v in pb.meta.items()
            if k not in ("budget", "vote_type", "num_projects", "num_votes", "description")
        }
        round_ = BudgetingRound.objects.create(
            cooperative=coop,
            title=title,
            fund=fund,
            ballot_kind=kind,
            points_per_voter=points_per_voter,
            rule=rule,
            state=State.VOTING,
            source=BudgetingRound.Source.PABULIB if with_votes else BudgetingRound.Source.MEMBERS,
            meta=kept,
            created_by=officer,
            voting_opened_by=None if with_votes else officer,
            voting_opened_at=None if with_votes else timezone.now(),
        )
        made = BudgetingProject.objects.bulk_create(
            BudgetingProject(
                round=round_,
                code=p.project_id,
                title=(p.fields.get("name") or p.project_id)[:200],
                cost=_file_minor(p.cost, coop, str(p.cost)),
            )
            for p in pb.projects
        )
        if decided is not None:
            _store_votes(round_, pb, decided, {p.code: p for p in made})
        record(
            coop,
            "economy.pb_round_imported",
            officer,
            {
                "round": round_.pk,
                "title": title,
                "fund": _money(fund, coop),
                "projects": len(made),
                "votes": len(pb.votes) if with_votes else 0,
                "file_digest": hashlib.sha256(
                    data if isinstance(data, bytes) else data.encode()
                ).hexdigest(),
            },
        )
        if decided is not None:
            _count(round_, officer)
        return round_


def _file_ballot(
    pb: pabulib.PabulibFile, decided: budgeting.BudgetRound | None
) -> tuple[str, int | None]:
    """The ballot kind (and points per voter) of a round made from ``pb``."""
    points = pb.vote_type in ("cumulative", "scoring")
    stated = pb.meta.get("max_sum_points", "").strip()
    if decided is None:
        if points and stated.isdigit() and 1 <= int(stated) <= MAX_POINTS_PER_VOTER:
            return Kind.POINTS, int(stated)
        return Kind.APPROVAL, None
    if not points:
        return Kind.APPROVAL, None
    most = 1
    for vote in pb.votes:
        given = vote.points or ()
        if any(x.denominator != 1 for x in given):
            raise InvalidInput(
                _("Line %(line)s: points must be whole numbers.") % {"line": vote.line},
                field="file",
            )
        most = max(most, int(sum(given)))
    if stated.isdigit():
        most = max(most, int(stated))
    return Kind.POINTS, most


def _store_votes(
    round_: BudgetingRound,
    pb: pabulib.PabulibFile,
    decided: budgeting.BudgetRound,
    made: Mapping[str, BudgetingProject],
) -> None:
    for vote in pb.votes:
        if len(vote.voter_id) > MAX_ID:
            raise InvalidInput(
                _("Line %(line)s: a voter id is longer than %(n)d characters.")
                % {"line": vote.line, "n": MAX_ID},
                field="file",
            )
    ballots = BudgetingBallot.objects.bulk_create(
        (BudgetingBallot(round=round_, voter_id=vote.voter_id) for vote in pb.votes),
        batch_size=BATCH,
    )
    BudgetingSupport.objects.bulk_create(
        (
            BudgetingSupport(ballot=ballot, project=made[pid], points=int(points))
            for ballot, choice in zip(ballots, decided.ballots, strict=True)
            for pid, points in choice.items()
            if points > 0
        ),
        batch_size=BATCH,
    )
