"""What each kind of poll accepts as a vote, and the reasons it gives when not."""

from __future__ import annotations

import pytest

from taawun.errors import InvalidInput
from taawun.governance.ballots import check_choice, ranking_from_positions

OPTIONS = ["Amal", "Badr", "Chadi", "Dalia"]


@pytest.mark.parametrize(
    ("kind", "settings", "raw", "expected"),
    [
        ("consent", {}, {"position": "agree"}, {"position": "agree", "reason": ""}),
        (
            "consent",
            {},
            {"position": "block", "reason": "It breaks our bylaws"},
            {"position": "block", "reason": "It breaks our bylaws"},
        ),
        ("yes_no", {}, {"answer": "abstain"}, {"answer": "abstain"}),
        ("plurality", {}, {"option": "2"}, {"option": 2}),
        ("approval", {"max_approvals": 2}, {"options": [3, "0"]}, {"options": [0, 3]}),
        (
            "score",
            {"score_min": 0, "score_max": 5},
            {"scores": {"0": 5, "1": "0", "2": 3, "3": 1}},
            {"scores": {"0": 5, "1": 0, "2": 3, "3": 1}},
        ),
        ("dots", {"dots": 10}, {"dots": {"1": 7, "3": 3, "0": 0}}, {"dots": {"1": 7, "3": 3}}),
        ("irv", {}, {"ranking": [2, 0]}, {"ranking": [2, 0]}),
        (
            "meeting",
            {},
            {"slots": {"0": "yes", "1": "maybe", "2": "no", "3": "yes"}},
            {"slots": {"0": "yes", "1": "maybe", "2": "no", "3": "yes"}},
        ),
    ],
)
def test_a_valid_vote_is_normalised(kind, settings, raw, expected):
    assert check_choice(kind, OPTIONS, settings, raw) == expected


@pytest.mark.parametrize(
    ("kind", "settings", "raw", "fragment"),
    [
        ("consent", {}, {"position": "block"}, "needs a reason"),
        ("consent", {}, {"position": "maybe"}, "agree, abstain"),
        ("yes_no", {}, {"answer": "perhaps"}, "yes, no or abstain"),
        ("plurality", {}, {"option": 9}, "not one of the choices"),
        ("plurality", {}, {"option": True}, "not one of the choices"),
        ("approval", {"max_approvals": 2}, {"options": [0, 1, 2]}, "at most 2"),
        ("approval", {}, {"options": [1, 1]}, "only once"),
        (
            "score",
            {"score_min": 0, "score_max": 5},
            {"scores": {"0": 6, "1": 0, "2": 0, "3": 0}},
            "from 0 to 5",
        ),
        ("score", {"score_min": 0, "score_max": 5}, {"scores": {"0": 1}}, "every option"),
        ("dots", {"dots": 10}, {"dots": {"0": 8, "1": 3}}, "exactly 10 dots; you placed 11"),
        ("dots", {"dots": 10}, {"dots": {"0": 8, "1": 1}}, "exactly 10 dots; you placed 9"),
        ("dots", {"dots": 10}, {"dots": {"0": -1, "1": 3}}, "negative"),
        ("irv", {}, {"ranking": [1, 1]}, "only once"),
        ("irv", {}, {"ranking": [7]}, "not one of the choices"),
        ("stv", {}, {"ranking": []}, "at least one"),
        ("meeting", {}, {"slots": {"0": "yes"}}, "every time"),
    ],
)
def test_a_bad_vote_is_refused_with_a_reason(kind, settings, raw, fragment):
    with pytest.raises(InvalidInput) as error:
        check_choice(kind, OPTIONS, settings, raw)
    assert fragment in str(error.value.message)


def test_ranks_typed_as_numbers_become_an_order_and_gaps_do_not_matter():
    assert ranking_from_positions({0: "3", 1: "", 2: "1", 3: "7"}) == [2, 0, 3]


def test_two_options_with_the_same_rank_are_refused():
    with pytest.raises(InvalidInput, match="same rank"):
        ranking_from_positions({0: 1, 1: 1})
