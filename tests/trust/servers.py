"""Real Taawun servers for the crash and concurrency tests, and what runs
inside their databases.

A test gets a *Site*: its own var/ folder and its own database (a SQLite
file there, or, when the suite runs on PostgreSQL — DATABASE_URL is set —
a fresh PostgreSQL database made for it), migrated once per test process
and copied (a file copy, or ``CREATE DATABASE ... TEMPLATE``). On it runs
``taawun serve`` as an administrator runs it: gunicorn with its default
workers, in a process group of its own on a free loopback port, started by
bench.run's ``Server``; this one can also be frozen (SIGSTOP), killed
(SIGKILL, the whole group, as a power cut or the OOM killer would) and
started again on the same database, each start with its own log.

The data is made by the real actions in a separate Django process with the
server's environment, ``python -m tests.trust.servers COMMAND`` (the last
line it prints is JSON), so that the test process never holds the
database: the polls and voters come from bench.casting_populate, the
closed period of approved contributions from bench.allocation_db.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.casting import server_errors
from bench.run import ROOT, Server, base_env, free_port, taawun_bin
from tests.federation.instances import postgres_server_url, with_database

COMMAND_SECONDS = 300  # a set-up or read-back step that takes longer has hung
WATCH_SECONDS = 60  # the longest a test waits for a transaction to begin
WAL_HEADER = 32  # bytes: a write-ahead log this long holds no page yet


# --- databases ------------------------------------------------------------------------------


def _postgres(server_url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database."""
    import psycopg

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _drop(server_url: str, name: str) -> None:
    _postgres(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Template:
    """One migrated database per test process, copied for every Site:
    migrating takes longer than anything a test does."""

    lock = threading.Lock()
    made: tuple[str, Path] | None = None  # (DATABASE_URL, its var folder)

    @classmethod
    def get(cls) -> tuple[str, Path]:
        with cls.lock:
            if cls.made is None:
                cls.made = cls._make()
            return cls.made

    @classmethod
    def _make(cls) -> tuple[str, Path]:
        var = Path(tempfile.mkdtemp(prefix="taawun-trust-template-"))
        atexit.register(shutil.rmtree, var, ignore_errors=True)
        server = postgres_server_url()
        if server is None:
            url = f"sqlite:///{var / 'taawun.sqlite3'}"
        else:
            name = f"test_trust_{os.getpid()}_template"
            _drop(server, name)
            _postgres(server, f'CREATE DATABASE "{name}"')
            atexit.register(_drop, server, name)
            url = with_database(server, name)
        done = subprocess.run(
            [taawun_bin(), "migrate"],
            env=base_env(url, var),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        assert done.returncode == 0, f"taawun migrate failed:\n{done.stdout}{done.stderr}"
        if server is None:
            # One file, without a write-ahead log beside it, to copy.
            with contextlib.closing(sqlite3.connect(var / "taawun.sqlite3")) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return url, var


# --- the server ----------------------------------------------------------------------------


class TrustServer(Server):
    """bench.run's Server, which can also be frozen, killed and started
    again; every start writes its own log (serve-1.log, serve-2.log ...)."""

    def __init__(self, env: dict[str, str], var: Path) -> None:
        super().__init__(env, free_port(), var / "serve-0.log")
        self.var = var
        self.starts = 0
        self.logs: list[Path] = []

    def start(self) -> None:
        self.starts += 1
        self.log = self.var / f"serve-{self.starts}.log"
        self.logs.append(self.log)
        super().start()

    def freeze(self) -> None:
        """Stop every process of the server where it stands (SIGSTOP)."""
        os.killpg(self.group, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL to the whole process group: the arbiter and every worker
        die at once, in the middle of whatever they were doing."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.group, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def errors(self) -> list[str]:
        """What the server's logs, of every start, report as errors."""
        return [line for log in self.logs for line in server_errors(log)]

    def log_text(self) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}"
            for log in self.logs
            if log.exists()
        )


class Site:
    """One installation for one test: var/, database, environment, server."""

    def __init__(self) -> None:
        self.var = Path(tempfile.mkdtemp(prefix="taawun-trust-"))
        self.postgres = postgres_server_url()
        template_url, template_var = _Template.get()
        if self.postgres is None:
            shutil.copyfile(template_var / "taawun.sqlite3", self.var / "taawun.sqlite3")
            self.database_url = f"sqlite:///{self.var / 'taawun.sqlite3'}"
            self.database = str(self.var / "taawun.sqlite3")
        else:
            self.database = f"test_trust_{os.getpid()}_{self.var.name.rsplit('-', 1)[-1]}"
            template = template_url.rsplit("/", 1)[-1]
            _postgres(self.postgres, f'CREATE DATABASE "{self.database}" TEMPLATE "{template}"')
            self.database_url = with_database(self.postgres, self.database)
        self.env = base_env(self.database_url, self.var)
        self.env.update(
            HOME=str(self.var),  # gunicorn's control socket, apart from other servers'
            # Hundreds of requests from one address, and officers without a
            # second factor: what these tests measure is the database.
            TAAWUN_RATE_LIMITS="off",
            TAAWUN_OFFICER_2FA="off",
            TAAWUN_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            LC_ALL="C.UTF-8",
            LANG="C.UTF-8",
        )
        self.server = TrustServer(self.env, self.var)

    @property
    def vendor(self) -> str:
        return "sqlite" if self.postgres is None else "postgresql"

    def close(self) -> None:
        if self.server.proc is not None and self.server.proc.poll() is None:
            os.killpg(self.server.group, signal.SIGCONT)  # were it frozen, SIGTERM would wait
        self.server.stop()
        if self.postgres is not None:
            _drop(self.postgres, self.database)
        shutil.rmtree(self.var, ignore_errors=True)

    # --- running things in the site's own processes ------------------------------------

    def python(self, module: str, *args: str) -> Any:
        """``python -m module args`` with the server's environment; the JSON
        of its last line."""
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        assert done.returncode == 0, f"{module} {args[0]} failed:\n{done.stderr[-4000:]}"
        return json.loads(done.stdout.strip().splitlines()[-1])

    def inside(self, *args: str) -> Any:
        """One of this module's commands (see ``main``), inside the database."""
        return self.python("tests.trust.servers", *args)

    def taawun(self, *args: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [taawun_bin(), *args],
            env=self.env,
            cwd=ROOT,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=COMMAND_SECONDS,
        )

    def ledgers_verify(self) -> dict[str, str]:
        """``taawun ledger export`` then ``taawun ledger verify`` for every
        cooperative: what each printed, after both exited 0."""
        said = {}
        for slug in self.inside("cooperatives"):
            path = self.var / f"ledger-{slug}.jsonl"
            with path.open("w") as out:
                exported = self.taawun("ledger", "export", "--coop", slug, stdout=out)
            assert exported.returncode == 0, f"ledger export {slug}: {exported.stderr}"
            verified = self.taawun("ledger", "verify", str(path))
            assert verified.returncode == 0, f"ledger verify {slug}: {verified.stderr}"
            said[slug] = verified.stdout.strip()
        return said

    # --- watching a transaction from outside ---------------------------------------------

    def writing(self, table: str) -> bool:
        """Whether a transaction that has not committed is writing ``table``
        now. PostgreSQL: a backend of this database holds the lock an INSERT
        takes on it (held until the end of the transaction). SQLite: the
        write lock is held (refused to a second writer at once; IMMEDIATE
        transactions take it when they begin) and rows have been written
        (pages are in the write-ahead log, emptied before)."""
        if self.postgres is None:
            with contextlib.closing(
                sqlite3.connect(self.database, timeout=0, isolation_level=None)
            ) as db:
                try:
                    db.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError:
                    return self.wal_bytes() > WAL_HEADER
                db.execute("ROLLBACK")
                return False
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE granted AND mode = 'RowExclusiveLock' "
                "AND relation = %s::regclass AND pid <> pg_backend_pid()",
                [table],
            ).fetchone()
        return bool(row and row[0])

    def wal_bytes(self) -> int:
        try:
            return Path(f"{self.database}-wal").stat().st_size
        except FileNotFoundError:
            return 0

    def empty_wal(self) -> None:
        """Fold SQLite's write-ahead log into the database and empty it, so
        that a transaction's first written pages show (PostgreSQL: nothing)."""
        if self.postgres is None:
            with contextlib.closing(sqlite3.connect(self.database, timeout=20)) as db:
                busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                assert busy == 0, "the write-ahead log could not be emptied"

    def freeze_while(self, condition: Callable[[], bool], seconds: float = WATCH_SECONDS) -> bool:
        """Watch until ``condition`` holds, then freeze the server; True
        when it still holds with the server frozen (so frozen inside it),
        False when it never held (the server is left running)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                self.server.freeze()
                if condition():
                    return True
                os.killpg(self.server.group, signal.SIGCONT)
            time.sleep(0.002)
        return False


@contextlib.contextmanager
def site() -> Iterator[Site]:
    made = Site()
    try:
        yield made
    except BaseException:
        print(made.server.log_text(), file=sys.stderr)
        raise
    finally:
        made.close()


# --- inside the site's database (python -m tests.trust.servers ...) ------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()


def cooperatives() -> list[str]:
    _setup()
    from taawun.membership.models import Cooperative

    return list(Cooperative.objects.order_by("slug").values_list("slug", flat=True))


def session_for(email: str) -> str:
    """A signed-in session, as django.contrib.auth.login() stores it after
    checking the password (as bench.casting_populate makes the voters')."""
    _setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from taawun.accounts.models import User

    user = User.objects.get(email=email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def allocation_ready(members: int, per_member: int, var: Path) -> dict[str, Any]:
    """A cooperative of ``members`` whose last year is closed with approved
    contributions (bench.allocation_db: bylaws with five weighted kinds, no
    poll needed to post), and the treasurer's session."""
    from bench.allocation_db import populate
    from bench.populate import FOUNDER_EMAIL, SLUG

    filled = populate(members, per_member, seed=7, var=var)  # sets Django up
    from taawun.economy.models import AllocationShare, CapitalAccountEntry

    return {
        **filled,
        "slug": SLUG,
        "session": session_for(FOUNDER_EMAIL),
        "tables": {
            "shares": AllocationShare._meta.db_table,
            "entries": CapitalAccountEntry._meta.db_table,
        },
    }


def allocation_state(period_id: int) -> dict[str, Any]:
    """Every allocation of the period as the database holds it: its state,
    how many shares and capital entries were written for it, and, once
    posted, bench.allocation_db's checks (sums exact; each member's share
    as ``allocate`` computes it apart from the actions, from the period's
    exported totals); and the ledger's allocation entries."""
    _setup()
    from collections import Counter

    from bench.allocation_db import check_independently, check_round
    from taawun.economy.models import CapitalAccountEntry, FiscalPeriod, SurplusAllocation
    from taawun.ledger import queries as ledger

    period = FiscalPeriod.objects.select_related("cooperative").get(pk=period_id)
    var = Path(os.environ["TAAWUN_VAR"])
    found = []
    for allocation in SurplusAllocation.objects.filter(period=period).order_by("pk"):
        retained = dict(allocation.shares.exclude(retained=0).values_list("member_id", "retained"))
        entries: dict[int, list[int]] = {}
        for member, amount in CapitalAccountEntry.objects.filter(allocation=allocation).values_list(
            "member_id", "amount"
        ):
            entries.setdefault(member, []).append(amount)
        problems = []
        if allocation.state == SurplusAllocation.State.POSTED:
            problems += check_round(allocation)
            problems += check_independently(allocation, var)["problems"]
            wrong = sum(1 for m, r in retained.items() if entries.get(m) != [r])
            if wrong or entries.keys() - retained.keys():
                problems.append(f"{wrong} members' capital entries differ from their shares")
        found.append(
            {
                "id": allocation.pk,
                "state": allocation.state,
                "members": allocation.shares.count(),
                "retained_shares": len(retained),
                "capital_entries": sum(len(e) for e in entries.values()),
                "problems": problems,
            }
        )
    recorded = Counter(
        ledger.entries(str(period.cooperative.public_id))
        .filter(kind__startswith="economy.allocation")
        .values_list("kind", flat=True)
    )
    return {"allocations": found, "ledger": dict(recorded)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.trust.servers")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("cooperatives")
    p = sub.add_parser("allocation-ready")
    p.add_argument("--members", type=int, required=True)
    p.add_argument("--per-member", type=int, default=2)
    p = sub.add_parser("allocation-state")
    p.add_argument("--period", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "cooperatives":
        result: Any = cooperatives()
    elif args.command == "allocation-ready":
        var = Path(os.environ["TAAWUN_VAR"])
        result = allocation_ready(args.members, args.per_member, var)
    else:
        result = allocation_state(args.period)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
