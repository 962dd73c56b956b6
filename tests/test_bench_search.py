"""The search benchmark's own parts: its arguments, its fixed queries and
generated articles, its percentile, that it writes only its own section
of docs/benchmarks.md, and one small run of its two phases on the test
database (a few hundred articles, not the 100,000 of `make bench`)."""

from __future__ import annotations

import pytest

from bench.run import write_section_after
from bench.search import (
    AFTER,
    DEFAULTS,
    END,
    START,
    Writer,
    command_line,
    measure,
    parse_args,
    percentile,
    populate,
    queries,
)
from taawun.knowledge.models import SearchDocument


@pytest.mark.parametrize(
    "argv",
    [
        ["--articles", "10"],
        ["--articles", "many"],
        ["--queries", "5"],
        ["--rounds", "0"],
        ["--backends", "mysql"],
        ["--backends", ","],
        ["--no-such-option"],
    ],
)
def test_wrong_arguments_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--help" in err


def test_defaults_are_the_issue_s_hundred_thousand_articles_on_both_databases():
    args = parse_args([])
    assert args.articles == DEFAULTS["articles"] == 100_000
    assert args.backend_list == ["sqlite", "postgres"]
    assert command_line(args) == ".venv/bin/python -m bench.search"
    small = parse_args(["--articles", "5000", "--backends", "sqlite"])
    assert (
        command_line(small) == ".venv/bin/python -m bench.search --articles 5000 --backends sqlite"
    )


def test_the_queries_are_fixed_and_mixed():
    mix = queries(200)
    assert mix == queries(200)
    assert len(mix) == 200
    kinds = {kind for kind, _text in mix}
    assert {"Arabic, frequent word", "Arabic, rare word", "English, rare word"} <= kinds
    assert any("\u064e" in text or "\u0640" in text for _kind, text in mix)  # vowels, tatweel


def test_articles_are_150_to_400_words_in_their_language():
    writer = Writer("ar", 1)
    for _ in range(20):
        words = writer.body().split()
        assert 150 <= len(words) <= 400
        assert 4 <= len(writer.title().split()) <= 8
    assert Writer("en", 1).body().isascii()


def test_the_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.99) == 99
    assert percentile(values, 0.5) == 50
    assert percentile([7.0], 0.99) == 7.0


def test_the_section_goes_after_the_allocation_and_is_then_replaced_in_place(tmp_path):
    doc = tmp_path / "benchmarks.md"
    before = "<!-- bench:allocation-db:start -->\nalloc\n<!-- bench:allocation-db:end -->\n"
    later = "<!-- bench:later:start -->\nlater\n<!-- bench:later:end -->\n"
    doc.write_text(f"# Benchmarks\n\n{before}\n{later}")
    for run in ("first run", "second run"):
        write_section_after(doc, f"{START}\n{run}\n{END}\n", start=START, end=END, after=AFTER)
    text = doc.read_text()
    assert text.count(START) == text.count(END) == 1
    assert "first run" not in text
    assert text.index("alloc") < text.index("second run") < text.index("later")


@pytest.mark.django_db
def test_a_small_run_indexes_every_article_and_times_every_query():
    filled = populate(300, seed=3)
    assert filled["articles"] == filled["documents"] == 300
    assert SearchDocument.objects.filter(kind="article").count() == 300
    measured = measure(20, rounds=1)
    assert len(measured["timings"]["visitor"]) == len(measured["timings"]["member"]) == 20
    visitor, member = measured["found"]["visitor"], measured["found"]["member"]
    assert sum(member) >= sum(visitor) > 0  # a member reads more than a visitor
