"""Exact money: parsing, formatting and the largest-remainder split."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from taawun.currencies import MINOR_UNITS
from taawun.economy.errors import (
    InvalidWeight,
    MalformedAmount,
    NothingToSplitBy,
    TooPrecise,
    UnknownCurrency,
)
from taawun.economy.money import (
    decimal_parts,
    format_amount,
    format_fraction,
    parse_amount,
    split_largest_remainder,
    terminating_places,
)

# --- parsing and formatting -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1250.50", "EGP", 125050),
        ("1250.5", "EGP", 125050),
        ("1250", "EGP", 125000),
        ("-3.07", "EGP", -307),
        ("+3", "EGP", 300),
        ("12.345", "KWD", 12345),
        ("1000", "JPY", 1000),
        ("3.100", "EGP", 310),  # zeros beyond the minor unit change nothing
        ("  42.00 ", "USD", 4200),
        (
            "\u0661\u0662\u0665\u0660\u066b\u0665\u0660",
            "EGP",
            125050,
        ),  # 1250.50 in Arabic-Indic digits
        ("\u06f1\u06f2", "EGP", 1200),  # 12 in the Persian forms
    ],
)
def test_an_amount_is_read_as_whole_minor_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "text", ["", "12,50", "1,250.50", "1e3", "12.", ".5", "1.2.3", "twelve", "--3", "NaN", "0x10"]
)
def test_anything_but_a_plain_decimal_is_not_an_amount(text):
    with pytest.raises(MalformedAmount) as caught:
        parse_amount(text, "EGP", field="surplus")
    assert caught.value.code == "malformed_amount"
    assert caught.value.field == "surplus"
    assert caught.value.params == {"value": text}


def test_an_amount_finer_than_the_minor_unit_is_refused_with_the_unit():
    with pytest.raises(TooPrecise) as caught:
        parse_amount("12.345", "EGP")
    assert caught.value.params["unit"] == "0.01"
    assert "0.01" in caught.value.message
    with pytest.raises(TooPrecise) as caught:
        parse_amount("0.5", "JPY")
    assert caught.value.params["unit"] == "1"


def test_an_unknown_currency_is_named():
    with pytest.raises(UnknownCurrency) as caught:
        parse_amount("1", "XYZ")
    assert caught.value.field == "currency"
    assert "XYZ" in caught.value.message


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (125050, "EGP", "1250.50"),
        (-307, "EGP", "-3.07"),
        (-7, "EGP", "-0.07"),
        (0, "EGP", "0.00"),
        (12345, "KWD", "12.345"),
        (1000, "JPY", "1000"),
    ],
)
def test_an_amount_is_written_with_the_currency_places(minor, currency, text):
    assert format_amount(minor, currency) == text


@given(st.integers(-(10**20), 10**20), st.sampled_from(sorted(MINOR_UNITS)))
def test_formatting_then_parsing_gives_the_same_amount(minor, currency):
    assert parse_amount(format_amount(minor, currency), currency) == minor


def test_decimal_parts_are_exact():
    assert decimal_parts("-12.50") == (-1250, 2)
    assert decimal_parts("0.1") == (1, 1)
    assert decimal_parts("1e2") is None


@pytest.mark.parametrize(
    ("denominator", "places"), [(1, 0), (2, 1), (4, 2), (10, 1), (8, 3), (3, None), (6, None)]
)
def test_terminating_places(denominator, places):
    assert terminating_places(denominator) == places


def test_a_fraction_is_written_exactly_or_rounded_half_to_even():
    assert format_fraction(Fraction(3, 2), 2) == "1.50"
    assert format_fraction(Fraction(1, 3), 6) == "0.333333"
    assert format_fraction(Fraction(-5, 2), 0) == "-2"


# --- the split --------------------------------------------------------------


def test_a_hundred_shared_by_three_gives_the_extra_unit_to_the_first_key():
    # 100 / 3 = 33 remainder 1 each: the one unit left goes to the smallest key.
    assert split_largest_remainder(100, [1, 1, 1], ["b", "a", "c"]) == [33, 34, 33]


def test_the_tie_order_is_the_same_for_weights_too_large_for_numpy():
    # The remainders no longer fit int64, so they are ordered in Python.
    assert split_largest_remainder(100, [10**20] * 3, ["b", "a", "c"]) == [33, 34, 33]


def test_the_largest_remainder_wins_before_the_key():
    # 10 by 1:2:3 is 1.667, 3.333, 5; floors 1, 3, 5 leave 1 unit, which
    # goes to the largest remainder (0.667, key "z"), not to the first key.
    assert split_largest_remainder(10, [1, 2, 3], ["z", "a", "b"]) == [2, 3, 5]


def test_a_loss_is_split_as_a_surplus_negated():
    assert split_largest_remainder(-100, [1, 1, 1], ["b", "a", "c"]) == [-33, -34, -33]


def test_a_zero_weight_gets_nothing_even_when_units_are_left_over():
    assert split_largest_remainder(5, [0, 1, 1], ["a", "b", "c"]) == [0, 3, 2]


def test_weights_may_be_fractions_or_decimals():
    assert split_largest_remainder(100, [Fraction(1, 3), Decimal("0.5"), 0], ["a", "b", "c"]) == [
        40,
        60,
        0,
    ]


def test_nothing_can_be_split_by_zero_weights_but_nothing():
    assert split_largest_remainder(0, [0, 0], ["a", "b"]) == [0, 0]
    with pytest.raises(NothingToSplitBy):
        split_largest_remainder(1, [0, 0], ["a", "b"])


def test_a_negative_weight_is_refused():
    with pytest.raises(InvalidWeight):
        split_largest_remainder(10, [1, -1], ["a", "b"])


def test_keys_must_be_distinct_and_one_per_weight():
    with pytest.raises(ValueError):
        split_largest_remainder(10, [1, 1], ["a", "a"])
    with pytest.raises(ValueError):
        split_largest_remainder(10, [1, 1], ["a"])


weights_st = st.lists(
    st.one_of(
        st.integers(0, 10**6),
        st.fractions(min_value=0, max_value=1000, max_denominator=1000),
        # Weights this large take the pure-Python path for the remainders.
        st.integers(10**18, 10**25),
    ),
    min_size=1,
    max_size=30,
)


@given(st.integers(-(10**15), 10**15), weights_st)
def test_the_parts_always_add_up_and_each_is_its_share_rounded(total, weights):
    assume(any(weights))
    keys = [f"m{i:03d}" for i in range(len(weights))]
    parts = split_largest_remainder(total, weights, keys)
    assert sum(parts) == total
    whole = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        share = total * Fraction(weight) / whole
        assert abs(part - share) < 1
        if weight == 0:
            assert part == 0


@given(st.integers(0, 10**12), weights_st, st.randoms(use_true_random=False))
def test_the_split_does_not_depend_on_the_order_of_the_parts(total, weights, random):
    assume(any(weights))
    keys = [f"m{i:03d}" for i in range(len(weights))]
    parts = dict(zip(keys, split_largest_remainder(total, weights, keys), strict=True))
    order = list(range(len(weights)))
    random.shuffle(order)
    shuffled = split_largest_remainder(total, [weights[i] for i in order], [keys[i] for i in order])
    assert dict(zip([keys[i] for i in order], shuffled, strict=True)) == parts


@given(st.integers(0, 10**12), st.integers(1, 10**6), st.integers(2, 40))
def test_equal_weights_differ_by_at_most_one_unit_in_key_order(total, weight, count):
    keys = [f"m{i:03d}" for i in range(count)]
    parts = split_largest_remainder(total, [weight] * count, keys)
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)  # the extra units go to the first keys
