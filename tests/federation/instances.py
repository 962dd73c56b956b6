"""Three real Taawun instances on loopback, for the federation scenarios.

Each instance is what an administrator runs: its own var/ folder and
database, ``taawun serve`` (gunicorn) on its own loopback address, and
``taawun worker`` beside it, all with the production settings. They know
each other by name (``a.taawun.test`` ...) through the name map in
``TAAWUN_FEDERATION_HOSTS``, which feeds the same resolve-then-check path
that real names take; loopback and plain http are allowed by the two test
flags, nothing else is relaxed.

A test acts inside an instance through its *driver*: one long-lived Python
process per instance, set up once with that instance's environment, that
runs the functions of ``tests.federation.driver`` on request (a JSON line
in, a JSON line out). Starting Django for every step would cost most of a
second each; the scenarios take a few hundred steps.

The database is migrated once and copied to the three instances (a SQLite
file, or, when the suite runs on PostgreSQL, a database made from the
migrated one as a template) while the web servers start. The only thing
the host must provide is the loopback range (127.0.0.2-4), which Linux
always has; without it the start fails, it is never skipped.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import http.client
import json
import os
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
TAAWUN = Path(sys.executable).with_name("taawun")
ADDRESSES = {"a": "127.0.0.2", "b": "127.0.0.3", "c": "127.0.0.4"}
STARTUP_SECONDS = 90.0
CALL_SECONDS = 60.0
STOP_SECONDS = 15.0
LOG_TAIL_LINES = 60


def domain_for(name: str) -> str:
    return f"{name}.taawun.test"


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def postgres_server_url() -> str | None:
    """The suite's PostgreSQL server, if the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"} else None


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path="/" + name).geturl()


def _postgres(sql: str, server_url: str) -> None:
    import psycopg

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _together(work: Callable[[Any], object], items: list[Any]) -> list[Exception]:
    """Run ``work`` on every item at once, each to its end; the errors."""
    errors: list[Exception] = []
    with concurrent.futures.ThreadPoolExecutor(max(1, len(items))) as pool:
        for future in [pool.submit(work, item) for item in items]:
            try:
                future.result()
            except Exception as error:
                errors.append(error)
    return errors


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    if not path.exists():
        return "(no log)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(empty)"


def _signal_group(process: subprocess.Popen[bytes] | None, sig: int) -> None:
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)


def _reap_group(process: subprocess.Popen[bytes] | None, patience: float = STOP_SECONDS) -> None:
    """Wait up to ``patience`` seconds for a signalled process; then clear its
    whole group (gunicorn's workers may outlive their master) with SIGKILL."""
    if process is None:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=patience)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_SECONDS)


class DriverError(AssertionError):
    """A driver function raised inside an instance (the message carries the
    traceback from there), or the driver did not answer."""


class Instance:
    """One Taawun installation, its processes and its driver."""

    def __init__(
        self,
        name: str,
        *,
        var: Path,
        database_url: str,
        hosts: str,
        port: int | None = None,
    ) -> None:
        self.name = name
        self.address = ADDRESSES[name]
        self.port = port or free_port(self.address)
        self.domain = domain_for(name)
        self.host = f"{self.domain}:{self.port}"
        self.site_url = f"http://{self.host}"
        self.var = var
        self.database_url = database_url
        self.env = self._environment(hosts)
        self._server: subprocess.Popen[bytes] | None = None
        self._worker: subprocess.Popen[bytes] | None = None
        self._driver: subprocess.Popen[bytes] | None = None
        self._driver_buffer = b""

    def __repr__(self) -> str:
        return f"<Instance {self.name} {self.site_url}>"

    def _environment(self, hosts: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            # The suite's own settings and database are not this instance's.
            if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
            and not key.startswith(("TAAWUN_", "LC_", "LANG"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="taawun.settings",
            DATABASE_URL=self.database_url,
            TAAWUN_VAR=str(self.var),
            TAAWUN_SITE_URL=self.site_url,
            TAAWUN_SECRET_KEY=secrets.token_urlsafe(40),
            TAAWUN_FAST_HASHER="1",
            # Emails (welcome, applications) would fill the worker's log.
            TAAWUN_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            TAAWUN_ALLOWED_HOSTS=f"{self.domain},{self.address}",
            TAAWUN_FEDERATION_HOSTS=hosts,
            TAAWUN_FEDERATION_ALLOW_LOOPBACK="1",
            TAAWUN_FEDERATION_ALLOW_HTTP="1",
            LC_ALL="C.UTF-8",
            LANG="C.UTF-8",
            PYTHONIOENCODING="utf-8",
            PYTHONPATH=str(ROOT),
            HOME=str(self.var),  # gunicorn keeps its control socket under $HOME
        )
        return env

    # --- processes --------------------------------------------------------

    def _spawn(
        self, log_name: str, *argv: str, stdin: int | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.var / log_name).open("ab")
        try:
            return subprocess.Popen(
                list(argv),
                cwd=ROOT,
                env=self.env,
                stdin=stdin if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdin is not None else log,
                stderr=log,
                start_new_session=True,  # its own process group, killed as one
            )
        finally:
            log.close()

    def start(self) -> None:
        """Start the web server and the worker (``wait_ready`` waits for them)."""
        self.start_server()
        self.start_worker()

    def start_server(self) -> None:
        assert self._server is None, f"{self.name}'s server is running"
        self._server = self._spawn(
            "serve.log",
            str(TAAWUN),
            "serve",
            "--host",
            self.address,
            "--port",
            str(self.port),
            "--workers",
            "2",
        )

    def start_worker(self) -> None:
        assert self._worker is None, f"{self.name}'s worker is running"
        self._worker = self._spawn("worker.log", str(TAAWUN), "worker")

    def start_driver(self) -> None:
        self._driver = self._spawn(
            "driver.log",
            sys.executable,
            "-m",
            "tests.federation.driver",
            stdin=subprocess.PIPE,
        )
        self._driver_buffer = b""

    def _replace_driver(self) -> None:
        """A driver that hung or died is replaced, so that a late answer is
        never taken for the next one's and the state can still be read."""
        _signal_group(self._driver, signal.SIGKILL)
        _reap_group(self._driver)
        self.start_driver()

    def wait_ready(self, deadline: float) -> None:
        """Until the server answers NodeInfo and the worker and driver live."""
        while True:
            for label, process in (("server", self._server), ("worker", self._worker)):
                if process is not None and process.poll() is not None:
                    raise AssertionError(
                        f"{self.name}: the {label} stopped at start\n{self.logs()}"
                    )
            try:
                status, _headers, _body = self.get("/nodeinfo/2.1")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: not ready in time\n{self.logs()}")
            time.sleep(0.2)
        self.run("ping")

    def stop(self) -> None:
        """Stop the web server and the worker as an administrator would
        (SIGTERM to each process group); the database and the driver stay."""
        processes = (self._server, self._worker)
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        for process in processes:
            _reap_group(process)
        self._server = self._worker = None

    def restart(self) -> None:
        self.start()
        self.wait_ready(time.monotonic() + STARTUP_SECONDS)

    def close(self) -> None:
        processes = (self._server, self._worker, self._driver)
        if self._driver is not None and self._driver.stdin is not None:
            with contextlib.suppress(OSError):
                self._driver.stdin.close()  # the driver ends at the end of its input
        # At the end nothing is left to finish gracefully: a short wait, then SIGKILL.
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        for process in processes:
            _reap_group(process, patience=2)
        self._server = self._worker = self._driver = None

    # --- talking to it --------------------------------------------------------

    def get(
        self, path: str, *, accept: str = "application/activity+json"
    ) -> tuple[int, dict[str, str], bytes]:
        """A plain GET from outside, by the instance's name (the Host header)."""
        conn = http.client.HTTPConnection(self.address, self.port, timeout=5)
        try:
            conn.request("GET", path, headers={"Host": self.host, "Accept": accept})
            response = conn.getresponse()
            headers = {k.lower(): v for k, v in response.getheaders()}
            return response.status, headers, response.read()
        finally:
            conn.close()

    def _read_line(self, timeout: float) -> bytes:
        driver = self._driver
        assert driver is not None and driver.stdout is not None
        stream: IO[bytes] = driver.stdout
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while b"\n" not in self._driver_buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    self._replace_driver()
                    raise DriverError(f"{self.name}: the driver did not answer in time")
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    self._replace_driver()
                    raise DriverError(f"{self.name}: the driver stopped")
                self._driver_buffer += chunk
        line, _sep, self._driver_buffer = self._driver_buffer.partition(b"\n")
        return line

    def run(self, function: str, /, **kwargs: Any) -> Any:
        """Run ``tests.federation.driver.<function>(**kwargs)`` inside this
        instance and return its (JSON) result."""
        driver = self._driver
        assert driver is not None and driver.stdin is not None, f"{self.name} has no driver"
        request = json.dumps({"function": function, "kwargs": kwargs}) + "\n"
        driver.stdin.write(request.encode())
        driver.stdin.flush()
        reply = json.loads(self._read_line(CALL_SECONDS))
        if "error" in reply:
            raise DriverError(
                f"{self.name}: {function}({kwargs!r}) raised inside the instance:\n{reply['error']}"
            )
        return reply["result"]

    def wait_for(
        self,
        function: str,
        /,
        timeout: float = 30.0,
        *,
        until: Callable[[Any], bool] = bool,
        **kwargs: Any,
    ) -> Any:
        """Call a driver function until its result passes ``until`` (truthy
        by default); return that result, or fail with the last one seen."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.run(function, **kwargs)
            if until(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name}: {function}({kwargs!r}) still gave {result!r} "
                    f"after {timeout:.0f} s"
                )
            time.sleep(0.25)

    # --- what to show when something fails ----------------------------------

    def logs(self) -> str:
        parts = [f"===== instance {self.name} ({self.site_url}, {self.var}) ====="]
        for log in ("serve.log", "worker.log", "driver.log"):
            parts.append(f"--- {log} (last {LOG_TAIL_LINES} lines) ---\n{_tail(self.var / log)}")
        return "\n".join(parts)

    def report(self) -> str:
        """The logs, and the federation state as the instance itself sees it."""
        try:
            state = json.dumps(self.run("federation_state"), indent=1, ensure_ascii=False)
        except AssertionError as error:
            state = f"(the state could not be read: {error})"
        return f"{self.logs()}\n--- federation state ---\n{state}"


class Federation:
    """The three instances a, b and c, started together and cleaned up together."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="taawun-fed-"))
        self.server_url = postgres_server_url()
        self.databases: list[str] = []
        ports = {name: free_port(address) for name, address in ADDRESSES.items()}
        hosts = ",".join(f"{domain_for(name)}={ADDRESSES[name]}" for name in ADDRESSES)
        self.instances: dict[str, Instance] = {}
        for name in ADDRESSES:
            var = self.root / name
            var.mkdir()
            self.instances[name] = Instance(
                name,
                var=var,
                database_url=self._database_for(name, var),
                hosts=hosts,
                port=ports[name],
            )

    def _kill_everything(self) -> None:
        """The last resort (at interpreter exit, after an interrupted run):
        no process of ours outlives the test run."""
        for instance in self:
            for process in (instance._server, instance._worker, instance._driver):
                _signal_group(process, signal.SIGKILL)

    def __getitem__(self, name: str) -> Instance:
        return self.instances[name]

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.instances.values())

    def _database_for(self, name: str, var: Path) -> str:
        if self.server_url is None:
            return f"sqlite:///{var / 'taawun.sqlite3'}"
        database = f"test_fed_{os.getpid()}_{name}"
        self.databases.append(database)
        return with_database(self.server_url, database)

    def _migrate_and_copy(self) -> None:
        """Migrate the first instance's database, then copy it to the others:
        the same schema, made once."""
        first, *others = self.instances.values()
        if self.server_url is not None:
            for instance in self.instances.values():
                name = urlsplit(instance.database_url).path.lstrip("/")
                _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', self.server_url)
            _postgres(f'CREATE DATABASE "{self.databases[0]}"', self.server_url)
        migrated = subprocess.run(
            [str(TAAWUN), "migrate"],
            cwd=ROOT,
            env=first.env,
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        server_url = self.server_url
        if server_url is None:
            for instance in others:
                shutil.copyfile(first.var / "taawun.sqlite3", instance.var / "taawun.sqlite3")
            return
        template = self.databases[0]
        failed = _together(
            lambda database: _postgres(
                f'CREATE DATABASE "{database}" TEMPLATE "{template}"', server_url
            ),
            self.databases[1:],
        )
        if failed:
            raise failed[0]

    def start(self) -> None:
        atexit.register(self._kill_everything)
        # The servers touch no database until the first request, and take
        # seconds to start (static files, gunicorn): they start while the
        # database is made; the workers and drivers use it at once.
        for instance in self:
            instance.start_server()
        self._migrate_and_copy()
        for instance in self:
            instance.start_worker()
            instance.start_driver()
        deadline = time.monotonic() + STARTUP_SECONDS
        with concurrent.futures.ThreadPoolExecutor(len(self.instances)) as pool:
            for future in [pool.submit(instance.wait_ready, deadline) for instance in self]:
                future.result()

    def report(self) -> str:
        return "\n\n".join(instance.report() for instance in self)

    def close(self, *, keep_files: bool = False) -> None:
        """Stop every process; drop the databases; remove the files unless
        asked to keep them (after a failure, to read the logs)."""
        errors = _together(Instance.close, list(self))
        if self.server_url is not None:
            # Each drop waits for a checkpoint: the three wait together.
            errors += _together(
                lambda database: _postgres(
                    f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', self.server_url or ""
                ),
                self.databases,
            )
        if not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self._kill_everything)
        if errors:
            raise errors[0]
