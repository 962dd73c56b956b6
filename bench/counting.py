"""`python -m bench.counting`: counting ranked ballots beside three other libraries.

The same ballots are counted by taawun.tally and by pyrankvote, pref-voting
and votekit, by instant runoff (one seat), STV (three seats) and Schulze
(one winner; pyrankvote has no Schulze), at 100,000 and 1,000,000 ballots
over 10 candidates:

- the ballots are a seeded random profile (see `make_ballots`): two blocs of
  voters with Plackett-Luce preferences pulling in opposite directions, and
  truncated rankings, so that the counts run for several rounds with
  transfers and the Condorcet winner is not the IRV winner;
- every implementation starts from the same matrix (one row of candidate
  indices per ballot, -1 after the last choice) and builds its own natural
  input from it: taawun a `RankedBallots`, pyrankvote one `Ballot` per
  ballot, pref-voting and votekit a profile of the distinct rankings with
  their counts. Building the input and counting are timed apart;
- each implementation, method and size runs in a fresh Python process, for
  `--rounds` rounds (fewer once `--cap` seconds are spent; a process whose
  first round takes longer is stopped and reported as over the cap, and a
  run that the smaller size predicts to be over the cap is not started);
  the figures are the medians, and the peak memory is how far the process's
  resident set grew above what it held once the ballots were loaded;
- every implementation's winners are compared with taawun's.

The results replace the section between `<!-- bench:counting:start -->` and
`<!-- bench:counting:end -->` in docs/benchmarks.md (the rest of the page is
kept), and the raw figures go to bench/results/counting.json (not committed).

    .venv/bin/python -m bench.counting [--sizes 100000,1000000] [--rounds 5] [--cap 60]
                                       [--seed 1] [--methods irv,stv,schulze]
                                       [--peers pyrankvote,pref-voting,votekit]
                                       [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from bench.run import (
    DOC,
    INTRO,
    QUIET,
    RESULTS,
    ROOT,
    machine,
    machine_busy_seconds,
    say,
    wait_for_quiet,
)

START = "<!-- bench:counting:start -->"
END = "<!-- bench:counting:end -->"
COMMAND = ".venv/bin/python -m bench.counting"

NAMES = tuple("ABCDEFGHIJ")
SEATS = 3
# The profile: bloc 1 (60 % of the voters) ranks by Plackett-Luce with these
# supports for A..J, bloc 2 with the same supports reversed (J most liked).
BLOC_SHARE = 0.6
SUPPORT = (20.0, 10.0, 8.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.5, 1.0)
# How many candidates a ballot ranks: 1, 2, ..., 10 with these probabilities.
LENGTHS = (0.12, 0.08, 0.10, 0.08, 0.06, 0.05, 0.04, 0.04, 0.03, 0.40)

METHODS = {"irv": "Instant runoff, one seat", "stv": "STV, 3 seats", "schulze": "Schulze"}
PEERS = ("pyrankvote", "pref-voting", "votekit")
DISTRIBUTIONS = {"pyrankvote": "pyrankvote", "pref-voting": "pref_voting", "votekit": "votekit"}
TARGET_SECONDS = 1.5  # for 1,000,000 ballots, from the matrix to the winners
TARGET_SIZE = 1_000_000
TARGET_SPEEDUP = 10.0  # over the fastest peer at 100,000 ballots
SPEEDUP_SIZE = 100_000
DEFAULTS = {"sizes": "100000,1000000", "rounds": 5, "cap": 60.0, "seed": 1}
QUIET_WAIT = 30  # seconds to wait at most, before each run, for the machine to calm down


# --- the ballots ---------------------------------------------------------------------


def make_ballots(size: int, seed: int, support: Sequence[float] = SUPPORT) -> npt.NDArray[np.int16]:
    """A reproducible random profile: one row of candidate indices per ballot.

    Each voter belongs to bloc 1 (probability BLOC_SHARE) or bloc 2 and ranks
    the candidates by a Plackett-Luce draw from the bloc's supports (sorting
    log-support plus independent Gumbel noise gives exactly a Plackett-Luce
    order: Yellott, J. Math. Psych. 15, 1977), then keeps the first
    1 to 10 of them with the probabilities LENGTHS; -1 pads the rest. Equal
    supports give impartial culture with truncated ballots.
    """
    rng = np.random.default_rng(seed)
    n = len(NAMES)
    log_support = np.log(np.array(support, dtype=np.float64))
    first_bloc = rng.random(size) < BLOC_SHARE
    scores = np.where(first_bloc[:, None], log_support, log_support[::-1])
    scores += rng.gumbel(size=(size, n))
    ballots = np.argsort(-scores, axis=1).astype(np.int16)
    lengths = rng.choice(np.arange(1, n + 1), size=size, p=LENGTHS)
    ballots[np.arange(n) >= lengths[:, None]] = -1
    return ballots


def distinct_rankings(
    ballots: npt.NDArray[np.int16],
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """The distinct rows and how many ballots carry each: the input that
    pref-voting and votekit take (rows packed into integers, then sorted)."""
    place = (len(NAMES) + 1) ** np.arange(ballots.shape[1], dtype=np.int64)
    keys = (ballots.astype(np.int64) + 1) @ place
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return ballots[first], counts


# --- the implementations ----------------------------------------------------------------


@dataclass(frozen=True)
class Way:
    """How one implementation counts by one method."""

    function: str  # shown in the report
    prepare: Callable[[npt.NDArray[np.int16]], Any]  # the matrix -> its input
    count: Callable[[Any], list[str]]  # its input -> the winners' names


def taawun_ways() -> dict[str, Way]:
    from taawun.tally import RankedBallots, instant_runoff, schulze, scottish_stv

    def prepare(ballots: npt.NDArray[np.int16]) -> RankedBallots:
        return RankedBallots.from_array(NAMES, ballots)

    return {
        "irv": Way("instant_runoff", prepare, lambda b: instant_runoff(b).winners),
        "stv": Way("scottish_stv", prepare, lambda b: scottish_stv(b, SEATS).winners),
        "schulze": Way("schulze", prepare, lambda b: schulze(b).winners),
    }


def pyrankvote_ways() -> dict[str, Way]:
    import pyrankvote

    def prepare(ballots: npt.NDArray[np.int16]) -> tuple[list[Any], list[Any]]:
        candidates = [pyrankvote.Candidate(name) for name in NAMES]
        return candidates, [
            pyrankvote.Ballot([candidates[c] for c in row if c >= 0]) for row in ballots.tolist()
        ]

    def irv(election: tuple[list[Any], list[Any]]) -> list[str]:
        return [c.name for c in pyrankvote.instant_runoff_voting(*election).get_winners()]

    def stv(election: tuple[list[Any], list[Any]]) -> list[str]:
        result = pyrankvote.single_transferable_vote(*election, number_of_seats=SEATS)
        return [c.name for c in result.get_winners()]

    return {
        "irv": Way("instant_runoff_voting", prepare, irv),
        "stv": Way("single_transferable_vote", prepare, stv),
    }


def pref_voting_ways() -> dict[str, Way]:
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_scottish

    everyone = list(range(len(NAMES)))

    def truncated(ballots: npt.NDArray[np.int16]) -> Any:
        rows, counts = distinct_rankings(ballots)
        rankings = [{c: k + 1 for k, c in enumerate(row) if c >= 0} for row in rows.tolist()]
        return ProfileWithTies(rankings, rcounts=counts.tolist(), candidates=everyone)

    def unranked_last(ballots: npt.NDArray[np.int16]) -> Any:
        # As taawun counts a ballot for Schulze: every ranked candidate above
        # every unranked one, the unranked ones level.
        rows, counts = distinct_rankings(ballots)
        rankings = []
        for row in rows.tolist():
            rank = {c: k + 1 for k, c in enumerate(row) if c >= 0}
            rankings.append({c: rank.get(c, len(rank) + 1) for c in everyone})
        return ProfileWithTies(rankings, rcounts=counts.tolist(), candidates=everyone)

    def names(winners: list[int]) -> list[str]:
        return [NAMES[c] for c in winners]

    return {
        "irv": Way("instant_runoff", truncated, lambda p: names(instant_runoff(p))),
        "stv": Way("stv_scottish", truncated, lambda p: names(stv_scottish(p, num_seats=SEATS))),
        "schulze": Way(
            "beat_path (winning votes)",
            unranked_last,
            lambda p: names(beat_path(p, strength_function=p.support)),
        ),
    }


def votekit_ways() -> dict[str, Way]:
    from votekit import RankBallot, RankProfile
    from votekit.elections import FastSTV, Schulze

    def prepare(ballots: npt.NDArray[np.int16]) -> Any:
        rows, counts = distinct_rankings(ballots)
        return RankProfile(
            ballots=[
                RankBallot(ranking=tuple(frozenset({NAMES[c]}) for c in row if c >= 0), weight=w)
                for row, w in zip(rows.tolist(), counts.tolist(), strict=True)
            ],
            candidates=NAMES,
        )

    def elected(election: Any) -> list[str]:
        return [name for group in election.get_elected() for name in group]

    return {
        "irv": Way("FastSTV (1 seat)", prepare, lambda p: elected(FastSTV(p, n_seats=1))),
        "stv": Way("FastSTV", prepare, lambda p: elected(FastSTV(p, n_seats=SEATS))),
        "schulze": Way("Schulze", prepare, lambda p: elected(Schulze(p))),
    }


WAYS: dict[str, Callable[[], dict[str, Way]]] = {
    "taawun": taawun_ways,
    "pyrankvote": pyrankvote_ways,
    "pref-voting": pref_voting_ways,
    "votekit": votekit_ways,
}
# pyrankvote has no Schulze; the others count by all three methods.
COUNTS_BY = {"pyrankvote": ("irv", "stv")}
TAKES_DISTINCT_RANKINGS = ("pref-voting", "votekit")


def counts_by(implementation: str) -> Sequence[str]:
    return COUNTS_BY.get(implementation, tuple(METHODS))


# --- one run, in its own process ---------------------------------------------------------


class _OverCap(Exception):
    pass


def _over_cap(_signum: int, _frame: object) -> NoReturn:
    raise _OverCap


def _memory(field: str) -> int:
    """A figure from /proc/self/status in bytes (VmRSS, VmHWM); 0 if unknown."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak_memory() -> bool:
    """Start the peak resident set (VmHWM) afresh from now (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def work(implementation: str, method: str, path: str, rounds: int, cap: float) -> dict[str, Any]:
    """Count the ballots in `path` `rounds` times (within `cap` seconds)."""
    way = WAYS[implementation]()[method]
    ballots = np.load(path)
    resident = _memory("VmRSS")
    fresh_peak = _reset_peak_memory()
    setups: list[float] = []
    counts: list[float] = []
    winners: list[str] = []
    previous = signal.signal(signal.SIGALRM, _over_cap)
    signal.setitimer(signal.ITIMER_REAL, cap)
    started = time.perf_counter()
    try:
        while len(setups) < rounds:
            t0 = time.perf_counter()
            prepared = way.prepare(ballots)
            t1 = time.perf_counter()
            winners = way.count(prepared)
            t2 = time.perf_counter()
            del prepared
            setups.append(t1 - t0)
            counts.append(t2 - t1)
            if (t2 - started) + (t2 - t0) > cap:  # another round would pass the cap
                break
    except _OverCap:
        if not setups:
            return {"over": cap}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fresh_peak and _memory("VmHWM"):
        peak = _memory("VmHWM") - resident
    else:  # ru_maxrss cannot be reset: it may include the imports' peak
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - resident
    return {
        "function": way.function,
        "setup": setups,
        "count": counts,
        "winners": winners,
        "peak_bytes": max(0, peak),
    }


# --- the report -----------------------------------------------------------------------------


@dataclass
class Run:
    implementation: str
    method: str
    size: int
    function: str = ""
    setup: float | None = None  # medians, seconds
    count: float | None = None
    rounds: int = 0
    peak_bytes: int | None = None
    winners: tuple[str, ...] = ()
    over: float | None = None  # the first round passed this cap (seconds)
    skipped: float | None = None  # not run: this many seconds were expected
    error: str | None = None
    other_share: float | None = None  # of the machine, used by other work meanwhile

    @property
    def total(self) -> float | None:
        if self.setup is None or self.count is None:
            return None
        return self.setup + self.count


@dataclass
class ProfileFacts:
    size: int
    distinct: int
    full: float  # share of ballots ranking every candidate
    mean_length: float
    irv_rounds: int
    stv_stages: int
    condorcet: str | None  # the Condorcet winner, if there is one


def profile_facts(ballots: npt.NDArray[np.int16]) -> ProfileFacts:
    from taawun.tally import RankedBallots, instant_runoff, scottish_stv
    from taawun.tally.condorcet import condorcet_winner, pairwise_matrix

    ranked = RankedBallots.from_array(NAMES, ballots)
    lengths = (ballots >= 0).sum(axis=1)
    winner = condorcet_winner(pairwise_matrix(ranked))
    return ProfileFacts(
        size=ballots.shape[0],
        distinct=ranked.prefs.shape[0],
        full=float((lengths == len(NAMES)).mean()),
        mean_length=float(lengths.mean()),
        irv_rounds=len(instant_runoff(ranked).rounds),
        stv_stages=len(scottish_stv(ranked, SEATS).rounds),
        condorcet=None if winner is None else NAMES[winner],
    )


def run_one(
    implementation: str, method: str, size: int, path: Path, args: argparse.Namespace
) -> Run:
    run = Run(implementation, method, size)
    wait_for_quiet(args.quiet_wait)
    command = [sys.executable, "-m", "bench.counting", "--worker"]
    command += [implementation, method, str(path), str(args.rounds), str(args.cap)]
    busy, children = machine_busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=args.cap + 120
        )
    except subprocess.TimeoutExpired:
        run.over = args.cap
        return run
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    others = machine_busy_seconds() - busy - own
    run.other_share = max(0.0, others) / (elapsed * (os.cpu_count() or 1))
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        run.error = lines[-1]
        return run
    found = json.loads(done.stdout)
    if "over" in found:
        run.over = found["over"]
        return run
    run.function = found["function"]
    run.setup = statistics.median(found["setup"])
    run.count = statistics.median(found["count"])
    run.rounds = len(found["setup"])
    run.peak_bytes = found["peak_bytes"]
    run.winners = tuple(found["winners"])
    return run


def expected_seconds(smaller: Run | None, growth: float) -> float | None:
    """What a run should take, scaled by `growth` from the run at a smaller size."""
    if smaller is None:
        return None
    if smaller.over is not None or smaller.skipped is not None:
        return max(smaller.over or 0.0, smaller.skipped or 0.0) * growth
    if smaller.total is None:
        return None
    return smaller.total * growth


def growth(implementation: str, smaller: ProfileFacts, larger: ProfileFacts) -> float:
    """How much more work the larger profile is for an implementation: the
    libraries that take the distinct rankings work in proportion to those."""
    if implementation in TAKES_DISTINCT_RANKINGS:
        return larger.distinct / smaller.distinct
    return larger.size / smaller.size


def seconds(value: float) -> str:
    if value < 0.01:
        return f"{value * 1000:.1f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 100:
        return f"{value:.3g} s"
    return f"{value:,.0f} s"


def times(value: float) -> str:
    return f"{value:,.0f}x" if value >= 10 else f"{value:.2g}x"


def mebibytes(value: int | None) -> str:
    return "?" if value is None else f"{value / 2**20:,.0f} MiB"


def _mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def method_table(method: str, runs: list[Run], sizes: list[int]) -> list[str]:
    lines = [
        "| Implementation | Ballots | Input | Count | Total | Total ÷ taawun | Count ÷ taawun "
        "| Peak memory | Winners (A to Z) | Same as taawun |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|:-:|",
    ]
    ours = {r.size: r for r in runs if r.implementation == "taawun"}
    for size in sizes:
        for run in runs:
            if run.size != size:
                continue
            name = (
                f"**{run.implementation}**"
                if run.implementation == "taawun"
                else run.implementation
            )
            label = f"{name} `{run.function}`" if run.function else name
            base = ours.get(size)
            if run.total is None:
                if run.over is not None:
                    why = f"over {run.over:g} s"
                elif run.skipped is not None:
                    why = f"not run (≈ {seconds(run.skipped)} expected)"
                else:
                    why = f"failed: {run.error}"
                lines.append(f"| {label} | {size:,} | - | - | {why} | | | | | |")
                continue
            assert run.setup is not None and run.count is not None
            same = "-"
            ratio_total = ratio_count = "1"
            if run.implementation != "taawun":
                same = "?"
                ratio_total = ratio_count = "?"
                if base is not None and base.total and base.count:
                    same = _mark(sorted(run.winners) == sorted(base.winners))
                    ratio_total = times(run.total / base.total)
                    ratio_count = times(run.count / base.count)
            lines.append(
                f"| {label} | {size:,} | {seconds(run.setup)} | {seconds(run.count)} "
                f"| {seconds(run.total)} | {ratio_total} | {ratio_count} "
                f"| {mebibytes(run.peak_bytes)} | {', '.join(sorted(run.winners))} | {same} |"
            )
    return lines


def verdict(method: str, runs: list[Run]) -> tuple[str, bool]:
    """The targets' line for one method, and whether both are met."""
    ours = {r.size: r for r in runs if r.implementation == "taawun"}
    parts = []
    met = True
    big = ours.get(TARGET_SIZE)
    if big is not None and big.total is not None and big.count is not None:
        ok = big.total <= TARGET_SECONDS
        met &= ok
        parts.append(
            f"{TARGET_SIZE:,} ballots in {seconds(big.total)} from the matrix "
            f"({seconds(big.count)} counting), target ≤ {TARGET_SECONDS:g} s: {_mark(ok)}"
        )
    else:
        met = False
        parts.append(f"{TARGET_SIZE:,} ballots: not measured")
    small = ours.get(SPEEDUP_SIZE)
    peers = [
        r
        for r in runs
        if r.size == SPEEDUP_SIZE and r.implementation != "taawun" and r.total is not None
    ]
    if small is not None and small.total and small.count and peers:
        fastest = min(peers, key=lambda r: r.total or 0.0)
        assert fastest.total is not None and fastest.count is not None
        speedup = fastest.total / small.total
        ok = speedup >= TARGET_SPEEDUP
        met &= ok
        fastest_count = min(r.count for r in peers if r.count is not None)
        parts.append(
            f"at {SPEEDUP_SIZE:,} ballots {times(speedup)} faster than the fastest peer "
            f"({fastest.implementation}, {seconds(fastest.total)}), target ≥ "
            f"{TARGET_SPEEDUP:g}x: {_mark(ok)} (counting alone, against the fastest "
            f"count: {times(fastest_count / small.count)})"
        )
    else:
        met = False
        parts.append(f"speed-up at {SPEEDUP_SIZE:,} ballots: not measured")
    return f"**Targets, {METHODS[method]}:** " + "; ".join(parts) + ".", met


def agreement(runs: list[Run]) -> list[str]:
    """One line per implementation whose winners differ from taawun's."""
    ours = {(r.method, r.size): r for r in runs if r.implementation == "taawun"}
    lines = []
    for run in runs:
        base = ours.get((run.method, run.size))
        if run.implementation == "taawun" or base is None or not run.winners:
            continue
        if sorted(run.winners) != sorted(base.winners):
            lines.append(
                f"{run.implementation} ({METHODS[run.method]}, {run.size:,} ballots) elects "
                f"{', '.join(sorted(run.winners))} where taawun elects "
                f"{', '.join(sorted(base.winners))}"
            )
    return lines


def render(
    runs: list[Run],
    facts: list[ProfileFacts],
    info: dict[str, str],
    versions: dict[str, str],
    args: argparse.Namespace,
) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    options = [
        f"--{name} {getattr(args, name)}"
        for name, default in DEFAULTS.items()
        if getattr(args, name) != default
    ]
    if args.methods != ",".join(METHODS):
        options.append(f"--methods {args.methods}")
    if args.peers != ",".join(PEERS):
        options.append(f"--peers {args.peers}")
    if args.quiet_wait != QUIET_WAIT:
        options.append(f"--quiet-wait {args.quiet_wait}")
    command = " ".join([COMMAND, *options])
    sizes = sorted({r.size for r in runs})
    methods = [m for m in METHODS if any(r.method == m for r in runs)]
    shares = [r.other_share for r in runs if r.other_share is not None]
    out = [
        START,
        "## Counting: ranked ballots beside pyrankvote, pref-voting and votekit",
        "",
        f"Measured {today} with `{command}` (also run by `make bench`).",
        "",
        f"**Targets:** {TARGET_SIZE:,} ballots counted in at most {TARGET_SECONDS:g} s for "
        f"each method, from the ballot matrix to the winners; and at {SPEEDUP_SIZE:,} "
        f"ballots at least {TARGET_SPEEDUP:g} times faster than the fastest of the three "
        "other libraries, on the same measure. The measure is the *total*: building the "
        "library's input from the matrix, then counting. Counting alone is not a fair "
        "comparison across libraries, because they do different shares of the work while "
        "building their input: pref-voting's `ProfileWithTies` adds up every pairwise "
        "comparison in its constructor, so its Schulze *count* is a Floyd-Warshall on a "
        "10-by-10 matrix; taawun's `RankedBallots` merges identical rankings and checks "
        "every ballot. Both figures are shown.",
        "",
        f"**The ballots.** A seeded random profile (`--seed {args.seed}`; "
        "`bench.counting.make_ballots`) of ranked ballots over 10 candidates, A to J. "
        f"{BLOC_SHARE:.0%} of the voters rank by a Plackett-Luce draw with supports "
        f"{', '.join(f'{s:g}' for s in SUPPORT)} for A to J, the others with the same "
        "supports reversed (J most liked), and each ballot keeps its first 1 to 10 "
        "choices with probabilities "
        f"{', '.join(f'{p:.0%}' for p in LENGTHS)}. The two blocs pulling in opposite "
        "directions make every count run for several rounds with transfers:",
        "",
        "| Ballots | Distinct rankings | Full rankings | Mean ranking length "
        "| IRV rounds | STV stages | Condorcet winner |",
        "|--:|--:|--:|--:|--:|--:|:-:|",
        *(
            f"| {f.size:,} | {f.distinct:,} | {f.full:.0%} | {f.mean_length:.1f} "
            f"| {f.irv_rounds} | {f.stv_stages} | {f.condorcet or 'none'} |"
            for f in facts
        ),
        "",
        "**What each library counts.** taawun.tally: `RankedBallots.from_array` on the "
        "matrix, then `instant_runoff`, `scottish_stv` (the Scottish rules, SSI 2007/42: "
        "integer Droop quota, weighted inclusive Gregory transfers to five decimals) and "
        "`schulze` (winning votes). pyrankvote: one `Ballot` per ballot, then "
        "`instant_runoff_voting` and `single_transferable_vote` (a fractional Droop quota, "
        "votes ÷ (seats + 1), and surplus transfers in floating point); it has no "
        "Schulze. pref-voting: a `ProfileWithTies` of the distinct rankings with their "
        "counts, then `instant_runoff`, `stv_scottish` (the same Scottish rules as taawun) "
        "and `beat_path` with winning votes as the strength of a defeat, on rankings that "
        "place the unranked candidates level below the ranked ones (as taawun reads a "
        "ballot). votekit: a `RankProfile` of the distinct rankings with their counts, "
        "then `FastSTV` (votekit's numpy count: Droop quota int(votes ÷ (seats + 1)) + 1, "
        "fractional transfers of all the elected candidate's ballots) with one seat for "
        "IRV and three for STV, and `Schulze` (margins). votekit's own `IRV` and `STV` "
        "classes count by the same rules in plain Python and are much slower (over a "
        "minute each for the count alone at 100,000 ballots when tried on this machine), "
        "so FastSTV is the fair comparison. Finding the distinct rankings for pref-voting and "
        "votekit (rows packed into integers, `np.unique`) is part of their input time.",
        "",
        "**How it is measured.** Each library, method and size runs in a fresh Python "
        "process that loads the matrix (int16, one row per ballot, -1 after the last "
        f"choice), then builds its input and counts, {args.rounds} times or until "
        f"{args.cap:g} s are spent; the figures are the medians of those rounds. A process "
        f"whose first round passes {args.cap:g} s is stopped (*over {args.cap:g} s*), and "
        "a run that the smaller size predicts to pass it is not started (the prediction "
        "scales with the number of ballots, or for pref-voting and votekit, which take the "
        "distinct rankings, with the number of those). "
        "*Peak memory* is how far the process's resident set grew above what it held once "
        "the matrix was loaded (VmHWM, reset through /proc/self/clear_refs). Before each "
        f"run the benchmark waits (up to {args.quiet_wait} s) for other work to use at most "
        f"{QUIET:.0%} of the machine.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
        + f". Load average before the run: {info['load']}. "
        + (
            f"Other work used {statistics.median(shares):.0%} of the machine during the "
            f"runs (median), {max(shares):.0%} at most; "
            if shares
            else ""
        )
        + "the machine is shared, so absolute figures move from run to run.",
    ]
    met_all = True
    for method in methods:
        mine = [r for r in runs if r.method == method]
        line, met = verdict(method, mine)
        met_all &= met
        out += ["", f"### {METHODS[method]}", "", *method_table(method, mine, sizes), "", line]
    differ = agreement(runs)
    out += [
        "",
        "**Winners.** "
        + (
            "Every library that finished elects the same candidates as taawun."
            if not differ
            else "Where the winners differ from taawun's: " + "; ".join(differ) + "."
        ),
        "",
        "**Every target met.**" if met_all else "**Some targets missed** (see above).",
        "",
        "Raw figures of the last run: `bench/results/counting.json` (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section, keeping the rest of the page (read
    just before writing, as other benchmarks rewrite their own sections)."""
    text = path.read_text() if path.exists() else INTRO
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.counting")
    staged.write_text(text)
    os.replace(staged, path)


def versions(peers: Sequence[str]) -> dict[str, str]:
    found = {"numpy": np.__version__}
    for peer in peers:
        try:
            found[peer] = importlib.metadata.version(DISTRIBUTIONS[peer])
        except importlib.metadata.PackageNotFoundError:
            found[peer] = "not installed"
    return found


# --- main ---------------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """Wrong arguments: one line saying why, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"bench: {message}\n")


def _choices(allowed: Sequence[str]) -> Callable[[str], str]:
    def check(text: str) -> str:
        chosen = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in chosen if item not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {unknown[0]!r} (choose from {', '.join(allowed)})"
            )
        return ",".join(chosen)

    return check


def _sizes(text: str) -> str:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("every size must be at least 1 ballot")
    return ",".join(str(size) for size in sorted(set(sizes)))


def _number(kind: type[int] | type[float], least: float, *, strict: bool) -> Callable[[str], Any]:
    """A number above `least` (`strict`) or at least `least`."""

    def check(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            what = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"not a {what}: {text!r}") from None
        if value < least or (strict and value == least):
            relation = "more than" if strict else "at least"
            raise argparse.ArgumentTypeError(f"must be {relation} {least:g}, not {text}")
        return value

    return check


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.counting",
        description="Count the same ranked ballots with taawun.tally, pyrankvote, "
        "pref-voting and votekit, and compare the times and the winners.",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULTS["sizes"],
        help="numbers of ballots, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--rounds",
        type=_number(int, 1, strict=False),
        default=DEFAULTS["rounds"],
        help="rounds per library, method and size; the median is reported (default: 5)",
    )
    parser.add_argument(
        "--cap",
        type=_number(float, 0, strict=True),
        default=DEFAULTS["cap"],
        help="seconds per library, method and size at most (default: 60)",
    )
    parser.add_argument(
        "--seed",
        type=_number(int, 0, strict=False),
        default=DEFAULTS["seed"],
        help="of the random profile (default: 1)",
    )
    parser.add_argument(
        "--methods",
        type=_choices(list(METHODS)),
        default=",".join(METHODS),
        help="comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--peers",
        type=_choices(PEERS),
        default=",".join(PEERS),
        help="the other libraries to count with (default: all three)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=_number(int, 0, strict=False),
        default=QUIET_WAIT,
        help="seconds to wait at most, before each run, for the machine to calm down",
    )
    parser.add_argument(
        "--out", type=Path, default=DOC, help="the page whose counting section is rewritten"
    )
    parser.add_argument("--no-write", action="store_true", help="print the results only")
    return parser


def _worker(argv: Sequence[str]) -> int:
    implementation, method, path, rounds, cap = argv
    print(json.dumps(work(implementation, method, path, int(rounds), float(cap))))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:  # one run, started by the benchmark itself
        return _worker(argv[1:])
    args = build_parser().parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    methods = args.methods.split(",") if args.methods else []
    peers = args.peers.split(",") if args.peers else []
    if not methods:
        print("bench: --methods names no method", file=sys.stderr)
        return 2
    info = machine()
    found_versions = versions(peers)
    missing = [peer for peer in peers if found_versions[peer] == "not installed"]
    if missing:
        print(
            f"bench: {', '.join(missing)} not installed (`make bench` installs "
            "requirements/bench.txt)",
            file=sys.stderr,
        )
        return 1
    runs: list[Run] = []
    facts: list[ProfileFacts] = []
    with tempfile.TemporaryDirectory(prefix="taawun-counting-") as scratch:
        for size in sizes:
            say(f"{size:,} ballots: making the profile")
            ballots = make_ballots(size, args.seed)
            facts.append(profile_facts(ballots))
            path = Path(scratch, f"ballots-{size}.npy")
            np.save(path, ballots)
            del ballots
            for method in methods:
                for implementation in ["taawun", *peers]:
                    if method not in counts_by(implementation):
                        continue
                    smaller = next(
                        (
                            r
                            for r in reversed(runs)
                            if (r.implementation, r.method) == (implementation, method)
                        ),
                        None,
                    )
                    expected = None
                    if smaller is not None:
                        before = next(f for f in facts if f.size == smaller.size)
                        expected = expected_seconds(
                            smaller, growth(implementation, before, facts[-1])
                        )
                    if expected is not None and expected > args.cap:
                        runs.append(Run(implementation, method, size, skipped=expected))
                        say(f"{size:,} {method} {implementation}: not run (≈ {expected:.0f} s)")
                        continue
                    run = run_one(implementation, method, size, path, args)
                    runs.append(run)
                    say(f"{size:,} {method} {implementation}: {_summary(run)}")
    section = render(runs, facts, info, found_versions, args)
    print(section)
    if not args.no_write:
        write_section(args.out, section)
        RESULTS.mkdir(parents=True, exist_ok=True)
        raw = {
            "machine": info,
            "versions": found_versions,
            "args": {**vars(args), "out": str(args.out)},
            "profiles": [asdict(f) for f in facts],
            "runs": [asdict(r) for r in runs],
        }
        (RESULTS / "counting.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
        say(f"wrote {args.out}")
    return 1 if any(r.error for r in runs) else 0


def _summary(run: Run) -> str:
    if run.total is not None:
        return f"{run.total:.3f} s ({run.rounds} rounds), winners {', '.join(run.winners)}"
    if run.over is not None:
        return f"over {run.over:g} s"
    return f"failed: {run.error}"


if __name__ == "__main__":
    raise SystemExit(main())
