"""`python -m bench.federation_delivery`: one activity to 100 follower inboxes.

The issue: the time to deliver one activity to 100 follower inboxes served
by real HTTP receivers on loopback, with 10% of them failing at first.

The benchmark process starts ``--peers`` receivers, each a threaded HTTP
server of its own on its own loopback address (127.0.0.2, 127.0.0.3...)
under its own name (``peer-000.bench.taawun.test``...), the names given to
Taawun through ``TAAWUN_FEDERATION_HOSTS``, so that every delivery goes
through the same resolve-then-check path as in production. A receiver reads
the body and answers 202 (it does not verify the signature: the inbox
benchmark measures that); the ``--failing`` share of them (every tenth)
answers 503 to the first POST of each activity, as a peer that is down for
a moment.

For each database a fresh database (on PostgreSQL
`taawun_bench_federation_delivery`, dropped afterwards) is made by
`taawun migrate`, and in a Django process of its own (settings are per
process) one cooperative is founded through
`membership.actions.create_cooperative`; the peers' actors follow it
(accepted Follows). Then, ``--rounds`` times, with ``--concurrency`` sending
threads and with one (the sequential baseline), in turn:

- *queueing*: in one transaction, the Create activity is recorded and
  `delivery.enqueue` queues it for `delivery.follower_inboxes` (the 100
  inboxes), as a publishing action does;
- *first round*: one `delivery.deliver_due` — 90 delivered, 10 to retry;
- *retry round*: the retries' back-off waiting is skipped (their
  ``next_attempt_at`` set to now) and `deliver_due` runs until none is
  pending — the 10 delivered.

Each phase is timed with a wall clock; the figures are medians over the
rounds. Afterwards every receiver's log is checked: each activity accepted
exactly once by each peer, and refused once first by the failing ones.

The section between `<!-- bench:federation-delivery:start -->` and
`<!-- bench:federation-delivery:end -->` in docs/benchmarks.md is
rewritten; the raw figures go to bench/results/federation_delivery.json
(not committed).

    .venv/bin/python -m bench.federation_delivery [--peers 100] [--failing 0.1]
        [--rounds 5] [--concurrency 8] [--backends sqlite,postgres]
        [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.allocation_db import Parser
from bench.run import (
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

START = "<!-- bench:federation-delivery:start -->"
END = "<!-- bench:federation-delivery:end -->"
AFTER = "<!-- bench:search:end -->"  # where the section goes the first time
POSTGRES_DB = "taawun_bench_federation_delivery"
DEFAULTS: dict[str, Any] = {"peers": 100, "failing": 0.1, "rounds": 5, "concurrency": 8}
FOUNDER_EMAIL = "founder@delivery.bench.taawun.test"
PEER_DOMAIN = "bench.taawun.test"
MODES = ("parallel", "sequential")


# --- arguments -------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.federation_delivery",
        description="Deliver one activity to many follower inboxes served on loopback, "
        "some failing at first, with parallel sends and sequentially, on SQLite and "
        "PostgreSQL.",
    )
    parser.add_argument("--peers", type=int, default=DEFAULTS["peers"])
    parser.add_argument(
        "--failing",
        type=float,
        default=DEFAULTS["failing"],
        help="share of the peers that refuse each activity once (503) before taking it",
    )
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULTS["concurrency"], help="sending threads"
    )
    add_database_arguments(parser, POSTGRES_DB)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = parsed_backends(parser, args)
    if not 1 <= args.peers <= 250:
        parser.error("--peers must be between 1 and 250 (one loopback address each)")
    if not 0 <= args.failing <= 1:
        parser.error("--failing must be a share between 0 and 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not 2 <= args.concurrency <= 64:
        parser.error("--concurrency must be between 2 and 64")
    args.backend_list = backends
    return args


def command_line(args: argparse.Namespace) -> str:
    return reproducing_command("bench.federation_delivery", args, DEFAULTS)


# --- the receivers ---------------------------------------------------------------------------


@dataclass
class Peer:
    name: str
    address: str
    port: int = 0
    failing: bool = False
    # (activity id, status answered), in order of arrival
    log: list[tuple[str, int]] = field(default_factory=list)

    @property
    def inbox(self) -> str:
        return f"http://{self.name}:{self.port}/inbox"


def failing_peers(count: int, share: float) -> set[int]:
    """Which peers (by index) fail at first: ``share`` of them, spread evenly."""
    wanted = round(count * share)
    return {round(i * count / wanted) for i in range(wanted)} if wanted else set()


class _Inbox(http.server.BaseHTTPRequestHandler):
    server: _Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            activity = str(json.loads(body)["id"])
        except (ValueError, KeyError, TypeError):
            activity = ""
        peer = self.server.peer
        with self.server.lock:
            first = not any(seen == activity for seen, _status in peer.log)
            status = 503 if peer.failing and first else 202
            peer.log.append((activity, status))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.lock = threading.Lock()
        super().__init__((peer.address, 0), _Inbox)


@contextlib.contextmanager
def receivers(count: int, failing: float) -> Iterator[list[Peer]]:
    """``count`` inboxes, each served by its own server on its own loopback
    address, until the block ends."""
    down = failing_peers(count, failing)
    peers = [
        Peer(f"peer-{n:03d}.{PEER_DOMAIN}", f"127.0.0.{n + 2}", failing=n in down)
        for n in range(count)
    ]
    servers: list[_Receiver] = []
    try:
        for peer in peers:
            server = _Receiver(peer)
            peer.port = server.server_address[1]
            servers.append(server)
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            ).start()
        yield peers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def host_map(peers: list[Peer]) -> dict[str, str]:
    return {peer.name: peer.address for peer in peers}


def check_logs(peers: list[Peer], activities: int) -> list[str]:
    """What the receivers saw that they should not have: an activity taken
    twice or never, or a failing peer that was not retried."""
    problems = []
    for peer in peers:
        taken = Counter(activity for activity, status in peer.log if status == 202)
        refused = Counter(activity for activity, status in peer.log if status != 202)
        if len(taken) != activities or set(taken.values()) != {1}:
            problems.append(f"{peer.name} took {dict(taken)} (expected each of {activities} once)")
        if peer.failing and (len(refused) != activities or set(refused.values()) != {1}):
            problems.append(f"{peer.name} refused {dict(refused)} (expected each once)")
    return problems


# --- inside the Django process ---------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()


def prepare(inboxes: list[str]) -> Any:
    """One cooperative, and an actor following it at each inbox; returns the
    cooperative's actor, which signs."""
    from taawun.accounts.models import User
    from taawun.federation import identity
    from taawun.federation.models import Actor, Follow
    from taawun.membership import actions

    founder = User.objects.create_user(FOUNDER_EMAIL, None, name="Bench Founder")
    coop = actions.create_cooperative(
        founder=founder,
        slug="bench-delivery",
        names={"en": "Bench Delivery", "ar": "Bench Delivery"},
        country="EG",
        currency="EGP",
        languages=["ar", "en"],
    )
    signer = identity.coop_actor(coop)
    for inbox in inboxes:
        base = inbox.rsplit("/", 1)[0]
        follower = Actor.objects.create(
            uri=f"{base}/coop",
            kind=Actor.Kind.GROUP,
            role=Actor.Role.COOPERATIVE,
            domain=identity.domain_of(base),
            username="coop",
            inbox=inbox,
        )
        Follow.objects.create(
            follower=follower,
            followed=signer,
            state=Follow.State.ACCEPTED,
            uri=f"{base}/follows/{signer.pk}",
        )
    return signer


def deliver_one(signer: Any, concurrency: int) -> dict[str, Any]:
    """Publish one activity to the followers and deliver it until every
    inbox has it, the back-off waiting skipped; the phases' times in ms."""
    from uuid import uuid4

    from django.db import transaction
    from django.utils import timezone

    from taawun.federation import delivery, identity
    from taawun.federation.models import Activity, Delivery

    started = time.perf_counter()
    with transaction.atomic():
        uri = identity.activity_uri(uuid4())
        note = identity.object_uri("article", uuid4())
        activity = Activity.objects.create(
            uri=uri,
            type="Create",
            actor=signer,
            object_uri=note,
            local=True,
            public=True,
            data={
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": uri,
                "type": "Create",
                "actor": signer.uri,
                "to": [identity.AS_PUBLIC],
                "cc": [signer.followers],
                "object": {
                    "id": note,
                    "type": "Article",
                    "attributedTo": signer.uri,
                    "name": "Solar co-ops: what we learnt",
                    "content": "<p>" + "We shared the panels and the work. " * 30 + "</p>",
                },
            },
        )
        queued = delivery.enqueue(activity, delivery.follower_inboxes(signer), signer)
    queueing = time.perf_counter() - started

    started = time.perf_counter()
    first = delivery.deliver_due(concurrency=concurrency)
    first_round = time.perf_counter() - started

    pending = Delivery.objects.filter(activity=activity, state=Delivery.State.PENDING)
    retry_rounds = 0
    started = time.perf_counter()
    while pending.exists():
        if retry_rounds == 5:
            raise BenchError(f"still {pending.count()} pending after 5 retry rounds")
        pending.update(next_attempt_at=timezone.now())  # skip the back-off waiting
        delivery.deliver_due(concurrency=concurrency)
        retry_rounds += 1
    retrying = time.perf_counter() - started

    delivered = Delivery.objects.filter(activity=activity, state=Delivery.State.DELIVERED).count()
    if delivered != len(queued):
        raise BenchError(f"{delivered} of {len(queued)} deliveries made")
    return {
        "inboxes": len(queued),
        "queueing_ms": 1000 * queueing,
        "first_ms": 1000 * first_round,
        "retry_ms": 1000 * retrying,
        "delivery_ms": 1000 * (first_round + retrying),
        "first_delivered": first.delivered,
        "first_retrying": first.retrying,
        "retry_rounds": retry_rounds,
    }


def measure(inboxes: list[str], rounds: int, concurrency: int) -> dict[str, Any]:
    """Prepare, then deliver ``rounds`` activities with ``concurrency`` threads
    and as many with one, taking turns (the order swapped every round, so
    that neither always runs on the warmer caches)."""
    signer = prepare(inboxes)
    deliver_one(signer, concurrency)  # warm-up: connections, imports, keys
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    threads = {"parallel": concurrency, "sequential": 1}
    for number in range(rounds):
        for mode in MODES if number % 2 == 0 else MODES[::-1]:
            runs[mode].append(deliver_one(signer, threads[mode]))
    return {"runs": runs, "activities": 2 * rounds + 1}


def worker(argv: Sequence[str]) -> int:
    """`python -m bench.federation_delivery worker --inboxes FILE ...`, run
    by the benchmark in a process of its own per database; prints JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.federation_delivery worker")
    parser.add_argument("--inboxes", type=Path, required=True, help="a JSON list of inbox URLs")
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument("--concurrency", type=int, default=DEFAULTS["concurrency"])
    args = parser.parse_args(argv)
    _setup()
    inboxes = json.loads(args.inboxes.read_text())
    result = measure(inboxes, args.rounds, args.concurrency)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# --- the benchmark ---------------------------------------------------------------------------


def federation_env(url: str, var: Path, peers: list[Peer]) -> dict[str, str]:
    env = base_env(url, var)
    env.update(
        {
            "TAAWUN_FEDERATION_HOSTS": ",".join(f"{n}={a}" for n, a in host_map(peers).items()),
            "TAAWUN_FEDERATION_ALLOW_LOOPBACK": "1",
            "TAAWUN_FEDERATION_ALLOW_HTTP": "1",
            "TAAWUN_FEDERATION_ALLOWLIST_ONLY": "0",
        }
    )
    return env


def median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


@dataclass
class BackendReport:
    backend: str
    version: str
    load: str
    runs: dict[str, list[dict[str, Any]]]
    problems: list[str]

    def figure(self, mode: str, key: str) -> float:
        return median(self.runs[mode], key)

    @property
    def ratio(self) -> float:
        """How many times longer the sequential deliveries took."""
        return self.figure("sequential", "delivery_ms") / self.figure("parallel", "delivery_ms")


def bench_backend(backend: str, args: argparse.Namespace) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-bench-delivery-{backend}-") as tmp,
        fresh_database(backend, Path(tmp), args.postgres_url, POSTGRES_DB) as (url, version),
        receivers(args.peers, args.failing) as peers,
    ):
        env = federation_env(url, Path(tmp), peers)
        say(f"{label} {version}: taawun migrate (load average {load})")
        done = subprocess.run([taawun_bin(), "migrate"], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        inboxes = Path(tmp) / "inboxes.json"
        inboxes.write_text(json.dumps([peer.inbox for peer in peers]))
        say(f"{label}: 2 x {args.rounds} deliveries to {args.peers} inboxes")
        measured = run_worker(
            "bench.federation_delivery",
            env,
            *("--inboxes", str(inboxes), "--rounds", str(args.rounds)),
            *("--concurrency", str(args.concurrency)),
            step="deliveries",
        )
        problems = check_logs(peers, measured["activities"])
    report = BackendReport(label, version, load, measured["runs"], problems)
    say(
        f"{label}: {report.figure('parallel', 'delivery_ms'):.0f} ms with "
        f"{args.concurrency} threads, {report.figure('sequential', 'delivery_ms'):.0f} ms "
        f"sequentially (ratio {report.ratio:.1f})"
    )
    return report


# --- the report ------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def table(report: BackendReport, args: argparse.Namespace) -> list[str]:
    runs = report.runs["parallel"][0]
    delivered, retrying = runs["first_delivered"], runs["first_retrying"]
    rows = [
        ("Queueing: the activity and its rows, one transaction", "queueing_ms"),
        (f"First round ({delivered} delivered, {retrying} to retry)", "first_ms"),
        (f"Retry round ({retrying} delivered), back-off waiting skipped", "retry_ms"),
        (f"**All {runs['inboxes']} delivered** (first + retry)", "delivery_ms"),
    ]
    lines = [
        f"| Phase | {args.concurrency} sending threads | 1 (sequential) | Sequential ÷ parallel |",
        "|---|--:|--:|--:|",
    ]
    for label, key in rows:
        parallel, sequential = report.figure("parallel", key), report.figure("sequential", key)
        lines.append(
            f"| {label} | {_ms(parallel)} | {_ms(sequential)} | {sequential / parallel:.1f} |"
        )
    per_second = 1000 * runs["inboxes"] / report.figure("parallel", "delivery_ms")
    lines += [
        "",
        f"With {args.concurrency} threads: {per_second:,.0f} deliveries per second; "
        f"the same deliveries sent one at a time take **{report.ratio:.1f} times** as long.",
    ]
    return lines


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    failing = len(failing_peers(args.peers, args.failing))
    out = [
        START,
        f"## Federation: one activity to {args.peers} follower inboxes",
        "",
        f"Measured {when} with `{command_line(args)}`.",
        "",
        f"**What runs.** {args.peers} receivers, each a threaded HTTP server of its own on "
        "its own loopback address (127.0.0.2, 127.0.0.3…) under its own name, given to "
        "Taawun through `TAAWUN_FEDERATION_HOSTS`, so that each delivery resolves and checks "
        "its peer as in production; they run in the benchmark's process, apart from the "
        f"sender. Each reads the body and answers 202; {failing} of them answer 503 to the "
        "first POST of each activity. A fresh database per backend (`taawun migrate`), one "
        f"cooperative founded through the actions, and {args.peers} remote cooperatives "
        "following it. Each measured delivery records a Create activity and queues it with "
        "`delivery.enqueue` for `delivery.follower_inboxes` in one transaction, then runs "
        "`delivery.deliver_due` (each POST signed, draft-cavage rsa-sha256, through "
        "`safe_http`); the retries' back-off waiting is skipped (their `next_attempt_at` set "
        "to now) and `deliver_due` runs again until all are delivered (`bench/federation_"
        "delivery.py`).",
        "",
        f"**How it is measured.** After one untimed delivery, {args.rounds} activities are "
        f"delivered with {args.concurrency} sending threads and {args.rounds} with one (the "
        "sequential baseline), taking turns; wall-clock time per phase, medians over the "
        "rounds. Every receiver's log is checked afterwards: each activity taken exactly once "
        "by each peer, and refused once before by each failing peer.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + f". Load average before the run: {info['load']}. The receivers, the sender and "
        "the database share the machine, which is shared with other work, so figures move "
        "from run to run; compare the ratio.",
    ]
    for report in reports:
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"Load average before this database: {report.load}.",
            "",
            *table(report, args),
            "",
            (
                "**Receivers' logs:** " + "; ".join(report.problems[:5]) + "."
                if report.problems
                else "The receivers' logs check out."
            ),
        ]
    out += [
        "",
        "Raw figures of the last run: `bench/results/federation_delivery.json` (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return database_bench_main(
        "federation_delivery",
        argv,
        parse_args=parse_args,
        worker=worker,
        bench_backend=bench_backend,
        render=render,
        raw_backend=asdict,
        markers=(START, END, AFTER),
    )


if __name__ == "__main__":
    raise SystemExit(main())
