"""The inbox benchmark's own parts: its arguments, how it shares the
activities out, its percentile, its verdicts, that its section goes after
search's, and one tiny run of the whole thing (a real `taawun serve` on
SQLite, a real peer on loopback) that prints its section and writes
nothing."""

from __future__ import annotations

import pytest

from bench.federation_inbox import (
    AFTER,
    DEFAULTS,
    END,
    START,
    BackendReport,
    Run,
    command_line,
    main,
    parse_args,
    percentile,
    shares,
    verdict,
)
from bench.run import write_section_after


@pytest.mark.parametrize(
    "argv",
    [
        ["--activities", "many"],
        ["--activities", "2", "--rounds", "3"],
        ["--rounds", "0"],
        ["--clients", "0"],
        ["--backends", "mysql"],
        ["--no-such-option"],
    ],
)
def test_wrong_arguments_exit_2_with_one_line(argv, capsys):  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--help" in err


def test_defaults_run_both_databases_and_the_command_names_only_changes():
    args = parse_args([])
    assert args.backend_list == ["sqlite", "postgres"]
    assert args.activities == DEFAULTS["activities"]
    assert command_line(args) == ".venv/bin/python -m bench.federation_inbox"
    small = parse_args(["--activities", "100", "--backends", "postgres"])
    assert command_line(small) == (
        ".venv/bin/python -m bench.federation_inbox --activities 100 --backends postgres"
    )


@pytest.mark.parametrize(("total", "parts"), [(10, 3), (3, 3), (3000, 3), (7, 1)])
def test_every_activity_is_in_exactly_one_round(total, parts):  # type: ignore[no-untyped-def]
    split = shares(total, parts)
    assert sum(split) == total
    assert len(split) == parts
    assert max(split) - min(split) <= 1


def test_the_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([4.0], 0.99) == 4.0


def _report(backend: str, per_second: float, problems: list[str] | None = None) -> BackendReport:
    inbox = Run(int(per_second), 1.0, [5.0] * int(per_second), {202: int(per_second)})
    floor = Run(1000, 1.0, [1.0] * 1000, {200: 1000})
    rows = {"activities": int(per_second), "notes": int(per_second), "follows_accepted": 1}
    return BackendReport(backend, "1", "0", 2, [inbox], [floor], rows, 1, problems or [])


def test_the_target_is_judged_on_postgresql_and_problems_come_first():
    assert "meets the target" in verdict(_report("PostgreSQL", 250))
    assert "misses the target" in verdict(_report("PostgreSQL", 150))
    assert "set for PostgreSQL" in verdict(_report("SQLite", 150))
    assert verdict(_report("PostgreSQL", 250, ["inbox, round 1: {401: 3}"])).startswith(
        "**Problems:**"
    )
    assert _report("PostgreSQL", 250).ratio() == 0.25


def test_the_section_goes_after_search_and_is_then_replaced_in_place(tmp_path):  # type: ignore[no-untyped-def]
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{AFTER}\n\ntail\n")
    write_section_after(doc, f"{START}\nfirst\n{END}\n", start=START, end=END, after=AFTER)
    write_section_after(doc, f"{START}\nsecond\n{END}\n", start=START, end=END, after=AFTER)
    text = doc.read_text()
    assert text.index(AFTER) < text.index(START) < text.index("second") < text.index("tail")
    assert "first" not in text


def test_a_tiny_run_posts_signed_activities_to_a_real_server(capsys, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "benchmarks.md"
    code = main(
        [
            "--activities",
            "12",
            "--clients",
            "3",
            "--rounds",
            "2",
            "--backends",
            "sqlite",
            "--out",
            str(out),
            "--no-write",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert printed.startswith(START)
    # The untimed Accept and the twelve Creates, whose notes are kept.
    assert "13 activities and 12 notes kept" in printed
    assert "fetched 1 time;" in printed  # the sender's key, once, then cached
    assert "Problems" not in printed
    assert not out.exists()
