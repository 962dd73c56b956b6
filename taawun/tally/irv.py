"""Instant runoff (IRV): ranked ballots, one winner.

Each round counts every ballot for its highest-ranked continuing candidate.
A candidate with more than half of the votes still in play wins; otherwise
the candidate with the fewest votes is excluded and their ballots move on.
A tie for fewest is broken by looking back at earlier rounds (fewest votes
at the most recent round in which the tied candidates differed), then by lot.
"""

from __future__ import annotations

import numpy as np

from taawun.tally._rows import advance, sum_by
from taawun.tally.ballots import RankedBallots
from taawun.tally.results import Round, TallyResult, Transfer
from taawun.tally.ties import TieBreaker


def instant_runoff(ballots: RankedBallots, *, seed: str = "") -> TallyResult:
    """Count ranked ballots by instant runoff; ``seed`` draws any lot needed."""
    prefs = ballots.strict_prefs()
    names = list(ballots.candidates)
    n_candidates = len(names)
    weights = ballots.weights
    ties = TieBreaker("irv", names, seed)
    pointer = np.zeros(prefs.shape[0], dtype=np.intp)
    current = prefs[:, 0].astype(np.int64) if prefs.shape[1] else np.zeros(0, dtype=np.int64)
    continuing = np.ones(n_candidates, dtype=bool)
    votes = sum_by(current, weights, n_candidates)
    history: list[list[int]] = []
    rounds: list[Round] = []
    winners: list[str] = []
    exhausted = 0
    excluded: list[str] = []
    transfer: Transfer | None = None

    while True:
        active = np.flatnonzero(continuing)
        in_play = int(votes[active].sum())
        top = int(votes[active].max()) if active.size else 0
        winner: int | None = None
        if in_play and (active.size == 1 or 2 * top > in_play):
            winner = int(active[votes[active] == top][0])
            winners.append(names[winner])
        rounds.append(
            Round(
                number=len(rounds) + 1,
                tallies={names[c]: int(votes[c]) for c in range(n_candidates)},
                elected=[names[winner]] if winner is not None else [],
                excluded=excluded,
                transferred=transfer,
                exhausted=exhausted,
            )
        )
        history.append(votes.tolist())
        if winner is not None or not in_play:
            break

        lowest = int(votes[active].min())
        loser = ties.pick(
            [int(c) for c in active if votes[c] == lowest],
            round_number=len(rounds) + 1,
            purpose="exclusion",
            lowest=True,
            history=history,
        )
        continuing[loser] = False
        rows = np.flatnonzero(current == loser)
        moved_to = advance(prefs, pointer, rows, continuing)
        current[rows] = moved_to
        moving = moved_to >= 0
        row_weights = weights[rows]
        received = sum_by(moved_to[moving], row_weights[moving], n_candidates)
        lost = int(row_weights[~moving].sum())
        votes[loser] = 0
        votes += received
        exhausted += lost
        excluded = [names[loser]]
        transfer = Transfer(
            from_=names[loser],
            kind="exclusion",
            to={names[c]: int(received[c]) for c in np.flatnonzero(received)},
            non_transferable=lost,
        )

    return TallyResult(
        method="irv",
        candidates=names,
        seats=1,
        winners=winners,
        rounds=rounds,
        tie_breaks=ties.records,
        ballots=ballots.total,
    )
