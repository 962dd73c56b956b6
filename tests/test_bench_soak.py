"""The soak benchmark's own parts: its arguments, how it judges the server's
memory (a leak must be caught, the warm-up and noise must not be), that it
writes only its own section of docs/reliability.md, and one tiny run of the
whole thing (a real `taawun serve`, members signing in and reading, voting
and searching over HTTP) on the database the suite runs on."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from bench.run import postgres_url, write_section_after
from bench.soak import (
    AFTER,
    DEFAULTS,
    END,
    LABELS,
    START,
    TITLE,
    command_line,
    ensure_page,
    main,
    memory_report,
    parse_args,
    trend,
)


@pytest.mark.parametrize(
    "argv",
    [
        ["--minutes", "0"],
        ["--seconds", "1"],
        ["--clients", "0"],
        ["--clients", "many"],
        ["--members", "3", "--clients", "4"],
        ["--articles", "3", "--coops", "2"],
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


def test_defaults_are_forty_members_for_ten_minutes_on_both_databases():
    args = parse_args([])
    assert (args.clients, args.length) == (DEFAULTS["clients"], 600) == (40, 600)
    assert args.backend_list == ["sqlite", "postgres"]
    assert command_line(args) == ".venv/bin/python -m bench.soak"
    short = parse_args(["--seconds", "5", "--backends", "sqlite"])
    assert short.length == 5
    assert command_line(short) == ".venv/bin/python -m bench.soak --seconds 5 --backends sqlite"


def _series(minutes: float, mib_at) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    return [(t, mib_at(t)) for t in range(0, int(minutes * 60) + 1, 2)]


def test_a_steady_leak_after_the_warm_up_is_not_flat():
    # 600 MiB, then 4 MiB more every minute: 12 MiB over the three minutes after warm-up.
    leak = trend(_series(4, lambda t: 600 + 4 * t / 60), 240)
    assert leak.slope == pytest.approx(4.0)
    assert leak.growth == pytest.approx(12.0)
    assert not leak.flat


def test_growth_during_the_warm_up_and_noise_after_it_are_flat():
    def memory(t: float) -> float:
        return (500 + t) if t < 60 else 560 + (1.5 if int(t) % 4 else -1.5)

    steady = trend(_series(4, memory), 240)
    assert steady.first < 560 and steady.last == pytest.approx(560, abs=1.5)
    assert abs(steady.growth) < 1
    assert steady.flat


def test_memory_report_names_the_arbiter_and_counts_a_replaced_worker():
    samples = [
        (0.0, {10: (100.0, 50.0), 11: (120.0, 60.0), 12: (120.0, 60.0)}),
        (2.0, {10: (100.0, 50.0), 11: (121.0, 61.0), 12: (121.0, 61.0)}),
        (4.0, {10: (100.0, 50.0), 11: (121.0, 61.0), 13: (90.0, 45.0)}),  # 12 replaced by 13
    ]
    memory = memory_report(samples, arbiter=10, length=4.0)
    assert list(memory.processes) == ["arbiter", "worker 1", "worker 2", "worker 3"]
    assert memory.restarted == 1
    assert memory.samples == 3
    assert memory.total_rss.first == 340.0  # the median of the first quarter's samples


def test_memory_report_gives_the_median_of_each_minute_so_levelling_off_shows():
    # Grows by 1 MiB every 10 s for a minute and a half, then stays.
    samples = [(t, {1: (100.0 + min(t, 90) // 10, 0.0)}) for t in range(0, 180, 2)]
    memory = memory_report(samples, arbiter=1, length=180.0)
    assert memory.minutes == [102.5, 108.5, 109.0]


def test_the_section_goes_into_a_new_reliability_page_then_is_replaced_in_place(tmp_path):  # type: ignore[no-untyped-def]
    doc = tmp_path / "reliability.md"
    ensure_page(doc)
    write_section_after(doc, f"{START}\nfirst\n{END}\n", start=START, end=END, after=AFTER)
    assert doc.read_text() == f"{TITLE}\n{START}\nfirst\n{END}\n"
    doc.write_text(doc.read_text() + "\n## Backups\n\nkept\n")
    ensure_page(doc)  # an existing page is left as it is
    write_section_after(doc, f"{START}\nsecond\n{END}\n", start=START, end=END, after=AFTER)
    text = doc.read_text()
    assert text.startswith(TITLE)
    assert text.count(START) == text.count(END) == 1
    assert "first" not in text
    assert text.index("second") < text.index("## Backups") < text.index("kept")


def _database_arguments() -> list[str]:
    """The database the suite runs on: a soak on it, in a database of its own."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return [
            "--backends",
            "postgres",
            "--postgres-url",
            postgres_url(os.environ["DATABASE_URL"], "postgres"),
            "--postgres-database",  # beside the suite's own, and beside `make bench`'s
            f"{settings.DATABASES['default']['NAME']}_soak",
        ]
    return ["--backends", "sqlite"]


def test_a_tiny_soak_reads_votes_and_searches_without_errors_and_samples_memory(capsys, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "reliability.md"
    argv = ["--seconds", "8", "--clients", "3", "--members", "6", "--coops", "2"]
    argv += ["--articles", "4", *_database_arguments(), "--out", str(out), "--no-write"]
    code = main(argv)
    section = capsys.readouterr().out
    assert code == 0, section
    assert section.startswith(START)
    assert "## Load held: 3 members reading, voting and searching for 8 s" in section
    assert "**No errors** in " in section
    total = next(line for line in section.splitlines() if line.startswith("| **All** |"))
    done = int(total.split("|")[2].strip(" *").replace(",", ""))
    assert done >= 9  # each member's first tour: every kind, one of the three members each
    assert total.split("|")[-2].strip(" *") == "0"  # errors
    for kind in LABELS.values():
        assert f"| {kind} |" in section
    assert "| worker 1 |" in section and "| arbiter |" in section
    samples = int(section.split("The server's memory, ")[1].split(" samples")[0])
    assert samples >= 4  # every 2 s over 8 s
    assert "**Machine.**" in section
    assert not out.exists()
