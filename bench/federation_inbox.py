"""`python -m bench.federation_inbox`: signed activities verified and processed
per second by one instance's inbox, on SQLite and PostgreSQL.

The issue: signed activities verified and processed per second by one
instance's inbox, on SQLite and on PostgreSQL; target at least 200 per
second on PostgreSQL.

For each database this makes a fresh database (on PostgreSQL,
`taawun_bench_federation_inbox`, dropped afterwards), runs `taawun migrate`,
founds one cooperative through `membership.actions.create_cooperative` (in a
Django process of its own) that follows the sending cooperative
(`federation.publishing.follow`, which fetches its actor document), and
starts the instance as a user would
(`taawun serve`: gunicorn with its default workers) with the settings that
let it reach a peer on loopback over plain http. In this process, a real
HTTP server on loopback plays the other instance: it serves the sending
actor's document (a cooperative Group with its RSA public key).

``--activities`` distinct activities are signed beforehand, exactly as
`taawun.federation.delivery` signs them (draft-cavage rsa-sha256 over
request target, host, date and digest): each a Create of a public Note by
the remote cooperative, posted to the local cooperative's inbox, which
keeps the note (its cooperative follows the author). First, untimed, the
sender accepts the Follow. The sender's key is fetched once, when the
cooperative follows it, and cached from then on. Then, in ``--rounds`` rounds, a share of them is
posted by ``--clients`` threads, each with its own connection, kept alive
where the server allows; each round also loads a trivial page of the same
server (GET /nodeinfo/2.1) with as many requests, so that the inbox's rate
can be read against the server's floor on this machine, as `make bench`
does for pages.

Every activity must be answered 202 and recorded (the `Activity` rows are
counted afterwards); the figures are activities per second (the median over
the rounds), and the 50th and 99th percentiles of the time from sending a
request to reading its answer, over every activity.

The section between `<!-- bench:federation-inbox:start -->` and
`<!-- bench:federation-inbox:end -->` in docs/benchmarks.md is rewritten;
the raw figures go to bench/results/federation_inbox.json (not committed);
``--no-write`` only prints the section.

    .venv/bin/python -m bench.federation_inbox [--activities 3000] [--clients 8]
        [--rounds 3] [--backends sqlite,postgres] [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.server
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.allocation_db import Parser
from bench.run import (
    ROOT,
    BenchError,
    Server,
    add_database_arguments,
    base_env,
    database_bench_main,
    default_workers,
    free_port,
    fresh_database,
    parsed_backends,
    reproducing_command,
    run_worker,
    say,
    taawun_bin,
)

START = "<!-- bench:federation-inbox:start -->"
END = "<!-- bench:federation-inbox:end -->"
AFTER = "<!-- bench:search:end -->"  # where the section goes the first time
POSTGRES_DB = "taawun_bench_federation_inbox"
TARGET_PER_SECOND = 200.0
DEFAULTS: dict[str, Any] = {"activities": 3000, "clients": 8, "rounds": 3}
REMOTE_HOST = "remote.bench.taawun.test"
SENDER = "/coops/sender"
COOP_SLUG = "bench-inbox"
FLOOR_PATH = "/nodeinfo/2.1"
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


# --- arguments -------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.federation_inbox",
        description="Signed activities verified and processed per second by one instance's "
        "inbox, on SQLite and PostgreSQL, beside the same server's trivial page.",
    )
    parser.add_argument("--activities", type=int, default=DEFAULTS["activities"])
    parser.add_argument("--clients", type=int, default=DEFAULTS["clients"])
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    add_database_arguments(parser, POSTGRES_DB)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = parsed_backends(parser, args)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.activities < args.rounds:
        parser.error("--activities must be at least one per round")
    if not 1 <= args.clients <= 256:
        parser.error("--clients must be between 1 and 256")
    args.backend_list = backends
    return args


def command_line(args: argparse.Namespace) -> str:
    return reproducing_command("bench.federation_inbox", args, DEFAULTS)


# --- the other instance ----------------------------------------------------------------------


class _RemoteHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RemoteServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.fetches.append(self.path)
        document = self.server.documents.get(self.path.split("?", 1)[0])
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _RemoteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RemoteHandler)
        self.documents: dict[str, dict[str, Any]] = {}
        self.fetches: list[str] = []


@dataclass
class Remote:
    """The sending instance: its base URL, its actor and that actor's key."""

    server: _RemoteServer
    base: str
    actor: str
    key: Any  # taawun.federation.signatures.SigningKey


@contextlib.contextmanager
def remote_instance() -> Iterator[Remote]:
    """A loopback HTTP server, named REMOTE_HOST for the instance under test,
    serving one cooperative's actor document."""
    from taawun.federation.signatures import SigningKey, generate_rsa_keypair

    server = _RemoteServer()
    base = f"http://{REMOTE_HOST}:{server.server_address[1]}"
    actor = base + SENDER
    private_pem, public_pem = generate_rsa_keypair()
    server.documents[SENDER] = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor,
        "type": "Group",
        "preferredUsername": "sender",
        "name": "Sending cooperative",
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "endpoints": {"sharedInbox": f"{base}/inbox"},
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": public_pem},
    }
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield Remote(server, base, actor, SigningKey(f"{actor}#main-key", private_pem))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def create_note(remote: Remote, number: int) -> dict[str, Any]:
    """A Create of a public Note by the remote cooperative: distinct ids each time."""
    note = f"{remote.base}/notes/{uuid.uuid4()}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base}/activities/{uuid.uuid4()}",
        "type": "Create",
        "actor": remote.actor,
        "to": [AS_PUBLIC],
        "cc": [f"{remote.actor}/followers"],
        "object": {
            "id": note,
            "type": "Note",
            "attributedTo": remote.actor,
            "to": [AS_PUBLIC],
            "cc": [f"{remote.actor}/followers"],
            "content": f"<p>Note number {number} from the sending cooperative.</p>",
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    }


@dataclass(frozen=True)
class Prepared:
    """One request, ready to send: its path, headers and body."""

    path: str
    headers: dict[str, str]
    body: bytes | None


def accept_follow(remote: Remote, follower: str, follow: str) -> dict[str, Any]:
    """The sender accepting our cooperative's Follow, the Follow embedded as
    Mastodon sends it."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base}/activities/{uuid.uuid4()}",
        "type": "Accept",
        "actor": remote.actor,
        "object": {"id": follow, "type": "Follow", "actor": follower, "object": remote.actor},
    }


def signed(remote: Remote, inbox_url: str, activity: dict[str, Any]) -> Prepared:
    """A POST of ``activity`` to ``inbox_url``, signed as delivery signs it."""
    from urllib.parse import urlsplit

    from taawun.federation.signatures import sign_request

    body = json.dumps(activity).encode()
    headers = sign_request(
        "POST",
        inbox_url,
        {"Content-Type": "application/activity+json", "User-Agent": "bench"},
        body,
        remote.key,
    )
    return Prepared(urlsplit(inbox_url).path, dict(headers), body)


def signed_posts(remote: Remote, inbox_url: str, count: int, first: int = 0) -> list[Prepared]:
    """``count`` signed POSTs of distinct Creates of notes."""
    return [
        signed(remote, inbox_url, create_note(remote, number))
        for number in range(first, first + count)
    ]


# --- sending -----------------------------------------------------------------------------------


@dataclass
class Run:
    """One batch of requests sent by the clients."""

    requests: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def send_all(port: int, prepared: Sequence[Prepared], clients: int, method: str) -> Run:
    """Send every request from ``clients`` threads, each with one connection
    (http.client opens it again when the server closes it)."""
    ticket = itertools.count()
    latencies: list[float] = [0.0] * len(prepared)
    statuses: list[int] = [0] * len(prepared)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while (index := next(ticket)) < len(prepared):
                request = prepared[index]
                started = time.perf_counter()
                try:
                    connection.request(method, request.path, request.body, request.headers)
                    response = connection.getresponse()
                    response.read()
                    statuses[index] = response.status
                    if response.getheader("connection", "").lower() == "close":
                        connection.close()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    statuses[index] = -1
                latencies[index] = (time.perf_counter() - started) * 1000
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(min(clients, len(prepared)))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    counted: dict[int, int] = {}
    for status in statuses:
        counted[status] = counted.get(status, 0) + 1
    return Run(len(prepared), seconds, latencies, counted)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` of 1)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def shares(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` nearly equal whole shares that sum to it."""
    size, extra = divmod(total, parts)
    return [size + (1 if number < extra else 0) for number in range(parts)]


# --- inside the Django process ---------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()


def setup_instance(sender: str) -> dict[str, Any]:
    """One cooperative, founded through the real action, that follows the
    sender (so that the sender's notes concern it and are kept): the
    inbox's owner. The Follow waits for the sender's Accept."""
    _setup()
    from taawun.accounts.models import User
    from taawun.federation import identity, publishing
    from taawun.membership import actions

    founder = User.objects.create_user("founder@inbox.bench.taawun.test", None, name="Founder")
    coop = actions.create_cooperative(
        founder=founder,
        slug=COOP_SLUG,
        names={"en": "Bench inbox cooperative", "ar": "تعاونية قياس صندوق الوارد"},
        country="EG",
        currency="EGP",
        languages=["ar", "en"],
    )
    follow = publishing.follow(coop, sender)
    return {"slug": coop.slug, "actor": identity.coop_actor(coop).uri, "follow": follow.uri}


def count_rows() -> dict[str, Any]:
    _setup()
    from taawun.federation.models import Activity, Actor, Follow, RemoteObject

    return {
        "activities": Activity.objects.filter(local=False).count(),
        "remote_actors": Actor.objects.filter(local=False).count(),
        "notes": RemoteObject.objects.filter(kind=RemoteObject.Kind.NOTE).count(),
        "follows_accepted": Follow.objects.filter(state=Follow.State.ACCEPTED).count(),
    }


def worker(argv: Sequence[str]) -> int:
    """`python -m bench.federation_inbox worker setup|count`, run in the
    instance's environment; prints JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.federation_inbox worker")
    parser.add_argument("phase", choices=["setup", "count"])
    parser.add_argument("--sender", default="")
    args = parser.parse_args(argv)
    result = setup_instance(args.sender) if args.phase == "setup" else count_rows()
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# --- one backend ---------------------------------------------------------------------------------


@dataclass
class BackendReport:
    backend: str
    version: str
    load: str
    workers: int
    inbox: list[Run]
    floor: list[Run]
    rows: dict[str, Any]
    key_fetches: int
    problems: list[str]

    def rate(self) -> float:
        return statistics.median(run.rate for run in self.inbox)

    def floor_rate(self) -> float:
        return statistics.median(run.rate for run in self.floor)

    def ratio(self) -> float:
        pairs = zip(self.inbox, self.floor, strict=True)
        return statistics.median(inbox.rate / floor.rate for inbox, floor in pairs)

    def latencies(self) -> list[float]:
        return [ms for run in self.inbox for ms in run.latencies_ms]

    @property
    def met(self) -> bool:
        return self.rate() >= TARGET_PER_SECOND and not self.problems


def _instance_env(url: str, var: Path, port: int) -> dict[str, str]:
    env = base_env(url, var)
    env.update(
        {
            "TAAWUN_SITE_URL": f"http://127.0.0.1:{port}",
            # The test-only settings that let the instance reach a peer on
            # loopback over plain http, under a name of its own.
            "TAAWUN_FEDERATION_ALLOW_LOOPBACK": "1",
            "TAAWUN_FEDERATION_ALLOW_HTTP": "1",
            "TAAWUN_FEDERATION_HOSTS": f"{REMOTE_HOST}=127.0.0.1",
        }
    )
    return env


def _problems(runs: list[Run], expected: int, what: str) -> list[str]:
    found = []
    for number, run in enumerate(runs, 1):
        wrong = {s: n for s, n in run.statuses.items() if s != expected}
        if wrong:
            found.append(f"{what}, round {number}: answers other than {expected}: {wrong}")
    return found


def bench_backend(backend: str, args: argparse.Namespace) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-bench-inbox-{backend}-") as tmp,
        fresh_database(backend, Path(tmp), args.postgres_url, POSTGRES_DB) as (url, version),
        remote_instance() as remote,
    ):
        var = Path(tmp)
        port = free_port()
        env = _instance_env(url, var, port)
        say(f"{label} {version}: taawun migrate (load average {load})")
        done = subprocess.run(
            [taawun_bin(), "migrate"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        local = run_worker("bench.federation_inbox", env, "setup", "--sender", remote.actor)
        inbox = f"http://127.0.0.1:{port}/ap/coops/{local['slug']}/inbox"
        say(f"{label}: signing {args.activities + 1:,} activities")
        warmup = [signed(remote, inbox, accept_follow(remote, local["actor"], local["follow"]))]
        batches: list[list[Prepared]] = []
        for size in shares(args.activities, args.rounds):
            batches.append(signed_posts(remote, inbox, size, sum(map(len, batches))))
        floor = [Prepared(FLOOR_PATH, {"Accept": "application/json"}, None)]
        server = Server(env, port, var / "server.log")
        try:
            server.start()
            opening = send_all(port, warmup, 1, "POST")
            if opening.statuses != {202: 1}:
                raise BenchError(
                    f"the inbox answered {opening.statuses} to the first activity:\n"
                    f"{server.log_tail()}"
                )
            send_all(port, floor * 50, args.clients, "GET")  # warm the floor up too
            inbox_runs: list[Run] = []
            floor_runs: list[Run] = []
            for number, batch in enumerate(batches, 1):
                floor_runs.append(send_all(port, floor * len(batch), args.clients, "GET"))
                inbox_runs.append(send_all(port, batch, args.clients, "POST"))
                say(
                    f"{label} round {number}: {inbox_runs[-1].rate:.0f} activities/s "
                    f"(p50 {statistics.median(inbox_runs[-1].latencies_ms):.1f} ms), "
                    f"floor {floor_runs[-1].rate:.0f} requests/s"
                )
        finally:
            server.stop()
        rows = run_worker("bench.federation_inbox", env, "count")
        key_fetches = sum(1 for path in remote.server.fetches if path.startswith(SENDER))
    problems = _problems(inbox_runs, 202, "inbox") + _problems(floor_runs, 200, "floor")
    if rows["activities"] != args.activities + 1:
        problems.append(
            f"{rows['activities']} activities recorded, {args.activities + 1} were accepted"
        )
    if rows["notes"] != args.activities or rows["follows_accepted"] != 1:
        problems.append(f"{rows['notes']} notes kept of {args.activities}, or the Accept was lost")
    return BackendReport(
        label,
        version,
        load,
        default_workers(),
        inbox_runs,
        floor_runs,
        rows,
        key_fetches,
        problems,
    )


# --- the report ------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def table(report: BackendReport) -> list[str]:
    lines = [
        "| Round | Activities | Activities/s | p50 | p99 | Floor (GET /nodeinfo/2.1) | Ratio |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for number, (run, floor) in enumerate(zip(report.inbox, report.floor, strict=True), 1):
        lines.append(
            f"| {number} | {run.requests:,} | {run.rate:,.0f} | "
            f"{_ms(statistics.median(run.latencies_ms))} | "
            f"{_ms(percentile(run.latencies_ms, 0.99))} | {floor.rate:,.0f} req/s | "
            f"{run.rate / floor.rate:.2f} |"
        )
    every = report.latencies()
    lines.append(
        f"| **All** | {len(every):,} | **{report.rate():,.0f}** (median) | "
        f"**{_ms(statistics.median(every))}** | **{_ms(percentile(every, 0.99))}** | "
        f"{report.floor_rate():,.0f} req/s | {report.ratio():.2f} |"
    )
    return lines


def verdict(report: BackendReport) -> str:
    if report.problems:
        return "**Problems:** " + "; ".join(report.problems) + "."
    rate = f"{report.rate():,.0f} activities per second"
    if report.backend != "PostgreSQL":
        return f"{rate} (the target is set for PostgreSQL)."
    if report.met:
        return f"{rate} meets the target of {TARGET_PER_SECOND:.0f}."
    return f"**{rate} misses the target of {TARGET_PER_SECOND:.0f}.**"


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    workers = reports[0].workers if reports else default_workers()
    out = [
        START,
        "## Federation: signed activities through one instance's inbox",
        "",
        f"Measured {when} with `{command_line(args)}`.",
        "",
        f"**Target:** at least {TARGET_PER_SECOND:.0f} signed activities verified and "
        "processed per second on PostgreSQL.",
        "",
        "**What runs.** A fresh database per backend, created by `taawun migrate`, with "
        "one cooperative; the instance started by `taawun serve` (gunicorn, "
        f"{workers} workers) on loopback. A real HTTP server on loopback plays the other "
        "instance and serves the sending cooperative's actor document with its RSA key. "
        f"{args.activities:,} distinct activities (each a Create of a public Note) are "
        "signed beforehand as our delivery signs them (draft-cavage rsa-sha256 over "
        "request target, host, date and digest) and posted to the local cooperative's "
        "inbox, which checks the size, the signature (RSA 2048), the date, the digest, the "
        "actor and the origin, refuses replays, records the activity and keeps the note "
        "(the local cooperative follows its author), in one transaction per activity "
        "(`bench/federation_inbox.py`).",
        "",
        "**How it is measured.** First, untimed, the sender accepts the cooperative's "
        f"Follow; then {args.rounds} rounds, each posting its share "
        f"of the activities from {args.clients} client threads, each with one connection "
        "(kept alive where the server allows), beside as many requests for a trivial page "
        "of the same server (GET /nodeinfo/2.1, the floor). Activities per second is the "
        "median over the rounds; latency is from sending a request to reading its "
        "answer, nearest-rank percentiles over every activity. Every activity must be "
        "answered 202 and be recorded.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + ". The clients and the other instance run on the same machine as the server, "
        "which is shared with other work, so figures move from run to run.",
    ]
    for report in reports:
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"Load average before this database: {report.load}. The sender's actor document "
            f"(with its key) was fetched {report.key_fetches} "
            f"time{'s' if report.key_fetches != 1 else ''}; "
            f"{report.rows['activities']:,} activities and "
            f"{report.rows['notes']:,} notes kept.",
            "",
            *table(report),
            "",
            verdict(report),
        ]
    out += [
        "",
        "Raw figures of the last run: `bench/results/federation_inbox.json` (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def raw_backend(r: BackendReport) -> dict[str, Any]:
    def runs(batch: list[Run]) -> list[dict[str, Any]]:
        return [
            {"requests": r.requests, "seconds": r.seconds, "statuses": r.statuses} for r in batch
        ]

    return {
        "version": r.version,
        "load": r.load,
        "workers": r.workers,
        "rows": r.rows,
        "key_fetches": r.key_fetches,
        "problems": r.problems,
        "inbox": runs(r.inbox),
        "floor": runs(r.floor),
        "latencies_ms": r.latencies(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    return database_bench_main(
        "federation_inbox",
        argv,
        parse_args=parse_args,
        worker=worker,
        bench_backend=bench_backend,
        render=render,
        raw_backend=raw_backend,
        markers=(START, END, AFTER),
    )


if __name__ == "__main__":
    raise SystemExit(main())
