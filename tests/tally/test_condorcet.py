"""Schulze's method, its pairwise matrix and its strongest paths."""

from taawun.tally import RankedBallots, condorcet_winner, pairwise_matrix, schulze
from tests.tally.helpers import ranked

# The 45-voter example from Schulze's own papers (also used by Wikipedia).
SCHULZE_EXAMPLE = ranked(
    "ABCDE",
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)


def test_schulze_example_pairwise_matrix():
    result = schulze(SCHULZE_EXAMPLE)
    assert result.pairwise["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert result.pairwise["B"] == {"A": 25, "C": 16, "D": 33, "E": 18}
    assert result.pairwise["C"] == {"A": 19, "B": 29, "D": 17, "E": 24}
    assert result.pairwise["D"] == {"A": 15, "B": 12, "C": 28, "E": 14}
    assert result.pairwise["E"] == {"A": 23, "B": 27, "C": 21, "D": 31}


def test_schulze_example_strongest_paths_and_ranking():
    result = schulze(SCHULZE_EXAMPLE)
    assert result.strongest_paths["A"] == {"B": 28, "C": 28, "D": 30, "E": 24}
    assert result.strongest_paths["E"] == {"A": 25, "B": 28, "C": 28, "D": 31}
    assert result.ranking == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert result.winners == ["E"]
    assert not result.tie_breaks


def test_the_condorcet_winner_wins():
    ballots = ranked("ABC", (4, "ABC"), (3, "BAC"), (2, "CAB"))
    assert condorcet_winner(pairwise_matrix(ballots)) == 0
    assert schulze(ballots).winners == ["A"]


def test_unranked_candidates_count_as_below_every_ranked_one():
    ballots = ranked("ABC", (3, "A"), (2, "B"))
    matrix = pairwise_matrix(ballots)
    assert matrix[0][1] == 3 and matrix[1][0] == 2 and matrix[0][2] == 3 and matrix[2][0] == 0


def test_equal_rankings_count_as_neither_above_the_other():
    ballots = RankedBallots.from_rankings("ABCD", [["A", ["B", "C"], "D"]], [4])
    matrix = pairwise_matrix(ballots)
    assert matrix[1][2] == 0 and matrix[2][1] == 0 and matrix[1][3] == 4


def test_a_perfect_cycle_is_settled_by_a_recorded_lot():
    ballots = ranked("ABC", (1, "ABC"), (1, "BCA"), (1, "CAB"))
    result = schulze(ballots, seed="s")
    assert result.ranking == [["A", "B", "C"]]
    assert len(result.winners) == 1
    assert result.tie_breaks[0].rule == "lot"


def test_several_seats_take_the_top_of_the_schulze_ranking():
    assert schulze(SCHULZE_EXAMPLE, seats=3).winners == ["E", "A", "C"]
