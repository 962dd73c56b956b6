"""Checks the web runs on each ballot before storing it; codes are stable."""

import pytest

from taawun.tally import (
    BlockWithoutReason,
    DuplicateChoice,
    DuplicateRanking,
    EqualRankingsUnsupported,
    NegativeDots,
    ScoreOutOfRange,
    TallyInputError,
    TooManyApprovals,
    UnknownCandidate,
    UnknownChoice,
    WrongDotTotal,
    check_approvals,
    check_availability,
    check_consent,
    check_dots,
    check_ranking,
    check_scores,
    check_yes_no,
)

PEOPLE = ["Amal", "Bilal", "Chen"]


def test_every_error_has_a_stable_code():
    assert {
        cls.code
        for cls in (
            BlockWithoutReason,
            DuplicateChoice,
            DuplicateRanking,
            EqualRankingsUnsupported,
            NegativeDots,
            ScoreOutOfRange,
            TooManyApprovals,
            UnknownCandidate,
            UnknownChoice,
            WrongDotTotal,
        )
    } == {
        "block_without_reason",
        "duplicate_choice",
        "duplicate_ranking",
        "equal_rankings_unsupported",
        "negative_dots",
        "score_out_of_range",
        "too_many_approvals",
        "unknown_candidate",
        "unknown_choice",
        "wrong_dot_total",
    }


def test_a_valid_ranking_comes_back_clean():
    assert check_ranking(PEOPLE, ["Chen", "Amal"]) == ["Chen", "Amal"]
    assert check_ranking(PEOPLE, []) == []
    assert check_ranking(PEOPLE, ["Chen", ["Amal", "Bilal"]], allow_equal=True) == [
        "Chen",
        ["Amal", "Bilal"],
    ]


def test_a_ranking_cannot_repeat_or_invent_candidates():
    with pytest.raises(DuplicateRanking) as raised:
        check_ranking(PEOPLE, ["Amal", "Amal"])
    assert raised.value.params == {"candidate": "Amal"}
    with pytest.raises(UnknownCandidate):
        check_ranking(PEOPLE, ["Zed"])
    with pytest.raises(EqualRankingsUnsupported):
        check_ranking(PEOPLE, [["Amal", "Bilal"]])


def test_approvals_are_limited():
    assert check_approvals(PEOPLE, ["Amal"], max_approvals=1) == ["Amal"]
    with pytest.raises(TooManyApprovals) as raised:
        check_approvals(PEOPLE, ["Amal", "Bilal"], max_approvals=1)
    assert raised.value.as_dict()["code"] == "too_many_approvals"
    with pytest.raises(DuplicateChoice):
        check_approvals(PEOPLE, ["Amal", "Amal"])


def test_scores_stay_in_range():
    assert check_scores(PEOPLE, {"Amal": 0, "Bilal": 5}, minimum=0, maximum=5)
    with pytest.raises(ScoreOutOfRange):
        check_scores(PEOPLE, {"Amal": -1}, minimum=0, maximum=5)
    with pytest.raises(ScoreOutOfRange):
        check_scores(PEOPLE, {"Amal": True}, minimum=0, maximum=5)


def test_dots_must_add_up_and_not_go_negative():
    assert check_dots(PEOPLE, {"Amal": 2, "Bilal": 1, "Chen": 0}, total=3) == {
        "Amal": 2,
        "Bilal": 1,
    }
    with pytest.raises(WrongDotTotal):
        check_dots(PEOPLE, {"Amal": 2}, total=3)
    with pytest.raises(NegativeDots):
        check_dots(PEOPLE, {"Amal": 4, "Bilal": -1}, total=3)


def test_a_block_needs_a_reason():
    assert check_consent("block", " Breaks the bylaws ") == ("block", "Breaks the bylaws")
    assert check_consent("agree") == ("agree", "")
    with pytest.raises(BlockWithoutReason):
        check_consent("block", "   ")
    with pytest.raises(UnknownChoice):
        check_consent("veto", "no")


def test_yes_no_and_availability_answers():
    assert check_yes_no("abstain") == "abstain"
    with pytest.raises(UnknownChoice):
        check_yes_no("maybe")
    assert check_availability(["Mon"], {"Mon": "if_need_be"}) == {"Mon": "if_need_be"}
    with pytest.raises(UnknownChoice):
        check_availability(["Mon"], {"Mon": "perhaps"})
    with pytest.raises(UnknownCandidate):
        check_availability(["Mon"], {"Sun": "yes"})


def test_errors_are_one_family_without_a_file_line():
    error = UnknownCandidate(None, "unknown candidate 'Zed'", candidate="Zed")
    assert isinstance(error, TallyInputError) and isinstance(error, ValueError)
    assert error.as_dict() == {
        "code": "unknown_candidate",
        "message": "unknown candidate 'Zed'",
        "line": None,
        "params": {"candidate": "Zed"},
    }
