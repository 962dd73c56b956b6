"""The one HTTP client federation uses for every outgoing request.

Anything that reaches out to another server (fetching an actor, a key, an
object; delivering to an inbox; WebFinger) goes through :func:`request`, so
that server-side request forgery is stopped in one place: a remote document
names a URL, and without these checks that URL could point us at our own
database port, the cloud metadata service or a router on the private network.

The order matters and is the whole point of writing this on ``http.client``:
resolve the name once, check every address it resolves to, then connect to
exactly that checked address. A high-level client would resolve again on
connect, and a name that answers "public" to the check and "127.0.0.1" to the
connect (DNS rebinding) would slip through. Redirects go through the same
checks on every hop, and every request has an overall deadline and a size cap.
"""

from __future__ import annotations

import functools
import http.client
import importlib.metadata
import io
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from django.conf import settings

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from taawun.federation.signatures import SigningKey

ACTIVITY_JSON_ACCEPT = (
    "application/activity+json, "
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges refused by name, so that the reason in the log says what was hit.
# Whatever else Python does not consider globally reachable (documentation,
# benchmarking, discard and protocol-assignment ranges...) is refused too.
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_PRIVATE = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TEREDO = ipaddress.ip_network("2001::/32")


class FetchRefused(Exception):
    """An outgoing request we would not make, or whose answer we will not use.

    ``reason`` is short English for logs and delivery errors, never shown to
    members as it is: the code that catches this turns it into a translated
    message if a person needs to see it.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Response:
    url: str
    """The final URL, after redirects."""
    status: int
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ", "."""
    body: bytes


def address_refusal(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why we must not connect to ``address``, or None if it is public.

    Addresses that carry an IPv4 address inside an IPv6 one (IPv4-mapped,
    NAT64, 6to4) are judged by the IPv4 address they carry, since that is
    where the packets end up.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour
        if carried is None and ip in _NAT64:
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is not None:
            return address_refusal(str(carried), allow_loopback=allow_loopback)
        if ip in _TEREDO:
            return "tunnelled (Teredo) address"
    if ip.is_loopback:
        return None if allow_loopback else "loopback address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if ip in _SHARED_CGNAT:
        return "shared (CGNAT) address"
    if any(ip in net for net in _PRIVATE):
        return "private address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local address"
    if ip.is_reserved:
        return "reserved address"
    if not ip.is_global:
        return "non-public address"
    return None


def _host_key(host: str) -> str:
    return host.strip().lower().rstrip(".")


def resolve_checked(host: str, port: int) -> list[str]:
    """The addresses to connect to for ``host``, every one of them checked.

    If any address the name resolves to is refused, the whole name is: a name
    that mixes public and private answers is a rebinding trick or a mistake,
    and either way we should not pick the "good" one and hope.
    """
    host = _host_key(host).removeprefix("[").removesuffix("]")
    if not host:
        raise FetchRefused("no host")
    allow_loopback = bool(getattr(settings, "TAAWUN_FEDERATION_ALLOW_LOOPBACK", False))
    name_map: Mapping[str, str] = getattr(settings, "TAAWUN_FEDERATION_HOSTS", {}) or {}
    mapped = {_host_key(name): ip for name, ip in name_map.items()}.get(host)
    if mapped is not None:
        addresses = [mapped]
    else:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = _resolve(host, port)
    for address in addresses:
        refusal = address_refusal(address, allow_loopback=allow_loopback)
        if refusal is not None:
            raise FetchRefused(f"{host} resolves to a {refusal}")
    return addresses


def _resolve(host: str, port: int) -> list[str]:
    # getaddrinfo has no timeout of its own; the system resolver's own limits
    # (resolv.conf timeout and attempts) bound it.
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise FetchRefused(f"cannot resolve {host}") from error
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchRefused(f"cannot resolve {host}")
    return addresses


@dataclass(frozen=True)
class _Target:
    url: str
    """The normalised URL: what is requested and what is signed."""
    scheme: str
    host: str
    """ASCII (IDNA) host name or bare IP literal, lower case."""
    port: int
    host_header: str
    request_target: str


def _checked_target(url: str) -> _Target:
    """Parse ``url`` and apply the scheme and domain-policy checks."""
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        raise FetchRefused("invalid URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused("invalid URL") from error
    scheme = parts.scheme.lower()
    if scheme == "http":
        if not getattr(settings, "TAAWUN_FEDERATION_ALLOW_HTTP", False):
            raise FetchRefused("plain http is not allowed")
    elif scheme != "https":
        raise FetchRefused(f"scheme {scheme or '(none)'} is not allowed")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials in URL")
    host = _host_key(parts.hostname or "")
    if not host:
        raise FetchRefused("no host")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise FetchRefused("invalid host name") from error
    if port == 0:
        raise FetchRefused("invalid port")
    port = port or _DEFAULT_PORTS[scheme]

    from taawun.federation.policy import domain_allowed

    if not domain_allowed(host):
        raise FetchRefused(f"{host} is blocked")

    netloc = f"[{host}]" if ":" in host else host
    if port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    # Remote documents sometimes carry IRIs; http.client only sends ASCII, and
    # the signature must cover exactly what is sent, so encode once, here.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    normalised = urlunsplit((scheme, netloc, path, query, ""))
    request_target = path + ("?" + query if query else "")
    return _Target(normalised, scheme, host, port, netloc, request_target)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


class _DeadlineReader(io.RawIOBase):
    """Socket reads that never outlast the request's overall deadline.

    A socket timeout alone bounds each read, not their sum: a server sending
    one byte a second would keep us forever. Every read here gets only the
    time left.
    """

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        self._sock.settimeout(_remaining(self._deadline))
        return self._sock.recv_into(cast(memoryview, buffer))


class _DeadlineSocket:
    """What ``http.client`` needs of a socket, held to the deadline.

    Closing is left to :func:`_exchange`, which owns the real socket: the
    connection object "closes" its socket while the response is still being
    read from it.
    """

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        # sendall's timeout covers the whole send, not each chunk.
        self._sock.settimeout(_remaining(self._deadline))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *_args: object, **_kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        pass


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # The default context verifies the chain and the host name.
    return ssl.create_default_context()


@functools.cache
def _version() -> str:
    try:
        return importlib.metadata.version("taawun")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def user_agent() -> str:
    return f"Taawun/{_version()} (+{getattr(settings, 'SITE_URL', '')})"


def _connect(target: _Target, addresses: list[str], deadline: float) -> socket.socket:
    """A connected (and for https, verified) socket to one of ``addresses``."""
    failure = "connection failed"
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_remaining(deadline))
            # A literal address: no name resolution happens here.
            sock.connect((address, target.port))
            if target.scheme == "https":
                sock.settimeout(_remaining(deadline))
                sock = _tls_context().wrap_socket(sock, server_hostname=target.host)
            return sock
        except ssl.SSLCertVerificationError as error:
            sock.close()
            raise FetchRefused(f"TLS certificate not valid for {target.host}") from error
        except ssl.SSLError as error:
            sock.close()
            raise FetchRefused("TLS handshake failed") from error
        except TimeoutError:
            sock.close()
            raise
        except ConnectionRefusedError:
            sock.close()
            failure = "connection refused"
        except OSError:
            sock.close()
    raise FetchRefused(failure)


def _read_capped(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    length = response.getheader("content-length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchRefused(f"response larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = response.read(min(65536, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise FetchRefused(f"response larger than {max_bytes} bytes")
        chunks.append(chunk)


def _followable(status: int, location: str | None) -> bool:
    return status in REDIRECT_STATUSES and bool(location)


def _exchange(
    method: str,
    target: _Target,
    addresses: list[str],
    headers: dict[str, str],
    body: bytes | None,
    *,
    follow_redirects: bool,
    max_bytes: int,
    deadline: float,
) -> Response:
    sock = _connect(target, addresses, deadline)
    try:
        connection = http.client.HTTPConnection(target.host_header)
        # http.client would resolve and connect on its own; hand it the socket
        # already connected to the checked address instead.
        connection.sock = cast(socket.socket, _DeadlineSocket(sock, deadline))
        connection.request(method, target.request_target, body=body, headers=headers)
        answer = connection.getresponse()
        # A redirect we are about to follow: its body is never used, so it is
        # not read (nor held against the size cap).
        skip = follow_redirects and _followable(answer.status, answer.getheader("location"))
        content = b"" if skip else _read_capped(answer, max_bytes)
        names: dict[str, str] = {}
        for name, value in answer.getheaders():
            key = name.lower()
            names[key] = f"{names[key]}, {value}" if key in names else value
        return Response(url=target.url, status=answer.status, headers=names, body=content)
    finally:
        sock.close()


def _outgoing_headers(
    method: str,
    target: _Target,
    headers: Mapping[str, str] | None,
    body: bytes | None,
    accept: str | None,
    sign_as: SigningKey | None,
) -> dict[str, str]:
    merged: dict[str, str] = {"User-Agent": user_agent()}
    overridden = {"host"} | ({"accept"} if accept is not None else set())
    for name, value in (headers or {}).items():
        if name.lower() in overridden:
            continue
        for existing in [key for key in merged if key.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    if accept is not None:
        merged["Accept"] = accept
    merged["Host"] = target.host_header
    if sign_as is None:
        return merged
    from taawun.federation.signatures import SignatureError, sign_request

    try:
        return dict(sign_request(method, target.url, merged, body, sign_as))
    except SignatureError as error:
        raise FetchRefused(f"cannot sign: {error.reason}") from error


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    sign_as: SigningKey | None = None,
    accept: str | None = None,
    max_bytes: int = 1_000_000,
    timeout: float = 10.0,
    max_redirects: int = 3,
) -> Response:
    """Make one outgoing request, refusing anything unsafe with FetchRefused.

    Redirects are followed for GET only (a redirected POST would resend a
    signed body somewhere its signature never named); every hop is checked
    and, when ``sign_as`` is given, signed afresh for its own URL. ``timeout``
    bounds the whole exchange, every hop included.
    """
    method = method.upper()
    deadline = time.monotonic() + timeout
    current = url
    redirects = 0
    while True:
        target = _checked_target(current)
        addresses = resolve_checked(target.host, target.port)
        outgoing = _outgoing_headers(method, target, headers, body, accept, sign_as)
        follow = method == "GET"
        try:
            response = _exchange(
                method,
                target,
                addresses,
                outgoing,
                body,
                follow_redirects=follow,
                max_bytes=max_bytes,
                deadline=deadline,
            )
        except TimeoutError as error:
            raise FetchRefused(f"timed out after {timeout:.1f} s") from error
        except http.client.HTTPException as error:
            raise FetchRefused(f"malformed response from {target.host}") from error
        except OSError as error:
            raise FetchRefused(f"connection to {target.host} failed") from error
        location = response.headers.get("location")
        if not (follow and location and _followable(response.status, location)):
            return response
        if redirects == max_redirects:
            raise FetchRefused(f"more than {max_redirects} redirects")
        redirects += 1
        current = urljoin(target.url, location)


_JSON_TYPES = frozenset({"application/json", "application/activity+json", "application/ld+json"})


def is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in _JSON_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def get_json(
    url: str,
    *,
    sign_as: SigningKey | None = None,
    max_bytes: int = 1_000_000,
    timeout: float = 10.0,
) -> tuple[dict, Response]:
    """GET an ActivityStreams document: a JSON object, or FetchRefused."""
    response = request(
        "GET",
        url,
        sign_as=sign_as,
        accept=ACTIVITY_JSON_ACCEPT,
        max_bytes=max_bytes,
        timeout=timeout,
    )
    if response.status != 200:
        raise FetchRefused(f"status {response.status} from {response.url}")
    content_type = response.headers.get("content-type", "")
    if not is_json_media_type(content_type):
        raise FetchRefused(f"not JSON ({content_type or 'no content type'})")
    try:
        document = json.loads(response.body)
    except (ValueError, RecursionError) as error:
        raise FetchRefused("invalid JSON") from error
    if not isinstance(document, dict):
        raise FetchRefused("JSON is not an object")
    return document, response
