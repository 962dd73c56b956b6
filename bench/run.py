"""`make bench`: the member directory and the dashboard under load.

For each database (SQLite, PostgreSQL) this makes a fresh database, runs
`taawun migrate`, fills it with one cooperative of 10,000 members
(bench.populate), starts the server exactly as a user would
(`taawun serve`, gunicorn with its default workers), signs in through the
real sign-in form, and loads these pages with wrk on loopback:

- /healthz, a trivial Django view: the framework's floor on this machine;
- the member directory, first page and a deep page (?page=100);
- the dashboard at / of the signed-in founder.

The pages are measured in rounds, in turn, against the same server, so that
the ratios to the floor stay fair on a noisy shared machine; each figure is
the median over the rounds. The results replace the section between
`<!-- bench:platform:start -->` and `<!-- bench:platform:end -->` in
docs/benchmarks.md (other benchmarks keep their own sections), and the raw
wrk outputs go to bench/results/ (not committed).

    .venv/bin/python -m bench.run [--members N] [--duration S] [--connections C]
                                  [--rounds R] [--backends sqlite,postgres]
                                  [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.cookiejar
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"
START = "<!-- bench:platform:start -->"
END = "<!-- bench:platform:end -->"
COMMAND = "make bench"
POSTGRES_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_DB = "taawun_bench"
TARGET_MEDIAN_MS = 30.0
TARGET_RATIO = 0.5
WARMUP_SECONDS = 2
QUIET = 0.15  # a round is quiet when other work used at most this share of the machine
QUIET_WAIT = 60  # seconds to wait at most, before a run, for the machine to calm down
WRK_TIMEOUT = "10s"  # slower requests would count as errors, not as latency
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

INTRO = """\
# Benchmarks

How fast Taawun serves its pages, and how to measure it yourself.

```sh
make bench      # installs Debian's wrk if missing, then: .venv/bin/python -m bench.run
.venv/bin/python -m bench.run --help      # members, duration, connections, rounds, databases
.venv/bin/python -m bench.run --backends sqlite --no-write   # no PostgreSQL; print only
```

The benchmark starts the server as a user starts it (`taawun serve`: gunicorn
with its default workers) on a fresh database, signs in through the sign-in
form, and loads the pages with a real HTTP load generator (wrk) on loopback.
It needs the PostgreSQL server that the tests use
(postgres://postgres@127.0.0.1:5432, or `--postgres-url`), in which it creates
and then drops a database `taawun_bench`.

**Read the figures as ratios.** The machines these figures come from are small
and shared, and wrk runs on the same cores as the server, so absolute numbers
move from run to run and say little about your server. Each page is therefore
measured beside a trivial Django view served the same way in the same run (the
framework's floor on that machine), and the targets are stated against it.
The CPU time the server spends per request is reported too: it moves much
less than throughput when the machine is busy. Run `make bench` on your own
hardware for your own numbers.

Each section below is rewritten by the benchmark that owns it, between its
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers; text
outside the markers is kept.
"""


# --- results -----------------------------------------------------------------


@dataclass
class WrkRun:
    p50_ms: float
    p99_ms: float
    rps: float
    requests: int
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    output: str
    server_cpu_ms: float = 0.0  # CPU time the server spent per request
    database_cpu_ms: float = 0.0  # CPU time PostgreSQL spent per request
    other_cpu: float = 0.0  # share of the machine's CPU used by neither server nor wrk

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())


@dataclass
class Page:
    key: str
    label: str
    path: str
    marker: str  # text the page must contain (proves it is the signed-in page)


@dataclass
class PageResult:
    page: Page
    runs: list[WrkRun] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # to the floor, round by round
    queries: int | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def server_cpu_ms(self) -> float:
        return statistics.median(r.server_cpu_ms for r in self.runs)

    @property
    def database_cpu_ms(self) -> float:
        return statistics.median(r.database_cpu_ms for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)


@dataclass
class BackendReport:
    backend: str
    version: str
    workers: int
    members: int
    populate_seconds: float
    results: list[PageResult]
    problems: list[str]
    runs_repeated: int
    lookups: list[dict[str, Any]]

    @property
    def other_cpu(self) -> tuple[float, float]:
        """Median and largest share of the machine used by other work during the runs."""
        shares = [run.other_cpu for r in self.results for run in r.runs]
        return statistics.median(shares), max(shares)


class BenchError(Exception):
    """Something that stops the benchmark, with a message for the person."""


# --- wrk ---------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkRun:
    """The figures of `wrk --latency` output."""

    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise BenchError(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return match

    socket_errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if errors:
        socket_errors = dict(zip(socket_errors, map(int, errors.groups()), strict=True))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkRun(
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)\s*$").group(1)),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)\s*$").group(1)),
        rps=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        requests=int(find(r"^\s+(\d+) requests in ").group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
        output=output,
    )


def wrk(url: str, cookie: str, *, seconds: int, connections: int, meter: CpuMeter) -> WrkRun:
    """One wrk run, with the CPU time the server, the database and the rest used."""
    threads = max(1, min(2, connections))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "--latency",
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    with meter.measure() as usage:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    run = parse_wrk(done.stdout)
    requests = max(1, run.requests)
    run.server_cpu_ms = 1000 * usage.server / requests
    run.database_cpu_ms = 1000 * usage.database / requests
    run.other_cpu = usage.other_share
    return run


@dataclass
class CpuUsage:
    server: float = 0.0  # seconds of CPU, the gunicorn arbiter and workers
    database: float = 0.0  # the PostgreSQL backends serving the bench database
    other_share: float = 0.0  # share of all CPUs used by anything else (not wrk)


class CpuMeter:
    """CPU time of the server's process group and of the bench database's
    PostgreSQL backends, sampled from /proc while a load runs (so processes
    that end during the run still count), and the share of the machine that
    everything else (other people's work on a shared machine) used meanwhile.
    """

    def __init__(self, group: int, database: str | None) -> None:
        self.group = group
        self.database = f" {database} " if database else None

    def _sample(self) -> dict[int, tuple[str, float]]:
        found: dict[int, tuple[str, float]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                fields = stat[stat.rindex(")") + 2 :].split()
                seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
                if int(fields[2]) == self.group:  # the process group
                    found[int(entry.name)] = ("server", seconds)
                elif (
                    self.database
                    and comm == "postgres"
                    and self.database in Path(entry.path, "cmdline").read_text()
                ):
                    found[int(entry.name)] = ("database", seconds)
            except (OSError, ValueError, IndexError):
                continue
        return found

    @contextlib.contextmanager
    def measure(self) -> Iterator[CpuUsage]:
        usage = CpuUsage()
        first = self._sample()
        last = dict(first)
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(0.25):
                last.update(self._sample())

        watcher = threading.Thread(target=watch, daemon=True)
        busy_before = machine_busy_seconds()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        watcher.start()
        try:
            yield usage
        finally:
            stop.set()
            watcher.join()
            last.update(self._sample())
            elapsed = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            busy = machine_busy_seconds() - busy_before
        for pid, (kind, seconds) in last.items():
            spent = seconds - first.get(pid, (kind, 0.0))[1]
            if kind == "server":
                usage.server += spent
            else:
                usage.database += spent
        wrk_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        others = busy - usage.server - usage.database - wrk_cpu
        usage.other_share = max(0.0, others) / (elapsed * (os.cpu_count() or 1))


def wait_for_quiet(most: float) -> float:
    """Between runs (the server idle), wait up to `most` seconds for other work on
    the machine to fall to QUIET; returns the share it used in the last second."""
    deadline = time.monotonic() + most
    while True:
        before, started = machine_busy_seconds(), time.monotonic()
        time.sleep(1)
        share = (machine_busy_seconds() - before) / (
            (time.monotonic() - started) * (os.cpu_count() or 1)
        )
        if share <= QUIET or time.monotonic() >= deadline:
            return share


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all CPUs) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def wrk_command(connections: int, seconds: int) -> str:
    threads = max(1, min(2, connections))
    return (
        f"wrk -t{threads} -c{connections} -d{seconds}s --timeout {WRK_TIMEOUT} --latency "
        '-H "Cookie: sessionid=…; taawun_language=en" URL'
    )


# --- the server ----------------------------------------------------------------


def taawun_bin() -> str:
    beside = Path(sys.executable).parent / "taawun"
    found = str(beside) if beside.exists() else shutil.which("taawun")
    if not found:
        raise BenchError("the `taawun` command is not installed (run `make bench`)")
    return found


def default_workers() -> int:
    """What `taawun serve` uses when not told: the benchmark does not tell it."""
    from taawun.cli import build_parser

    workers: int = build_parser().parse_args(["serve"]).workers
    return workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_env(database_url: str, var: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Settings a developer may have exported that would change what is measured.
    for name in ("TAAWUN_DEBUG", "TAAWUN_HTTPS", "TAAWUN_FAST_HASHER", "TAAWUN_SECRET_KEY"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "taawun.settings",
            "DATABASE_URL": database_url,
            "TAAWUN_VAR": str(var),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            # The benchmarks measure pages, not signing in: their officers sign
            # in through the form, many times from one address, without a
            # second factor.
            "TAAWUN_OFFICER_2FA": "off",
            "TAAWUN_RATE_LIMITS": "off",
        }
    )
    return env


def run_python(env: dict[str, str], *args: str) -> Any:
    """Run a bench.populate command in its own process; its last line is JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.populate", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"bench.populate {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    """`taawun serve` in its own process group, stopped as a whole."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def group(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # start_new_session: the leader of its own group

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [taawun_bin(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the server stopped at start:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"the server did not answer /healthz in 90 s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        # Workers that outlived the arbiter (they should not) go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Server]:
    server = Server(env, free_port(), log)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the real form; returns the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    login = f"{base}/accounts/login/"
    with opener.open(login, timeout=30) as response:
        response.read()
    csrf = next((c.value for c in jar if c.name == "csrftoken"), None)
    if not csrf:
        raise BenchError("the sign-in page set no CSRF cookie")
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": csrf, "next": "/"}
    ).encode()
    request = urllib.request.Request(login, data=form, headers={"Referer": login})
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:  # the redirect after signing in
        status = error.code
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if status != 302 or not session:
        raise BenchError(f"signing in as {email} failed (HTTP {status})")
    return session


def check_page(base: str, page: Page, cookie: str) -> None:
    """The page answers 200 with the signed-in content (wrk counts a 302 as fine)."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(base + page.path, headers={"Cookie": cookie})
    try:
        with opener.open(request, timeout=30) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, ""
    if status != 200:
        raise BenchError(f"{page.path} answered HTTP {status}, not 200")
    if page.marker not in body:
        raise BenchError(f"{page.path} does not show {page.marker!r}")


# --- databases -------------------------------------------------------------------


def postgres_url(admin_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def postgres_admin(admin_url: str, *statements: str) -> str:
    """Run statements on the maintenance database; returns the server version."""
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            for statement in statements:
                conn.execute(statement)
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError as error:
        raise BenchError(
            f"cannot reach PostgreSQL at {admin_url}: {error}\n"
            "Start it (see .ci/run), or run with --backends sqlite."
        ) from None
    return str(row[0]) if row else "?"


@contextlib.contextmanager
def database(backend: str, var: Path, admin_url: str) -> Iterator[tuple[str, str]]:
    """A fresh, empty database: (DATABASE_URL, server version)."""
    if backend == "sqlite":
        yield f"sqlite:///{var / 'bench.sqlite3'}", sqlite3.sqlite_version
        return
    drop = f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)'
    version = postgres_admin(admin_url, drop, f'CREATE DATABASE "{POSTGRES_DB}"')
    try:
        yield postgres_url(admin_url, POSTGRES_DB), version
    finally:
        postgres_admin(admin_url, drop)


# --- one backend ------------------------------------------------------------------


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def pages(slug: str, members: int) -> list[Page]:
    total = members + 1  # with the founder
    deep = 100 if total > 99 * 50 else max(1, (total + 49) // 50)
    first_on_deep = (deep - 1) * 50 + 1
    return [
        Page("floor", "Trivial view (floor)", "/healthz", "ok"),
        Page(
            "directory", "Member directory, page 1", f"/coops/{slug}/members/", f"{total} members"
        ),
        Page(
            "directory_deep",
            f"Member directory, page {deep}",
            f"/coops/{slug}/members/?page={deep}",
            f"<td>{first_on_deep}</td>",
        ),
        Page("dashboard", "Dashboard", "/", "Bench Cooperative"),
    ]


def bench_backend(backend: str, args: argparse.Namespace, raw: dict[str, Any]) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-bench-{backend}-") as tmp,
        database(backend, Path(tmp), args.postgres_url) as (url, version),
    ):
        var = Path(tmp)
        env = base_env(url, var)
        say(f"{label} {version}: taawun migrate")
        done = subprocess.run(
            [taawun_bin(), "migrate"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        say(f"{label}: adding {args.members} members")
        filled = run_python(env, "fill", "--members", str(args.members))
        with serving(env, var / "server.log") as server:
            session = sign_in(server.base, filled["email"], filled["password"])
            cookie = f"sessionid={session}; taawun_language=en"
            todo = pages(filled["slug"], args.members)
            for page in todo:
                check_page(server.base, page, cookie)
            queries = run_python(env, "queries", *(p.path for p in todo))
            say(f"{label}: timing the look-ups, ORM against compiled once")
            lookups = run_python(
                env, "lookups", "--email", filled["email"], "--slug", filled["slug"]
            )
            results = {p.key: PageResult(p, queries=queries.get(p.path)) for p in todo}
            meter = CpuMeter(server.group, POSTGRES_DB if backend == "postgres" else None)
            for page in todo:
                say(f"{label}: warming up {page.path}")
                wrk(
                    server.base + page.path,
                    cookie,
                    seconds=WARMUP_SECONDS,
                    connections=2,
                    meter=meter,
                )
            # The pages take turns, round after round, each time in a different order.
            # Before each run, wait (within the patience) for other work on the machine
            # to calm down; run again a run during which it did not.
            deadline = time.monotonic() + args.rounds * len(todo) * args.duration
            deadline += args.patience
            attempts: list[dict[str, Any]] = []
            for round_no in range(args.rounds):
                shift = round_no % len(todo)
                runs: dict[str, WrkRun] = {}
                for page in todo[shift:] + todo[:shift]:
                    while True:
                        wait_for_quiet(min(QUIET_WAIT, deadline - time.monotonic()))
                        run = wrk(
                            server.base + page.path,
                            cookie,
                            seconds=args.duration,
                            connections=args.connections,
                            meter=meter,
                        )
                        attempts.append({"round": round_no + 1, "page": page.key, **asdict(run)})
                        say(
                            f"{label} round {round_no + 1} {page.path}: "
                            f"median {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, "
                            f"{run.rps:.0f} req/s, CPU/request {run.server_cpu_ms:.1f} ms "
                            f"server + {run.database_cpu_ms:.1f} ms database, others used "
                            f"{run.other_cpu:.0%} of the machine, {run.errors} errors"
                        )
                        best = runs.get(page.key)
                        if best is None or run.other_cpu < best.other_cpu:
                            runs[page.key] = run
                        if run.other_cpu <= QUIET:
                            break
                        if time.monotonic() + args.duration > deadline:
                            say("out of patience: keeping the quietest of the runs so far")
                            break
                        say("other work took too much of the machine: running it again")
                for key, run in runs.items():
                    results[key].runs.append(run)
                    results[key].ratios.append(run.rps / runs["floor"].rps)
            for page in todo:  # still signed in, still the right pages
                check_page(server.base, page, cookie)
            workers = default_workers()
        raw[backend] = {
            "version": version,
            "populate": filled,
            "queries": queries,
            "lookups": lookups,
            "runs": attempts,
        }
    problems = [
        f"{r.page.path}: {r.errors} of {r.requests} requests failed (errors or non-2xx/3xx)"
        for r in results.values()
        if r.errors
    ]
    return BackendReport(
        backend=label,
        version=version,
        workers=workers,
        members=filled["members"],
        populate_seconds=filled["seconds"],
        results=list(results.values()),
        problems=problems,
        runs_repeated=len(attempts) - args.rounds * len(todo),
        lookups=lookups,
    )


# --- the report -------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    wrk_version = "?"
    with contextlib.suppress(OSError):
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        wrk_version = out.split("[")[0].replace("wrk", "").strip() or "?"
    import django

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "wrk": wrk_version,
        "load": load,
    }


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(report: BackendReport) -> list[str]:
    postgres = report.backend == "PostgreSQL"
    cpu = "CPU per request (server + database)" if postgres else "Server CPU per request"
    lines = [
        f"| Page | URL | Median | p99 | Req/s | Throughput vs trivial | {cpu} | SQL queries "
        "| Median < 30 ms | Throughput ≥ ½ trivial |",
        "|---|---|--:|--:|--:|--:|--:|--:|:-:|:-:|",
    ]
    for r in report.results:
        floor = r.page.key == "floor"
        spent = f"{r.server_cpu_ms:.1f} ms"
        if postgres:
            spent = f"{r.server_cpu_ms:.1f} + {r.database_cpu_ms:.1f} ms"
        lines.append(
            f"| {r.page.label} | `{r.page.path}` | {r.median_ms:.1f} ms | {r.p99_ms:.1f} ms "
            f"| {r.rps:,.0f} | {'1' if floor else f'{r.ratio:.2f}'} | {spent} "
            f"| {r.queries if r.queries is not None else '?'} "
            f"| {'-' if floor else _yes(r.median_ms < TARGET_MEDIAN_MS)} "
            f"| {'-' if floor else _yes(r.ratio >= TARGET_RATIO)} |"
        )
    return lines


def lookup_table(report: BackendReport) -> list[str]:
    if not report.lookups:
        return []
    lines = [
        "The look-ups that nearly every page of a cooperative makes, timed in one "
        "process beside the server while it is idle, in turns, medians of 7 rounds "
        "of 400 calls: as the ORM queryset, as the query compiled once that the "
        "platform runs (`taawun/prepared.py`), and the same SQL sent through a cursor "
        "(the floor). Both answers are checked to be the same first.",
        "",
        "| Look-up | ORM | Compiled once | SQL alone | ORM ÷ compiled |",
        "|---|--:|--:|--:|--:|",
    ]
    for row in report.lookups:
        lines.append(
            f"| {row['lookup']} | {row['orm']:.0f} µs | {row['prepared']:.0f} µs "
            f"| {row['sql']:.0f} µs | {row['ratio']:.1f} |"
        )
    return lines


def _repeated(count: int) -> str:
    why = f"other work took more than {QUIET:.0%} of the machine"
    if count == 0:
        return f"No run had to be repeated because {why}"
    return f"{count} run{'s' if count > 1 else ''} repeated because {why}"


def verdict(report: BackendReport) -> str:
    missed = [
        r.page.label
        for r in report.results
        if r.page.key != "floor"
        and (r.median_ms >= TARGET_MEDIAN_MS or r.ratio < TARGET_RATIO or r.errors)
    ]
    if report.problems:
        return "**Failed requests:** " + "; ".join(report.problems) + "."
    if missed:
        return "**Targets missed** by: " + ", ".join(missed) + "."
    return "Every page meets both targets."


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    workers = reports[0].workers if reports else "?"
    options = []
    defaults = {"members": 10_000, "duration": 10, "connections": 8, "rounds": 3}
    for name, default in defaults.items():
        if getattr(args, name) != default:
            options.append(f"--{name} {getattr(args, name)}")
    if args.patience != 300:
        options.append(f"--patience {args.patience}")
    if args.backends.replace(" ", "") != "sqlite,postgres":
        options.append(f"--backends {args.backends}")
    command = COMMAND if not options else f".venv/bin/python -m bench.run {' '.join(options)}"
    out = [
        START,
        "## Platform: member directory and dashboard",
        "",
        f"Measured {today} with `{command}`.",
        "",
        f"**Targets:** median under {TARGET_MEDIAN_MS:.0f} ms, and at least "
        f"{TARGET_RATIO:g} times the requests per second of the trivial view.",
        "",
        "**What runs.** A fresh database per backend, created by `taawun migrate`; one "
        f"cooperative of {args.members:,} members plus its founder. The cooperative is "
        "founded through `membership.actions.create_cooperative` (bylaws, ledger, founder's "
        "membership); the other members, all active in the class *worker*, are added with "
        "`bulk_create` through the models with one shared password hash, because creating "
        "them one by one through the actions would take minutes and measure nothing here "
        "(`bench/populate.py`; PostgreSQL is then `ANALYZE`d, as autovacuum would do). "
        f"The server is started as a user starts it, `taawun serve` (gunicorn, {workers} "
        "sync workers, the default for this machine), and the benchmark signs in through "
        "the real sign-in form as the founder, who holds every office. Every page, the "
        "trivial one included, is requested with that session cookie and "
        "`taawun_language=en`, so the floor includes the session and user look-ups that "
        "every signed-in page pays.",
        "",
        f"**How it is measured.** `{wrk_command(args.connections, args.duration)}` on "
        f"loopback, after a {WARMUP_SECONDS} s warm-up of each page. The pages take turns "
        "against the same server, round after round, and each figure is the median over "
        f"{args.rounds} rounds; *throughput vs trivial* is the median of the round-by-round "
        "ratios. While wrk runs, the benchmark reads from /proc the CPU time of the "
        "server's processes (and, on PostgreSQL, of the backends serving the bench "
        "database) and of the whole machine: *CPU per request* is what the server (and "
        "database) spent per request, a figure that moves much less than throughput when "
        "the machine is busy. Before each run the benchmark waits (up to "
        f"{QUIET_WAIT} s) for other work to use at most {QUIET:.0%} of the machine, and a "
        "run during which other work took more than that is run again (within "
        f"{args.patience} s of patience per database; then the quietest run is kept). "
        "Before and "
        "after the load each page is fetched once and checked to answer 200 with the "
        "signed-in content (wrk counts a redirect to the sign-in page as a success); "
        "wrk's socket errors and non-2xx/3xx responses are reported as failures. *SQL "
        "queries* is the number of queries one request makes (Django's "
        "`CaptureQueriesContext`, in-process). Latency is measured under load: with "
        f"{args.connections} connections in flight it is mostly queueing, roughly "
        "connections ÷ throughput.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, gunicorn "
        f"{info['gunicorn']}, wrk {info['wrk']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + f". Load average before the run: {info['load']}. The server, the database and "
        f"wrk share the {info['cpus']} cores, and the machine is shared with other work, so "
        "absolute figures move from run to run; compare the ratios to the trivial view and "
        "the CPU per request.",
    ]
    for report in reports:
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"{report.members:,} members (filled in {report.populate_seconds:g} s). "
            f"{_repeated(report.runs_repeated)}; during the runs kept, other work used "
            f"{report.other_cpu[0]:.0%} of the machine (median), "
            f"{report.other_cpu[1]:.0%} at most.",
            "",
            *table(report),
            "",
            verdict(report),
            "",
            *lookup_table(report),
        ]
    out += [
        "",
        "Raw wrk outputs of the last run: `bench/results/platform.json` (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def write_doc(path: Path, section: str, *, start: str = START, end: str = END) -> None:
    """Replace a benchmark's section (this one's, unless ``start`` and ``end``
    name another's), keeping the rest of the page."""
    text = path.read_text() if path.exists() else INTRO
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def write_section_after(path: Path, section: str, *, start: str, end: str, after: str) -> None:
    """A benchmark's section: in place, or the first time right after the
    marker ``after`` (another section's end; else at the end of the page)."""
    if path.exists():
        text = path.read_text()
        if start not in text and after in text:
            path.write_text(text.replace(after, f"{after}\n\n{start}\n{end}", 1))
    write_doc(path, section, start=start, end=end)


def reproducing_command(
    module: str, args: argparse.Namespace, defaults: dict[str, Any], *extra: str
) -> str:
    """The command that reproduces a run, naming only what is not the default."""
    options = [
        f"--{name.replace('_', '-')} {getattr(args, name)}"
        for name, default in defaults.items()
        if getattr(args, name) != default
    ]
    if args.backends.replace(" ", "") != "sqlite,postgres":
        options.append(f"--backends {args.backends}")
    options += extra
    return f".venv/bin/python -m {module}" + "".join(f" {o}" for o in options)


@contextlib.contextmanager
def fresh_database(
    backend: str, var: Path, admin_url: str, database: str
) -> Iterator[tuple[str, str]]:
    """A fresh, empty database for one benchmark: (DATABASE_URL, server
    version); on PostgreSQL ``database``, made anew and dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{var / 'bench.sqlite3'}", sqlite3.sqlite_version
        return
    drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
    version = postgres_admin(admin_url, drop, f'CREATE DATABASE "{database}"')
    try:
        yield postgres_url(admin_url, database), version
    finally:
        postgres_admin(admin_url, drop)


def run_worker(module: str, env: dict[str, str], *args: str, step: str = "") -> Any:
    """Run ``python -m <module> worker <args>`` (the benchmark's own Django
    process, on the database in ``env``) and read the JSON of its last line.
    ``step`` (else the first argument) names the step in the error."""
    done = subprocess.run(
        [sys.executable, "-m", module, "worker", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"the {step or args[0]} step failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def database_bench_main(
    name: str,
    argv: Sequence[str] | None,
    *,
    parse_args: Callable[[Sequence[str]], argparse.Namespace],
    worker: Callable[[Sequence[str]], int],
    bench_backend: Callable[[str, argparse.Namespace], Any],
    render: Callable[[list[Any], dict[str, str], argparse.Namespace], str],
    raw_backend: Callable[[Any], Any],
    markers: tuple[str, str, str],
) -> int:
    """The main of a benchmark run once per database: ``worker`` when the
    command line starts with it (the Django process the benchmark drives),
    else each backend measured in turn, the section printed, and written
    (with the raw figures in bench/results/<name>.json) unless --no-write.
    Exits 1 when a backend reported problems."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["worker"]:
        return worker(argv[1:])
    args = parse_args(argv)
    try:
        if "postgres" in args.backend_list:
            postgres_admin(args.postgres_url)  # fail now, not after the SQLite run
        info = machine()
        reports = [bench_backend(backend, args) for backend in args.backend_list]
    except BenchError as error:
        print(f"bench.{name}: {error}", file=sys.stderr)
        return 1
    section = render(reports, info, args)
    print(section)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        raw = {
            "machine": info,
            "args": {**vars(args), "out": str(args.out)},
            "backends": {report.backend: raw_backend(report) for report in reports},
        }
        (RESULTS / f"{name}.json").write_text(
            json.dumps(raw, indent=1, ensure_ascii=False, default=str)
        )
        start, end, after = markers
        write_section_after(args.out, section, start=start, end=end, after=after)
        say(f"wrote {args.out}")
    return 1 if any(getattr(report, "problems", None) for report in reports) else 0


def add_database_arguments(parser: argparse.ArgumentParser, database: str) -> None:
    """--backends, --postgres-url (where ``database`` is made and dropped),
    --out and --no-write: the arguments every database benchmark takes."""
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_ADMIN),
        help=f"a maintenance database; the benchmark creates and drops {database}",
    )
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--no-write", action="store_true", help="print the results only")


def backend_list(backends: str) -> list[str] | None:
    """The databases named by --backends, or None when it names another."""
    names = [b.strip() for b in backends.split(",") if b.strip()]
    if not names or set(names) - {"sqlite", "postgres"}:
        return None
    return names


def parsed_backends(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The databases --backends names; a usage error (exit 2) for another."""
    backends = backend_list(args.backends)
    if backends is None:
        parser.error("--backends takes sqlite, postgres or both")
    return backends


# --- main ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Load the member directory and the dashboard beside a trivial view.",
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="rounds reported per page")
    parser.add_argument(
        "--patience",
        type=int,
        default=300,
        help="seconds per database spent at most waiting for other work on the machine "
        "to calm down and running again the runs it disturbed",
    )
    add_database_arguments(parser, POSTGRES_DB)
    return parser


def _terminate(signum: int, _frame: object) -> None:
    # Unwind, so that the server is stopped and the bench database dropped.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    backends = backend_list(args.backends)
    if backends is None:
        print("bench: --backends takes sqlite, postgres or both", file=sys.stderr)
        return 2
    if min(args.members, args.duration, args.connections, args.rounds) < 1:
        print("bench: --members, --duration, --connections, --rounds must be ≥ 1", file=sys.stderr)
        return 2
    try:
        if not shutil.which("wrk"):
            raise BenchError("wrk is not installed (`make bench` installs it with apt)")
        if "postgres" in backends:
            postgres_admin(args.postgres_url)  # fail now, not after the SQLite run
        info = machine()
        raw: dict[str, Any] = {"machine": info, "args": {**vars(args), "out": str(args.out)}}
        reports = [bench_backend(backend, args, raw) for backend in backends]
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    section = render(reports, info, args)
    print(section)
    if not args.no_write:
        write_doc(args.out, section)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "platform.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
        say(f"wrote {args.out}")
    return 1 if any(r.problems for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
