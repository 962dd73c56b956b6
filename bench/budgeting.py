"""`python -m bench.budgeting`: participatory budgeting beside pabutools.

The largest real Pabulib round in /work/shared/data/pb (by number of votes;
or `--file`) is decided by taawun.economy.budgeting and by pabutools, the
reference library of the field, side by side in one process, with the same
rules:

- greedy by support: `greedy` / `greedy_utilitarian_welfare` with `Cost_Sat`;
- the Method of Equal Shares alone: `equal_shares(round, "none")` /
  `method_of_equal_shares` with `Cost_Sat`;
- the Method of Equal Shares completed as `taawun pb --rule mes` does by
  default: `equal_shares(round)` (add1, then greedy) /
  `completion_by_rule_combination` of `method_of_equal_shares` with
  `voter_budget_increment=1` (pabutools' faster way to raise the shares; its
  `exhaustion_by_budget_increase` took ten times longer on this round when
  tried) and `greedy_utilitarian_welfare`.

pabutools breaks ties in taawun's order (a `TieBreakingRule`: lower cost,
then the id), so that the outcomes compare project by project. Both read
the file beforehand (not timed). In each of `--rounds` rounds
every rule runs once in each library, in turn, so that a busy moment of the
shared machine falls on both; the figures are the medians (wall clock, and
the process's CPU time). The funded projects, in the order funded, must be
the same. The results replace the section between
`<!-- bench:budgeting:start -->` and `<!-- bench:budgeting:end -->` in
docs/benchmarks.md (the rest of the page is kept), and the raw figures go to
bench/results/budgeting.json (not committed).

    .venv/bin/python -m bench.budgeting [--file PATH.pb] [--rounds 5]
                                        [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from bench.run import DOC, QUIET, RESULTS, machine, say, wait_for_quiet, write_doc
from taawun.economy import pabulib
from taawun.economy.budgeting import BudgetRound, Project, equal_shares, greedy, tie_key

START = "<!-- bench:budgeting:start -->"
END = "<!-- bench:budgeting:end -->"
COMMAND = ".venv/bin/python -m bench.budgeting"
DATA = Path(os.environ.get("TAAWUN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DATA = DATA / "data" / "pb"
TARGET = 10.0  # the Method of Equal Shares at least this many times faster than pabutools


@dataclass
class Case:
    key: str
    title: str
    taawun_call: str
    pabutools_call: str
    taawun: Callable[[BudgetRound], list[str]]
    pabutools: Callable[[Any, Any], list[str]]
    targeted: bool  # the Method of Equal Shares: the 10x target applies


@dataclass
class Result:
    key: str
    title: str
    taawun_wall: list[float] = field(default_factory=list)
    taawun_cpu: list[float] = field(default_factory=list)
    pabutools_wall: list[float] = field(default_factory=list)
    pabutools_cpu: list[float] = field(default_factory=list)
    taawun_funded: list[str] = field(default_factory=list)
    pabutools_funded: list[str] = field(default_factory=list)
    targeted: bool = False

    @property
    def same(self) -> bool:
        return self.taawun_funded == self.pabutools_funded

    @property
    def ratio(self) -> float:
        return statistics.median(self.pabutools_wall) / statistics.median(self.taawun_wall)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.pabutools_cpu) / statistics.median(self.taawun_cpu)


def cases() -> list[Case]:
    from pabutools.election import Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.tiebreaking import TieBreakingRule

    def our_ties(instance: Any, profile: Any, project: Any) -> tuple[Any, ...]:
        cost = Fraction(int(project.cost.numerator), int(project.cost.denominator))
        return tie_key(Project(project.name, cost))

    tie = TieBreakingRule(our_ties)

    def names(outcome: Any) -> list[str]:
        return [project.name for project in outcome]

    return [
        Case(
            "greedy",
            "Greedy by support",
            "greedy(round)",
            "greedy_utilitarian_welfare(Cost_Sat)",
            lambda r: list(greedy(r).funded),
            lambda i, p: names(
                greedy_utilitarian_welfare(i, p, sat_class=Cost_Sat, tie_breaking=tie)
            ),
            targeted=False,
        ),
        Case(
            "mes",
            "Method of Equal Shares alone",
            'equal_shares(round, "none")',
            "method_of_equal_shares(Cost_Sat)",
            lambda r: list(equal_shares(r, "none").funded),
            lambda i, p: names(method_of_equal_shares(i, p, sat_class=Cost_Sat, tie_breaking=tie)),
            targeted=True,
        ),
        Case(
            "mes-completed",
            "Method of Equal Shares, completed (add1, then greedy)",
            "equal_shares(round)",
            "completion_by_rule_combination(method_of_equal_shares(Cost_Sat, "
            "voter_budget_increment=1), greedy_utilitarian_welfare(Cost_Sat))",
            lambda r: list(equal_shares(r).funded),
            lambda i, p: names(
                completion_by_rule_combination(
                    i,
                    p,
                    [method_of_equal_shares, greedy_utilitarian_welfare],
                    [
                        {"sat_class": Cost_Sat, "voter_budget_increment": 1, "tie_breaking": tie},
                        {"sat_class": Cost_Sat, "tie_breaking": tie},
                    ],
                )
            ),
            targeted=True,
        ),
    ]


def largest(directory: Path) -> Path:
    """The round with the most votes."""
    files = sorted(directory.glob("*.pb"))
    if not files:
        raise SystemExit(f"bench: no .pb files in {directory}")
    return max(files, key=lambda path: len(pabulib.read_file(path).votes))


def timed(call: Callable[[], list[str]]) -> tuple[float, float, list[str]]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    funded = call()
    return time.perf_counter() - wall, time.process_time() - cpu, funded


def measure(
    path: Path, rounds: int, chosen: Sequence[Case], quiet_wait: float
) -> tuple[list[Result], list[float]]:
    """The results, and the share of the machine other work used just
    before each round."""
    from pabutools.election import parse_pabulib

    round_ = pabulib.to_round(pabulib.read_file(path))
    instance, profile = parse_pabulib(str(path))
    results = [Result(c.key, c.title, targeted=c.targeted) for c in chosen]
    others: list[float] = []
    for number in range(1, rounds + 1):
        others.append(wait_for_quiet(quiet_wait))
        for case, result in zip(chosen, results, strict=True):
            wall, cpu, result.taawun_funded = timed(lambda c=case: c.taawun(round_))
            result.taawun_wall.append(wall)
            result.taawun_cpu.append(cpu)
            wall, cpu, result.pabutools_funded = timed(
                lambda c=case: c.pabutools(instance, profile)
            )
            result.pabutools_wall.append(wall)
            result.pabutools_cpu.append(cpu)
            say(
                f"round {number}/{rounds}, {case.key}: taawun {result.taawun_wall[-1]:.3f} s, "
                f"pabutools {wall:.3f} s"
            )
    return results, others


def seconds(value: float) -> str:
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def versions() -> dict[str, str]:
    found = {}
    for name in ("pabutools", "numpy", "gmpy2"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "?"
    return found


def render(
    path: Path,
    results: list[Result],
    chosen: Sequence[Case],
    rounds: int,
    info: dict[str, str],
    when: dt.datetime,
    others: Sequence[float] = (),
    quiet_wait: float = 0,
) -> str:
    pb = pabulib.read_file(path)
    currency = pb.meta.get("currency", "")
    budget = f"{int(pb.budget):,}" if pb.budget.denominator == 1 else str(float(pb.budget))
    met = all(r.same and r.ratio >= TARGET for r in results if r.targeted)
    rows = [
        f"| {r.title} | {seconds(statistics.median(r.taawun_wall))} "
        f"({seconds(statistics.median(r.taawun_cpu))}) "
        f"| {seconds(statistics.median(r.pabutools_wall))} "
        f"({seconds(statistics.median(r.pabutools_cpu))}) "
        f"| {r.ratio:,.0f}x ({r.cpu_ratio:,.0f}x) "
        f"| {'✔' if r.same else '✘ differ'} ({len(r.taawun_funded)} projects) |"
        for r in results
    ]
    calls = [
        f"- {c.title}: taawun `{c.taawun_call}`; pabutools `{c.pabutools_call}`." for c in chosen
    ]
    differ = [r.title for r in results if not r.same]
    out = [
        START,
        "## Participatory budgeting beside pabutools",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC with `{COMMAND}`.",
        "",
        f"**Target:** the Method of Equal Shares at least {TARGET:g} times faster than "
        "pabutools on the largest real round used, with the same projects funded.",
        "",
        f"**The round.** `{path.name}` from Pabulib: {len(pb.votes):,} voters, "
        f"{len(pb.projects)} projects, a budget of {budget} {currency}, "
        f"{pb.vote_type} votes (the largest of the real rounds in `{path.parent}`).",
        "",
        "| Rule | taawun | pabutools | pabutools ÷ taawun | Same projects funded |",
        "|---|--:|--:|--:|:-:|",
        *rows,
        "",
        f"Median of {rounds} rounds, wall clock (CPU time of the process in brackets); "
        "in each round every rule runs once in each library, in turn, in one process. "
        "Both libraries read the file beforehand (not timed); the funded projects are "
        "compared in the order funded. Before each round the benchmark waits (up to "
        f"{quiet_wait:g} s) for other work to use at most {QUIET:.0%} of the machine"
        + (
            f"; it used {statistics.median(others):.0%} (median) in the second before a "
            f"round, {max(others):.0%} at most."
            if others
            else "."
        ),
        "",
        "**What each library runs** (cost utilities; pabutools breaks ties in taawun's "
        "order, lower cost first then the project id, through a `TieBreakingRule`, so "
        "that the two can be compared project by project):",
        "",
        *calls,
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, "
        + ", ".join(f"{name} {version}" for name, version in versions().items())
        + f". Load average before the run: {info['load']}; the machine is shared, so "
        "absolute figures move from run to run, and the ratios much less.",
        "",
        (
            f"**Target met** (the Method of Equal Shares, alone and completed, at least "
            f"{TARGET:g}x faster, with the same projects funded)."
            if met
            else "**Target missed**"
            + (f": the funded projects differ for {', '.join(differ)}." if differ else ".")
        ),
        "",
        "Raw figures of the last run: `bench/results/budgeting.json` (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.budgeting",
        description="Participatory budgeting rules beside pabutools on a real Pabulib round.",
    )
    parser.add_argument(
        "--file", type=Path, help=f"a Pabulib file (default: the largest in {DATA})"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--rules",
        default="greedy,mes,mes-completed",
        help="comma-separated: greedy, mes, mes-completed",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30,
        help="seconds to wait at most, before each round, for the machine to calm down",
    )
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    known = {c.key: c for c in cases()}
    wanted = [key.strip() for key in args.rules.split(",") if key.strip()]
    unknown = [key for key in wanted if key not in known]
    if unknown or not wanted:
        build_parser().error(f"unknown rules: {', '.join(unknown)}")
    chosen = [known[key] for key in wanted]
    path = args.file or largest(DATA)
    say(f"{path.name}, {args.rounds} rounds")
    info = machine()
    when = dt.datetime.now(dt.UTC)
    results, others = measure(path, args.rounds, chosen, args.quiet_wait)
    section = render(path, results, chosen, args.rounds, info, when, others, args.quiet_wait)
    print(section)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "budgeting.json").write_text(
        json.dumps(
            {
                "file": str(path),
                "when": when.isoformat(),
                "machine": info,
                "results": [asdict(r) for r in results],
            },
            indent=1,
        )
    )
    if not args.no_write:
        # Read again just before writing: other benchmarks rewrite their own sections.
        write_doc(args.out, section, start=START, end=END)
        say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
