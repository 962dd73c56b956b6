"""The delivery benchmark's own parts: its arguments, which peers fail, the
check of the receivers' logs, that it writes only its own section of
docs/benchmarks.md, one small measurement on the test database, and one
tiny run of the whole benchmark (a few peers, SQLite, nothing written)."""

from __future__ import annotations

import pytest

from bench.federation_delivery import (
    AFTER,
    DEFAULTS,
    END,
    START,
    Peer,
    check_logs,
    command_line,
    failing_peers,
    host_map,
    main,
    measure,
    parse_args,
    receivers,
)
from bench.run import write_section_after
from taawun.federation.models import Delivery


@pytest.mark.parametrize(
    "argv",
    [
        ["--peers", "0"],
        ["--peers", "300"],
        ["--failing", "1.5"],
        ["--rounds", "0"],
        ["--concurrency", "1"],
        ["--backends", "mysql"],
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


def test_defaults_are_the_issue_s_hundred_inboxes_a_tenth_failing_on_both_databases():
    args = parse_args([])
    assert (args.peers, args.failing) == (DEFAULTS["peers"], DEFAULTS["failing"]) == (100, 0.1)
    assert args.backend_list == ["sqlite", "postgres"]
    assert command_line(args) == ".venv/bin/python -m bench.federation_delivery"
    small = parse_args(["--peers", "10", "--backends", "sqlite"])
    assert command_line(small) == (
        ".venv/bin/python -m bench.federation_delivery --peers 10 --backends sqlite"
    )


def test_a_tenth_of_the_peers_fail_spread_over_them():
    assert failing_peers(100, 0.1) == set(range(0, 100, 10))
    assert len(failing_peers(7, 0.3)) == 2
    assert failing_peers(5, 0) == set()
    assert failing_peers(4, 1) == {0, 1, 2, 3}


def test_the_log_check_catches_a_twice_taken_and_a_never_retried_activity():
    good = Peer("a.test", "127.0.0.2", failing=True, log=[("x", 503), ("x", 202)])
    twice = Peer("b.test", "127.0.0.3", log=[("x", 202), ("x", 202)])
    unretried = Peer("c.test", "127.0.0.4", failing=True, log=[("x", 202)])
    assert check_logs([good], 1) == []
    problems = check_logs([good, twice, unretried], 1)
    assert [p.split()[0] for p in problems] == ["b.test", "c.test"]


def test_the_section_goes_after_search_and_is_then_replaced_in_place(tmp_path):
    doc = tmp_path / "benchmarks.md"
    before = "<!-- bench:search:start -->\nsearch\n<!-- bench:search:end -->\n"
    later = "<!-- bench:later:start -->\nlater\n<!-- bench:later:end -->\n"
    doc.write_text(f"# Benchmarks\n\n{before}\n{later}")
    for run in ("first run", "second run"):
        write_section_after(doc, f"{START}\n{run}\n{END}\n", start=START, end=END, after=AFTER)
    text = doc.read_text()
    assert text.count(START) == text.count(END) == 1
    assert "first run" not in text
    assert text.index("search") < text.index("second run") < text.index("later")


@pytest.mark.django_db(transaction=True)
def test_a_small_measurement_delivers_every_activity_to_every_peer_once(settings):
    with receivers(6, 0.34) as peers:
        settings.TAAWUN_FEDERATION_HOSTS = host_map(peers)
        settings.TAAWUN_FEDERATION_ALLOW_LOOPBACK = True
        settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
        measured = measure([peer.inbox for peer in peers], rounds=1, concurrency=3)
        assert check_logs(peers, measured["activities"]) == []
    assert measured["activities"] == 3
    for mode in ("parallel", "sequential"):
        [run] = measured["runs"][mode]
        assert (run["inboxes"], run["first_delivered"], run["first_retrying"]) == (6, 4, 2)
        assert run["retry_rounds"] == 1
        assert run["delivery_ms"] == pytest.approx(run["first_ms"] + run["retry_ms"])
    assert Delivery.objects.count() == 18
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.DELIVERED}


def test_a_tiny_run_of_the_whole_benchmark_reports_without_writing(capsys, tmp_path):
    out = tmp_path / "benchmarks.md"
    argv = ["--peers", "4", "--failing", "0.25", "--rounds", "1", "--backends", "sqlite"]
    assert main([*argv, "--concurrency", "2", "--no-write", "--out", str(out)]) == 0
    section = capsys.readouterr().out
    assert section.startswith(START)
    assert "## Federation: one activity to 4 follower inboxes" in section
    assert "First round (3 delivered, 1 to retry)" in section
    assert "The receivers' logs check out." in section
    assert "**Machine.**" in section
    assert not out.exists()
