"""Real HTTP servers on loopback, in threads, for tests.

Federation tests talk to real servers through real sockets, never to mocks.
This starts one on a loopback address (127.0.0.1, or 127.0.0.5 and the like,
so that a test can give each "instance" its own address) on a free port:

    with serve({"/actor": json_reply({"id": "..."})}) as server:
        request("GET", server.url + "/actor")
        assert server.requests[0].headers["accept"] == "..."

A server answers from a dict of routes or from one handler function; both
give back a :class:`Reply`, which can redirect, wait, trickle, stream an
endless body or fail the first few times (:class:`Failing`).
"""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    """The request target as sent: path and query."""
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ", "."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering at all."""
    framing: Literal["length", "chunked", "close"] = "length"
    """How the body's end is marked: Content-Length, chunked encoding, or
    neither (the server closes the connection after the body)."""
    trickle: float = 0.0
    """If set, the response goes out one byte at a time with this many seconds
    between bytes."""
    trickle_head: bool = True
    """Whether the status line and headers trickle too, or go out at once."""
    endless: bool = False
    """After ``body``, keep sending bytes until the client goes away (or the
    server stops); implies framing "close"."""


Handler = Callable[[RecordedRequest], Reply]
Route = Reply | Handler


def json_reply(
    document: Any, *, status: int = 200, content_type: str = "application/activity+json"
) -> Reply:
    return Reply(
        status=status,
        body=json.dumps(document).encode(),
        headers={"Content-Type": content_type},
    )


def redirect(location: str, *, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location})


class Failing:
    """A route that answers ``failure`` the first ``times`` requests, then
    ``then``: a peer that is down for a while and comes back."""

    def __init__(self, times: int, then: Route, *, failure: Reply | None = None):
        self.remaining = times
        self.then = then
        self.failure = failure or Reply(status=503)
        self._lock = threading.Lock()

    def __call__(self, received: RecordedRequest) -> Reply:
        with self._lock:
            failing = self.remaining > 0
            self.remaining -= failing
        if failing:
            return self.failure
        return _answer(self.then, received)


def _answer(route: Route, received: RecordedRequest) -> Reply:
    return route if isinstance(route, Reply) else route(received)


def _route_for(routes: Mapping[str, Route], received: RecordedRequest) -> Route | None:
    """Keys are "/path", "/path?query", or either prefixed with "METHOD "; the
    most specific key that matches wins."""
    path = received.path.split("?", 1)[0]
    for key in (
        f"{received.method} {received.path}",
        f"{received.method} {path}",
        received.path,
        path,
    ):
        if key in routes:
            return routes[key]
    return None


@dataclass
class RunningServer:
    host: str
    port: int
    scheme: str
    requests: list[RecordedRequest]
    """Every request received, in order of arrival."""
    tls_server_names: list[str | None]
    """For TLS servers: the SNI name each client handshake asked for."""

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def wait_for_requests(self, count: int, *, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until at least ``count`` requests have arrived (for code under
        test that sends from another thread or process)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} requests, got {len(self.requests)}: {self.requests}"
                )
            time.sleep(0.01)
        return list(self.requests)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Stopping must not wait for a handler that is sleeping or trickling.
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        respond: Handler,
        record: list[RecordedRequest],
        tls: ssl.SSLContext | None,
    ):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.respond = respond
        self.record = record
        self.tls = tls
        self.stopping = threading.Event()
        super().__init__(address, _RequestHandler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        if self.tls is not None:
            # The handshake happens in the handler's thread, on first read, so
            # that a client that fails it cannot stall the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 5  # a stuck client must not keep a thread forever

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ssl.SSLError, ConnectionError, TimeoutError):
            self.close_connection = True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        received = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=headers,
            body=self.rfile.read(length) if length else b"",
        )
        self.server.record.append(received)
        reply = self.server.respond(received)
        if reply.delay and self.server.stopping.wait(reply.delay):
            self.close_connection = True
            return
        try:
            self._send(reply)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    def _send(self, reply: Reply) -> None:
        framing = "close" if reply.endless else reply.framing
        try:
            reason = HTTPStatus(reply.status).phrase
        except ValueError:
            reason = "Status"
        lines = [f"HTTP/1.1 {reply.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        if framing == "length":
            lines.append(f"Content-Length: {len(reply.body)}")
        elif framing == "chunked":
            lines.append("Transfer-Encoding: chunked")
        if framing == "close":
            lines.append("Connection: close")
            self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            body = b""
        elif framing == "chunked":
            body = b"".join(
                b"%x\r\n%s\r\n" % (len(piece), piece)
                for piece in (reply.body[i : i + 8192] for i in range(0, len(reply.body), 8192))
            )
            body += b"0\r\n\r\n"
        else:
            body = reply.body
        if reply.trickle_head:
            self._write(head + body, reply.trickle)
        else:
            self._write(head, 0)
            self._write(body, reply.trickle)
        if reply.endless:
            block = b"x" if reply.trickle else b"x" * 65536
            while not self.server.stopping.is_set():
                self._write(block, reply.trickle)

    def _write(self, data: bytes, trickle: float) -> None:
        if not trickle:
            self.wfile.write(data)
            return
        for index in range(len(data)):
            if self.server.stopping.wait(trickle):
                raise ConnectionError("server stopping")
            self.wfile.write(data[index : index + 1])


def _as_handler(routes: Mapping[str, Route] | Handler) -> Handler:
    if callable(routes):
        return routes
    table = routes

    def respond(received: RecordedRequest) -> Reply:
        route = _route_for(table, received)
        return Reply(status=404) if route is None else _answer(route, received)

    return respond


@contextmanager
def serve(
    routes: Mapping[str, Route] | Handler,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: ssl.SSLContext | None = None,
) -> Iterator[RunningServer]:
    """Run a server on ``host`` (a loopback address) until the block ends.

    ``routes`` is a dict of routes (see :func:`_route_for`; an unknown path
    gets 404) or a function from the received request to a :class:`Reply`.
    ``port=0`` picks a free port. ``tls`` (see :func:`self_signed_tls`)
    makes it an https server.
    """
    record: list[RecordedRequest] = []
    server = _Server((host, port), _as_handler(routes), record, tls)
    names: list[str | None] = []
    if tls is not None:

        def remember_name(_sock: Any, name: str | None, _context: Any) -> None:
            names.append(name)

        tls.sni_callback = remember_name
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield RunningServer(
            host=host,
            port=server.server_address[1],
            scheme="https" if tls else "http",
            requests=record,
            tls_server_names=names,
        )
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def self_signed_tls(*names: str) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for
    ``names``: one no client trusts, to test that clients check."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_file = Path(folder) / "cert.pem"
        key_file = Path(folder) / "key.pem"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_file, key_file)
    return context


__all__ = [
    "Failing",
    "RecordedRequest",
    "Reply",
    "RunningServer",
    "json_reply",
    "redirect",
    "self_signed_tls",
    "serve",
]
