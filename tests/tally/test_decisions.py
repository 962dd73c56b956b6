"""Yes/no and consent decisions with exact thresholds."""

from fractions import Fraction

import pytest

from taawun.tally import ConsentVote, InvalidSettings, UnknownChoice, consent, yes_no


def votes(yes: int, no: int, abstain: int = 0) -> list[str]:
    return ["yes"] * yes + ["no"] * no + ["abstain"] * abstain


def test_a_simple_majority_needs_more_than_half():
    assert yes_no(votes(6, 5)).passed
    assert not yes_no(votes(5, 5)).passed


def test_exactly_two_thirds_meets_a_two_thirds_threshold():
    result = yes_no(votes(10, 5), threshold_rule="two_thirds")
    assert result.passed
    assert result.arithmetic is not None
    assert result.arithmetic.share == Fraction(2, 3) == result.arithmetic.required
    assert not yes_no(votes(9, 5), threshold_rule="two_thirds").passed


def test_abstentions_stay_out_of_the_base_unless_the_bylaws_count_them():
    ballots = votes(6, 4, 3)
    assert yes_no(ballots, threshold_rule="majority").passed
    counted = yes_no(ballots, threshold_rule="majority", abstentions_count=True)
    assert not counted.passed
    assert counted.arithmetic is not None and counted.arithmetic.base == 13


def test_three_quarters_and_unanimity():
    assert yes_no(votes(3, 1), threshold_rule="three_quarters").passed
    assert not yes_no(votes(5, 2), threshold_rule="three_quarters").passed
    assert yes_no(votes(7, 0, 2), threshold_rule="unanimity").passed
    assert not yes_no(votes(7, 0, 2), threshold_rule="unanimity", abstentions_count=True).passed


def test_nothing_passes_when_nobody_voted_yes_or_no():
    result = yes_no(votes(0, 0, 4))
    assert not result.passed
    assert result.arithmetic is not None and result.arithmetic.share is None


def test_yes_no_result_shows_its_arithmetic_as_fractions():
    data = yes_no(votes(7, 3), threshold_rule="two_thirds").to_dict()
    assert data["counts"] == {"yes": 7, "no": 3, "abstain": 0}
    assert data["arithmetic"] == {
        "in_favour": 7,
        "base": 10,
        "share": "7/10",
        "required": "2/3",
        "comparison": ">=",
        "met": True,
    }
    assert data["threshold"]["rule"] == "two_thirds"
    assert data["passed"] is True


def test_unknown_thresholds_and_choices_are_refused():
    with pytest.raises(InvalidSettings):
        yes_no(votes(1, 0), threshold_rule="most")
    with pytest.raises(UnknownChoice):
        yes_no(["maybe"])


def test_block_vote_stops_consent_proposal():
    ballots = ["agree"] * 9 + [ConsentVote("block", "It breaks our data policy")]
    result = consent(ballots)
    assert not result.passed
    assert result.arithmetic is not None and result.arithmetic.met  # 9 of 10 agree
    assert result.blocks == ["It breaks our data policy"]
    assert result.counts == {"agree": 9, "abstain": 0, "disagree": 0, "block": 1}


def test_consent_passes_without_blocks_when_the_threshold_is_met():
    assert consent(["agree", "agree", "disagree", "abstain"]).passed
    assert not consent(["agree", "disagree", "disagree"]).passed


def test_consent_lists_blocks_in_an_order_that_reveals_nothing_about_voters():
    first = consent([ConsentVote("block", "b"), ConsentVote("block", "a")])
    second = consent([ConsentVote("block", "a"), ConsentVote("block", "b")])
    assert first.blocks == second.blocks == ["a", "b"]


def test_consent_refuses_unknown_choices():
    with pytest.raises(UnknownChoice):
        consent(["yes"])
