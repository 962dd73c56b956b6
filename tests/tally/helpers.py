"""Small builders shared by the tally tests."""

from __future__ import annotations

from collections.abc import Sequence

from taawun.tally import RankedBallots


def ranked(candidates: str | Sequence[str], *groups: tuple[int, str]) -> RankedBallots:
    """``ranked("ABC", (5, "AB"), (3, "C"))``: 5 ballots A>B, 3 ballots C.

    One-letter candidate names keep hand-worked examples readable.
    """
    names = list(candidates)
    rankings = [list(order) for _, order in groups]
    weights = [count for count, _ in groups]
    return RankedBallots.from_rankings(names, rankings, weights)
