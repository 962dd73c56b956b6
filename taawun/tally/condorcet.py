"""Condorcet counting by the Schulze method (beatpath).

From the ranked ballots we build the pairwise matrix: ``pairwise[a][b]`` is
the number of ballots ranking ``a`` above ``b`` (a ballot ranks every
candidate it names above every candidate it leaves out, and candidates it
ranks equal, or leaves out, are level). The strength of a direct link from
``a`` to ``b`` is ``pairwise[a][b]`` when ``a`` beats ``b`` and 0 otherwise
("winning votes", as in Schulze, Social Choice and Welfare 36, 2011). The
strength of the strongest path from ``a`` to ``b`` is the largest, over all
paths, of the weakest link on the path (Floyd-Warshall widest paths).
``a`` ranks above ``b`` when its strongest path to ``b`` is stronger than
the one back; this order is transitive, so the candidates fall into tiers.
The first tier wins; a lot orders candidates within a tier when it matters.
A Condorcet winner, who beats every other candidate head to head, is
always the only candidate of the first tier.
"""

from __future__ import annotations

import numpy as np

from taawun.tally.ballots import RankedBallots
from taawun.tally.errors import InvalidSettings, gettext_noop
from taawun.tally.results import Round, SchulzeResult
from taawun.tally.ties import TieBreaker

# Candidates per bit mask when adding up the pairwise counts: a mask of
# _BLOCK bits indexes 2**_BLOCK counts per candidate.
_BLOCK = 10


def pairwise_matrix(ballots: RankedBallots) -> list[list[int]]:
    """``matrix[a][b]``: ballots ranking candidate ``a`` above candidate ``b``."""
    n = len(ballots.candidates)
    prefs, weights, levels = ballots.prefs, ballots.weights, ballots.levels
    width = prefs.shape[1]
    # Each ranked position of a ballot says "this candidate beats this set":
    # the candidates ranked lower or not at all. Adding up the weights per
    # (candidate, set) takes one pass over the ballots; each set then gives
    # its count to each of its members. The sets are bit masks over blocks of
    # at most _BLOCK candidates. Padding counts for a spare candidate ``n``,
    # whose counts are dropped.
    beater = np.where(prefs >= 0, prefs, n).astype(np.int64).ravel()
    amounts = np.repeat(weights, width)
    matrix = np.zeros((n, n), dtype=np.int64)
    for first in range(0, n, _BLOCK):
        size = min(_BLOCK, n - first)
        bit = np.zeros(n + 1, dtype=np.int64)
        bit[first : first + size] = np.left_shift(1, np.arange(size))
        # at_or_above[r, k]: the block's candidates ranked at position k or above...
        at_or_above = np.bitwise_or.accumulate(bit[prefs], axis=1)
        if levels is not None:
            # ...or level with it.
            for k in range(width - 2, -1, -1):
                level = levels[:, k + 1] == levels[:, k]
                at_or_above[level, k] = at_or_above[level, k + 1]
        below = at_or_above.ravel() ^ ((1 << size) - 1)
        counts = np.zeros((n + 1) << size, dtype=np.int64)
        np.add.at(counts, (beater << size) | below, amounts)
        members = (np.arange(1 << size)[:, None] >> np.arange(size)) & 1
        matrix[:, first : first + size] = counts[: n << size].reshape(n, 1 << size) @ members
    return matrix.tolist()


def strongest_paths(pairwise: list[list[int]]) -> list[list[int]]:
    n = len(pairwise)
    paths = [
        [pairwise[a][b] if a != b and pairwise[a][b] > pairwise[b][a] else 0 for b in range(n)]
        for a in range(n)
    ]
    for via in range(n):
        for a in range(n):
            if a == via:
                continue
            through = paths[a][via]
            if not through:
                continue
            row = paths[a]
            onward = paths[via]
            for b in range(n):
                if b != a and b != via:
                    link = min(through, onward[b])
                    if link > row[b]:
                        row[b] = link
    return paths


def schulze(ballots: RankedBallots, *, seats: int = 1, seed: str = "") -> SchulzeResult:
    """Count ranked ballots by the Schulze method.

    With ``seats`` above 1 the winners are the top of the Schulze ranking
    (this is not proportional representation; use STV for that). The single
    round's tallies are how many candidates each one beats by strongest path.
    """
    names = list(ballots.candidates)
    n = len(names)
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidSettings(
            None, gettext_noop("the number of seats must be a whole number of at least 1")
        )
    pairwise = pairwise_matrix(ballots)
    paths = strongest_paths(pairwise)
    beats = [[paths[a][b] > paths[b][a] for b in range(n)] for a in range(n)]

    tiers: list[list[int]] = []
    left = list(range(n))
    while left:
        tier = [a for a in left if not any(beats[b][a] for b in left)]
        tiers.append(tier)
        left = [a for a in left if a not in tier]

    ties = TieBreaker("schulze", names, seed)
    winners: list[int] = []
    if ballots.total:
        for tier in tiers:
            need = seats - len(winners)
            if need <= 0:
                break
            if len(tier) <= need:
                winners += tier
            else:
                winners += ties.order(
                    tier, round_number=1, purpose="winner", lowest=False, limit=need
                )
    wins = {names[a]: sum(beats[a]) for a in range(n)}
    return SchulzeResult(
        method="schulze",
        candidates=names,
        seats=seats,
        winners=[names[a] for a in winners],
        rounds=[Round(number=1, tallies=wins, elected=[names[a] for a in winners])],
        tie_breaks=ties.records,
        ballots=ballots.total,
        pairwise=_as_table(names, pairwise),
        strongest_paths=_as_table(names, paths),
        ranking=[[names[a] for a in tier] for tier in tiers],
    )


def _as_table(names: list[str], matrix: list[list[int]]) -> dict[str, dict[str, int]]:
    return {
        names[a]: {names[b]: matrix[a][b] for b in range(len(names)) if b != a}
        for a in range(len(names))
    }


def condorcet_winner(pairwise: list[list[int]]) -> int | None:
    """The candidate who beats every other head to head, if there is one."""
    n = len(pairwise)
    for a in range(n):
        if all(pairwise[a][b] > pairwise[b][a] for b in range(n) if b != a):
            return a
    return None
