"""Ranked ballots are checked, aggregated and held as integer matrices."""

import numpy as np
import pytest

from taawun.tally import (
    DuplicateRanking,
    InvalidSettings,
    InvalidWeight,
    RankedBallots,
    UnknownCandidate,
)


def test_identical_rankings_are_counted_once_with_their_weight():
    ballots = RankedBallots.from_rankings("ABC", [["A", "B"], ["C"], ["A", "B"]], [1, 2, 4])
    assert ballots.total == 7
    assert sorted(ballots.rankings()) == [(["A", "B"], 5), (["C"], 2)]
    assert ballots.prefs.shape == (2, 2)


def test_matrix_and_name_lists_give_the_same_ballots():
    names = ["A", "B", "C"]
    from_names = RankedBallots.from_rankings(names, [["B", "A"], ["C"], ["B", "A"]])
    from_matrix = RankedBallots.from_array(names, np.array([[1, 0], [2, -1], [1, 0]]))
    assert sorted(from_names.rankings()) == sorted(from_matrix.rankings())
    assert np.array_equal(from_names.prefs, from_matrix.prefs)


def test_blank_ballots_are_kept_apart():
    ballots = RankedBallots.from_rankings("AB", [[], ["A"], []])
    assert ballots.blank == 2 and ballots.total == 1


def test_bad_rankings_are_refused():
    with pytest.raises(UnknownCandidate):
        RankedBallots.from_rankings("AB", [["A", "Z"]])
    with pytest.raises(DuplicateRanking):
        RankedBallots.from_rankings("AB", [["A", "A"]])
    with pytest.raises(DuplicateRanking):
        RankedBallots.from_array("AB", np.array([[0, 0]]))
    with pytest.raises(UnknownCandidate):
        RankedBallots.from_array("AB", np.array([[0, 2]]))
    with pytest.raises(InvalidSettings):
        RankedBallots.from_array("ABC", np.array([[0, -1, 1]]))
    with pytest.raises(InvalidWeight):
        RankedBallots.from_rankings("AB", [["A"]], [1.5])
    with pytest.raises(InvalidSettings):
        RankedBallots.from_rankings(["A", "A"], [])


def test_withdrawn_candidates_vanish_from_every_ranking():
    ballots = RankedBallots.from_rankings("ABC", [["B", "A", "C"], ["B"], [["A", "B"], "C"]])
    kept = ballots.withdraw(["B"])
    assert kept.candidates == ("A", "C")
    assert sorted(kept.rankings()) == [(["A", "C"], 2)]
    assert kept.blank == 1


def test_positions_rank_unranked_candidates_equal_last():
    ballots = RankedBallots.from_rankings("ABCD", [["C", ["A", "B"]]])
    assert ballots.positions().tolist() == [[1, 1, 0, 3]]
