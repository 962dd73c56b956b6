"""The counting benchmark's own parts: its profile, its arguments, and the
same ballots counted by pref-voting electing the same candidates as taawun.

Only pref-voting is a test dependency (requirements/dev.txt); pyrankvote and
votekit come with requirements/bench.txt, which CI does not install. Nothing
here is timed.
"""

from __future__ import annotations

import numpy as np
import pytest
from pref_voting.iterative_methods import instant_runoff_put

from bench.counting import (
    END,
    NAMES,
    START,
    SUPPORT,
    Run,
    distinct_rankings,
    main,
    make_ballots,
    pref_voting_ways,
    taawun_ways,
    verdict,
    work,
    write_section,
)
from taawun.tally import RankedBallots, instant_runoff, schulze, scottish_stv

# --- the profile ---------------------------------------------------------------------


def test_the_profile_is_the_same_for_the_same_seed():
    assert np.array_equal(make_ballots(3_000, seed=7), make_ballots(3_000, seed=7))
    assert not np.array_equal(make_ballots(3_000, seed=7), make_ballots(3_000, seed=8))


def test_the_profile_holds_valid_full_and_truncated_rankings():
    ballots = make_ballots(5_000, seed=1)
    assert ballots.shape == (5_000, len(NAMES)) and ballots.dtype == np.int16
    lengths = (ballots >= 0).sum(axis=1)
    assert lengths.min() == 1 and lengths.max() == len(NAMES)
    assert 0.3 < (lengths == len(NAMES)).mean() < 0.5
    # from_array refuses gaps, repeats and unknown candidates.
    ranked = RankedBallots.from_array(NAMES, ballots)
    assert ranked.total == 5_000 and ranked.blank == 0


def test_the_counts_run_several_rounds_with_transfers():
    ranked = RankedBallots.from_array(NAMES, make_ballots(2_000, seed=1))
    irv = instant_runoff(ranked)
    stv = scottish_stv(ranked, 3)
    assert len(irv.rounds) >= 5 and all(r.transferred for r in irv.rounds[1:])
    assert len(stv.rounds) >= 5
    assert {t.transferred.kind for t in stv.rounds[1:] if t.transferred} == {
        "surplus",
        "exclusion",
    }


def test_distinct_rankings_carry_every_ballot_once():
    ballots = make_ballots(4_000, seed=2)
    rows, counts = distinct_rankings(ballots)
    assert counts.sum() == 4_000
    assert len({tuple(row) for row in rows.tolist()}) == len(rows)
    ranked = RankedBallots.from_array(NAMES, ballots)
    assert sorted(counts.tolist()) == sorted(ranked.weights.tolist())


# --- the same winners as pref-voting ----------------------------------------------------

# The benchmark's profile, and impartial culture (every ranking as likely),
# whose close races make ties and surprises more common.
PROFILES = pytest.mark.parametrize(
    "support", [SUPPORT, (1.0,) * len(NAMES)], ids=["bench-profile", "impartial"]
)
SEEDS = pytest.mark.parametrize("seed", [1, 2, 4, 5])


@PROFILES
@SEEDS
def test_pref_voting_elects_the_same_irv_winner(support, seed):
    ballots = make_ballots(2_000, seed, support)
    ours = instant_runoff(RankedBallots.from_array(NAMES, ballots))
    theirs = pref_voting_ways()["irv"]
    profile = theirs.prepare(ballots)
    if ours.tie_breaks:
        # pref-voting drops every candidate tied for fewest votes at once,
        # taawun looks back to earlier rounds: the winner must be one that
        # some order of breaking the ties gives.
        assert NAMES.index(ours.winners[0]) in instant_runoff_put(profile)
    else:
        assert theirs.count(profile) == ours.winners


@PROFILES
@SEEDS
def test_pref_voting_elects_the_same_stv_winners(support, seed):
    ballots = make_ballots(2_000, seed, support)
    ours = scottish_stv(RankedBallots.from_array(NAMES, ballots), 3)
    # Both follow the Scottish rules, look-back tie-breaks included; only a
    # lot could part them (pref-voting draws with Python's random), and
    # these seeds need none.
    assert all(tie.rule != "lot" for tie in ours.tie_breaks)
    theirs = pref_voting_ways()["stv"]
    assert sorted(theirs.count(theirs.prepare(ballots))) == sorted(ours.winners)


@PROFILES
@SEEDS
def test_pref_voting_finds_the_same_schulze_winners(support, seed):
    ballots = make_ballots(2_000, seed, support)
    ours = schulze(RankedBallots.from_array(NAMES, ballots))
    theirs = pref_voting_ways()["schulze"]
    # beat_path returns every undefeated candidate: taawun's first tier,
    # from which a lot picks when it holds more than one.
    assert sorted(theirs.count(theirs.prepare(ballots))) == sorted(ours.ranking[0])
    assert ours.winners[0] in ours.ranking[0]


def test_the_benchmark_counts_with_taawun_as_the_tally_does():
    ballots = make_ballots(2_000, seed=1)
    ways = taawun_ways()
    ranked = RankedBallots.from_array(NAMES, ballots)
    assert ways["irv"].count(ways["irv"].prepare(ballots)) == instant_runoff(ranked).winners
    assert ways["stv"].count(ways["stv"].prepare(ballots)) == scottish_stv(ranked, 3).winners
    assert ways["schulze"].count(ways["schulze"].prepare(ballots)) == schulze(ranked).winners


def test_one_run_reports_its_rounds_winners_and_memory(tmp_path):
    path = tmp_path / "ballots.npy"
    np.save(path, make_ballots(2_000, seed=1))
    found = work("pref-voting", "irv", str(path), rounds=2, cap=60)
    assert found["function"] == "instant_runoff"
    assert len(found["setup"]) == len(found["count"]) == 2
    assert found["winners"] == work("taawun", "irv", str(path), rounds=1, cap=60)["winners"]
    assert found["peak_bytes"] >= 0


# --- the targets ------------------------------------------------------------------------


def _run(implementation, size, setup, count, winners=("A",)):
    return Run(implementation, "irv", size, "f", setup, count, 3, 0, tuple(winners))


def test_targets_are_judged_on_the_time_from_the_matrix_to_the_winners():
    runs = [
        _run("taawun", 100_000, 0.02, 0.01),
        _run("taawun", 1_000_000, 1.0, 0.4),
        _run("pyrankvote", 100_000, 0.1, 0.2),  # 10 times the total: enough
        _run("votekit", 100_000, 5.0, 0.1),
    ]
    line, met = verdict("irv", runs)
    assert met, line
    runs[1] = _run("taawun", 1_000_000, 1.2, 0.4)  # 1.6 s
    line, met = verdict("irv", runs)
    assert not met and "1.6 s" in line and "✘" in line


def test_a_peer_within_ten_times_misses_the_target():
    runs = [
        _run("taawun", 100_000, 0.02, 0.01),
        _run("taawun", 1_000_000, 0.2, 0.1),
        _run("pyrankvote", 100_000, 0.1, 0.1),  # under 7 times
    ]
    line, met = verdict("irv", runs)
    assert not met and "pyrankvote" in line


# --- arguments and the page ---------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--sizes", "0"],
        ["--sizes", "ten"],
        ["--rounds", "0"],
        ["--cap", "-1"],
        ["--seed", "-2"],
        ["--seed", "x"],
        ["--methods", "borda"],
        ["--peers", "openstv"],
        ["--quiet-wait", "-1"],
        ["--frobnicate"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("bench: ") and error.count("\n") == 1


def test_no_method_at_all_is_refused(capsys):
    assert main(["--methods", ","]) == 2
    assert capsys.readouterr().err.startswith("bench: ")


def test_the_section_is_replaced_and_the_rest_of_the_page_kept(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nby hand\n")
    first = f"{START}\nfirst\n{END}\n"
    write_section(page, first)
    assert page.read_text() == "# Benchmarks\n\nby hand\n\n" + first
    page.write_text(page.read_text() + "\nwritten after\n")
    write_section(page, f"{START}\nsecond\n{END}\n")
    assert page.read_text() == (
        f"# Benchmarks\n\nby hand\n\n{START}\nsecond\n{END}\n\nwritten after\n"
    )
