"""Single transferable vote: ranked ballots, several seats.

Two rule sets:

``scottish`` (the default) follows the counting rules 45-52 of Schedule 1 to
the Scottish Local Government Elections Order 2007 (SSI 2007/42), used for
every Scottish council since 2007:

* quota (rule 46): valid ballots divided by seats + 1, decimals ignored, plus 1;
* a candidate whose votes reach the quota is elected (rule 47);
* a surplus (rule 48) moves *all* the papers the elected candidate holds to
  their next continuing preferences, each at transfer value
  ``surplus x value of the paper when received / candidate's total``,
  computed to five decimal places with the remainder ignored (the weighted
  inclusive Gregory method); papers with no next preference are set aside
  as non-transferable;
* the largest surplus is transferred first; equal surpluses go in order of
  the most votes at the most recent earlier stage at which they differed,
  then by lot (rule 49);
* when no surplus is left to transfer the candidate with fewest votes is
  excluded and all their papers move, each at the value it carried (rule
  50); ties for fewest look back the same way, then go to lot (rule 51);
* when the continuing candidates are no more than the seats left, they are
  all elected and nothing more is transferred (rule 52).

Votes are integers in units of 0.00001 (five decimal places), so there is no
floating point anywhere. An elected candidate whose surplus has gone keeps
exactly the quota; what truncation loses is reported as ``residue``, so that
elected + continuing + exhausted + residue equals the valid poll at every stage.

``meek`` is Meek's method (Hill, Wichmann and Woodall, "Algorithm 123",
The Computer Journal 30(3), 1987) in integer fixed point with nine decimal
places: each elected candidate keeps a fraction (the keep value) of every
ballot that reaches them and passes the rest on; keep values are iterated
until every elected candidate holds the quota to within a millionth, and the
quota is recomputed at every iteration from the votes not yet exhausted.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from taawun.tally._rows import advance, sum_by
from taawun.tally.ballots import RankedBallots
from taawun.tally.errors import InvalidSettings, gettext_noop
from taawun.tally.results import Round, StvResult, Transfer
from taawun.tally.ties import TieBreaker

SCOTTISH_PLACES = 5
MEEK_PLACES = 9
# Keeps every product of the fixed-point arithmetic inside 64 bits.
MAX_BALLOTS = 10**8
MEEK_MAX_ITERATIONS = 1000

_HOPEFUL, _ELECTED, _EXCLUDED = 0, 1, 2


def single_transferable_vote(
    ballots: RankedBallots, seats: int, *, rules: str = "scottish", seed: str = ""
) -> StvResult:
    """Count by STV under the named ``rules`` ("scottish" or "meek")."""
    if rules == "scottish":
        return scottish_stv(ballots, seats, seed=seed)
    if rules == "meek":
        return meek_stv(ballots, seats, seed=seed)
    raise InvalidSettings(None, gettext_noop("unknown STV rules “%(rules)s”"), rules=str(rules))


def _check(ballots: RankedBallots, seats: int) -> npt.NDArray[np.int16]:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidSettings(
            None, gettext_noop("the number of seats must be a whole number of at least 1")
        )
    if ballots.total >= MAX_BALLOTS:
        raise InvalidSettings(
            None, gettext_noop("STV counts fewer than %(limit)d ballots"), limit=MAX_BALLOTS
        )
    return ballots.strict_prefs()


def _decimal(units: int, places: int) -> Decimal:
    return Decimal(int(units)).scaleb(-places)


class _Count:
    """State shared by both rule sets: candidates' states and the stage log."""

    def __init__(self, method: str, ballots: RankedBallots, seats: int, seed: str) -> None:
        self.names = list(ballots.candidates)
        self.seats = seats
        self.state = np.zeros(len(self.names), dtype=np.int8)
        self.ties = TieBreaker(method, self.names, seed)
        self.history: list[list[int]] = []
        self.rounds: list[Round] = []
        self.elected: list[int] = []

    @property
    def continuing(self) -> npt.NDArray[np.bool_]:
        return self.state == _HOPEFUL

    def hopeful(self) -> list[int]:
        return [int(c) for c in np.flatnonzero(self.state == _HOPEFUL)]

    def by_votes_descending(self, group: list[int], votes: npt.NDArray[np.int64]) -> list[int]:
        """Most votes first; equal votes by earlier stages, then by lot."""
        ordered: list[int] = []
        for value in sorted({int(votes[c]) for c in group}, reverse=True):
            level = [c for c in group if votes[c] == value]
            ordered += self.ties.order(
                level,
                round_number=len(self.rounds) + 1,
                purpose="election_order",
                lowest=False,
                history=self.history,
            )
        return ordered

    def elect(self, group: list[int], votes: npt.NDArray[np.int64]) -> list[str]:
        ordered = self.by_votes_descending(group, votes)
        for c in ordered:
            self.state[c] = _ELECTED
            self.elected.append(c)
        return [self.names[c] for c in ordered]

    def lowest_hopeful(self, votes: npt.NDArray[np.int64]) -> int:
        hopeful = self.hopeful()
        lowest = min(int(votes[c]) for c in hopeful)
        return self.ties.pick(
            [c for c in hopeful if votes[c] == lowest],
            round_number=len(self.rounds) + 1,
            purpose="exclusion",
            lowest=True,
            history=self.history,
        )

    def fill_last_seats(self, votes: npt.NDArray[np.int64]) -> bool:
        """Rule 52: elect every continuing candidate once they are no more than
        the seats left. Returns whether the count is over."""
        seats_left = self.seats - len(self.elected)
        if seats_left <= 0:
            return True
        hopeful = self.hopeful()
        if len(hopeful) > seats_left:
            return False
        last = self.rounds[-1]
        last.elected += self.elect(hopeful, votes)
        if hopeful:
            last.note = "the continuing candidates are no more than the seats left: all elected"
        return True


def scottish_stv(ballots: RankedBallots, seats: int, *, seed: str = "") -> StvResult:
    """Count by STV under the Scottish rules (SSI 2007/42, rules 45-52)."""
    prefs = _check(ballots, seats)
    scale = 10**SCOTTISH_PLACES
    count = _Count("scottish_stv", ballots, seats, seed)
    names = count.names
    n_candidates = len(names)
    weights = ballots.weights
    valid = ballots.total
    quota_votes = valid // (seats + 1) + 1
    quota = quota_votes * scale

    pointer = np.zeros(prefs.shape[0], dtype=np.intp)
    current = prefs[:, 0].astype(np.int64) if prefs.shape[1] else np.zeros(0, dtype=np.int64)
    value = np.full(prefs.shape[0], scale, dtype=np.int64)  # each paper's value now
    votes = sum_by(current, weights * scale, n_candidates)
    exhausted = 0
    residue = 0

    def record(elected: list[str], excluded: list[str], transfer: Transfer | None) -> None:
        count.rounds.append(
            Round(
                number=len(count.rounds) + 1,
                tallies={
                    names[c]: _decimal(votes[c], SCOTTISH_PLACES) for c in range(n_candidates)
                },
                elected=elected,
                excluded=excluded,
                transferred=transfer,
                exhausted=_decimal(exhausted, SCOTTISH_PLACES),
                residue=_decimal(residue, SCOTTISH_PLACES),
            )
        )
        count.history.append(votes.tolist())

    def move(rows: npt.NDArray[np.intp], source: int, kind: str) -> tuple[Transfer, int]:
        """Move ``rows`` (at their current ``value``) on from ``source``;
        return the transfer and the value it moved (transferred or set aside)."""
        nonlocal exhausted
        moved_to = advance(prefs, pointer, rows, count.continuing)
        current[rows] = moved_to
        amounts = weights[rows] * value[rows]
        moving = moved_to >= 0
        received = sum_by(moved_to[moving], amounts[moving], n_candidates)
        set_aside = int(amounts[~moving].sum())
        votes[:] += received
        exhausted += set_aside
        transfer = Transfer(
            from_=names[source],
            kind=kind,
            to={names[c]: _decimal(received[c], SCOTTISH_PLACES) for c in np.flatnonzero(received)},
            non_transferable=_decimal(set_aside, SCOTTISH_PLACES),
        )
        return transfer, int(received.sum()) + set_aside

    def reaching_quota() -> list[int]:
        return [c for c in count.hopeful() if votes[c] >= quota]

    record(count.elect(reaching_quota(), votes), [], None)
    while not count.fill_last_seats(votes):
        surpluses = [c for c in count.elected if votes[c] > quota]
        excluded: list[str] = []
        if surpluses:
            largest = max(int(votes[c]) for c in surpluses)
            source = count.ties.pick(
                [c for c in surpluses if votes[c] == largest],
                round_number=len(count.rounds) + 1,
                purpose="surplus_order",
                lowest=False,
                history=count.history,
            )
            total = int(votes[source])
            surplus = total - quota
            rows = np.flatnonzero(current == source)
            # Rule 48(3): A / B with A = surplus x value when received, B = total,
            # to five decimal places, remainder ignored.
            value[rows] = surplus * value[rows] // total
            votes[source] = quota
            transfer, moved = move(rows, source, "surplus")
            lost = surplus - moved
            residue += lost
            transfer.loss = _decimal(lost, SCOTTISH_PLACES)
            transfer.surplus = _decimal(surplus, SCOTTISH_PLACES)
            transfer.total = _decimal(total, SCOTTISH_PLACES)
        else:
            source = count.lowest_hopeful(votes)
            count.state[source] = _EXCLUDED
            excluded = [names[source]]
            if len(count.hopeful()) <= seats - len(count.elected):
                # Rule 52(2): the last vacancies are filled by this exclusion,
                # so its papers are not transferred (they stay with the excluded
                # candidate in this stage's tallies).
                record([], excluded, None)
                continue
            rows = np.flatnonzero(current == source)
            votes[source] = 0
            transfer, _ = move(rows, source, "exclusion")
        record(count.elect(reaching_quota(), votes), excluded, transfer)

    return StvResult(
        method="stv",
        rules="scottish",
        precision=SCOTTISH_PLACES,
        candidates=names,
        seats=seats,
        winners=[names[c] for c in count.elected],
        rounds=count.rounds,
        quota=quota_votes,
        tie_breaks=count.ties.records,
        ballots=valid,
        exhausted=_decimal(exhausted, SCOTTISH_PLACES),
        residue=_decimal(residue, SCOTTISH_PLACES),
    )


def meek_stv(
    ballots: RankedBallots,
    seats: int,
    *,
    seed: str = "",
    max_iterations: int = MEEK_MAX_ITERATIONS,
) -> StvResult:
    """Count by STV with Meek's method (nine decimal places, fixed point)."""
    prefs = _check(ballots, seats)
    scale = 10**MEEK_PLACES
    count = _Count("meek_stv", ballots, seats, seed)
    names = count.names
    n_candidates = len(names)
    weights = ballots.weights
    valid = ballots.total
    keep = np.full(n_candidates, scale, dtype=np.int64)

    def distribute() -> tuple[npt.NDArray[np.int64], int, int]:
        """Votes per candidate, exhausted votes and the quota for ``keep``.

        Each ballot starts with weight 1; each candidate in order keeps
        ``weight x keep value`` (rounded down) and passes the rest on, so
        that nothing is lost to rounding: what no candidate keeps is exhausted.
        """
        remaining = np.full(prefs.shape[0], scale, dtype=np.int64)
        votes = np.zeros(n_candidates, dtype=np.int64)
        for k in range(prefs.shape[1]):
            rows = np.flatnonzero((prefs[:, k] >= 0) & (remaining > 0))
            if not rows.size:
                break
            cand = prefs[rows, k].astype(np.int64)
            kept = remaining[rows] * keep[cand] // scale
            votes += sum_by(cand, kept * weights[rows], n_candidates)
            remaining[rows] -= kept
        exhausted = int((remaining * weights).sum())
        quota = (valid * scale - exhausted) // (seats + 1) + 1
        return votes, exhausted, quota

    def converge() -> tuple[npt.NDArray[np.int64], int, int, int]:
        votes, exhausted, quota = distribute()
        for iteration in range(max_iterations):
            tolerance = max(1, quota // 10**6)
            if all(abs(int(votes[c]) - quota) <= tolerance for c in count.elected):
                return votes, exhausted, quota, iteration
            for c in count.elected:
                # new keep value = keep x quota / votes, rounded up
                keep[c] = min(scale, -(-int(keep[c]) * quota // max(1, int(votes[c]))))
            votes, exhausted, quota = distribute()
        return votes, exhausted, quota, max_iterations

    def record(
        votes: npt.NDArray[np.int64],
        exhausted: int,
        quota: int,
        elected: list[str],
        excluded: list[str],
        note: str | None,
    ) -> None:
        count.rounds.append(
            Round(
                number=len(count.rounds) + 1,
                tallies={names[c]: _decimal(votes[c], MEEK_PLACES) for c in range(n_candidates)},
                elected=elected,
                excluded=excluded,
                exhausted=_decimal(exhausted, MEEK_PLACES),
                quota=_decimal(quota, MEEK_PLACES),
                keep_values={
                    names[c]: _decimal(keep[c], MEEK_PLACES)
                    for c in range(n_candidates)
                    if count.state[c] != _HOPEFUL
                },
                note=note,
            )
        )
        count.history.append(votes.tolist())

    votes, exhausted, quota, _ = converge()
    record(votes, exhausted, quota, count.elect(_reaching(count, votes, quota), votes), [], None)
    while not count.fill_last_seats(votes):
        excluded: list[str] = []
        if not count.rounds[-1].elected:
            loser = count.lowest_hopeful(votes)
            count.state[loser] = _EXCLUDED
            keep[loser] = 0
            excluded = [names[loser]]
        votes, exhausted, quota, iterations = converge()
        note = f"keep values updated {iterations} times"
        if iterations == max_iterations:
            note += " without converging (iteration limit reached)"
        newly = count.elect(_reaching(count, votes, quota), votes)
        record(votes, exhausted, quota, newly, excluded, note)

    return StvResult(
        method="stv",
        rules="meek",
        precision=MEEK_PLACES,
        candidates=names,
        seats=seats,
        winners=[names[c] for c in count.elected],
        rounds=count.rounds,
        quota=_decimal(quota, MEEK_PLACES),
        tie_breaks=count.ties.records,
        ballots=valid,
        exhausted=_decimal(exhausted, MEEK_PLACES),
        residue=0,
    )


def _reaching(count: _Count, votes: npt.NDArray[np.int64], quota: int) -> list[int]:
    return [c for c in count.hopeful() if votes[c] >= quota]
