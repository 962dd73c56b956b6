"""One-round counts: plurality, approval, score and dot votes.

Each is a single count of the ballots; the ``seats`` candidates with the
highest totals win (a lot decides between candidates level at the last
winning place). Every ballot is checked with the same functions the web
uses (:mod:`taawun.tally.validation`), so a bad ballot raises instead of
being dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from taawun.tally._common import check_seats, top, weighted
from taawun.tally.errors import InvalidSettings, gettext_noop
from taawun.tally.results import CountResult, Round, ScoreResult
from taawun.tally.ties import TieBreaker
from taawun.tally.validation import (
    check_approvals,
    check_choice,
    check_dots,
    check_score_range,
    check_scores,
)


def _count_result(
    method: str,
    names: Sequence[str],
    totals: list[int],
    seats: int,
    counted: int,
    seed: str,
) -> CountResult:
    ties = TieBreaker(method, names, seed)
    winners = [names[c] for c in top(totals, seats, ties)]
    tallies = {name: totals[c] for c, name in enumerate(names)}
    return CountResult(
        method=method,
        candidates=list(names),
        seats=seats,
        winners=winners,
        rounds=[Round(number=1, tallies=tallies, elected=winners)],
        tie_breaks=ties.records,
        ballots=counted,
        totals=dict(tallies),
    )


def plurality(
    candidates: Sequence[str],
    choices: Iterable[str | None],
    *,
    seats: int = 1,
    weights: Iterable[int] | None = None,
    seed: str = "",
) -> CountResult:
    """Single choice: each ballot names one candidate (``None`` is blank)."""
    names = check_seats(seats, candidates)
    index = {name: c for c, name in enumerate(names)}
    totals = [0] * len(names)
    counted = 0
    for choice, weight in weighted(choices, weights):
        chosen = check_choice(index, choice)
        if chosen is not None:
            totals[index[chosen]] += weight
            counted += weight
    return _count_result("plurality", names, totals, seats, counted, seed)


def approval(
    candidates: Sequence[str],
    ballots: Iterable[Collection[str]],
    *,
    max_approvals: int | None = None,
    seats: int = 1,
    weights: Iterable[int] | None = None,
    seed: str = "",
) -> CountResult:
    """Approval: each ballot approves up to ``max_approvals`` candidates."""
    names = check_seats(seats, candidates)
    if max_approvals is not None and max_approvals < 1:
        raise InvalidSettings(
            None, gettext_noop("voters must be allowed to approve at least one candidate")
        )
    index = {name: c for c, name in enumerate(names)}
    totals = [0] * len(names)
    counted = 0
    for ballot, weight in weighted(ballots, weights):
        for name in check_approvals(index, ballot, max_approvals=max_approvals):
            totals[index[name]] += weight
        counted += weight
    return _count_result("approval", names, totals, seats, counted, seed)


def dot_vote(
    candidates: Sequence[str],
    ballots: Iterable[Mapping[str, int]],
    *,
    dots: int,
    seats: int = 1,
    weights: Iterable[int] | None = None,
    seed: str = "",
) -> CountResult:
    """Dot voting: each ballot spreads exactly ``dots`` dots over the candidates."""
    names = check_seats(seats, candidates)
    if isinstance(dots, bool) or not isinstance(dots, int) or dots < 1:
        raise InvalidSettings(None, gettext_noop("each voter must have at least one dot"))
    index = {name: c for c, name in enumerate(names)}
    totals = [0] * len(names)
    counted = 0
    for ballot, weight in weighted(ballots, weights):
        for name, value in check_dots(index, ballot, total=dots).items():
            totals[index[name]] += value * weight
        counted += weight
    return _count_result("dot", names, totals, seats, counted, seed)


def score(
    candidates: Sequence[str],
    ballots: Iterable[Mapping[str, int]],
    *,
    minimum: int = 0,
    maximum: int = 5,
    seats: int = 1,
    weights: Iterable[int] | None = None,
    seed: str = "",
) -> ScoreResult:
    """Score (range) voting: each ballot scores candidates from ``minimum`` to ``maximum``.

    The winners have the highest totals. A candidate left unscored on a
    ballot gets nothing from it, and the mean is over the ballots that
    scored the candidate (``scored_by``); means are exact fractions, with
    a two-decimal rounding for display.
    """
    names = check_seats(seats, candidates)
    check_score_range(minimum, maximum)
    index = {name: c for c, name in enumerate(names)}
    totals = [0] * len(names)
    scored_by = [0] * len(names)
    counted = 0
    for ballot, weight in weighted(ballots, weights):
        for name, value in check_scores(index, ballot, minimum=minimum, maximum=maximum).items():
            totals[index[name]] += value * weight
            scored_by[index[name]] += weight
        counted += weight
    base = _count_result("score", names, totals, seats, counted, seed)
    means = {
        name: Fraction(totals[c], scored_by[c]) if scored_by[c] else None
        for c, name in enumerate(names)
    }
    return ScoreResult(
        method="score",
        candidates=base.candidates,
        seats=seats,
        winners=base.winners,
        rounds=base.rounds,
        tie_breaks=base.tie_breaks,
        ballots=counted,
        totals=base.totals,
        means=means,
        means_rounded={name: _two_places(mean) for name, mean in means.items()},
        scored_by={name: scored_by[c] for c, name in enumerate(names)},
        minimum=minimum,
        maximum=maximum,
    )


def _two_places(value: Fraction | None) -> str | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
