"""Arabic is compared as Arabic readers expect, and English by its words:
the normalisation, the prefixes and the query reading (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.knowledge.normalise import (
    index_terms,
    normalise,
    strip_prefix,
    terms_text,
    tokens,
)
from taawun.knowledge.search.query import MAX_WORD_CHARS, MAX_WORDS, parse_query


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("التَّعَاوُنِيَّاتُ", "التعاونيات"),  # short vowels, shadda
        ("التعـــاونيات", "التعاونيات"),  # tatweel
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آمال", "امال"),
        ("ٱلكتاب", "الكتاب"),  # alef wasla
        ("مسؤول", "مسوول"),
        ("رئيس", "رييس"),
        ("تعاونية", "تعاونيه"),  # ta marbuta and ha
        ("مستشفى", "مستشفي"),  # alef maqsura and ya
        ("٢٠٢٦", "2026"),  # Arabic-Indic digits
        ("۲۰۲۶", "2026"),  # Extended Arabic-Indic (Persian, Urdu) digits
        ("ﻻ", "لا"),  # a presentation-form ligature
        ("Café", "cafe"),
        ("STRASSE", "strasse"),
    ],
)
def test_spellings_readers_treat_as_one_are_one(written, same_as):
    assert normalise(written) == normalise(same_as) == same_as


@pytest.mark.parametrize(
    "written",
    ["والتعاونيات", "بالتعاونيات", "التعاونيات", "للتعاونيات", "وبالتعاونيات", "فالتعاونيات"],
)
def test_a_prefix_does_not_hide_the_word(written):
    assert "تعاونيات" in index_terms(normalise(written))


@pytest.mark.parametrize("word", ["وطن", "بيت", "لون", "كتب", "تعاونيات", "ال", "و"])
def test_a_short_word_is_not_cut_to_nothing(word):
    stripped = strip_prefix(word)
    assert stripped is None or len(stripped) >= 3


def test_the_article_leaves_a_two_letter_word():
    assert strip_prefix("الاب") == "اب"
    assert strip_prefix("للاب") == "اب"


def test_english_words_keep_one_term_each():
    assert index_terms("cooperatives") == ["cooperatives"]
    assert strip_prefix("ball") is None


def test_the_index_text_follows_each_word_with_its_other_terms():
    assert terms_text("والتعاونيات في مصر") == "والتعاونيات تعاونيات في مصر"


def test_tokens_split_on_punctuation_and_underscores():
    assert tokens('"quoted" AND-NOT (x*) a_b ٢٠٢٦،مصر') == [
        "quoted",
        "and",
        "not",
        "x",
        "a",
        "b",
        "2026",
        "مصر",
    ]


@given(st.text())
def test_normalising_is_idempotent_and_never_raises(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_no_arabic_mark_tatweel_or_eastern_digit_survives(text):
    out = normalise(text)
    for char in out:
        assert not ("\u064b" <= char <= "\u065f" or char in "\u0640\u0670")
        assert not ("\u0660" <= char <= "\u0669" or "\u06f0" <= char <= "\u06f9")


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=12))
def test_digits_in_any_arabic_script_read_as_western_digits(digits):
    western = "".join(str(d) for d in digits)
    indic = "".join(chr(0x0660 + d) for d in digits)
    extended = "".join(chr(0x06F0 + d) for d in digits)
    assert tokens(indic) == tokens(extended) == [western]


@given(st.text())
def test_index_terms_are_words_that_fts_cannot_read_as_syntax(text):
    for token in tokens(text):
        for term in index_terms(token):
            assert term and '"' not in term and " " not in term


@given(st.text(max_size=12_000))
def test_any_search_text_is_read_without_error_and_bounded(text):
    query = parse_query(text)
    assert len(query.words) <= MAX_WORDS
    assert all(0 < len(word) <= MAX_WORD_CHARS for word in query.words)
    assert len(query.groups) == len(query.words)


def test_operators_and_quotes_are_plain_words():
    query = parse_query('"cooperative" AND housing NEAR/3 * -x OR')
    assert query.words == ("cooperative", "and", "housing", "near", "3", "x", "or")


def test_only_punctuation_or_marks_is_an_empty_search():
    assert parse_query("").empty
    assert parse_query("!!! ... ؟؟ «»").empty
    assert parse_query("\u064e\u064f\u0650\u0651 \u0640\u0640").empty


def test_a_ten_kilobyte_search_is_cut_to_its_first_words():
    query = parse_query("تعاون " * 2000)
    assert query.trimmed
    assert query.words == ("تعاون",)
    long = parse_query(" ".join(f"w{i}" for i in range(100)))
    assert long.trimmed and len(long.words) == MAX_WORDS
