"""`python -m bench.allocation`: the pure surplus allocation at scale.

A seeded cooperative of 100,000 members with 20 contribution kinds, that is
2,000,000 contribution figures (member x kind), is allocated with
taawun.economy.allocation: 30 % reserve, 5 % education fund, dividends by
weighted patronage, 50 % in cash. Timed apart, each the median of
``--rounds`` rounds:

- ``contributions``: building ``Contributions`` from the integer matrix (the
  shape in which the database's per-member, per-kind sums arrive);
- ``allocate``: the allocation proper (weighted patronage, reserve and fund,
  the largest-remainder split, cash and retained);
- ``read_csv``: reading the same figures from CSV text, as `taawun allocate`
  does (2,000,000 decimal strings);
- ``to_json``: the result as `taawun allocate` prints it.

The quantities: hours to the hundredth (kinds 0-4), money to the piastre
(kinds 5-14) and whole counts (kinds 15-19), a third of them zero. Every
round checks that the parts add up to the surplus. The figures are printed
and the raw ones go to bench/results/allocation.json (not committed).

    .venv/bin/python -m bench.allocation [--members 100000] [--kinds 20] [--rounds 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from taawun.economy.allocation import (
    Allocation,
    AllocationRules,
    Contributions,
    allocate,
    read_contributions,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SURPLUS = 1_234_567_890_12  # EGP 1,234,567,890.12 in piastres
RULES = AllocationRules(
    reserve_percent=Fraction(30), community_percent=Fraction(5), cash_percent=Fraction(50)
)
T = TypeVar("T")


def make_contributions(
    members: int, kinds: int, seed: int
) -> tuple[Contributions, dict[str, Fraction]]:
    rng = np.random.default_rng(seed)
    names = tuple(f"member-{i:06d}" for i in range(members))
    kind_names = tuple(f"kind{k:02d}" for k in range(kinds))
    places = tuple(2 if k < 15 else 0 for k in range(kinds))
    high = np.array([200_000 if k < 5 else 10_000_000 if k < 15 else 500 for k in range(kinds)])
    quantities: npt.NDArray[np.int64] = rng.integers(0, high, size=(members, kinds), dtype=np.int64)
    quantities[rng.random((members, kinds)) < 1 / 3] = 0
    weights = {
        name: Fraction(1) if k < 5 else Fraction(1, 100) if k < 15 else Fraction(5, 2)
        for k, name in enumerate(kind_names)
    }
    return Contributions(names, kind_names, quantities, places), weights


def csv_text(contributions: Contributions) -> str:
    lines = ["member," + ",".join(contributions.kinds)]
    scales = [10**p for p in contributions.places]
    for name, row in zip(contributions.members, contributions.quantities.tolist(), strict=True):
        cells = [
            "" if q == 0 else f"{q // s}.{q % s:0{len(str(s)) - 1}d}" if s > 1 else str(q)
            for q, s in zip(row, scales, strict=True)
        ]
        lines.append(name + "," + ",".join(cells))
    return "\n".join(lines) + "\n"


def timed(action: Callable[[], T], rounds: int) -> tuple[T, list[float]]:
    seconds = []
    result: Any = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - start)
    return result, seconds


def check(allocation: Allocation) -> None:
    parts = allocation.reserve + allocation.community + allocation.patronage_pool
    dividends = sum(share.dividend for share in allocation.members)
    if parts != allocation.surplus or dividends != allocation.patronage_pool:
        raise SystemExit("bench: the parts do not add up to the surplus")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--kinds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    source, weights = make_contributions(args.members, args.kinds, args.seed)
    text = csv_text(source)
    matrix = source.quantities

    def build() -> Contributions:
        return Contributions(source.members, source.kinds, matrix, source.places)

    contributions, build_s = timed(build, args.rounds)

    def run() -> Allocation:
        return allocate(SURPLUS, contributions, weights=weights, rules=RULES)

    allocation, allocate_s = timed(run, args.rounds)
    check(allocation)
    from_csv, read_s = timed(lambda: read_contributions(io.StringIO(text)), args.rounds)
    if not np.array_equal(from_csv.quantities, matrix):
        raise SystemExit("bench: the CSV file read differently")
    _, json_s = timed(
        lambda: json.dumps(allocation.to_dict("EGP"), ensure_ascii=False), args.rounds
    )

    figures = {
        "contributions": build_s,
        "allocate": allocate_s,
        "read_csv": read_s,
        "to_json": json_s,
    }
    rows = args.members * args.kinds
    print(
        f"{args.members:,} members x {args.kinds} kinds = {rows:,} contribution figures, "
        f"median of {args.rounds} rounds:"
    )
    for name, seconds in figures.items():
        print(f"  {name:<14} {statistics.median(seconds):8.3f} s")
    total = statistics.median(build_s) + statistics.median(allocate_s)
    print(f"  {'pure total':<14} {total:8.3f} s   (contributions + allocate; target < 10 s)")

    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = {
        "members": args.members,
        "kinds": args.kinds,
        "rounds": args.rounds,
        "seed": args.seed,
        "seconds": figures,
        "median_seconds": {name: statistics.median(s) for name, s in figures.items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load": os.getloadavg(),
        },
    }
    (RESULTS / "allocation.json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print(f"bench: raw figures in {RESULTS / 'allocation.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
