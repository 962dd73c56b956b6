"""`python -m bench.allocation_db`: a surplus allocation end to end through the database.

The issue: allocating over 100,000 members and 2,000,000 contribution rows,
end to end through the database, on SQLite and on PostgreSQL, in under 10 s.

For each database this makes a fresh database (on PostgreSQL,
`taawun_bench_allocation`, dropped afterwards), runs `taawun migrate`, and,
in a Django process of its own (settings are per process), fills it:

- one cooperative founded through `membership.actions.create_cooperative`
  and its other members added in bulk (`bench.populate.fill`); the founder
  holds every office, the treasurer's too;
- bylaws amended through `membership.actions.amend_bylaws` to five
  contribution kinds with weights (`KINDS`), and `allocation_needs_poll`
  false, so that the treasurer posts without a poll (the poll's roll is not
  what is measured here);
- one fiscal period of last year, opened through `economy.actions.open_period`;
- ``--per-member`` APPROVED contributions per member, their kinds and
  quantities drawn from ``--seed`` (hours to the thousandth, money to the
  piastre), written with one bulk statement stream (COPY on PostgreSQL);
- the period closed through `economy.actions.close_period` (timed: it reads
  the totals too).

Then, in a fresh Django process, ``--rounds`` rounds of what the treasurer's
two requests run: `propose_allocation(by=treasurer, period=...,
surplus="1234567.89")` and `post_allocation(found, by=treasurer)`, each
timed, with timers around the functions they call (see `STEPS`), beside the
database's own floor for the same work (see `floor_sql`). A posted
allocation is never undone by the platform; between rounds the benchmark
deletes the round's capital entries, shares and allocation with raw SQL
(the ledger entries stay: the chain is append-only), so that every round
allocates the same closed period afresh.

Every round is checked: the shares add up to the patronage pool, the
capital entries to the retained total, and every round posts the same
shares. The first round is also checked against the allocation computed
apart from the actions: the period's totals exported as the contributions
file (`queries.period_totals_csv_rows`), read back with
`allocation.read_contributions` (and compared with the quantities the
benchmark drew), and allocated with `allocation.allocate`.

The section between `<!-- bench:allocation-db:start -->` and
`<!-- bench:allocation-db:end -->` in docs/benchmarks.md is rewritten; the
raw figures go to bench/results/allocation_db.json (not committed).

    .venv/bin/python -m bench.allocation_db [--members 100000] [--per-member 20]
        [--rounds 3] [--seed 1] [--backends sqlite,postgres] [--profile]
        [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from bench.casting import revision
from bench.run import (
    RESULTS,
    BenchError,
    add_database_arguments,
    base_env,
    database_bench_main,
    fresh_database,
    parsed_backends,
    reproducing_command,
    run_worker,
    say,
    taawun_bin,
)

START = "<!-- bench:allocation-db:start -->"
END = "<!-- bench:allocation-db:end -->"
AFTER = "<!-- bench:budgeting:end -->"  # where the section goes the first time
POSTGRES_DB = "taawun_bench_allocation"
TARGET_SECONDS = 10.0
SURPLUS = "1234567.89"  # EGP, as the treasurer types it
DEFAULTS: dict[str, Any] = {"members": 100_000, "per_member": 20, "rounds": 3, "seed": 1}
COPY_CHUNK = 100_000  # contribution rows generated and written at a time


class Kind(NamedTuple):
    code: str
    unit: str  # "hours" or "money", as the bylaws say
    weight: str  # in the patronage formula
    share: float  # of the contribution rows
    places: int  # decimal places of the quantities drawn
    high: int  # the largest quantity drawn, in units of its last place


KINDS = (
    Kind("hours", "hours", "1", 0.40, 3, 12_000),  # up to 12 hours, to the thousandth
    Kind("training", "hours", "0.5", 0.10, 3, 8_000),
    Kind("wages", "money", "0.02", 0.15, 2, 500_000),  # up to EGP 5,000.00
    Kind("sales", "money", "0.01", 0.20, 2, 2_000_000),
    Kind("purchases", "money", "0.005", 0.15, 2, 200_000),
)

# The functions timed inside the two actions, as (label, module, attribute).
# Times are exclusive: a step called inside another is counted once, as
# itself (_compute's own time excludes the period_thousandths it calls).
STEPS = (
    (
        "period_thousandths: the SQL sum and its rows",
        "taawun.economy.queries",
        "period_thousandths",
    ),
    ("digests (SHA-256 of totals and shares)", "taawun.economy.queries", "thousandths_digest"),
    (
        "digests (SHA-256 of totals and shares)",
        "taawun.economy.allocation_actions",
        "_shares_digest",
    ),
    (
        "the ledger's digest of the closed period, checked",
        "taawun.economy.allocation_actions",
        "_check_closed_digest",
    ),
    (
        "the contributions matrix",
        "taawun.economy.allocation_actions",
        "_contributions",
    ),
    ("allocate (the arithmetic)", "taawun.economy.allocation", "allocate"),
    (
        "_compute's own Python (public ids, share rows)",
        "taawun.economy.allocation_actions",
        "_compute",
    ),
    (
        "insert of the AllocationShare rows (executemany)",
        "taawun.economy.allocation_actions",
        "_insert_shares",
    ),
    (
        "insert of the CapitalAccountEntry rows (INSERT … SELECT)",
        "taawun.economy.allocation_actions",
        "_credit_capital_accounts",
    ),
    ("ledger entries", "taawun.economy.allocation_actions", "record"),
)
REST = "the rest (locks, checks, counts)"


# --- arguments -------------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """Wrong arguments: one line saying why, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.allocation_db",
        description="Propose and post a surplus allocation over a large closed period, "
        "through the database, beside the database's own floor for the same work.",
    )
    parser.add_argument("--members", type=int, default=DEFAULTS["members"])
    parser.add_argument(
        "--per-member",
        type=int,
        default=DEFAULTS["per_member"],
        help="approved contribution rows per member",
    )
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="for the quantities")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the rounds, profile one more (cProfile) and write the top functions "
        "to bench/results/",
    )
    add_database_arguments(parser, POSTGRES_DB)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = parsed_backends(parser, args)
    if args.members < 2:
        parser.error("--members must be at least 2")
    if args.per_member < 1:
        parser.error("--per-member must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.backend_list = backends
    return args


def command_line(args: argparse.Namespace) -> str:
    return reproducing_command(
        "bench.allocation_db", args, DEFAULTS, *(["--profile"] if args.profile else [])
    )


# --- timing ----------------------------------------------------------------------------------


class StepTimers:
    """Exclusive wall-clock seconds per named step: time spent in a timed
    step called from inside another is counted for the inner one only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._inner: list[float] = []  # per open step, the time of the steps inside it

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._inner.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inner = self._inner.pop()
                self.seconds[name] += elapsed - inner
                self.calls[name] += 1
                if self._inner:
                    self._inner[-1] += elapsed

        return timed


_MISSING = object()


@contextlib.contextmanager
def timing(timers: StepTimers, steps: Sequence[tuple[str, Any, str]]) -> Iterator[StepTimers]:
    """Wrap ``owner.attribute`` for each (name, owner, attribute) with a timer,
    and put everything back afterwards (a class's classmethod stays one)."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for name, owner, attribute in steps:
            saved.append((owner, attribute, vars(owner).get(attribute, _MISSING)))
            wrapped: Any = timers.wrap(name, getattr(owner, attribute))
            setattr(owner, attribute, staticmethod(wrapped) if isinstance(owner, type) else wrapped)
        yield timers
    finally:
        for owner, attribute, original in reversed(saved):
            if original is _MISSING:
                delattr(owner, attribute)  # an instance attribute hid the class's
            else:
                setattr(owner, attribute, original)


def resolve(module: str, path: str) -> tuple[Any, str]:
    """(owner, attribute) for ``module`` and a dotted ``path`` inside it."""
    import importlib

    owner: Any = importlib.import_module(module)
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, attribute


# --- inside the Django process: filling the database ----------------------------------------


def _kinds_bylaws() -> list[dict[str, Any]]:
    return [
        {
            "code": k.code,
            "names": {"en": k.code.capitalize(), "ar": k.code},
            "unit": k.unit,
            "weight": k.weight,
        }
        for k in KINDS
    ]


def populate(members: int, per_member: int, seed: int, var: Path) -> dict[str, Any]:
    from bench.populate import FOUNDER_EMAIL, _setup, fill

    _setup()
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from taawun.accounts.models import User
    from taawun.economy import actions as economy
    from taawun.economy import queries
    from taawun.economy.models import Contribution
    from taawun.membership import actions as membership
    from taawun.membership.models import Cooperative, Member

    seconds: dict[str, float] = {}
    started = time.monotonic()
    filled = fill(members - 1)  # and the founder: `members` in all
    seconds["members"] = time.monotonic() - started

    started = time.monotonic()
    founder = User.objects.get(email=FOUNDER_EMAIL)
    coop = Cooperative.objects.get(slug=filled["slug"])
    bylaws = json.loads(json.dumps(coop.bylaws))
    bylaws["economy"]["contribution_kinds"] = _kinds_bylaws()
    bylaws["economy"]["allocation_needs_poll"] = False
    coop = membership.amend_bylaws(by=founder, coop=coop, bylaws=bylaws)
    year = timezone.localdate().year - 1
    period = economy.open_period(
        by=founder,
        coop=coop,
        name=str(year),
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
    )
    treasurer = Member.objects.get(cooperative=coop, user=founder)
    ids, numbers = zip(
        *Member.objects.filter(cooperative=coop).order_by("number").values_list("pk", "number"),
        strict=True,
    )
    seconds["bylaws and period"] = time.monotonic() - started

    started = time.monotonic()
    rng = np.random.default_rng(seed)
    rows = len(ids) * per_member
    share = np.array([k.share for k in KINDS])
    kind_of = rng.choice(len(KINDS), size=rows, p=share / share.sum())
    member_of = np.repeat(np.arange(len(ids)), per_member)
    high = np.array([k.high for k in KINDS], dtype=np.int64)
    scale = np.array([10 ** (3 - k.places) for k in KINDS], dtype=np.int64)
    thousandths = rng.integers(1, high[kind_of] + 1) * scale[kind_of]
    day_of = rng.integers(0, 365, size=rows)
    expected = np.zeros((len(ids), len(KINDS)), dtype=np.int64)
    np.add.at(expected, (member_of, kind_of), thousandths)
    np.savez(var / "expected.npz", numbers=np.array(numbers), thousandths=expected)

    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    fixed = {
        "cooperative_id": coop.pk,
        "period_id": period.pk,
        "note": "",
        "state": Contribution.State.APPROVED.value,
        "source": Contribution.Source.IMPORT.value,
        "logged_by_id": treasurer.pk,
        "logged_at": now.isoformat() if postgres else connection.ops.adapt_datetimefield_value(now),
        "decided_by_id": treasurer.pk,
        "decided_at": now.isoformat()
        if postgres
        else connection.ops.adapt_datetimefield_value(now),
        "reason": "",
    }
    fields = [f for f in Contribution._meta.concrete_fields if not f.primary_key]
    varying = {"member_id", "kind", "quantity", "on"}
    unknown = {f.attname for f in fields} - varying - set(fixed)
    if unknown:
        raise SystemExit(f"bench: Contribution has columns the benchmark does not fill: {unknown}")
    table = connection.ops.quote_name(Contribution._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    codes = [k.code for k in KINDS]
    start_day = dt.date(year, 1, 1)
    days = [(start_day + dt.timedelta(days=d)).isoformat() for d in range(365)]

    def chunk(first: int, last: int) -> Iterator[tuple[Any, ...]]:
        for member, kind, quantity, day in zip(
            member_of[first:last].tolist(),
            kind_of[first:last].tolist(),
            thousandths[first:last].tolist(),
            day_of[first:last].tolist(),
            strict=True,
        ):
            varied = {
                "member_id": ids[member],
                "kind": codes[kind],
                "quantity": queries.thousandths_text(quantity),
                "on": days[day],
            }
            yield tuple(
                varied[f.attname] if f.attname in varied else fixed[f.attname] for f in fields
            )

    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # The rows are made consistent above: skip the per-row foreign
            # key triggers during the load, as pg_restore can.
            cursor.execute("SET LOCAL session_replication_role = replica")
        for first in range(0, rows, COPY_CHUNK):
            part = chunk(first, min(rows, first + COPY_CHUNK))
            if postgres:
                text = "".join("\t".join(map(str, row)) + "\n" for row in part)
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(text)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(part)
                )
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, soon after a bulk load
    seconds["contributions"] = time.monotonic() - started

    started = time.monotonic()
    economy.close_period(period, by=founder)
    seconds["close_period"] = time.monotonic() - started
    return {
        "members": len(ids),
        "contributions": Contribution.objects.filter(period=period).count(),
        "period": period.pk,
        "seconds": seconds,
    }


# --- inside the Django process: measuring ---------------------------------------------------


def floor_sql(quote: Callable[[str], str]) -> tuple[str, str]:
    """The database's own floor for the allocation's work: one statement
    that reads the period's approved rows, sums them per member and kind (as
    period_thousandths does), weighs the kinds and writes one AllocationShare row
    per member; one that writes a CapitalAccountEntry row per share. The same
    rows and columns as the actions write, without the arithmetic."""
    from taawun.economy.models import AllocationShare, CapitalAccountEntry, Contribution

    def cols(model: Any, *names: str) -> str:
        return ", ".join(quote(model._meta.get_field(n).column) for n in names)

    weigh = " ".join(
        f"WHEN '{k.code}' THEN {int(float(k.weight) * 1000)}" for k in KINDS
    )  # weights in thousandths: whole numbers for KINDS
    shares = quote(AllocationShare._meta.db_table)
    share_fields = ("allocation", "member", "patronage", "dividend", "cash", "retained")
    insert_shares = (
        f"INSERT INTO {shares} "
        f"({cols(AllocationShare, *share_fields)}) "
        "SELECT %s, member_id, CAST(patronage AS VARCHAR(80)), patronage, 0, patronage FROM ("
        f"SELECT member_id, SUM(total * CASE kind {weigh} ELSE 0 END) AS patronage FROM ("
        "SELECT member_id, kind, SUM(CAST(ROUND(quantity * 1000) AS BIGINT)) AS total "
        f"FROM {quote(Contribution._meta.db_table)} WHERE period_id = %s AND state = %s "
        "GROUP BY member_id, kind) AS by_kind GROUP BY member_id) AS by_member"
    )
    entry_columns = cols(
        CapitalAccountEntry,
        "cooperative",
        "member",
        "kind",
        "amount",
        "on",
        "period",
        "memo",
        "allocation",
        "recorded_by",
        "recorded_at",
    )
    insert_entries = (
        f"INSERT INTO {quote(CapitalAccountEntry._meta.db_table)} ({entry_columns}) "
        "SELECT %s, member_id, %s, retained, %s, %s, %s, allocation_id, %s, %s "
        f"FROM {shares} WHERE allocation_id = %s AND retained > 0"
    )
    return insert_shares, insert_entries


def measure(rounds: int, var: Path, profile: bool) -> dict[str, Any]:
    from bench.populate import FOUNDER_EMAIL, _setup

    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from taawun.accounts.models import User
    from taawun.economy import allocation_actions as actions
    from taawun.economy.models import (
        AllocationShare,
        CapitalAccountEntry,
        Contribution,
        FiscalPeriod,
        SurplusAllocation,
    )
    from taawun.membership.models import Member

    founder = User.objects.get(email=FOUNDER_EMAIL)
    period = FiscalPeriod.objects.select_related("cooperative").get()
    coop = period.cooperative
    treasurer = Member.objects.get(cooperative=coop, user=founder)
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    tables = [quote(m._meta.db_table) for m in (AllocationShare, CapitalAccountEntry)]

    # The floor's shares hang off an allocation of their own, withdrawn, so
    # that it never counts as the period's live allocation.
    now = timezone.now()
    floor_allocation = SurplusAllocation.objects.create(
        cooperative=coop,
        period=period,
        state=SurplusAllocation.State.WITHDRAWN,
        surplus=0,
        reserve=0,
        community=0,
        patronage_pool=0,
        cash_total=0,
        retained_total=0,
        contributions_digest="",
        shares_digest="",
        proposed_by=treasurer,
        decided_by=treasurer,
        decided_at=now,
        reason="bench.allocation_db: the database's floor",
    )
    insert_shares, insert_entries = floor_sql(quote)

    def delete(allocation_id: int, *, itself: bool) -> None:
        """Untimed: the rows a round wrote, so the next starts from the same tables."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {quote(CapitalAccountEntry._meta.db_table)} WHERE allocation_id = %s",
                [allocation_id],
            )
            cursor.execute(
                f"DELETE FROM {quote(AllocationShare._meta.db_table)} WHERE allocation_id = %s",
                [allocation_id],
            )
            if itself:
                cursor.execute(
                    f"DELETE FROM {quote(SurplusAllocation._meta.db_table)} WHERE id = %s",
                    [allocation_id],
                )
        if postgres:  # the dead rows gone, as autovacuum would
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"VACUUM ANALYZE {table}")

    def floor() -> float:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                insert_shares,
                [floor_allocation.pk, period.pk, Contribution.State.APPROVED.value],
            )
            cursor.execute(
                insert_entries,
                [
                    coop.pk,
                    CapitalAccountEntry.Kind.RETAINED_ALLOCATION.value,
                    timezone.localdate(),
                    period.pk,
                    "floor",
                    treasurer.pk,
                    timezone.now(),
                    floor_allocation.pk,
                ],
            )
        seconds = time.perf_counter() - started
        delete(floor_allocation.pk, itself=False)
        return seconds

    steps = [(name, *resolve(module, path)) for name, module, path in STEPS]
    results: list[dict[str, Any]] = []
    digests: set[str] = set()
    independent: dict[str, Any] = {}
    profile_text = ""
    for number in range(rounds + (1 if profile else 0)):
        profiling = number == rounds
        gc.collect()
        floor_first = number % 2 == 0  # alternate, so neither always runs on a warmer cache
        floor_seconds = floor() if floor_first else 0.0
        timers = StepTimers()
        profiler = None
        if profiling:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        with timing(timers, steps):
            cpu, started = time.process_time(), time.perf_counter()
            found = actions.propose_allocation(
                by=founder, period=FiscalPeriod.objects.get(pk=period.pk), surplus=SURPLUS
            )
            proposed = time.perf_counter()
            found = actions.post_allocation(found, by=founder)
            posted = time.perf_counter()
            cpu = time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
        if not floor_first:
            floor_seconds = floor()
        problems = check_round(found)
        digests.add(found.shares_digest)
        if number == 0:
            independent = check_independently(found, var)
            problems += independent["problems"]
        if profiler is not None:
            import pstats

            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            profile_text = out.getvalue()
        else:
            results.append(
                {
                    "propose": proposed - started,
                    "post": posted - proposed,
                    "total": posted - started,
                    "cpu": cpu,
                    "floor": floor_seconds,
                    "steps": dict(timers.seconds),
                    "calls": dict(timers.calls),
                    "problems": problems,
                    "members": found.shares.count(),
                    "capital_entries": CapitalAccountEntry.objects.filter(allocation=found).count(),
                }
            )
        delete(found.pk, itself=True)
    problems = [p for r in results for p in r["problems"]]
    if len(digests) != 1:
        problems.append("the rounds did not all post the same shares")
    return {
        "rounds": results,
        "problems": problems,
        "independent": {k: v for k, v in independent.items() if k != "problems"},
        "profile": profile_text,
    }


def check_round(found: Any) -> list[str]:
    """What every posted allocation must satisfy, read back from the database."""
    from django.db.models import Count, Sum

    from taawun.economy.models import CapitalAccountEntry

    problems = []
    shares = found.shares.aggregate(n=Count("id"), dividend=Sum("dividend"), cash=Sum("cash"))
    entries = CapitalAccountEntry.objects.filter(allocation=found).aggregate(
        n=Count("id"), amount=Sum("amount")
    )
    if found.state != "posted":
        problems.append(f"the allocation is {found.state}, not posted")
    if found.reserve + found.community + found.patronage_pool != found.surplus:
        problems.append("reserve, fund and pool do not make the surplus")
    if shares["dividend"] != found.patronage_pool:
        problems.append(
            f"the shares add up to {shares['dividend']}, the pool is {found.patronage_pool}"
        )
    if shares["cash"] != found.cash_total:
        problems.append("the shares' cash does not add up to the cash total")
    if (entries["amount"] or 0) != found.retained_total:
        problems.append(
            f"the capital entries add up to {entries['amount']}, "
            f"the retained total is {found.retained_total}"
        )
    if entries["n"] != found.shares.exclude(retained=0).count():
        problems.append("not one capital entry per retained share")
    return problems


def check_independently(found: Any, var: Path) -> dict[str, Any]:
    """The posted shares against `allocate` on the period's totals as the
    contributions file exports them, and that file against the quantities
    the benchmark drew."""
    import numpy as np

    from taawun.economy import queries
    from taawun.economy.allocation import Contributions, allocate, read_contributions
    from taawun.economy.allocation_actions import allocation_rules, allocation_weights
    from taawun.economy.models import AllocationShare
    from taawun.economy.money import parse_amount
    from taawun.membership.models import Member

    problems: list[str] = []
    started = time.perf_counter()
    text = io.StringIO()
    for row in queries.period_totals_csv_rows(found.period):
        text.write(",".join(row) + "\n")
    text.seek(0)
    read = read_contributions(text)
    drawn = np.load(var / "expected.npz")
    order = [read.kinds.index(k.code) for k in KINDS]
    scales = np.array([10 ** (3 - read.places[i]) for i in order], dtype=np.int64)
    as_read = read.quantities[:, order].astype(np.int64) * scales
    if [int(m) for m in read.members] != drawn["numbers"].tolist():
        problems.append("the contributions file does not list every member in order")
    elif not np.array_equal(as_read, drawn["thousandths"]):
        problems.append("the period's totals differ from the quantities drawn")
    # The same members under the keys the action uses (public ids), so that
    # ties in the largest-remainder split are broken in the same order.
    public = dict(
        Member.objects.filter(cooperative_id=found.cooperative_id).values_list(
            "number", "public_id"
        )
    )
    keyed = Contributions(
        tuple(str(public[int(m)]) for m in read.members), read.kinds, read.quantities, read.places
    )
    coop = found.cooperative
    apart = allocate(
        parse_amount(SURPLUS, coop.currency, field="surplus"),
        keyed,
        weights=allocation_weights(coop),
        rules=allocation_rules(coop),
    )
    posted = {
        str(public_id): (dividend, cash, retained)
        for public_id, dividend, cash, retained in AllocationShare.objects.filter(
            allocation=found
        ).values_list("member__public_id", "dividend", "cash", "retained")
    }
    computed = {s.member: (s.dividend, s.cash, s.retained) for s in apart.members}
    if (apart.reserve, apart.community, apart.patronage_pool) != (
        found.reserve,
        found.community,
        found.patronage_pool,
    ):
        problems.append("reserve, fund or pool differ from allocate's")
    differ = sum(1 for m in computed.keys() | posted.keys() if computed.get(m) != posted.get(m))
    if differ:
        problems.append(f"{differ} members' shares differ from allocate's")
    return {
        "problems": problems,
        "members_compared": len(computed),
        "seconds": time.perf_counter() - started,
    }


def worker(argv: Sequence[str]) -> int:
    """`python -m bench.allocation_db worker populate|measure ...`, run by the
    benchmark in a process of its own per database; prints JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.allocation_db worker")
    parser.add_argument("phase", choices=["populate", "measure"])
    parser.add_argument("--var", type=Path, required=True)
    parser.add_argument("--members", type=int, default=DEFAULTS["members"])
    parser.add_argument("--per-member", type=int, default=DEFAULTS["per_member"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if args.phase == "populate":
        result = populate(args.members, args.per_member, args.seed, args.var)
    else:
        result = measure(args.rounds, args.var, args.profile)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# --- the benchmark ---------------------------------------------------------------------------


@dataclass
class BackendReport:
    backend: str
    version: str
    load: str
    populated: dict[str, Any]
    measured: dict[str, Any]

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.measured["rounds"])

    @property
    def ratio(self) -> float:
        return statistics.median(r["total"] / r["floor"] for r in self.measured["rounds"])

    def step(self, name: str) -> float:
        return statistics.median(r["steps"].get(name, 0.0) for r in self.measured["rounds"])

    @property
    def met(self) -> bool:
        return self.median("total") < TARGET_SECONDS

    @property
    def problems(self) -> list[str]:
        return list(self.measured["problems"])


def bench_backend(backend: str, args: argparse.Namespace) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-bench-allocation-{backend}-") as tmp,
        fresh_database(backend, Path(tmp), args.postgres_url, POSTGRES_DB) as (url, version),
    ):
        env = base_env(url, Path(tmp))
        say(f"{label} {version}: taawun migrate (load average {load})")
        done = subprocess.run([taawun_bin(), "migrate"], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        say(f"{label}: {args.members:,} members, {args.members * args.per_member:,} contributions")
        populated = run_worker(
            "bench.allocation_db",
            env,
            "populate",
            "--var",
            tmp,
            "--members",
            str(args.members),
            "--per-member",
            str(args.per_member),
            "--seed",
            str(args.seed),
        )
        say(f"{label}: filled in {sum(populated['seconds'].values()):.0f} s; measuring")
        more = ["--profile"] if args.profile else []
        measured = run_worker(
            "bench.allocation_db", env, "measure", "--var", tmp, "--rounds", str(args.rounds), *more
        )
    report = BackendReport(label, version, load, populated, measured)
    say(
        f"{label}: propose + post {report.median('total'):.2f} s, floor "
        f"{report.median('floor'):.2f} s ({report.ratio:.1f}x)"
    )
    if measured["profile"]:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"allocation_db-{backend}.profile.txt"
        path.write_text(measured["profile"])
        say(f"profile: {path}")
    return report


# --- the report ------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def table(report: BackendReport) -> list[str]:
    rounds = report.measured["rounds"]

    def each(key: str) -> str:
        return ", ".join(f"{r[key]:.2f}" for r in rounds)

    total = report.median("total")
    lines = [
        "| Request | Median | Each round (s) |",
        "|---|--:|--:|",
        f"| `propose_allocation` | {_s(report.median('propose'))} | {each('propose')} |",
        f"| `post_allocation` | {_s(report.median('post'))} | {each('post')} |",
        f"| **Both, end to end** | **{_s(total)}** | {each('total')} |",
        f"| of which CPU time of the Django process | {_s(report.median('cpu'))} | {each('cpu')} |",
        f"| The database's floor (two INSERT … SELECT) | {_s(report.median('floor'))} "
        f"| {each('floor')} |",
        f"| **End to end ÷ floor** | **{report.ratio:.1f}x** | "
        + ", ".join(f"{r['total'] / r['floor']:.1f}" for r in rounds)
        + " |",
    ]
    return lines


def breakdown(report: BackendReport) -> list[str]:
    names = list(dict.fromkeys(name for name, _m, _p in STEPS))
    calls = report.measured["rounds"][0]["calls"]
    total = report.median("total")
    figures = [(name, report.step(name)) for name in names]
    rest = statistics.median(
        r["total"] - sum(r["steps"].values()) for r in report.measured["rounds"]
    )
    figures.append((REST, rest))
    lines = [
        "| Where the time goes (both requests) | Calls | Median | Share |",
        "|---|--:|--:|--:|",
    ]
    for name, seconds in sorted(figures, key=lambda f: -f[1]):
        count = calls.get(name, "")  # per round
        lines.append(f"| {name} | {count} | {_s(seconds)} | {seconds / total:.0%} |")
    return lines


def dominant(report: BackendReport) -> str:
    names = list(dict.fromkeys(name for name, _m, _p in STEPS))
    name, seconds = max(((n, report.step(n)) for n in names), key=lambda f: f[1])
    return f"{name.split(':')[0].split(' (')[0]} ({seconds / report.median('total'):.0%})"


def verdict(report: BackendReport) -> str:
    total = report.median("total")
    checks = (
        "**Checks failed:** " + "; ".join(report.problems) + "."
        if report.problems
        else f"Checks passed: in every round the {report.measured['rounds'][0]['members']:,} "
        "shares add up to the patronage pool and the "
        f"{report.measured['rounds'][0]['capital_entries']:,} capital entries to the retained "
        "total, every round posts the same shares, and they equal `allocate`'s on the "
        "exported contributions file, which holds the quantities drawn."
    )
    if report.met:
        return f"**Target met:** {_s(total)} < {TARGET_SECONDS:g} s. {checks}"
    cpu = report.median("cpu")
    alone = "itself over" if cpu >= TARGET_SECONDS else "under"
    return (
        f"**Target missed:** {_s(total)}, not under {TARGET_SECONDS:g} s (the CPU time of the "
        f"Django process alone, {_s(cpu)}, is {alone} the target); the largest part is "
        f"{dominant(report)}. {checks}"
    )


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = args.members * args.per_member
    kinds = ", ".join(f"{k.code} ({k.unit}, weight {k.weight})" for k in KINDS)
    out = [
        START,
        f"## Allocation: {args.members:,} members through the database",
        "",
        f"Measured {today} at {revision()} with `{command_line(args)}` (also run by `make bench`).",
        "",
        f"**Target:** the allocation of a closed period of {args.members:,} members and "
        f"{rows:,} approved contributions, proposed and posted end to end through the "
        f"database, in under {TARGET_SECONDS:g} s on each database.",
        "",
        "**What runs.** A fresh database per backend (on PostgreSQL, "
        f"`{POSTGRES_DB}`, dropped afterwards), created by `taawun migrate`. One cooperative, "
        "founded through `membership.actions.create_cooperative`, its other members added in "
        f"bulk (`bench/populate.py`): {args.members:,} members. Its bylaws are amended through "
        f"`membership.actions.amend_bylaws` to five contribution kinds: {kinds}; "
        "`allocation_needs_poll` is false, so the treasurer posts without the general "
        "meeting's poll (opening a poll over the roll is not measured here). One period of "
        f"last year, opened through `economy.actions.open_period`, with {args.per_member} "
        "approved contributions per member (the kind drawn per row, hours to the thousandth, "
        f"money to the piastre, seed {args.seed}), written in bulk (COPY on PostgreSQL, "
        "`executemany` on SQLite; on PostgreSQL without the per-row foreign key triggers, "
        "then `ANALYZE`d), and closed through "
        "`economy.actions.close_period`, which sums the period's totals (twice: for the "
        "ledger's totals and its digest). Then, in a fresh process, each round runs what "
        "the treasurer's two requests run: `propose_allocation(by=treasurer, "
        f'period=…, surplus="{SURPLUS}")` and `post_allocation(found, by=treasurer)`, with '
        "the bylaws' rules (30 % reserve, 5 % fund, 30 % in cash).",
        "",
        "**How it is measured.** Wall clock around each call, the median of "
        f"{args.rounds} rounds. A posted allocation cannot be undone, so between rounds the "
        "benchmark deletes that round's capital entries, shares and allocation with raw SQL "
        "(not timed; on PostgreSQL the two tables are then `VACUUM ANALYZE`d); the ledger "
        "entries stay, as the chain is append-only. *Where the time goes* wraps the "
        "functions the actions call with timers (exclusive times: `_compute`'s own "
        "time leaves out the `period_thousandths` it calls). *The database's floor* is the same "
        "work done by the database alone, in one transaction: an `INSERT … SELECT` that "
        "sums the period's approved rows per member and kind (as `period_thousandths` does), "
        "weighs the kinds and writes one `AllocationShare` row per member, then an "
        "`INSERT … SELECT` of one `CapitalAccountEntry` row per share: the same rows into "
        "the same tables, with their indexes and constraints, but no rows sent to Python "
        "and no arithmetic beyond sums. The floor runs in each round beside the actions, "
        "before them in odd rounds and after them in even ones; *end to end ÷ floor* is "
        "the median of the round-by-round ratios, the figure to read on a shared machine.",
        "",
        "**How it is checked.** In every round: the shares add up to the patronage pool "
        "and their cash to the cash total, the capital entries add up to the retained "
        "total (one per non-zero retained share), and every round posts the same shares "
        "(same digest). In the first round, the period's totals exported as the "
        "contributions file (`queries.period_totals_csv_rows`) are read back with "
        "`allocation.read_contributions`, compared with the quantities the benchmark drew "
        "(summed in numpy), and allocated with `allocation.allocate`: every member's "
        "dividend, cash and retained share must equal the posted one.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + f". Load average before the run: {info['load']}. The benchmark and the database "
        f"share the {info['cpus']} cores with other work, so seconds move from run to run; "
        "the ratio to the floor much less.",
    ]
    for report in reports:
        filled = report.populated["seconds"]
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"{report.populated['members']:,} members and "
            f"{report.populated['contributions']:,} contributions, filled in "
            f"{sum(filled.values()):.0f} s (members {filled['members']:.0f} s, contributions "
            f"{filled['contributions']:.0f} s); `close_period` took "
            f"**{_s(filled['close_period'])}**. Load average before this database: "
            f"{report.load}.",
            "",
            *table(report),
            "",
            *breakdown(report),
            "",
            verdict(report),
        ]
    out += [
        "",
        "Raw figures of the last run: `bench/results/allocation_db.json` (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return database_bench_main(
        "allocation_db",
        argv,
        parse_args=parse_args,
        worker=worker,
        bench_backend=bench_backend,
        render=render,
        raw_backend=lambda r: {
            "version": r.version,
            "load": r.load,
            "populated": r.populated,
            "measured": r.measured,
        },
        markers=(START, END, AFTER),
    )


if __name__ == "__main__":
    raise SystemExit(main())
