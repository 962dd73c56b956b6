"""Finding a meeting time: each voter answers yes, if need be, or no per slot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from taawun.tally._common import weighted
from taawun.tally.ballots import check_candidates
from taawun.tally.results import MeetingTimeResult, Round
from taawun.tally.ties import TieBreaker
from taawun.tally.validation import AVAILABILITY_ANSWERS, check_availability


def meeting_time(
    slots: Sequence[str],
    ballots: Iterable[Mapping[str, str]],
    *,
    weights: Iterable[int] | None = None,
    seed: str = "",
) -> MeetingTimeResult:
    """Pick the slot that most people can make.

    A slot a voter leaves out counts as "no". Slots are ranked by how many
    can come (yes + if need be), then by how many answered a plain yes; a
    lot orders slots still level, so the first in ``ranking`` is the winner.
    The round's tallies are the people who can come to each slot.
    """
    names = check_candidates(slots)
    answers = {slot: dict.fromkeys(AVAILABILITY_ANSWERS, 0) for slot in names}
    counted = 0
    for ballot, weight in weighted(ballots, weights):
        given = check_availability(answers, ballot)
        for slot in names:
            answers[slot][given.get(slot, "no")] += weight
        counted += weight
    ties = TieBreaker("meeting_time", names, seed)

    def merit(c: int) -> tuple[int, int]:
        slot = answers[names[c]]
        return slot["yes"] + slot["if_need_be"], slot["yes"]

    ranking: list[int] = []
    for level_merit in sorted({merit(c) for c in range(len(names))}, reverse=True):
        level = [c for c in range(len(names)) if merit(c) == level_merit]
        ranking += ties.order(level, round_number=1, purpose="ranking", lowest=False)
    best = ranking[:1] if ranking and merit(ranking[0])[0] > 0 else []
    tallies = {slot: merit(c)[0] for c, slot in enumerate(names)}
    winners = [names[c] for c in best]
    return MeetingTimeResult(
        method="meeting_time",
        candidates=list(names),
        seats=1,
        winners=winners,
        rounds=[Round(number=1, tallies=tallies, elected=winners)],
        tie_breaks=ties.records,
        ballots=counted,
        answers=answers,
        ranking=[names[c] for c in ranking],
    )
