"""Instant runoff: one winner from ranked ballots."""

import hashlib

import pytest

from taawun.tally import EqualRankingsUnsupported, RankedBallots, instant_runoff
from tests.tally.helpers import ranked


def test_a_first_round_majority_wins_at_once():
    result = instant_runoff(ranked("ABC", (6, "A"), (3, "BA"), (2, "C")))
    assert result.winners == ["A"]
    assert len(result.rounds) == 1 and result.rounds[0].elected == ["A"]


def test_fewest_votes_are_excluded_and_their_ballots_move_on():
    result = instant_runoff(ranked("ABC", (5, "A"), (4, "B"), (3, "CB")))
    assert result.winners == ["B"]
    second = result.rounds[1]
    assert second.excluded == ["C"]
    assert second.transferred is not None and second.transferred.to == {"B": 3}
    assert second.tallies == {"A": 5, "B": 7, "C": 0}


def test_ballots_with_no_further_choice_are_counted_as_exhausted():
    result = instant_runoff(ranked("ABC", (5, "A"), (4, "B"), (3, "C")))
    assert result.rounds[1].exhausted == 3
    assert result.winners == ["A"]  # 5 of the 9 ballots still in play


def test_a_tie_for_fewest_is_broken_by_the_latest_round_where_they_differed():
    # Round 2: B and C both have 4; in round 1 B had 3 and C had 4.
    result = instant_runoff(ranked("ABCD", (7, "A"), (3, "BC"), (4, "C"), (1, "DBC")))
    tie = result.tie_breaks[0]
    assert tie.rule == "earlier_round" and tie.chosen == "B" and tie.earlier_round == 1
    assert result.winners == ["C"]


def test_a_tie_in_every_round_is_drawn_by_lot_that_anyone_can_redraw():
    result = instant_runoff(ranked("AB", (2, "A"), (2, "B")), seed="minutes-2025-03")
    tie = result.tie_breaks[0]
    assert tie.rule == "lot" and tie.lot is not None
    lot = tie.lot
    for name, key in lot.keys.items():
        recomputed = hashlib.sha256(f"{lot.seed}\n{lot.context}\n{name}".encode()).hexdigest()
        assert recomputed == key
    assert lot.order == sorted(lot.keys, key=lot.keys.__getitem__)
    assert tie.chosen == lot.order[0]  # drawn first: excluded
    assert result.winners == [lot.order[1]]


def test_the_lot_depends_on_the_seed_and_only_on_it():
    ballots = ranked("AB", (2, "A"), (2, "B"))
    winners = {instant_runoff(ballots, seed=f"seed-{i}").winners[0] for i in range(12)}
    assert winners == {"A", "B"}
    assert (
        instant_runoff(ballots, seed="x").to_dict() == instant_runoff(ballots, seed="x").to_dict()
    )


def test_no_ballots_means_no_winner():
    result = instant_runoff(RankedBallots.from_rankings(["A", "B"], []))
    assert result.winners == []


def test_instant_runoff_refuses_equal_rankings():
    with pytest.raises(EqualRankingsUnsupported):
        instant_runoff(RankedBallots.from_rankings("ABCD", [["A", ["B", "C"], "D"]]))
