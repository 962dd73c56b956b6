"""Backups of a whole installation, and bringing one back.

A backup is one uncompressed tar file with two members, in this order:

``manifest.json``
    What the backup holds, written from the snapshot itself: the format and
    its version, the database vendor, when the snapshot was taken, the
    migrations applied in it (the last one of each app), the number of rows
    of every table of the platform, each cooperative's ledger head (sequence
    number and hash), and the name, size and SHA-256 of the payload.
``database.sqlite3.gz`` (SQLite) or ``database.pgdump`` (PostgreSQL)
    The database: the SQLite file compressed with gzip, or ``pg_dump
    --format=custom`` output (compressed by pg_dump).

Consistent while the server is serving: SQLite's online backup API copies
the database in one read transaction (WAL lets writers go on meanwhile);
on PostgreSQL a REPEATABLE READ transaction exports its snapshot, pg_dump
dumps exactly that snapshot (``--snapshot``), and the manifest is read in
the same transaction, so the counts and heads describe the very payload.

Restoring checks the file first (manifest, checksum, payload readable) and
changes nothing when the file is damaged. The last check, every ledger
against the manifest's heads and every table's count, runs on SQLite before
the target is touched and on PostgreSQL after pg_restore: there, a backup
whose data disagrees with its own manifest (which the checksum rules out
short of a forged manifest) is reported after the database was replaced.
The format and the restore procedure are described for operators in
docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.utils.translation import gettext as _

from taawun.errors import TaawunError
from taawun.ledger import chain as chainlib
from taawun.ledger.actions import entry_as_dict
from taawun.ledger.models import LedgerEntry, LedgerHead

FORMAT = "taawun-backup"
VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}
MANIFEST_LIMIT = 4 * 1024 * 1024  # a manifest is a few kilobytes; anything larger is not one
CHUNK = 1024 * 1024


class BackupError(TaawunError):
    code = "backup"


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    rows: int
    tables: int
    older_schema: bool
    seconds: float


# --- the database in use --------------------------------------------------------------


def vendor() -> str:
    return str(connections["default"].vendor)


def _default() -> dict[str, Any]:
    return dict(connections.settings["default"])


def _sqlite_path() -> Path:
    return Path(str(_default()["NAME"]))


def _database_name() -> str:
    return str(_default()["NAME"])


@contextlib.contextmanager
def _connection(**changes: Any) -> Iterator[str]:
    """A connection of its own, under a temporary alias: to the default
    database with other options, or (``NAME``) to a snapshot file."""
    alias = f"taawun_backup_{os.getpid()}_{time.monotonic_ns()}"
    connections.settings[alias] = {**_default(), "CONN_MAX_AGE": 0, **changes}
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _postgres_environment() -> dict[str, str]:
    """libpq's variables for pg_dump and pg_restore: the password never
    appears on a command line that other users of the machine could read."""
    db = _default()
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "%(tool)s is not installed. Install the PostgreSQL client tools "
                "(Debian: apt install postgresql-client) and try again."
            )
            % {"tool": name}
        )
    return found


def _run_tool(argv: list[str]) -> None:
    done = subprocess.run(
        argv, env=_postgres_environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise BackupError(
            _("%(tool)s failed: %(reason)s") % {"tool": Path(argv[0]).name, "reason": reason}
        )


# --- what a snapshot holds -----------------------------------------------------------


def _model_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models(include_auto_created=True)}


def _tables(alias: str) -> list[str]:
    present = set(connections[alias].introspection.table_names())
    return sorted((_model_tables() | {"django_migrations"}) & present)


def _count(alias: str, table: str) -> int:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _facts(alias: str) -> dict[str, Any]:
    """Migrations, rows and ledger heads, read through ``alias``."""
    connection = connections[alias]
    if "django_migrations" not in connection.introspection.table_names():
        raise BackupError(_("The database has no tables yet: run `taawun migrate` first."))
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = cursor.fetchall()
    migrations: dict[str, str] = {}
    for app, name in applied:
        migrations[app] = max(name, migrations.get(app, name))
    rows = {table: _count(alias, table) for table in _tables(alias)}
    from taawun.membership.models import Cooperative

    slugs = {
        str(public_id): slug
        for public_id, slug in Cooperative.objects.using(alias).values_list("public_id", "slug")
    }
    ledgers = [
        {
            "chain": head.chain,
            "cooperative": slugs.get(head.chain),
            "seq": head.seq,
            "head": head.hash,
        }
        for head in LedgerHead.objects.using(alias).order_by("chain")
    ]
    return {"migrations": dict(sorted(migrations.items())), "rows": rows, "ledgers": ledgers}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return chainlib.format_time(datetime.now(UTC))


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"taawun-{stamp}.tar"


# --- backup ----------------------------------------------------------------------------


def create_backup(output: Path | None = None) -> Backup:
    """Write a backup of the whole database to ``output`` (a new file)."""
    started = time.monotonic()
    kind = vendor()
    if kind not in PAYLOADS:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": kind}
        )
    if output is None:
        output = default_path()
        # Backups hold every member's personal data: only the owner reads them.
        output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    output = output.absolute()
    if output.exists():
        raise BackupError(_("%(file)s exists already; choose another name.") % {"file": output})
    if not output.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": output.parent})
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".taawun-backup-") as work:
        payload = Path(work) / PAYLOADS[kind]
        if kind == "sqlite":
            created, facts = _snapshot_sqlite(Path(work), payload)
        else:
            created, facts = _snapshot_postgres(payload)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": created,
            "vendor": kind,
            "payload": {
                "name": payload.name,
                "bytes": payload.stat().st_size,
                "sha256": _sha256(payload),
            },
            **facts,
        }
        _write_tar(output, manifest, payload)
    return Backup(output, manifest, time.monotonic() - started)


def _snapshot_sqlite(work: Path, payload: Path) -> tuple[str, dict[str, Any]]:
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(_("There is no database at %(file)s.") % {"file": source_path})
    snapshot = work / "snapshot.sqlite3"
    # Read-only, and no file is made if the path is wrong.
    source = sqlite3.connect(f"file:{quote(str(source_path))}?mode=ro", uri=True, timeout=20)
    target = sqlite3.connect(snapshot)
    try:
        # All pages in one step, that is one read transaction: a consistent
        # snapshot, while the server's writers go on in the WAL.
        source.backup(target)
        created = _now()
    except sqlite3.Error as error:
        raise BackupError(
            _("Could not read the database: %(reason)s") % {"reason": error}
        ) from None
    finally:
        target.close()
        source.close()
    with _connection(NAME=str(snapshot), OPTIONS={"timeout": 20}) as alias:
        facts = _facts(alias)
    with snapshot.open("rb") as raw, gzip.open(payload, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    snapshot.unlink()
    return created, facts


def _snapshot_postgres(payload: Path) -> tuple[str, dict[str, Any]]:
    pg_dump = _tool("pg_dump")
    import psycopg

    options = {
        **_default().get("OPTIONS", {}),
        "isolation_level": psycopg.IsolationLevel.REPEATABLE_READ,
    }
    with _connection(OPTIONS=options) as alias, transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
        created = _now()
        # pg_dump reads the snapshot this transaction exported, so that the
        # dump and the manifest read below describe one and the same moment.
        _run_tool([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={payload}"])
        facts = _facts(alias)
    return created, facts


def _write_tar(output: Path, manifest: dict[str, Any], payload: Path) -> None:
    """Under a temporary name beside ``output``, flushed to disk, then
    renamed: a backup under its final name is always a whole one."""
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    handle, temporary = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".partial"
    )
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(time.time())
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(data))
                info = tar.gettarinfo(str(payload), arcname=payload.name)
                info.mode = 0o600
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with payload.open("rb") as body:
                    tar.addfile(info, body)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(output.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# --- reading a backup ----------------------------------------------------------------------


def _damaged(path: Path, reason: str) -> BackupError:
    return BackupError(
        _("%(file)s is not a usable Taawun backup: %(reason)s") % {"file": path, "reason": reason}
    )


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup, checked for shape (not yet the payload)."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise _damaged(path, _("it does not start with a manifest"))
            if first.size > MANIFEST_LIMIT:
                raise _damaged(path, _("the manifest is too large"))
            reader = tar.extractfile(first)
            assert reader is not None  # a regular file, checked above
            manifest = json.loads(reader.read().decode("utf-8"))
    except FileNotFoundError:
        raise BackupError(_("There is no file %(file)s.") % {"file": path}) from None
    except IsADirectoryError:
        raise BackupError(_("%(file)s is a folder, not a backup file.") % {"file": path}) from None
    except (tarfile.TarError, EOFError, UnicodeDecodeError, ValueError, OSError):
        raise _damaged(path, _("it is damaged or not a backup at all")) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("payload"), dict)
        or not isinstance(manifest.get("ledgers"), list)
        or not isinstance(manifest.get("rows"), dict)
        or not isinstance(manifest.get("migrations"), dict)
    ):
        raise _damaged(path, _("its manifest is not a Taawun backup manifest"))
    if manifest.get("version") != VERSION:
        raise _damaged(
            path,
            _("it is in format version %(found)s; this Taawun reads version %(version)s")
            % {"found": manifest.get("version"), "version": VERSION},
        )
    if (
        manifest.get("vendor") not in PAYLOADS
        or manifest["payload"].get("name") != PAYLOADS[manifest["vendor"]]
    ):
        raise _damaged(path, _("its manifest names an unknown database"))
    return manifest


def _extract_payload(path: Path, manifest: dict[str, Any], into: Path) -> Path:
    """The payload, copied out and checked against the manifest's SHA-256."""
    name = manifest["payload"]["name"]
    target = into / name
    digest = hashlib.sha256()
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = next((m for m in tar if m.name == name), None)
            if member is None or not member.isfile():
                raise _damaged(path, _("the database is missing from it"))
            reader = tar.extractfile(member)
            assert reader is not None  # a regular file, checked above
            with target.open("wb") as out:
                while block := reader.read(CHUNK):
                    digest.update(block)
                    out.write(block)
    except (tarfile.TarError, EOFError, OSError):
        raise _damaged(path, _("it is cut short or damaged")) from None
    if digest.hexdigest() != manifest["payload"].get("sha256"):
        raise _damaged(path, _("the database in it does not match its checksum"))
    return target


# --- restore --------------------------------------------------------------------------------


def _data_in(alias: str) -> tuple[int, int]:
    """Accounts and cooperatives the database already holds."""
    from taawun.accounts.models import User
    from taawun.membership.models import Cooperative

    present = set(connections[alias].introspection.table_names())
    accounts = _count(alias, User._meta.db_table) if User._meta.db_table in present else 0
    coops = (
        _count(alias, Cooperative._meta.db_table) if Cooperative._meta.db_table in present else 0
    )
    return accounts, coops


def _check_migrations(manifest: dict[str, Any]) -> bool:
    """Refuse a backup made by a newer Taawun; True when it is older."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = dict(loader.graph.leaf_nodes())
    older = False
    for app, name in manifest["migrations"].items():
        if (app, name) not in loader.disk_migrations:
            raise BackupError(
                _(
                    "This backup was made by a newer version of Taawun (it has the "
                    "migration %(migration)s, which this version does not know). "
                    "Upgrade Taawun first."
                )
                % {"migration": f"{app}.{name}"}
            )
        if leaves.get(app) != name:
            older = True
    return older or set(leaves) - set(manifest["migrations"]) != set()


def restore_backup(path: Path, *, replace: bool) -> Restored:
    """Bring a backup back into the database DATABASE_URL names, then
    check that every ledger verifies and ends where the manifest says."""
    started = time.monotonic()
    manifest = read_manifest(path)
    kind = vendor()
    if manifest["vendor"] != kind:
        raise BackupError(
            _(
                "This is a backup of a %(backup)s database, but DATABASE_URL names a "
                "%(current)s database. Restore it into a %(backup)s database."
            )
            % {"backup": manifest["vendor"], "current": kind}
        )
    older = _check_migrations(manifest)
    target = _sqlite_path()
    if kind == "sqlite":
        target.parent.mkdir(parents=True, exist_ok=True)
        work_in = target.parent
    else:
        work_in = Path(settings.VAR_DIR)
    with tempfile.TemporaryDirectory(dir=work_in, prefix=".taawun-restore-") as work:
        payload = _extract_payload(path, manifest, Path(work))
        if kind == "sqlite":
            snapshot = _unpack_sqlite(path, payload)
            # Checked in full before the database is touched.
            with _connection(NAME=str(snapshot), OPTIONS={"timeout": 20}) as alias:
                _verify(alias, manifest)
        else:
            _run_tool([_tool("pg_restore"), "--list", str(payload)])
        if kind != "sqlite" or target.exists():
            accounts, coops = _data_in("default")
            if (accounts or coops) and not replace:
                raise BackupError(
                    _(
                        "The database already holds data (accounts: %(accounts)s, "
                        "cooperatives: %(coops)s). Add --yes to replace it with the backup."
                    )
                    % {"accounts": accounts, "coops": coops}
                )
        connections.close_all()
        if kind == "sqlite":
            _restore_sqlite(snapshot, target)
        else:
            # One transaction: if anything fails, the database stays as it was.
            _run_tool(
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={_database_name()}",
                    str(payload),
                ]
            )
    rows, tables = _verify("default", manifest)
    return Restored(manifest, rows, tables, older, time.monotonic() - started)


def _unpack_sqlite(path: Path, payload: Path) -> Path:
    snapshot = payload.with_suffix("")
    try:
        with gzip.open(payload, "rb") as packed, snapshot.open("wb") as raw:
            shutil.copyfileobj(packed, raw, CHUNK)
    except (OSError, EOFError, zlib.error):
        raise _damaged(path, _("the database in it cannot be unpacked")) from None
    payload.unlink()
    try:
        check = sqlite3.connect(f"file:{quote(str(snapshot))}?mode=ro", uri=True)
        try:
            verdict = check.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            check.close()
    except sqlite3.Error:
        verdict = "unreadable"
    if verdict != "ok":
        raise _damaged(path, _("the database in it is damaged"))
    return snapshot


def _restore_sqlite(snapshot: Path, target: Path) -> None:
    """Copied in with SQLite's backup API, in one write transaction on the
    target: never half a database, and the target's write-ahead log is
    taken into account (renaming a file over a database in WAL mode would
    let its stale -wal file be replayed onto the new one)."""
    source = sqlite3.connect(f"file:{quote(str(snapshot))}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=20)
    try:
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(
            _("Could not write the database: %(reason)s") % {"reason": error}
        ) from None
    finally:
        destination.close()
        source.close()


def _verify(alias: str, manifest: dict[str, Any]) -> tuple[int, int]:
    """Every ledger verifies with the ledger's own code and ends at the
    manifest's head; every table holds the rows the manifest counts."""
    found = _facts(alias)
    expected = {ledger["chain"]: ledger for ledger in manifest["ledgers"]}
    present = {ledger["chain"]: ledger for ledger in found["ledgers"]}
    if set(present) != set(expected):
        raise _mismatch(_("the database has other ledgers than the backup lists"))
    for chain, ledger in expected.items():
        entries = (
            LedgerEntry.objects.using(alias)
            .filter(chain=chain)
            .order_by("seq")
            .iterator(chunk_size=2000)
        )
        result = chainlib.verify_lines(
            (chainlib.export_line(entry_as_dict(entry)) for entry in entries),
            expected_head=ledger["head"],
        )
        if (
            not result.ok
            or result.count != ledger["seq"]
            or present[chain]["head"] != ledger["head"]
        ):
            raise _mismatch(
                _("the ledger of %(coop)s does not verify or does not end at its head")
                % {"coop": ledger.get("cooperative") or chain}
            )
    for table, rows in manifest["rows"].items():
        if found["rows"].get(table) != rows:
            raise _mismatch(
                _("the table %(table)s has a row count of %(found)s, the backup lists %(rows)s")
                % {"table": table, "found": found["rows"].get(table), "rows": rows}
            )
    return sum(manifest["rows"].values()), len(manifest["rows"])


def _mismatch(reason: str) -> BackupError:
    return BackupError(_("The database does not match the backup: %(reason)s") % {"reason": reason})
