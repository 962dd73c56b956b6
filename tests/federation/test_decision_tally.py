"""Counting a network decision: each member cooperative one answer, only
members count, quorum on turnout, and an option carries with MORE than the
threshold (a tie never carries)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.federation.tally import DecisionResult, count_network_answers, percent

OPTIONS = ["yes", "no", "later"]
HALF = Decimal("0.5")
MEMBERS = {f"https://n{i}.example/ap/coops/c{i}" for i in range(5)}


def answers_of(*choices: str) -> dict[str, str]:
    return dict(zip(sorted(MEMBERS), choices, strict=False))


def test_a_strict_majority_of_answers_carries():
    result = count_network_answers(MEMBERS, answers_of("yes", "yes", "no"), OPTIONS, HALF, HALF)
    assert result.counts == {"yes": 2, "no": 1, "later": 0}
    assert (result.members, result.answered, result.quorum_met) == (5, 3, True)
    assert result.winner == "yes"


def test_exactly_the_threshold_does_not_carry():
    result = count_network_answers(
        MEMBERS, answers_of("yes", "yes", "no", "later"), OPTIONS, HALF, HALF
    )
    assert result.counts["yes"] == 2 and result.answered == 4
    assert result.winner is None


def test_a_tie_never_carries_even_under_a_low_threshold():
    result = count_network_answers(
        MEMBERS, answers_of("yes", "no", "yes", "no"), OPTIONS, HALF, Decimal("0.2")
    )
    assert result.quorum_met and result.winner is None


def test_below_quorum_nothing_carries_whatever_the_answers():
    result = count_network_answers(MEMBERS, answers_of("yes", "yes"), OPTIONS, HALF, HALF)
    assert result.counts["yes"] == 2
    assert not result.quorum_met and result.winner is None


def test_quorum_is_reached_at_exactly_the_share():
    result = count_network_answers(
        {"a", "b", "c", "d"}, {"a": "yes", "b": "yes"}, OPTIONS, HALF, HALF
    )
    assert result.quorum_met and result.winner == "yes"


def test_answers_from_outside_the_network_and_unknown_options_are_not_counted():
    answers = {**answers_of("no", "no", "no"), "https://stranger.example/ap/coops/x": "yes"}
    answers[sorted(MEMBERS)[3]] = "maybe"
    result = count_network_answers(MEMBERS, answers, OPTIONS, HALF, HALF)
    assert result.counts == {"yes": 0, "no": 3, "later": 0}
    assert result.answered == 3 and result.winner == "no"


def test_a_network_without_members_decides_nothing():
    result = count_network_answers(set(), {}, OPTIONS, Decimal(0), HALF)
    assert not result.quorum_met and result.winner is None and result.turnout == 0


def test_the_result_survives_json_and_shows_percentages():
    result = count_network_answers(
        MEMBERS, answers_of("yes", "yes", "no"), OPTIONS, Decimal("0.667"), HALF
    )
    assert DecisionResult.from_dict(result.to_dict()) == result
    assert (result.quorum_percent, result.threshold_percent) == ("66.7", "50")
    assert percent(Decimal("1.000")) == "100"


members_st = st.sets(st.sampled_from([f"m{i}" for i in range(8)]), max_size=8)
voters_st = st.dictionaries(
    st.sampled_from([f"m{i}" for i in range(8)] + [f"x{i}" for i in range(4)]),
    st.sampled_from([*OPTIONS, "other"]),
    max_size=12,
)
share_st = st.decimals(min_value=0, max_value=Decimal("0.999"), places=3)


@given(members_st, voters_st, share_st, share_st, st.randoms())
def test_the_result_never_depends_on_the_order_of_answers(members, answers, q, t, rnd):
    items = list(answers.items())
    rnd.shuffle(items)
    assert count_network_answers(members, dict(items), OPTIONS, q, t) == (
        count_network_answers(members, answers, OPTIONS, q, t)
    )


@given(members_st, voters_st, voters_st, share_st, share_st)
def test_answers_from_non_members_never_change_the_result(members, answers, noise, q, t):
    outsiders = {who: choice for who, choice in noise.items() if who not in members}
    with_noise = {**outsiders, **{w: c for w, c in answers.items() if w in members}}
    only_members = {w: c for w, c in answers.items() if w in members}
    assert count_network_answers(members, with_noise, OPTIONS, q, t) == (
        count_network_answers(members, only_members, OPTIONS, q, t)
    )


@given(members_st, voters_st, share_st, share_st)
def test_counts_sum_to_the_counted_answers_and_the_winner_passes_the_threshold(
    members, answers, q, t
):
    result = count_network_answers(members, answers, OPTIONS, q, t)
    counted = [c for w, c in answers.items() if w in members and c in OPTIONS]
    assert sum(result.counts.values()) == result.answered == len(counted)
    assert result.answered <= result.members
    if result.winner is not None:
        assert result.quorum_met
        assert result.counts[result.winner] * 1000 > t * 1000 * result.answered
        others = [n for o, n in result.counts.items() if o != result.winner]
        assert all(n < result.counts[result.winner] for n in others)


def test_a_shuffled_large_network_counts_the_same():
    members = {f"c{i}" for i in range(300)}
    rng = random.Random(6)
    answers = {m: rng.choice(OPTIONS) for m in sorted(members)}
    items = list(answers.items())
    rng.shuffle(items)
    first = count_network_answers(members, answers, OPTIONS, HALF, Decimal("0.3"))
    assert first == count_network_answers(members, dict(items), OPTIONS, HALF, Decimal("0.3"))
    assert sum(first.counts.values()) == 300


def test_a_stored_result_reads_back_in_the_question_order_whatever_the_store_did():
    result = count_network_answers(MEMBERS, answers_of("no", "no", "yes"), OPTIONS, HALF, HALF)
    stored = result.to_dict()
    stored["counts"] = dict(sorted(stored["counts"].items()))  # as jsonb may keep them
    assert list(DecisionResult.from_dict(stored, OPTIONS).counts) == OPTIONS
    with pytest.raises(ValueError):
        DecisionResult.from_dict(stored, ["yes", "no"])
