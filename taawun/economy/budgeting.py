"""Participatory budgeting: which projects a common fund pays for.

Pure Python, no Django (numpy only keeps track of who supports what), and
exact: money, shares and payments are integers or fractions, never floats,
so a result never depends on rounding. Two rules, chosen by the cooperative:

``greedy(round_)`` — greedy by support
    The projects in order of support (the number of members who approved
    it, or the total points it received), most first; each is funded if its
    cost fits in what is left of the budget, and skipped if not, and the next
    one is considered (a cheaper project further down may still fit).

``equal_shares(round_)`` — the Method of Equal Shares (Peters and Skowron,
    "Proportionality and the limits of welfarism", 2020; Peters, Pierczyński
    and Skowron, "Proportional participatory budgeting with additive
    utilities", 2021; https://equalshares.net)
    The budget is split into equal shares, one per voter. A project can only
    be funded by its own supporters' shares. For a project whose supporters
    still hold enough, rho is the least number such that, if each supporter
    pays rho times what the project gives them (or all they have left, when
    that is less), the payments cover its cost. In each step the project
    with the least rho is funded and its supporters pay so. What a project
    gives a supporter is its cost for approval ballots ("cost utilities",
    the default of equalshares.net and of Pabulib's results: then rho times the cost
    is the equal part each supporter pays, and the least rho means the least
    paid per unit of money spent), and the points given to it for points
    ballots.

    On its own the method often leaves money idle, so it is completed, in
    one of three ways (``completion=``):

    ``"add1-greedy"`` (the default; pabutools' usual combination,
        ``completion_by_rule_combination`` of the two steps below) — first
        add1, then the money still left goes to the projects not funded by
        greedy by support, so that no supported project that fits in what
        is left stays unfunded;
    ``"add1"`` (Pabulib's ``equalshares/add1``, the rule of the real
        rounds of Assen 2024 and Świecie 2023, whose results it reproduces)
        — the run is repeated with every voter's share raised by one unit of
        money (1 EUR, 1 PLN...) at a time, while the projects funded still
        fit in the real budget and some supported project not funded would
        still fit in what is left; the last run that fits is kept (pabutools:
        ``method_of_equal_shares(..., voter_budget_increment=1)``);
    ``"none"`` — the method alone.

Both rules:

- never fund a project that nobody supported (approved, or gave points);
- break ties in a fixed order: lower cost first, then the project id (ids
  that are whole numbers by their value, before other ids, which go in
  character order). For equal shares a tie is an equal rho; for greedy an
  equal support.

Each project gets a ``Decision`` that says why it was or was not funded,
with the numbers a result page shows (how many supported it, what each of
them paid, what their shares had left, what the budget had left).

The Method of Equal Shares is computed class by class rather than voter by
voter: voters whose shares have the same history hold the same amount, so
they are one class (at most as many classes as there are different
ballots, usually far fewer). And the completion does not redo the method
from scratch for every unit of raise. While the sequence of funded projects
(and who pays their whole share) stays the same, every amount of a run is
linear in the raise, so each round of a run records up to which raise all
its comparisons come out the same. The next run starts at the first raise
past the smallest of those, and from the first round that raise changes
(the rounds before are the same). The outcome is the same as raising one
unit at a time from scratch; the tests check that, and check both rules
against pabutools.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from taawun.economy.budgeting_errors import BudgetingError, gettext_noop

Number = int | Fraction
BallotKind = Literal["approval", "points"]
Completion = Literal["add1-greedy", "add1", "none"]
COMPLETIONS: tuple[Completion, ...] = ("add1-greedy", "add1", "none")

# --- the round ---------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    id: str
    cost: Fraction


@dataclass(frozen=True)
class BudgetRound:
    """A fund to share and the ballots cast on its projects.

    ``ballots`` gives each voter's points per project; an approval ballot
    gives 1 to each project it approves (in an approval round the projects a
    ballot names are the ones it approves). A voter with an empty ballot still
    counts (their share is part of the budget, and stays unspent).
    """

    budget: Fraction
    projects: tuple[Project, ...]
    ballots: tuple[Mapping[str, Fraction], ...]
    kind: BallotKind = "approval"

    def __post_init__(self) -> None:
        if self.budget < 0:
            raise BudgetingError(
                "negative_budget",
                gettext_noop("The budget cannot be negative: %(budget)s."),
                budget=str(self.budget),
            )
        known: set[str] = set()
        for project in self.projects:
            if not project.id:
                raise BudgetingError(
                    "empty_project_id", gettext_noop("A project needs an id that is not empty.")
                )
            if project.id in known:
                raise BudgetingError(
                    "duplicate_project",
                    gettext_noop("The project %(project)s appears twice."),
                    project=project.id,
                )
            if project.cost < 0:
                raise BudgetingError(
                    "negative_cost",
                    gettext_noop("The cost of project %(project)s cannot be negative."),
                    project=project.id,
                )
            known.add(project.id)
        for ballot in self.ballots:
            for project_id, points in ballot.items():
                if project_id not in known:
                    raise BudgetingError(
                        "unknown_project",
                        gettext_noop("A ballot names the unknown project %(project)s."),
                        project=project_id,
                    )
                if self.kind == "points" and points < 0:
                    raise BudgetingError(
                        "negative_points",
                        gettext_noop("A ballot gives negative points to project %(project)s."),
                        project=project_id,
                    )

    @classmethod
    def approval(
        cls,
        budget: Number,
        projects: Mapping[str, Number],
        ballots: Iterable[Iterable[str]],
    ) -> BudgetRound:
        """A round of approval ballots: each ballot lists the projects it approves."""
        one = Fraction(1)
        return cls(
            budget=Fraction(budget),
            projects=tuple(Project(pid, Fraction(cost)) for pid, cost in projects.items()),
            ballots=tuple({pid: one for pid in ballot} for ballot in ballots),
            kind="approval",
        )

    @classmethod
    def with_points(
        cls,
        budget: Number,
        projects: Mapping[str, Number],
        ballots: Iterable[Mapping[str, Number]],
    ) -> BudgetRound:
        """A round of points ballots (cumulative or scoring): project -> points."""
        return cls(
            budget=Fraction(budget),
            projects=tuple(Project(pid, Fraction(cost)) for pid, cost in projects.items()),
            ballots=tuple(
                {pid: Fraction(points) for pid, points in ballot.items() if points}
                for ballot in ballots
            ),
            kind="points",
        )


# --- the result --------------------------------------------------------------

# Why a project was or was not funded (``Decision.reason``).
FUNDED_BY_SUPPORT = "funded_by_support"  # greedy: its turn came and it fit
FUNDED_BY_SHARES = "funded_by_shares"  # equal shares: its supporters' shares paid for it
FUNDED_AT_NO_COST = "funded_at_no_cost"  # equal shares: supported, and costs nothing
FUNDED_BY_COMPLETION = "funded_by_completion"  # equal shares: from the money left, by support
DID_NOT_FIT = "did_not_fit"  # greedy: more than what was left when its turn came
SHARES_SHORT = "shares_short"  # equal shares: its supporters' shares left could not cover it
NO_SUPPORT = "no_support"  # nobody supported it


@dataclass(frozen=True)
class Decision:
    """Why one project was or was not funded, with the numbers to show."""

    project: str
    cost: Fraction
    funded: bool
    reason: str
    supporters: int  # how many voters supported it
    support: Fraction  # approvals, or total points
    position: int | None = None  # 1 for the first project funded, 2 for the next...
    # Equal shares, funded: what its supporters paid, as (amount, how many
    # paid it), largest amount first; the amounts add up to the cost.
    payments: tuple[tuple[Fraction, int], ...] = ()
    # Equal shares, not funded: what its supporters' shares had left, together.
    shares_left: Fraction | None = None
    # Greedy and completion: the budget left when its turn came (before it).
    money_left: Fraction | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "project": self.project,
            "cost": json_number(self.cost),
            "funded": self.funded,
            "reason": self.reason,
            "supporters": self.supporters,
            "support": json_number(self.support),
        }
        if self.position is not None:
            out["position"] = self.position
        if self.payments:
            out["payments"] = [
                {"amount": json_number(amount), "supporters": count}
                for amount, count in self.payments
            ]
        if self.shares_left is not None:
            out["shares_left"] = json_number(self.shares_left)
        if self.money_left is not None:
            out["money_left"] = json_number(self.money_left)
        return out


@dataclass(frozen=True)
class Outcome:
    rule: str  # "greedy" or "mes"
    budget: Fraction
    funded: tuple[str, ...]  # in the order they were funded
    cost: Fraction
    decisions: tuple[Decision, ...]  # one per project, in the round's order
    # Equal shares: each voter's share at the start, and in the run kept.
    first_share: Fraction | None = None
    share: Fraction | None = None
    runs: int = 0  # equal shares: how many runs of the method it took

    @property
    def left(self) -> Fraction:
        return self.budget - self.cost

    def decision(self, project_id: str) -> Decision:
        return next(d for d in self.decisions if d.project == project_id)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "budget": json_number(self.budget),
            "funded": list(self.funded),
            "cost": json_number(self.cost),
            "left": json_number(self.left),
        }
        if self.share is not None and self.first_share is not None:
            out["first_share"] = json_number(self.first_share)
            out["share"] = json_number(self.share)
        out["decisions"] = [d.to_dict() for d in self.decisions]
        return out


def json_number(value: Fraction) -> int | str:
    """An exact amount for JSON: a whole number as a number, else "p/q"."""
    return int(value) if value.denominator == 1 else str(value)


# --- ties --------------------------------------------------------------------


def tie_key(project: Project) -> tuple[Fraction, int, int, str]:
    """The order that breaks ties: lower cost first, then the id (whole
    numbers by value, before other ids, in character order)."""
    pid = project.id
    if pid.isascii() and pid.isdigit():
        return (project.cost, 0, int(pid), pid)
    return (project.cost, 1, 0, pid)


# --- greedy by support ---------------------------------------------------------


def _supporters(round_: BudgetRound) -> tuple[dict[str, int], dict[str, Fraction]]:
    """How many support each project, and its support (approvals or points)."""
    count = dict.fromkeys((p.id for p in round_.projects), 0)
    if round_.kind == "approval":
        for ballot in round_.ballots:
            for pid in ballot:
                count[pid] += 1
        return count, {pid: Fraction(n) for pid, n in count.items()}
    support = dict.fromkeys((p.id for p in round_.projects), Fraction(0))
    for ballot in round_.ballots:
        for pid, points in ballot.items():
            if points > 0:
                count[pid] += 1
                support[pid] += points
    return count, support


def _decision(
    project: Project,
    count: Mapping[str, int],
    support: Mapping[str, Fraction],
    *,
    reason: str,
    **numbers: Any,
) -> Decision:
    return Decision(
        project=project.id,
        cost=project.cost,
        funded=reason.startswith("funded"),
        reason=reason,
        supporters=count[project.id],
        support=support[project.id],
        **numbers,
    )


def greedy(round_: BudgetRound) -> Outcome:
    """Greedy by support: most supported first, skipping what does not fit."""
    count, support = _supporters(round_)
    order = sorted(round_.projects, key=lambda p: (-support[p.id], tie_key(p)))
    left = round_.budget
    funded: list[str] = []
    decided: dict[str, Decision] = {}
    for project in order:
        pid = project.id
        if count[pid] == 0:
            decided[pid] = _decision(project, count, support, reason=NO_SUPPORT)
        elif project.cost <= left:
            funded.append(pid)
            decided[pid] = _decision(
                project,
                count,
                support,
                reason=FUNDED_BY_SUPPORT,
                position=len(funded),
                money_left=left,
            )
            left -= project.cost
        else:
            decided[pid] = _decision(project, count, support, reason=DID_NOT_FIT, money_left=left)
    return Outcome(
        rule="greedy",
        budget=round_.budget,
        funded=tuple(funded),
        cost=round_.budget - left,
        decisions=tuple(decided[p.id] for p in round_.projects),
    )


# --- the Method of Equal Shares ------------------------------------------------


@dataclass
class _Prepared:
    """The round in integers, indexed for the method.

    Money is scaled by ``unit`` (the common denominator of the budget and the
    costs) so that it is whole; points likewise. Projects are numbered in the
    round's order.
    """

    voters: int
    approval: bool
    budget: int
    unit: int
    costs: list[int]
    supporters: list[npt.NDArray[np.intp]]
    # Points ballots: the distinct utilities of each project's supporters,
    # and for each supporter the index of theirs; approval: None (all 1).
    utilities: list[list[int]]
    utility_index: list[npt.NDArray[np.intp] | None]
    utility_lcm: list[int]
    utility_total: list[int]
    # Cost utilities: for approval ballots a project gives each supporter its
    # cost, so rho = (the most a supporter pays) / cost: the weight is the cost.
    weight: list[int]
    tie: list[int]  # each project's place in the tie order
    candidates: list[int]  # supported, costing something
    free: list[int]  # supported, costing nothing: funded first, in tie order


def _prepare(round_: BudgetRound) -> _Prepared:
    unit = math.lcm(round_.budget.denominator, *(p.cost.denominator for p in round_.projects))
    index = {p.id: i for i, p in enumerate(round_.projects)}
    members: list[list[int]] = [[] for _ in round_.projects]
    points: list[list[Fraction]] = [[] for _ in round_.projects]
    approval = round_.kind == "approval"
    for voter, ballot in enumerate(round_.ballots):
        if approval:  # every value is 1
            for pid in ballot:
                members[index[pid]].append(voter)
            continue
        for pid, given in ballot.items():
            if given > 0:
                members[index[pid]].append(voter)
                points[index[pid]].append(given)
    scale = 1
    if not approval:
        scale = math.lcm(1, *(x.denominator for column in points for x in column))
    utilities: list[list[int]] = []
    utility_index: list[npt.NDArray[np.intp] | None] = []
    utility_lcm: list[int] = []
    utility_total: list[int] = []
    for voters, column in zip(members, points, strict=True):
        if approval:
            utilities.append([1])
            utility_index.append(None)
            utility_lcm.append(1)
            utility_total.append(len(voters))
            continue
        whole = [int(x * scale) for x in column]
        distinct = sorted(set(whole))
        where = {u: i for i, u in enumerate(distinct)}
        utilities.append(distinct)
        utility_index.append(np.array([where[u] for u in whole], dtype=np.intp))
        utility_lcm.append(math.lcm(1, *distinct))
        utility_total.append(sum(whole))
    costs = [int(p.cost * unit) for p in round_.projects]
    tie = [0] * len(round_.projects)
    ranked = sorted(range(len(round_.projects)), key=lambda i: tie_key(round_.projects[i]))
    for place, i in enumerate(ranked):
        tie[i] = place
    supported = [i for i, m in enumerate(members) if m]
    return _Prepared(
        voters=len(round_.ballots),
        approval=approval,
        budget=int(round_.budget * unit),
        unit=unit,
        costs=costs,
        supporters=[np.array(m, dtype=np.intp) for m in members],
        utilities=utilities,
        utility_index=utility_index,
        utility_lcm=utility_lcm,
        utility_total=utility_total,
        weight=[c if approval else 1 for c in costs],
        tie=tie,
        candidates=[i for i in supported if costs[i] > 0],
        free=sorted((i for i in supported if costs[i] == 0), key=tie.__getitem__),
    )


class _Horizon:
    """The largest raise for which every comparison of a round comes out the
    same.

    Each comparison is ``a + b * raise >= 0`` (or ``> 0``) with integers a, b,
    true at the raise of the run; it stays true up to a bound when b < 0.
    """

    def __init__(self, at: int) -> None:
        self.at = at
        self.last: int | None = None  # None: no bound

    def keep(self, a: int, b: int, *, strict: bool = False) -> None:
        value = a + b * self.at
        assert value > 0 if strict else value >= 0, "a run broke its own comparison"
        if b >= 0:
            return
        last = (a - 1) // -b if strict else a // -b
        if self.last is None or last < self.last:
            self.last = last


@dataclass
class _Evaluation:
    """A project's rho in a step: (x + y * raise) / rho_den, with the split of
    its supporters' groups into those who pay all they have (before
    ``split``) and those who pay rho times their utility."""

    x: int
    y: int
    rho_den: int
    rest: int  # the utility of those who pay rho * utility
    # The groups of supporters, by share per utility, least first: the
    # supporters of a project in one class (with points: giving it the same
    # utility), their class, how many they are, and the utility.
    classes: list[int]
    counts: list[int]
    utilities: list[int]
    split: int
    inverse: npt.NDArray[np.intp]  # each supporter's group


@dataclass(frozen=True)
class _State:
    """The voters' shares: voter i is in class ``class_of[i]``, and the share
    of class k is (A[k] + G[k] * raise) / den in scaled money: linear in the
    raise, over one common denominator. Never changed in place, so that a
    run can keep the state at the start of each round."""

    A: list[int]
    G: list[int]
    den: int
    class_of: npt.NDArray[np.intp]

    def left(self, prep: _Prepared, p: int, raise_: int) -> Fraction:
        """What the supporters of project p hold, together."""
        counts = np.bincount(self.class_of[prep.supporters[p]], minlength=len(self.A))
        total = sum(
            m * (self.A[k] + self.G[k] * raise_) for k, m in enumerate(counts.tolist()) if m
        )
        return Fraction(total, self.den * prep.unit)


@dataclass(frozen=True)
class _Round:
    """One round of a run: the state it started from, the project funded
    (None in the last round, when none could be), what its supporters paid
    as (a, g, den, how many): each paid (a + g * raise) / den in scaled
    money; and the largest raise for which its comparisons come out the
    same (None: every raise)."""

    start: _State
    remaining: tuple[int, ...]
    bound: dict[int, tuple[int, int, int]]
    funded: int | None
    payments: tuple[tuple[int, int, int, int], ...]
    last: int | None


@dataclass(frozen=True)
class _Run:
    """A run of the method; its outcome holds for every raise from
    ``raise_`` to ``last`` (None: every larger raise), and ``raise_`` is
    the one its numbers are given at."""

    raise_: int
    selected: list[int]
    rounds: list[_Round]
    end: _State | None  # None when there are no voters

    @property
    def last(self) -> int | None:
        bounds = [r.last for r in self.rounds if r.last is not None]
        return min(bounds) if bounds else None

    def payments(self, prep: _Prepared, p: int) -> tuple[tuple[Fraction, int], ...]:
        """What project p's supporters paid, as (amount, how many), largest first."""
        paid: dict[Fraction, int] = {}
        for round_ in self.rounds:
            if round_.funded == p:
                for a, g, den, count in round_.payments:
                    amount = Fraction(a + g * self.raise_, den * prep.unit)
                    paid[amount] = paid.get(amount, 0) + count
        return tuple(sorted(paid.items(), reverse=True))

    def shares_left(self, prep: _Prepared, p: int) -> Fraction:
        """What the supporters of project p have left at the end, together."""
        return self.end.left(prep, p, self.raise_) if self.end else Fraction(0)


class _Shares:
    """The voters' shares during one run (see ``_State``); ``vals`` holds
    the numerators at the raise of the run, ``rank`` orders the classes by
    share (approval ballots)."""

    def __init__(self, prep: _Prepared, raise_: int, state: _State) -> None:
        self.prep = prep
        self.raise_ = raise_
        self.enter(state)

    def enter(self, state: _State) -> None:
        self.state = state
        self.vals = [a + g * self.raise_ for a, g in zip(state.A, state.G, strict=True)]
        self.rank = np.empty(len(self.vals), dtype=np.intp)
        if self.prep.approval:
            by_share = sorted(range(len(self.vals)), key=self.vals.__getitem__)
            self.rank[by_share] = np.arange(len(self.vals))

    @classmethod
    def first(cls, prep: _Prepared, raise_: int) -> _Shares:
        """Every voter holds an equal share: budget / voters, raised."""
        n = prep.voters
        state = _State([prep.budget], [n * prep.unit], n, np.zeros(n, dtype=np.intp))
        return cls(prep, raise_, state)

    def evaluate(self, p: int, horizon: _Horizon) -> _Evaluation | None:
        """Project p's rho now, or None if its supporters cannot pay for it."""
        prep, vals, raise_ = self.prep, self.vals, self.raise_
        A, G, den = self.state.A, self.state.G, self.state.den
        classes = self.state.class_of[prep.supporters[p]]
        uix = prep.utility_index[p]
        if uix is None:
            tally = np.bincount(classes, minlength=len(vals))
            present = np.flatnonzero(tally)
            present = present[np.argsort(self.rank[present], kind="stable")]
            g_class = present.tolist()
            g_count = tally[present].tolist()
            g_utility = [1] * len(g_class)
            where = np.empty(len(vals), dtype=np.intp)
            where[present] = np.arange(len(present))
            inverse = where[classes]
        else:
            width = len(prep.utilities[p])
            keys, inverse, tally = np.unique(
                classes * width + uix, return_inverse=True, return_counts=True
            )
            key_list = keys.tolist()
            lcm = prep.utility_lcm[p]
            distinct = prep.utilities[p]
            # By share per utility: b / u ordered as b * (lcm / u), in integers.
            order = sorted(
                range(len(key_list)),
                key=lambda i: vals[key_list[i] // width] * (lcm // distinct[key_list[i] % width]),
            )
            g_class = [key_list[i] // width for i in order]
            g_utility = [distinct[key_list[i] % width] for i in order]
            g_count = tally[order].tolist()
            position = np.empty(len(order), dtype=np.intp)
            position[order] = np.arange(len(order))
            inverse = position[inverse]
        need = prep.costs[p] * den
        have_a = sum(m * A[k] for k, m in zip(g_class, g_count, strict=True))
        have_g = sum(m * G[k] for k, m in zip(g_class, g_count, strict=True))
        if have_a + have_g * raise_ < need:
            horizon.keep(need - have_a, -have_g, strict=True)
            return None
        # Water-filling: the poorest (per utility) pay all they have while the
        # equal rate for the others would be more than they hold.
        rest = prep.utility_total[p]
        paid_a = paid_g = 0
        split = len(g_class)
        for i, (k, m, u) in enumerate(zip(g_class, g_count, g_utility, strict=True)):
            if (need - paid_a - paid_g * raise_) * u <= vals[k] * rest:
                split = i
                break
            paid_a += m * A[k]
            paid_g += m * G[k]
            rest -= m * u
        assert split < len(g_class), "an affordable project has a supporter who pays the rate"
        return _Evaluation(
            x=need - paid_a,
            y=-paid_g,
            rho_den=den * rest * prep.weight[p],
            rest=rest,
            classes=g_class,
            counts=g_count,
            utilities=g_utility,
            split=split,
            inverse=inverse,
        )

    def pay(
        self, p: int, ev: _Evaluation, horizon: _Horizon
    ) -> tuple[tuple[int, int, int, int], ...]:
        """Project p's supporters pay for it; what they paid, as (a, g, den,
        how many): each paid (a + g * raise) / den."""
        old = self.state
        rest, x, y = ev.rest, ev.x, ev.y
        # rho = (x + y * raise) / (den * rest): the shares move to den * rest.
        new_den = old.den * rest
        A = [a * rest for a in old.A]
        G = [g * rest for g in old.G]
        first_new = len(A)
        payments = []
        for i, (k, m, u) in enumerate(zip(ev.classes, ev.counts, ev.utilities, strict=True)):
            if i < ev.split:
                # They pay all they have: it is at most rho * u.
                horizon.keep(x * u - A[k], y * u - G[k])
                payments.append((old.A[k], old.G[k], old.den, m))
                A.append(0)
                G.append(0)
            else:
                # They pay rho * u: it is at most what they have.
                horizon.keep(A[k] - x * u, G[k] - y * u)
                payments.append((x * u, y * u, new_den, m))
                A.append(A[k] - x * u)
                G.append(G[k] - y * u)
        class_of = old.class_of.copy()
        class_of[self.prep.supporters[p]] = first_new + ev.inverse
        # Drop the classes nobody is in, merge classes whose shares are the
        # same for every raise, and keep the numbers small.
        live = np.flatnonzero(np.bincount(class_of, minlength=len(A))).tolist()
        common = math.gcd(new_den, *(A[k] for k in live), *(G[k] for k in live))
        canonical: dict[tuple[int, int], int] = {}
        remap = [0] * len(A)
        for k in live:
            remap[k] = canonical.setdefault((A[k] // common, G[k] // common), len(canonical))
        state = _State(
            A=[a for a, _ in canonical],
            G=[g for _, g in canonical],
            den=new_den // common,
            class_of=np.array(remap, dtype=np.intp)[class_of],
        )
        self.enter(state)
        return tuple(payments)


def _holds(round_: _Round, raise_: int) -> bool:
    return round_.last is None or round_.last >= raise_


def _run(prep: _Prepared, raise_: int, resume: _Run | None = None) -> _Run:
    """One run of the Method of Equal Shares with every share raised by
    ``raise_`` units of money. With ``resume``, a run at a smaller raise:
    its rounds whose comparisons all come out the same at this raise are
    the same here, so the run starts after them."""
    selected = list(prep.free)
    if prep.voters == 0:
        return _Run(raise_, selected, [], None)
    rounds: list[_Round] = []
    if resume is None or not resume.rounds:
        shares = _Shares.first(prep, raise_)
        remaining = list(prep.candidates)
        # A lower bound of each project's rho: (x + y * raise) / d. At first
        # all shares are equal: rho is at least cost / (supporters' utility).
        bound = {p: (prep.costs[p], 0, prep.utility_total[p] * prep.weight[p]) for p in remaining}
    else:
        held = 0
        while held < len(resume.rounds) and _holds(resume.rounds[held], raise_):
            held += 1
        if held == len(resume.rounds):
            return _Run(raise_, resume.selected, resume.rounds, resume.end)
        rounds = resume.rounds[:held]
        selected += [r.funded for r in rounds if r.funded is not None]
        again = resume.rounds[held]
        shares = _Shares(prep, raise_, again.start)
        remaining = list(again.remaining)
        bound = dict(again.bound)

    # Lazy evaluation, as pabutools and equalshares.net do it: a project
    # whose lower bound is already behind the best of the round is not
    # evaluated again. A project's rho only grows as shares shrink, and for
    # any split of its supporters into P (paying all they have) and R,
    # (cost - what P holds) / (the utility of R) is at most rho, since then
    # the payments min(share, rho * u) add up to at most what P holds plus
    # rho times the utility of R. So a rho computed in an earlier round, as
    # a function of the raise, stays a lower bound at every raise for which
    # the rounds since come out the same.
    def value(p: int) -> float:  # only to choose the order of evaluation
        x, y, d = bound[p]
        return (x + y * raise_) / d

    while True:
        horizon = _Horizon(raise_)
        start, before, bounds = shares.state, tuple(remaining), dict(bound)
        best: int | None = None
        best_eval: _Evaluation | None = None
        for p in sorted(remaining, key=lambda p: (value(p), prep.tie[p])):
            x, y, d = bound[p]
            if best is not None:
                bx, by, bd = bound[best]
                if (x + y * raise_) * bd > (bx + by * raise_) * d:
                    continue  # even its lower bound is behind the best
            evaluation = shares.evaluate(p, horizon)
            if evaluation is None:
                remaining.remove(p)
                del bound[p]
                continue
            bound[p] = (evaluation.x, evaluation.y, evaluation.rho_den)
            if best is None:
                best, best_eval = p, evaluation
                continue
            bx, by, bd = bound[best]
            mine = (evaluation.x + evaluation.y * raise_) * bd
            theirs = (bx + by * raise_) * evaluation.rho_den
            if mine < theirs or (mine == theirs and prep.tie[p] < prep.tie[best]):
                best, best_eval = p, evaluation
        if best is None or best_eval is None:
            rounds.append(_Round(start, before, bounds, None, (), horizon.last))
            break
        # Every other project stays behind the best (its lower bound does).
        bx, by, bd = bound[best]
        for p in remaining:
            if p != best:
                x, y, d = bound[p]
                horizon.keep(x * bd - bx * d, y * bd - by * d, strict=prep.tie[p] < prep.tie[best])
        payments = shares.pay(best, best_eval, horizon)
        rounds.append(_Round(start, before, bounds, best, payments, horizon.last))
        selected.append(best)
        remaining.remove(best)
        del bound[best]
    return _Run(raise_, selected, rounds, shares.state)


def _cost(prep: _Prepared, selected: Iterable[int]) -> int:
    return sum(prep.costs[p] for p in selected)


def _exhaustive(prep: _Prepared, selected: list[int]) -> bool:
    """No supported project that is not funded fits in what is left."""
    left = prep.budget - _cost(prep, selected)
    chosen = set(selected)
    return all(prep.costs[p] > left for p in prep.candidates if p not in chosen)


def _add1(prep: _Prepared, *, jump: bool = True) -> tuple[_Run, int]:
    """Raise every share one unit at a time while the outcome fits the
    budget and is not exhaustive; the last run that fits (its numbers at
    the last raise that fits), and the number of runs computed. With
    ``jump``, raises that cannot change the outcome are skipped, and each
    run resumes the one before; ``jump=False`` computes every raise from
    scratch (for the tests: the result is the same)."""
    run = _run(prep, 0)
    runs = 1
    while not _exhaustive(prep, run.selected):
        last = run.last
        if jump and last is None:
            # No raise changes the outcome any more (cannot happen: with a
            # large enough share every supported project is funded).
            break
        step = last + 1 if jump and last is not None else run.raise_ + 1
        following = _run(prep, step, resume=run if jump else None)
        runs += 1
        if _cost(prep, following.selected) > prep.budget:
            # The same outcome held up to step - 1: give its numbers there.
            run = dataclasses.replace(run, raise_=step - 1)
            break
        run = following
    return run, runs


def equal_shares(round_: BudgetRound, completion: Completion = "add1-greedy") -> Outcome:
    """The Method of Equal Shares, completed (see above) by raising the
    shares then greedy by support (``"add1-greedy"``, the default), by
    raising the shares only (``"add1"``, Pabulib's ``equalshares/add1``), or
    not at all (``"none"``)."""
    if completion not in COMPLETIONS:
        raise BudgetingError(
            "unknown_completion",
            gettext_noop("Unknown completion %(completion)s: expected add1-greedy, add1 or none."),
            completion=completion,
        )
    prep = _prepare(round_)
    if completion != "none":
        run, runs = _add1(prep)
    else:
        run, runs = _run(prep, 0), 1
    count, support = _supporters(round_)
    projects = round_.projects
    funded = [projects[p].id for p in run.selected]
    decided: dict[str, Decision] = {}
    for position, p in enumerate(run.selected, start=1):
        project = projects[p]
        decided[project.id] = _decision(
            project,
            count,
            support,
            reason=FUNDED_BY_SHARES if prep.costs[p] else FUNDED_AT_NO_COST,
            position=position,
            payments=run.payments(prep, p),
        )
    left = round_.budget - sum((projects[p].cost for p in run.selected), Fraction(0))
    # The completion: what is left goes to the projects not funded, most
    # supported first, as greedy by support does.
    chosen = set(run.selected)
    rest = [p for p in prep.candidates if p not in chosen]
    for p in sorted(rest, key=lambda p: (-support[projects[p].id], prep.tie[p])):
        project = projects[p]
        if completion == "add1-greedy" and project.cost <= left:
            funded.append(project.id)
            decided[project.id] = _decision(
                project,
                count,
                support,
                reason=FUNDED_BY_COMPLETION,
                position=len(funded),
                money_left=left,
            )
            left -= project.cost
        else:
            decided[project.id] = _decision(
                project,
                count,
                support,
                reason=SHARES_SHORT,
                shares_left=run.shares_left(prep, p),
                money_left=left if completion == "add1-greedy" else None,
            )
    for project in projects:
        if project.id not in decided:
            decided[project.id] = _decision(project, count, support, reason=NO_SUPPORT)
    first_share = share = None
    if prep.voters:
        first_share = round_.budget / prep.voters
        share = first_share + run.raise_
    return Outcome(
        rule="mes",
        budget=round_.budget,
        funded=tuple(funded),
        cost=round_.budget - left,
        decisions=tuple(decided[p.id] for p in projects),
        first_share=first_share,
        share=share,
        runs=runs,
    )


RULES = {"greedy": greedy, "mes": equal_shares}


def decide(round_: BudgetRound, rule: str) -> Outcome:
    """The outcome of ``rule`` ("greedy" or "mes") on the round."""
    try:
        chosen = RULES[rule]
    except KeyError:
        raise BudgetingError(
            "unknown_rule",
            gettext_noop("Unknown rule %(rule)s: expected greedy or mes."),
            rule=rule,
        ) from None
    return chosen(round_)
