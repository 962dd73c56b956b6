"""The `taawun` command as an administrator runs it: real processes of the
installed console script, each on its own SQLite file under tmp_path.

These tests use no pytest-django database (they request neither the ``db``
fixture nor the ``django_db`` mark): every subprocess opens its own database
from DATABASE_URL, with the production settings (taawun.settings).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

TAAWUN = Path(sys.executable).with_name("taawun")
UNREACHABLE_DB = "postgres://nobody@127.0.0.1:1/none"
DEMO_SLUGS = ["leeds-tech", "masar-code", "nawa-net"]
FOUNDER = "amina@demo.taawun.coop"


def environment(var: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of an administrator's shell, pointed at ``var``."""
    env = {
        key: value
        for key, value in os.environ.items()
        # pytest-django points DJANGO_SETTINGS_MODULE at the test settings;
        # the command must run with its own.
        if key != "DJANGO_SETTINGS_MODULE" and not key.startswith(("TAAWUN_", "LC_", "LANG"))
    }
    env.update(
        DATABASE_URL=database_url or f"sqlite:///{var / 'taawun.sqlite3'}",
        TAAWUN_VAR=str(var),
        TAAWUN_FAST_HASHER="1",
        LC_ALL="C.UTF-8",
        LANG="C.UTF-8",
        PYTHONIOENCODING="utf-8",
        HOME=str(var),  # gunicorn keeps its control socket under $HOME
    )
    return env


@dataclass
class Site:
    """One Taawun installation: a var/ folder and its database."""

    var: Path

    @property
    def env(self) -> dict[str, str]:
        return environment(self.var)

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TAAWUN), *args],
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def python(self, code: str) -> str:
        """Run Python inside the installation, through `taawun manage shell`."""
        return self.ok("manage", "shell", "--verbosity", "0", "--command", code).strip()

    def coops(self) -> list[dict]:
        return json.loads(self.ok("coops", "--json"))

    def export(self, slug: str) -> bytes:
        result = subprocess.run(
            [str(TAAWUN), "ledger", "export", "--coop", slug],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def head(self, slug: str) -> str:
        return self.python(
            "from taawun.ledger.queries import head\n"
            "from taawun.membership.models import Cooperative\n"
            f"print(head(str(Cooperative.objects.get(slug={slug!r}).public_id)).hash)"
        )

    def member_count(self) -> int:
        return int(
            self.python(
                "from taawun.membership.models import Member\nprint(Member.objects.count())"
            )
        )

    def state(self) -> dict:
        """What the demo could add: cooperatives, members, ledger entries."""
        return {
            "coops": self.coops(),
            "members": self.member_count(),
            "ledgers": {slug: self.export(slug) for slug in DEMO_SLUGS},
        }


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"expected one line, got: {text!r}"
    return lines[0]


def verify(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """`taawun ledger verify` with no database to be had at all."""
    return Site(tmp).run("ledger", "verify", *args, env=environment(tmp, UNREACHABLE_DB))


# --- installations ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Migrated and loaded with the demo, once; tests copy it before changing it."""
    site = Site(tmp_path_factory.mktemp("demo"))
    site.ok("migrate")
    site.ok("demo")
    return site


@pytest.fixture
def site(demo_site: Site, tmp_path: Path) -> Site:
    var = tmp_path / "var"
    var.mkdir()
    for path in demo_site.var.iterdir():
        if path.name.startswith(("taawun.sqlite3", "secret_key")):
            shutil.copy2(path, var / path.name)
    return Site(var)


@pytest.fixture(scope="module")
def masar(demo_site: Site) -> tuple[list[bytes], str]:
    """The lines of masar-code's exported ledger and its head in the database."""
    lines = demo_site.export("masar-code").splitlines(keepends=True)
    assert len(lines) >= 10
    return lines, demo_site.head("masar-code")


# --- help and usage ----------------------------------------------------------------

SUBCOMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["migrate"],
    ["demo"],
    ["createcoop"],
    ["coops"],
    ["ledger"],
    ["ledger", "export"],
    ["ledger", "verify"],
    ["backup"],
    ["restore"],
    ["erase"],
    ["export-member"],
    ["federation"],
    ["federation", "block"],
    ["federation", "servers"],
]


@pytest.mark.parametrize("command", SUBCOMMANDS, ids=lambda c: " ".join(c) or "taawun")
def test_every_command_explains_itself(command, tmp_path):
    result = Site(tmp_path).run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: taawun")
    assert result.stderr == ""


def test_manage_explains_itself_with_djangos_help(tmp_path):
    result = Site(tmp_path).run("manage", "--help")
    assert result.returncode == 0, result.stderr
    assert "migrate" in result.stdout and "shell" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["frobnicate"],
        ["ledger"],
        ["ledger", "publish"],
        ["ledger", "export"],
        ["ledger", "verify"],
        ["createcoop", "--slug", "new-coop"],
        ["coops", "--yaml"],
        ["serve", "--port", "eighty"],
        ["federation"],
        ["federation", "block"],
        ["federation", "mute", "example.org"],
    ],
    ids=lambda c: " ".join(c) or "nothing",
)
def test_a_wrong_command_line_says_why_in_one_line_and_exits_2(command, tmp_path):
    result = Site(tmp_path).run(*command)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("taawun")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# --- migrate, demo, coops ----------------------------------------------------------------


def test_the_demo_loads_once_and_a_second_run_adds_nothing(tmp_path):
    site = Site(tmp_path)
    site.ok("migrate")
    first = site.ok("demo")
    for slug in DEMO_SLUGS:
        assert slug in first
    before = site.state()
    assert before["members"] >= 30
    second = site.ok("demo")
    assert "nothing new" in second
    assert site.state() == before


def test_coops_lists_the_three_demo_cooperatives_in_both_languages(site):
    coops = site.coops()
    assert [c["slug"] for c in coops] == DEMO_SLUGS
    for coop in coops:
        assert set(coop["names"]) == {"ar", "en"}
        assert re.search("[\u0600-\u06ff]", coop["names"]["ar"])
        assert coop["names"]["en"].isascii()
    by_slug = {c["slug"]: c for c in coops}
    assert by_slug["masar-code"]["names"]["en"] == "Masar Code Cooperative"
    assert by_slug["masar-code"]["country"] == "EG"
    plain = site.ok("coops")
    assert len(plain.splitlines()) == 3 and "Masar Code Cooperative" in plain


# --- createcoop ------------------------------------------------------------------------------


def test_createcoop_founds_a_cooperative_with_a_demo_founder(site):
    members = site.member_count()
    result = site.run(
        "createcoop",
        "--slug",
        "amal-design",
        "--name-en",
        "Amal Design Cooperative",
        "--name-ar",
        "تعاونية أمل للتصميم",
        "--country",
        "EG",
        "--currency",
        "EGP",
        "--founder",
        FOUNDER,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "amal-design"
    new = {c["slug"]: c for c in site.coops()}["amal-design"]
    assert new["names"] == {"en": "Amal Design Cooperative", "ar": "تعاونية أمل للتصميم"}
    assert site.member_count() == members + 1
    export = site.var.parent / "amal.jsonl"
    export.write_bytes(site.export("amal-design"))
    result = verify(str(export), tmp=site.var)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\b2 entries\b", result.stdout)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"--slug": "Not A Slug!"}, "short name"),
        ({"--slug": "masar-code"}, "taken"),
        ({"--founder": "nobody@example.org"}, "nobody@example.org"),
        ({"--country": "XX"}, "country"),
        ({"--currency": "XYZ"}, "currency"),
    ],
    ids=["invalid slug", "taken slug", "unknown founder", "unknown country", "unknown currency"],
)
def test_createcoop_refuses_clearly_and_creates_nothing(changes, expected, site):
    before = (site.coops(), site.member_count())
    options = {
        "--slug": "amal-design",
        "--name-en": "Amal Design Cooperative",
        "--country": "EG",
        "--currency": "EGP",
        "--founder": FOUNDER,
        **changes,
    }
    result = site.run("createcoop", *[part for pair in options.items() for part in pair])
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("taawun: ")
    assert expected.lower() in line.lower()
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert (site.coops(), site.member_count()) == before


# --- ledger export and verify ----------------------------------------------------------------


def test_an_exported_ledger_verifies_anywhere_even_without_a_database(site, tmp_path):
    export = tmp_path / "masar.jsonl"
    with export.open("wb") as out:  # as `taawun ledger export --coop masar-code > file`
        result = subprocess.run(
            [str(TAAWUN), "ledger", "export", "--coop", "masar-code"],
            env=site.env,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    lines = export.read_bytes().splitlines(keepends=True)
    head = site.head("masar-code")
    assert json.loads(lines[-1])["hash"] == head

    result = verify(str(export), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(len(lines)) in result.stdout.split()
    assert head in result.stdout
    # The same with the published head to compare against.
    result = verify(str(export), "--head", head, tmp=tmp_path)
    assert result.returncode == 0, result.stderr


def _middle(lines: list[bytes]) -> int:
    return len(lines) // 2  # a 0-based index; that entry's seq is one more


def _change_a_letter_of_the_kind(lines: list[bytes]) -> list[bytes]:
    i = _middle(lines)
    line = lines[i]
    at = line.index(b'"kind":"') + len(b'"kind":"')
    letter = b"x" if line[at : at + 1] != b"x" else b"y"
    return [*lines[:i], line[:at] + letter + line[at + 1 :], *lines[i + 1 :]]


def _change_the_spacing(lines: list[bytes]) -> list[bytes]:
    i = _middle(lines)
    return [*lines[:i], lines[i].replace(b'"kind":', b'"kind": ', 1), *lines[i + 1 :]]


def _remove_an_entry(lines: list[bytes]) -> list[bytes]:
    i = _middle(lines)
    return [*lines[:i], *lines[i + 1 :]]


def _swap_two_entries(lines: list[bytes]) -> list[bytes]:
    i = _middle(lines)
    return [*lines[:i], lines[i + 1], lines[i], *lines[i + 2 :]]


@pytest.mark.parametrize(
    "tamper",
    [_change_a_letter_of_the_kind, _change_the_spacing, _remove_an_entry, _swap_two_entries],
    ids=lambda f: f.__name__.strip("_").replace("_", " "),
)
def test_a_tampered_ledger_fails_and_names_the_first_broken_entry(tamper, masar, tmp_path):
    lines, _head = masar
    broken = tmp_path / "tampered.jsonl"
    broken.write_bytes(b"".join(tamper(lines)))
    result = verify(str(broken), tmp=tmp_path)
    assert result.returncode == 1
    line = one_line(result.stderr)
    first_number = re.search(r"\d+", line)
    assert first_number is not None, line
    assert int(first_number.group()) == _middle(lines) + 1, line
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_wrong_head_fails(masar, tmp_path):
    lines, head = masar
    export = tmp_path / "masar.jsonl"
    export.write_bytes(b"".join(lines))
    wrong = json.loads(lines[0])["hash"]  # a real hash, just not the head
    assert wrong != head
    result = verify(str(export), "--head", wrong, tmp=tmp_path)
    assert result.returncode == 1
    one_line(result.stderr)


def test_a_truncated_ledger_fails_against_the_published_head(masar, tmp_path):
    lines, head = masar
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines[:-3]))
    # On its own, the start of a chain is a valid chain...
    assert verify(str(cut), tmp=tmp_path).returncode == 0
    # ...but it does not reach the head the cooperative published.
    result = verify(str(cut), "--head", head, tmp=tmp_path)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert str(len(lines) - 3) in line


@pytest.mark.parametrize("head", ["notahash", "ab" * 31, "AB" * 32, "g" * 64])
def test_a_head_that_is_not_a_hash_is_a_usage_error(head, masar, tmp_path):
    lines, _head = masar
    export = tmp_path / "masar.jsonl"
    export.write_bytes(b"".join(lines))
    result = verify(str(export), "--head", head, tmp=tmp_path)
    assert result.returncode == 2
    assert "--head" in one_line(result.stderr)


def test_verifying_a_missing_file_says_so(tmp_path):
    missing = tmp_path / "no-such-export.jsonl"
    result = verify(str(missing), tmp=tmp_path)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "no-such-export.jsonl" in line
    assert "No such file" in line
    assert "Traceback" not in result.stderr


def test_a_ledger_piped_into_head_stops_quietly(site):
    # `taawun ledger export --coop masar-code | head -1`: head reads one line
    # and goes away; the export must not end in a traceback.
    taawun = subprocess.Popen(
        [str(TAAWUN), "ledger", "export", "--coop", "masar-code"],
        env=site.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert taawun.stdout is not None and taawun.stderr is not None
    taawun.stdout.close()  # as head does once it has its lines
    errors = taawun.stderr.read().decode()
    assert taawun.wait(timeout=120) == 0, errors
    assert "Traceback" not in errors and "Error" not in errors


def test_exporting_an_unknown_cooperative_says_so(site):
    result = site.run("ledger", "export", "--coop", "nope")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "nope" in line
    assert result.stdout == ""


# --- the worker and the server -------------------------------------------------------------

# The emails waiting to be sent (the demo also schedules its open polls'
# closing and reminders, due days from now, which a worker run leaves waiting).
COUNT_TASKS = (
    "from collections import Counter\n"
    "from django_tasks_db.models import DBTaskResult\n"
    "import json\n"
    "emails = DBTaskResult.objects.filter(task_path='taawun.accounts.tasks.send_email')\n"
    "print(json.dumps(Counter(emails.values_list('status', flat=True))))"
)


def test_the_worker_sends_the_queued_emails_and_stops(site):
    before = json.loads(site.python(COUNT_TASKS))
    queued = before.get("READY", 0)
    assert queued > 0  # the demo's notifications wait for a worker
    result = site.run("worker", "--once")
    assert result.returncode == 0, result.stderr
    # The console email backend prints each message.
    assert result.stdout.count("Subject:") == queued
    assert f"To: {FOUNDER}" in result.stdout
    after = json.loads(site.python(COUNT_TASKS))
    assert after == {"SUCCESSFUL": queued}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def test_serve_answers_pages_and_static_files_then_stops_cleanly(site, tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.out").open("wb")
    process = subprocess.Popen(
        [str(TAAWUN), "serve", "--port", str(port), "--workers", "1"],
        env=site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: gunicorn and its workers
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.out").read_text()
            try:
                status, body, _type = _get(f"{base}/healthz")
            except OSError:
                status = None
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, (tmp_path / "serve.out").read_text()

        status, body, content_type = _get(f"{base}/")
        assert status == 200
        assert content_type.startswith("text/html")
        assert b"Taawun" in body
        status, body, content_type = _get(f"{base}/static/taawun/taawun.css")
        assert status == 200
        assert content_type.startswith("text/css")
        assert body.strip()

        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        # The whole group is gone, workers included.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("gunicorn workers outlived the master")
    finally:
        # Whatever happened above, leave nothing of this server running.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


# --- federation ---------------------------------------------------------------------


def test_an_administrator_blocks_and_unblocks_a_server_from_the_command_line(site):
    assert "evil.example is blocked." in site.ok(
        "federation", "block", "Evil.Example", "--reason", "spam"
    )
    listed = json.loads(site.ok("federation", "servers", "--json"))
    assert listed["rules"] == [{"domain": "evil.example", "rule": "block", "reason": "spam"}]
    assert listed["allowlist_only"] is False
    assert set(listed["deliveries"]) == {"pending", "delivered", "abandoned"}
    assert "evil.example" in site.ok("federation", "servers")
    assert "no longer blocked" in site.ok("federation", "unblock", "evil.example")
    assert json.loads(site.ok("federation", "servers", "--json"))["rules"] == []


def test_a_malformed_domain_is_refused_in_one_line_and_nothing_is_kept(site):
    result = site.run("federation", "block", "not a domain")
    assert result.returncode == 1
    assert one_line(result.stderr).startswith("taawun: Give a domain name")
    assert json.loads(site.ok("federation", "servers", "--json"))["rules"] == []
