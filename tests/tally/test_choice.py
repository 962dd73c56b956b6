"""One-round counts: plurality, approval, score and dot votes."""

from fractions import Fraction

import pytest

from taawun.tally import (
    InvalidSettings,
    InvalidWeight,
    ScoreOutOfRange,
    TooManyApprovals,
    UnknownCandidate,
    WrongDotTotal,
    approval,
    dot_vote,
    plurality,
    score,
)

PEOPLE = ["Amal", "Bilal", "Chen"]


def test_plurality_counts_single_choices_and_skips_blank_ballots():
    result = plurality(PEOPLE, ["Amal", "Bilal", "Amal", None])
    assert result.totals == {"Amal": 2, "Bilal": 1, "Chen": 0}
    assert result.winners == ["Amal"]
    assert result.ballots == 3


def test_plurality_weights_count_a_ballot_several_times():
    result = plurality(PEOPLE, ["Amal", "Bilal"], weights=[1, 3])
    assert result.winners == ["Bilal"]


def test_weights_must_match_the_ballots():
    with pytest.raises(InvalidWeight):
        plurality(PEOPLE, ["Amal", "Bilal"], weights=[1])
    with pytest.raises(InvalidWeight):
        plurality(PEOPLE, ["Amal"], weights=[1, 2])
    with pytest.raises(InvalidWeight):
        plurality(PEOPLE, ["Amal"], weights=[-1])


def test_a_tie_for_the_last_seat_is_drawn_by_lot_and_recorded():
    result = plurality(PEOPLE, ["Amal", "Bilal"], seed="agm-2025")
    assert len(result.winners) == 1
    assert result.tie_breaks[0].rule == "lot" and result.tie_breaks[0].tied == ["Amal", "Bilal"]


def test_candidates_level_but_all_elected_need_no_lot():
    result = plurality(PEOPLE, ["Amal", "Bilal", "Chen", "Chen"], seats=3)
    assert result.winners == ["Chen", "Amal", "Bilal"]
    assert result.tie_breaks == []


def test_nobody_wins_without_a_vote():
    assert plurality(PEOPLE, [], seats=2).winners == []
    assert plurality(PEOPLE, ["Amal"], seats=2).winners == ["Amal"]


def test_plurality_refuses_unknown_candidates():
    with pytest.raises(UnknownCandidate):
        plurality(PEOPLE, ["Zed"])


def test_approval_counts_each_approval_up_to_the_limit():
    result = approval(PEOPLE, [["Amal", "Bilal"], ["Bilal"], []], max_approvals=2, seats=2)
    assert result.totals == {"Amal": 1, "Bilal": 2, "Chen": 0}
    assert result.winners == ["Bilal", "Amal"]
    assert result.ballots == 3
    with pytest.raises(TooManyApprovals):
        approval(PEOPLE, [PEOPLE], max_approvals=2)
    with pytest.raises(InvalidSettings):
        approval(PEOPLE, [], max_approvals=0)


def test_score_gives_totals_and_exact_means():
    result = score(PEOPLE, [{"Amal": 5, "Bilal": 2}, {"Amal": 4}, {"Bilal": 5, "Chen": 0}])
    assert result.totals == {"Amal": 9, "Bilal": 7, "Chen": 0}
    assert result.means == {"Amal": Fraction(9, 2), "Bilal": Fraction(7, 2), "Chen": Fraction(0)}
    assert result.means_rounded["Amal"] == "4.50"
    assert result.scored_by == {"Amal": 2, "Bilal": 2, "Chen": 1}
    assert result.winners == ["Amal"]
    assert result.to_dict()["means"]["Amal"] == "9/2"


def test_score_refuses_scores_out_of_range_and_bad_ranges():
    with pytest.raises(ScoreOutOfRange):
        score(PEOPLE, [{"Amal": 6}])
    with pytest.raises(InvalidSettings):
        score(PEOPLE, [], minimum=5, maximum=5)


def test_a_candidate_nobody_scored_has_no_mean():
    assert score(PEOPLE, [{"Amal": 1}]).means["Chen"] is None


def test_dot_vote_adds_the_dots_and_demands_all_of_them_are_spread():
    result = dot_vote(PEOPLE, [{"Amal": 3, "Chen": 2}, {"Chen": 5}], dots=5)
    assert result.totals == {"Amal": 3, "Bilal": 0, "Chen": 7}
    assert result.winners == ["Chen"]
    with pytest.raises(WrongDotTotal):
        dot_vote(PEOPLE, [{"Amal": 3}], dots=5)
