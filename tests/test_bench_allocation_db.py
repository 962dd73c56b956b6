"""The database allocation benchmark's own parts: its arguments, its step
timers, and that it writes only its own section of docs/benchmarks.md, after
the budgeting one. No database is filled and nothing is timed here."""

from __future__ import annotations

import types

import pytest

from bench import allocation_db
from bench.allocation_db import (
    AFTER,
    DEFAULTS,
    END,
    START,
    StepTimers,
    command_line,
    parse_args,
    timing,
)
from bench.run import write_section_after
from taawun.economy.queries import thousandths_text


@pytest.mark.parametrize(
    "argv",
    [
        ["--members", "1"],
        ["--members", "many"],
        ["--per-member", "0"],
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


def test_defaults_are_the_issue_s_hundred_thousand_members_and_two_million_rows():
    args = parse_args([])
    assert args.members * args.per_member == 2_000_000
    assert args.members == DEFAULTS["members"] == 100_000
    assert args.backend_list == ["sqlite", "postgres"]
    assert command_line(args) == ".venv/bin/python -m bench.allocation_db"


def test_the_command_in_the_doc_names_only_what_differs_from_the_defaults():
    args = parse_args(["--members", "2000", "--backends", "sqlite"])
    assert command_line(args) == (
        ".venv/bin/python -m bench.allocation_db --members 2000 --backends sqlite"
    )


def test_quantities_are_written_to_the_thousandth():
    assert thousandths_text(7500) == "7.500"
    assert thousandths_text(1) == "0.001"
    assert thousandths_text(1_234_567_890) == "1234567.890"


def test_a_step_inside_another_is_counted_once_for_the_inner_one(monkeypatch):
    # A clock the steps move by hand: exact, however busy the machine is.
    now = [0.0]
    monkeypatch.setattr(allocation_db.time, "perf_counter", lambda: now[0])
    timers = StepTimers()

    def inner():
        now[0] += 2.0

    def outer():
        now[0] += 1.0
        timed_inner()
        now[0] += 0.5

    timed_inner = timers.wrap("inner", inner)
    timers.wrap("outer", outer)()
    assert timers.calls == {"inner": 1, "outer": 1}
    assert timers.seconds == {"inner": 2.0, "outer": 1.5}


def test_timing_puts_back_functions_methods_and_classmethods():
    class Counted:
        @classmethod
        def build(cls, n):
            return [cls] * n

    module = types.SimpleNamespace(double=lambda n: 2 * n)
    Manager = type("Manager", (), {"create": lambda self, n: n + 1})
    manager = Manager()
    timers = StepTimers()
    steps = [
        ("double", module, "double"),
        ("build", Counted, "build"),
        ("create", manager, "create"),
    ]
    with timing(timers, steps):
        assert module.double(2) == 4
        assert Counted.build(2) == [Counted, Counted]
        assert manager.create(1) == 2
    assert timers.calls == {"double": 1, "build": 1, "create": 1}
    assert "timed" not in repr(module.double)
    assert isinstance(vars(Counted)["build"], classmethod)
    assert "create" not in vars(manager)


def test_the_section_goes_after_budgeting_and_is_then_replaced_in_place(tmp_path):
    doc = tmp_path / "benchmarks.md"
    budgeting = "<!-- bench:budgeting:start -->\nbudgets\n<!-- bench:budgeting:end -->\n"
    later = "<!-- bench:later:start -->\nlater\n<!-- bench:later:end -->\n"
    doc.write_text(f"# Benchmarks\n\n{budgeting}\n{later}")
    for run in ("first run", "second run"):
        write_section_after(doc, f"{START}\n{run}\n{END}\n", start=START, end=END, after=AFTER)
    text = doc.read_text()
    assert text.count(START) == text.count(END) == 1
    assert "first run" not in text
    assert text.index("budgets") < text.index("second run") < text.index("later")
    assert text.startswith(f"# Benchmarks\n\n{budgeting}\n{START}\nsecond run\n{END}\n")
