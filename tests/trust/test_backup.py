"""`taawun backup` and `taawun restore`, as an operator runs them.

A real server (`taawun serve`) serves a cooperative whose members keep
voting (a named and a secret poll) and whose treasurer keeps entering
capital account entries through the API, all from one thread, one request
after another, while `taawun backup` runs. The backup is then restored
into a fresh database, and what came back must be one moment of that
stream: exactly the first writes, none after, with ledgers, ballots,
tallies and balances to match.

The suite's own database is the source: the data is committed through
the real actions (a transactional test), and on PostgreSQL the server
serves that very database; on SQLite (an in-memory test database) it is
first copied to a file with SQLite's backup API. The restored database is
a new file, or a new PostgreSQL database made and dropped here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
TAAWUN = Path(sys.executable).with_name("taawun")
SLUG = "backup-coop"
VOTERS = 12
CSRF = "b" * 32  # the CSRF cookie and the form field agree, as a browser's would
AFTER_BACKUP = 3  # writes the server must still take after the backup ends

# The data must be committed for the server and the commands to see it.
committed = pytest.mark.django_db(transaction=True)


# --- the installation ------------------------------------------------------------------


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def database_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + name).geturl()


def postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


def environment(var: Path, url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
        and not key.startswith(("TAAWUN_", "LC_", "LANG"))
    }
    env.update(
        DATABASE_URL=url,
        TAAWUN_VAR=str(var),
        # The sessions made below are signed with the suite's key.
        TAAWUN_SECRET_KEY=settings.SECRET_KEY,
        TAAWUN_RATE_LIMITS="off",
        TAAWUN_OFFICER_2FA="off",
        TAAWUN_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LC_ALL="C.UTF-8",
        LANG="C.UTF-8",
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=str(ROOT),
        HOME=str(var),  # gunicorn keeps its control socket under $HOME
    )
    return env


def taawun(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TAAWUN), *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def source_database(tmp_path: Path) -> str:
    """DATABASE_URL of the suite's database as the data stands now (on
    SQLite, a copy: call it again to bring the copy up to date)."""
    if on_postgres():
        return database_url(connection.settings_dict["NAME"])
    path = tmp_path / "source.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.execute("PRAGMA journal_mode=WAL")
    copy.close()
    return f"sqlite:///{path}"


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """DATABASE_URL of a database that does not exist yet (SQLite) or is empty."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"taawun_restore_{secrets.token_hex(4)}"
    postgres(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            assert time.monotonic() < deadline, self.log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Server]:
    """`taawun serve` started (use ``wait_ready``), then stopped with its workers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(TAAWUN), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Server(f"http://127.0.0.1:{port}", process, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- the cooperative, made through the real actions -------------------------------------------


@dataclass
class Cooperative:
    slug: str
    named_poll: int
    secret_poll: int
    voters: list[tuple[int, int, str]]  # member number, member id, session key
    token: str  # the treasurer's API token


def named_answer(number: int) -> str:
    return "yes" if number % 3 else "no"


def secret_answer(number: int) -> str:
    return "no" if number % 2 else "yes"


def make_cooperative() -> Cooperative:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from taawun.accounts import actions as accounts
    from taawun.economy import actions as economy
    from tests import factories
    from tests.economy import factories as books
    from tests.governance import factories as governance

    coop = factories.cooperative(slug=SLUG)
    founder = factories.founder_of(coop)
    coop = books.with_economy(coop, capital_interest_percent="3")
    members = [factories.member(coop) for _ in range(VOTERS)]
    for member in members[:4]:
        economy.add_capital_entry(
            by=founder, member=member, kind="interest", amount="10.00", memo="Opening interest"
        )
    named = governance.poll(coop, founder, kind="yes_no")
    secret = governance.poll(coop, founder, kind="yes_no", secret=True)
    voters = []
    for member in members:
        session = SessionStore()
        session[SESSION_KEY] = str(member.user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
        session.create()
        voters.append((member.number, member.pk, str(session.session_key)))
    _token, secret_token = accounts.create_api_token(founder, "backup test")
    return Cooperative(coop.slug, named.pk, secret.pk, voters, secret_token)


# --- the stream of writes ----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, *, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with OPENER.open(request, timeout=30) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@dataclass(eq=False)  # a thread must stay hashable
class Writer(threading.Thread):
    """One write after another, each finished before the next starts, so
    that any single moment of the database holds exactly a first part of
    ``done``: the named ballot, the secret ballot and a capital entry of
    each voter in turn, then capital entries only, until told to stop."""

    base: str
    coop: Cooperative
    done: list[tuple[str, int, str]] = field(default_factory=list)
    failure: str = ""
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def plan(self) -> Iterator[tuple[str, int, str]]:
        for step in itertools.count():
            number, _pk, _session = self.coop.voters[step % len(self.coop.voters)]
            if step < len(self.coop.voters):
                yield ("named", number, named_answer(number))
                yield ("secret", number, secret_answer(number))
            yield ("capital", number, f"step {step}")

    def write(self, kind: str, number: int, value: str) -> int:
        voter = next(v for v in self.coop.voters if v[0] == number)
        if kind == "capital":
            return post(
                f"{self.base}/api/coops/{self.coop.slug}/economy/members/{voter[1]}"
                "/capital-account/entries",
                data=json.dumps({"kind": "interest", "amount": "1.00", "memo": value}).encode(),
                headers={
                    "Authorization": f"Bearer {self.coop.token}",
                    "Content-Type": "application/json",
                },
            )
        poll = self.coop.named_poll if kind == "named" else self.coop.secret_poll
        form = {
            "confirm": "1",
            "choice": json.dumps({"answer": value}),
            "nonce": secrets.token_urlsafe(16),
            "csrfmiddlewaretoken": CSRF,
        }
        return post(
            f"{self.base}/coops/{self.coop.slug}/polls/{poll}/vote/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Cookie": f"sessionid={voter[2]}; csrftoken={CSRF}"},
        )

    def run(self) -> None:
        # A named vote answers with a redirect to the poll, a secret one
        # with the receipt page, the API with 201 Created.
        expected = {"named": 302, "secret": 200, "capital": 201}
        for write in self.plan():
            if self.stop.is_set():
                return
            try:
                status = self.write(*write)
            except OSError as error:
                self.failure = f"{write}: {error}"
                return
            if status != expected[write[0]]:
                self.failure = f"{write}: HTTP {status}"
                return
            self.done.append(write)


# --- what an installation holds ---------------------------------------------------------------


def report(close: bool = False) -> None:
    """Printed as JSON by `taawun manage shell` inside an installation: the
    ballots, balances and ledger of the cooperative; with ``close``, both
    polls are closed and counted there (which the restored database must
    allow: its ledger goes on from the restored head)."""
    from taawun.economy.models import CapitalAccountEntry
    from taawun.economy.queries import capital_balance
    from taawun.governance import actions
    from taawun.governance.models import Poll
    from taawun.ledger import chain, queries
    from taawun.membership.models import Cooperative as Coop

    coop = Coop.objects.get(slug=SLUG)
    named = Poll.objects.get(cooperative=coop, settings__secret=False)
    secret = Poll.objects.get(cooperative=coop, settings__secret=True)
    chain_id = str(coop.public_id)
    out: dict[str, Any] = {
        "named": {
            str(b.voter.number): b.choice["answer"]
            for b in named.ballots.filter(replaced_at__isnull=True).select_related("voter")
        },
        "secret_voters": sorted(
            m.member.number for m in secret.voter_marks.select_related("member")
        ),
        "secret_answers": sorted(b.choice["answer"] for b in secret.secret_ballots.all()),
        "capital": sorted(
            CapitalAccountEntry.objects.filter(
                cooperative=coop, memo__startswith="step "
            ).values_list("memo", flat=True)
        ),
        "balances": {str(m.number): capital_balance(m) for m in coop.members.all()},
    }
    if close:
        for key, poll in (("named_result", named), ("secret_result", secret)):
            result = actions.close_poll(poll, by=None).result
            out[key] = {name: result[name] for name in ("ballots", "weight", "rows", "passed")}
        out["ledger_ok"] = chain.verify_lines(
            queries.export_lines(chain_id), expected_head=queries.head(chain_id).hash
        ).ok
    out["seq"] = queries.head(chain_id).seq
    print(json.dumps(out))


def inspect(env: dict[str, str], *, close: bool = False) -> subprocess.Popen[str]:
    code = f"from tests.trust.test_backup import report; report(close={close})"
    return subprocess.Popen(
        [str(TAAWUN), "manage", "shell", "--verbosity", "0", "--command", code],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def expected_result(poll_id: int, answers: list[str]) -> dict[str, Any]:
    """What the pure count makes of these ballots (one member, one vote)."""
    from taawun.governance.counting import count
    from taawun.governance.models import Poll

    poll = Poll.objects.get(pk=poll_id)
    ballots = [{"choice": {"answer": a}, "weight": 1} for a in answers]
    result = count(poll, ballots, seed="0" * 64)
    return {name: result[name] for name in ("ballots", "weight", "rows", "passed")}


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.loads(member.read()))


# --- the tests --------------------------------------------------------------------------------


@committed
def test_a_backup_taken_while_members_vote_restores_one_consistent_moment(tmp_path):
    backup = tmp_path / "backups" / "taawun.tar"
    backup.parent.mkdir()
    (tmp_path / "source").mkdir()
    source = environment(tmp_path / "source", source_database(tmp_path))
    with serving(source, tmp_path / "serve.log") as server:
        # The server starts while the cooperative is made (it reads nothing
        # before the first request).
        coop = make_cooperative()
        source_database(tmp_path)
        server.wait_ready()
        writer = Writer(server.base, coop)
        writer.start()
        while len(writer.done) < 5 and writer.is_alive():
            time.sleep(0.02)
        before = len(writer.done)
        made = taawun(source, "backup", "--output", str(backup))
        after = len(writer.done)
        while len(writer.done) < after + AFTER_BACKUP and writer.is_alive():
            time.sleep(0.02)
        writer.stop.set()
        writer.join(timeout=60)
    assert not writer.failure, writer.failure + (tmp_path / "serve.log").read_text()[-3000:]
    assert made.returncode == 0, made.stderr
    assert after > before, "the server took no write while the backup ran"
    assert str(backup) in made.stdout
    assert list(backup.parent.iterdir()) == [backup]  # no temporary file left behind
    manifest = manifest_of(backup)

    now_source = inspect(source)  # meanwhile, what the source holds now
    with fresh_database(tmp_path) as restored_url:
        restored = environment(tmp_path / "restored", restored_url)
        (tmp_path / "restored").mkdir()
        done = taawun(restored, "restore", str(backup))
        assert done.returncode == 0, done.stderr
        assert f"{SLUG}: ledger verified" in done.stdout
        back = answer(inspect(restored, close=True))
    at_end = answer(now_source)

    # Every write the server accepted is in the source.
    assert len(at_end["capital"]) == sum(1 for w in writer.done if w[0] == "capital")
    assert len(at_end["named"]) == sum(1 for w in writer.done if w[0] == "named")
    assert len(at_end["secret_voters"]) == sum(1 for w in writer.done if w[0] == "secret")
    # The restored database is one moment of the stream: its writes are
    # exactly the first ones, none missing in between, none after.
    present = {("named", int(n), a) for n, a in back["named"].items()} | {
        ("capital", 0, memo) for memo in back["capital"]
    }
    present |= {("secret", n, secret_answer(n)) for n in back["secret_voters"]}
    stream = [("capital", 0, w[2]) if w[0] == "capital" else w for w in writer.done]
    cut = len(present)
    assert before <= cut <= after + 1 < len(stream)
    assert present == set(stream[:cut])
    assert sorted(back["secret_answers"]) == sorted(secret_answer(n) for n in back["secret_voters"])
    # The ledger and the rows are those of that same moment.
    ledger = next(item for item in manifest["ledgers"] if item["cooperative"] == SLUG)
    assert back["seq"] == ledger["seq"] + 2  # the two closes, after the restore
    assert back["ledger_ok"]
    assert manifest["rows"]["economy_capitalaccountentry"] == 4 + len(back["capital"])
    assert manifest["rows"]["governance_votermark"] == len(back["secret_voters"])
    assert manifest["rows"]["governance_secretballot"] == len(back["secret_voters"])
    # Tallies and balances follow from the writes that came back.
    assert back["named_result"] == expected_result(coop.named_poll, list(back["named"].values()))
    assert back["secret_result"] == expected_result(coop.secret_poll, back["secret_answers"])
    number_of = {f"step {step}": coop.voters[step % VOTERS][0] for step in range(len(stream))}
    for number, balance in back["balances"].items():
        opening = 1000 if int(number) in {v[0] for v in coop.voters[:4]} else 0
        steps = sum(1 for memo in back["capital"] if number_of[memo] == int(number))
        assert balance == opening + 100 * steps, number


@dataclass
class Damage:
    name: str
    reason: str  # words of the one-line error

    def apply(self, good: Path, target: Path) -> None:
        data = good.read_bytes()
        if self.name == "cut short":
            target.write_bytes(data[: len(data) * 3 // 5])
        else:
            middle = len(data) // 2
            target.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])


DAMAGES = [
    Damage("cut short", "cut short or damaged"),
    Damage("one byte changed", "does not match its checksum"),
]


def fingerprint_sqlite(path: Path) -> dict[str, Any]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        heads = db.execute(
            "SELECT chain, seq, hash FROM ledger_ledgerhead ORDER BY chain"
        ).fetchall()
    finally:
        db.close()
    return {"rows": counts, "heads": heads}


def fingerprint_postgres() -> dict[str, Any]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT chain, seq, hash FROM ledger_ledgerhead ORDER BY chain")
        heads = cursor.fetchall()
    return {"rows": counts, "heads": [tuple(h) for h in heads]}


@committed
def test_a_damaged_backup_or_a_database_with_data_is_refused_and_nothing_changes(tmp_path):
    from taawun.economy import actions as economy
    from taawun.membership.models import Member

    make_cooperative()
    env = environment(tmp_path, source_database(tmp_path))
    made = taawun(env, "backup")  # into var/backups/, under the time it was taken
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("taawun-") and backup.suffix == ".tar"
    # Backups hold every member's personal data: for the owner's eyes only.
    assert backup.stat().st_mode & 0o777 == 0o600
    assert backup.parent.stat().st_mode & 0o777 == 0o700
    # Something happens after the backup, which a restore would undo.
    if on_postgres():
        member = Member.objects.filter(cooperative__slug=SLUG).last()
        assert member is not None
        economy.add_capital_entry(
            by=member.cooperative.members.get(number=1).user,
            member=member,
            kind="interest",
            amount="5.00",
            memo="After the backup",
        )
    else:
        extra = sqlite3.connect(tmp_path / "source.sqlite3")
        extra.execute("DELETE FROM django_session")
        extra.commit()
        extra.close()

    def fingerprint() -> dict[str, Any]:
        if on_postgres():
            return fingerprint_postgres()
        return fingerprint_sqlite(tmp_path / "source.sqlite3")

    before = fingerprint()
    refused = taawun(env, "restore", str(backup))
    assert refused.returncode == 1
    assert "--yes" in refused.stderr and len(refused.stderr.splitlines()) == 1
    restores = []
    for damage in DAMAGES:
        broken = tmp_path / f"{damage.name}.tar"
        damage.apply(backup, broken)
        restores.append(
            subprocess.Popen(
                [str(TAAWUN), "restore", "--yes", str(broken)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for damage, restore in zip(DAMAGES, restores, strict=True):
        _stdout, stderr = restore.communicate(timeout=180)
        assert restore.returncode == 1, (damage.name, stderr)
        line = stderr.strip()
        assert len(stderr.splitlines()) == 1 and line.startswith("taawun: "), line
        assert damage.reason in line, (damage.name, line)
    assert fingerprint() == before
    # With --yes, the whole backup comes back over the data.
    replaced = taawun(env, "restore", "--yes", str(backup))
    assert replaced.returncode == 0, replaced.stderr
    now = fingerprint()
    rows = manifest_of(backup)["rows"]
    assert (
        {table: now["rows"][table] for table in rows}
        == rows
        != {table: before["rows"][table] for table in rows}
    )


def test_restoring_a_file_that_is_not_a_backup_makes_no_database(tmp_path):
    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_text("hello")
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = taawun(env, "restore", str(not_a_backup))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"taawun: {not_a_backup} is not a usable Taawun backup: "
        "it is damaged or not a backup at all"
    )
    assert not (tmp_path / "db.sqlite3").exists()


@pytest.mark.parametrize(
    "command",
    [["restore"], ["restore", "a.tar", "b.tar"], ["backup", "--output"], ["restore", "--all"]],
    ids=" ".join,
)
def test_a_wrong_backup_or_restore_command_says_why_in_one_line_and_exits_2(command, tmp_path):
    result = taawun(environment(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}"), *command)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("taawun")
    assert result.stdout == ""
