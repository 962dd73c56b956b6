"""Small helpers shared by the one-round poll kinds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from taawun.tally.ballots import check_candidates
from taawun.tally.errors import InvalidSettings, InvalidWeight, gettext_noop
from taawun.tally.ties import TieBreaker

T = TypeVar("T")


def weighted(ballots: Iterable[T], weights: Iterable[int] | None) -> Iterator[tuple[T, int]]:
    """Pair each ballot with its weight (1 when no weights are given)."""
    if weights is None:
        for ballot in ballots:
            yield ballot, 1
        return
    sentinel = object()
    weight_iter = iter(weights)
    for ballot in ballots:
        weight = next(weight_iter, sentinel)
        if weight is sentinel:
            raise InvalidWeight(None, gettext_noop("there are fewer weights than ballots"))
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise InvalidWeight(
                None,
                gettext_noop("a ballot weight must be a whole number, not “%(weight)s”"),
                weight=str(weight),
            )
        yield ballot, weight
    if next(weight_iter, sentinel) is not sentinel:
        raise InvalidWeight(None, gettext_noop("there are more weights than ballots"))


def check_seats(seats: int, candidates: Sequence[str]) -> tuple[str, ...]:
    names = check_candidates(candidates)
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidSettings(
            None, gettext_noop("the number of seats must be a whole number of at least 1")
        )
    return names


def top(totals: Sequence[int], seats: int, ties: TieBreaker, *, round_number: int = 1) -> list[int]:
    """The ``seats`` candidates with the highest totals, most first.

    A candidate needs at least one vote to win. Candidates level on the same
    total are listed in ballot-paper order when all of them win; when only
    some of them can, a lot decides which.
    """
    winners: list[int] = []
    for value in sorted({t for t in totals if t > 0}, reverse=True):
        need = seats - len(winners)
        if need <= 0:
            break
        level = [c for c, t in enumerate(totals) if t == value]
        if len(level) <= need:
            winners += level
        else:
            winners += ties.order(
                level, round_number=round_number, purpose="winner", lowest=False, limit=need
            )
    return winners
