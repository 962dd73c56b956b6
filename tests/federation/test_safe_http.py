"""The outgoing HTTP client: no request to a private address, ever, and every
request bounded in time and size. Servers are real, on loopback; the test
settings let loopback through only where a test says so."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.federation.policy import block_domain
from taawun.federation.safe_http import (
    ACTIVITY_JSON_ACCEPT,
    FetchRefused,
    address_refusal,
    get_json,
    request,
    resolve_checked,
)
from taawun.federation.signatures import SigningKey, generate_rsa_keypair, verify_request
from tests.federation.httpservers import (
    Reply,
    json_reply,
    redirect,
    self_signed_tls,
    serve,
)

REFUSED_ADDRESSES = [
    "10.1.2.3",  # RFC 1918
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "127.0.0.1",  # loopback
    "127.0.0.2",
    "169.254.169.254",  # cloud metadata, link-local
    "169.254.0.1",
    "0.0.0.0",  # unspecified
    "0.1.2.3",  # "this network"
    "100.64.0.1",  # CGNAT shared address space
    "100.127.255.254",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fc00::1",  # unique local
    "fd12:3456::1",
    "fe80::1",  # link-local
    "fec0::1",  # old site-local
    "ff02::1",  # multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378::1",  # Teredo
]
PUBLIC_ADDRESSES = ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
TIMEOUT = 0.5
PRIVATE_PEM, PUBLIC_PEM = generate_rsa_keypair()
KEY = SigningKey("https://here.taawun.test/actor#main-key", PRIVATE_PEM)

# The domain policy (blocks, allowlist) lives in the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def loopback_peers(settings):  # type: ignore[no-untyped-def]
    """The test-only settings: loopback and plain http allowed, and a name map
    for the peers' names."""
    settings.TAAWUN_FEDERATION_ALLOW_LOOPBACK = True
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    settings.TAAWUN_FEDERATION_HOSTS = {
        "a.taawun.test": "127.0.0.2",
        "b.taawun.test": "127.0.0.3",
        "blocked.taawun.test": "127.0.0.4",
        "sub.blocked.taawun.test": "127.0.0.4",
        "inside.taawun.test": "10.1.2.3",
        "metadata.taawun.test": "169.254.169.254",
    }
    return settings


def refusal_of(call) -> FetchRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(FetchRefused) as caught:
        call()
    return caught.value


# --- Which addresses are refused (pure) -------------------------------------


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refusal(address) is not None


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.5", "::1", "::ffff:127.0.0.2"])
def test_allowing_loopback_lets_loopback_through(address: str) -> None:
    assert address_refusal(address, allow_loopback=True) is None


@pytest.mark.parametrize(
    "address",
    [a for a in REFUSED_ADDRESSES if not ipaddress.ip_address(a).is_loopback and "127." not in a],
)
def test_allowing_loopback_lets_nothing_else_private_through(address: str) -> None:
    assert address_refusal(address, allow_loopback=True) is not None


def test_reasons_name_what_was_hit() -> None:
    assert address_refusal("169.254.169.254") == "link-local address"
    assert address_refusal("10.0.0.1") == "private address"
    assert address_refusal("100.64.0.1") == "shared (CGNAT) address"
    assert address_refusal("::ffff:127.0.0.1") == "loopback address"


@given(st.ip_addresses(v=4))
def test_an_ipv4_mapped_address_is_judged_as_the_ipv4_address_it_carries(
    ip: ipaddress.IPv4Address,
) -> None:
    mapped = f"::ffff:{ip}"
    assert address_refusal(mapped) == address_refusal(str(ip))
    assert address_refusal(mapped, allow_loopback=True) == address_refusal(
        str(ip), allow_loopback=True
    )


@given(
    st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]).flatmap(
        lambda net: st.ip_addresses(network=net)
    )
)
def test_every_address_in_a_private_range_is_refused(ip: ipaddress.IPv4Address) -> None:
    assert address_refusal(str(ip)) == "private address"
    assert address_refusal(str(ip), allow_loopback=True) == "private address"


# --- Resolving names ----------------------------------------------------------


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.1", "::1", "[fe80::1]"])
def test_a_literal_ip_host_is_checked_like_a_resolved_one(address: str) -> None:
    with pytest.raises(FetchRefused):
        resolve_checked(address, 443)


def test_a_literal_public_ip_host_resolves_to_itself() -> None:
    assert resolve_checked("1.1.1.1", 443) == ["1.1.1.1"]


def test_a_name_whose_dns_answer_is_loopback_is_refused() -> None:
    # "localhost" comes from the system resolver (/etc/hosts), not the map.
    assert "loopback" in refusal_of(lambda: resolve_checked("localhost", 80)).reason


def test_a_mapped_name_resolves_to_its_loopback_address_when_loopback_is_allowed(
    loopback_peers,
) -> None:
    assert resolve_checked("a.taawun.test", 80) == ["127.0.0.2"]
    assert resolve_checked("A.Taawun.Test.", 80) == ["127.0.0.2"]


def test_a_mapped_name_is_refused_when_loopback_is_not_allowed(loopback_peers) -> None:
    loopback_peers.TAAWUN_FEDERATION_ALLOW_LOOPBACK = False
    assert "loopback" in refusal_of(lambda: resolve_checked("a.taawun.test", 80)).reason


def test_the_name_map_goes_through_the_same_check(loopback_peers) -> None:
    assert "private" in refusal_of(lambda: resolve_checked("inside.taawun.test", 80)).reason
    assert "link-local" in refusal_of(lambda: resolve_checked("metadata.taawun.test", 80)).reason


# --- Requests through real servers ----------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local address"),
        ("http://10.0.0.1/", "private address"),
        ("http://0.0.0.0/", "unspecified address"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://[::ffff:169.254.169.254]/", "link-local address"),
        ("http://[fd00::1]/", "private address"),
        ("http://[fe80::1]/", "link-local address"),
        ("http://2130706433/", "loopback address"),  # 127.0.0.1 as one number
    ],
)
def test_a_request_to_a_literal_private_address_is_refused(settings, url: str, reason: str) -> None:
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    assert reason in refusal_of(lambda: request("GET", url, timeout=TIMEOUT)).reason


def test_a_loopback_server_is_not_reached_unless_loopback_is_allowed(settings) -> None:
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    with serve({"/": Reply(body=b"secret")}) as server:
        reason = refusal_of(lambda: request("GET", server.url + "/", timeout=TIMEOUT)).reason
        assert "loopback" in reason
        assert server.requests == []


def test_a_mapped_name_is_fetched_from_its_address_with_its_own_host_header(
    loopback_peers,
) -> None:
    with serve({"/actor": Reply(body=b"hello")}, host="127.0.0.2") as server:
        response = request("GET", f"http://a.taawun.test:{server.port}/actor", timeout=TIMEOUT)
    assert (response.status, response.body) == (200, b"hello")
    assert response.url == f"http://a.taawun.test:{server.port}/actor"
    [received] = server.requests
    assert received.headers["host"] == f"a.taawun.test:{server.port}"
    assert received.headers["user-agent"].startswith("Taawun/")
    assert received.headers["user-agent"].endswith("(+http://testserver)")


def test_a_mapped_name_is_not_fetched_when_loopback_is_not_allowed(loopback_peers) -> None:
    loopback_peers.TAAWUN_FEDERATION_ALLOW_LOOPBACK = False
    with serve({"/": Reply()}, host="127.0.0.2") as server:
        refusal_of(lambda: request("GET", f"http://a.taawun.test:{server.port}/"))
        assert server.requests == []


def test_a_caller_cannot_override_the_host_header(loopback_peers) -> None:
    with serve({"/": Reply()}, host="127.0.0.2") as server:
        request(
            "GET",
            f"http://a.taawun.test:{server.port}/",
            headers={"Host": "b.taawun.test", "X-Extra": "kept"},
            timeout=TIMEOUT,
        )
    assert server.requests[0].headers["host"] == f"a.taawun.test:{server.port}"
    assert server.requests[0].headers["x-extra"] == "kept"


def test_a_non_ascii_path_is_sent_percent_encoded_with_its_query(loopback_peers) -> None:
    with serve({"/caf%C3%A9": Reply(body=b"ok")}, host="127.0.0.2") as server:
        response = request("GET", f"http://a.taawun.test:{server.port}/café?q=1#frag")
    assert response.body == b"ok"
    assert server.requests[0].path == "/caf%C3%A9?q=1"


def test_plain_http_is_refused_unless_allowed(loopback_peers) -> None:
    loopback_peers.TAAWUN_FEDERATION_ALLOW_HTTP = False
    with serve({"/": Reply()}, host="127.0.0.2") as server:
        reason = refusal_of(lambda: request("GET", f"http://a.taawun.test:{server.port}/")).reason
        assert "http" in reason
        assert server.requests == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://a.taawun.test/", "gopher://a.taawun.test/", "//a.taawun.test/"],
)
def test_other_schemes_are_refused(loopback_peers, url: str) -> None:
    assert "scheme" in refusal_of(lambda: request("GET", url)).reason


def test_credentials_in_the_url_are_refused(loopback_peers) -> None:
    refusal_of(lambda: request("GET", "http://user:pass@a.taawun.test/"))


def test_response_headers_come_back_lower_case(loopback_peers) -> None:
    reply = Reply(headers={"X-Thing": "one", "Content-Type": "text/plain"})
    with serve({"/": reply}, host="127.0.0.2") as server:
        response = request("GET", f"http://a.taawun.test:{server.port}/", timeout=TIMEOUT)
    assert response.headers["x-thing"] == "one"
    assert response.headers["content-type"] == "text/plain"


def test_a_closed_port_is_refused_as_a_failed_connection(loopback_peers) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    reason = refusal_of(lambda: request("GET", f"http://a.taawun.test:{port}/")).reason
    assert "refused" in reason


# --- Redirects -------------------------------------------------------------------


def test_redirects_are_followed_across_servers_for_get(loopback_peers) -> None:
    with serve({"/object": Reply(body=b"here")}, host="127.0.0.3") as target:
        final = f"http://b.taawun.test:{target.port}/object"
        with serve({"/old": redirect("/moved"), "/moved": redirect(final)}, host="127.0.0.2") as a:
            response = request("GET", f"http://a.taawun.test:{a.port}/old", timeout=TIMEOUT)
    assert (response.status, response.body, response.url) == (200, b"here", final)
    assert [r.path for r in a.requests] == ["/old", "/moved"]
    assert target.requests[0].headers["host"] == f"b.taawun.test:{target.port}"


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local address"),
        ("http://10.0.0.1/admin", "private address"),
        ("http://inside.taawun.test/", "private address"),
        ("http://metadata.taawun.test/latest/meta-data/", "link-local address"),
        ("http://[::ffff:10.0.0.1]/", "private address"),
        ("http://100.100.100.200/", "CGNAT"),
        ("file:///etc/passwd", "scheme file"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    loopback_peers, location: str, reason: str
) -> None:
    with serve({"/": redirect(location)}, host="127.0.0.2") as server:
        refusal = refusal_of(lambda: request("GET", f"http://a.taawun.test:{server.port}/"))
    assert reason in refusal.reason
    assert len(server.requests) == 1


def _chain(length: int) -> dict[str, Reply]:
    routes = {f"/hop{n}": redirect(f"/hop{n + 1}") for n in range(length)}
    return routes | {f"/hop{length}": Reply(body=b"end")}


def test_a_redirect_chain_within_the_limit_is_followed(loopback_peers) -> None:
    with serve(_chain(3), host="127.0.0.2") as server:
        response = request("GET", f"http://a.taawun.test:{server.port}/hop0", max_redirects=3)
    assert response.body == b"end"


def test_a_redirect_chain_longer_than_the_limit_is_refused(loopback_peers) -> None:
    with serve(_chain(4), host="127.0.0.2") as server:
        url = f"http://a.taawun.test:{server.port}/hop0"
        reason = refusal_of(lambda: request("GET", url, max_redirects=3)).reason
        assert "redirects" in reason
        assert len(server.requests) == 4


def test_a_redirect_loop_is_refused(loopback_peers) -> None:
    with serve({"/": redirect("/")}, host="127.0.0.2") as server:
        refusal_of(lambda: request("GET", f"http://a.taawun.test:{server.port}/"))
        assert len(server.requests) == 4


def test_a_post_is_not_redirected(loopback_peers) -> None:
    with serve({"/inbox": redirect("/elsewhere", status=307)}, host="127.0.0.2") as server:
        response = request("POST", f"http://a.taawun.test:{server.port}/inbox", body=b"{}")
    assert response.status == 307
    assert [(r.method, r.path, r.body) for r in server.requests] == [("POST", "/inbox", b"{}")]


# --- Blocked domains -------------------------------------------------------------


def test_a_blocked_domain_and_its_subdomains_are_not_fetched(loopback_peers) -> None:
    block_domain("blocked.taawun.test")
    with serve({"/": Reply()}, host="127.0.0.4") as blocked:
        for name in ("blocked.taawun.test", "sub.blocked.taawun.test"):
            reason = refusal_of(lambda: request("GET", f"http://{name}:{blocked.port}/")).reason
            assert "blocked" in reason
        assert blocked.requests == []


def test_a_redirect_to_a_blocked_domain_is_refused(loopback_peers) -> None:
    block_domain("blocked.taawun.test")
    with serve({"/": Reply()}, host="127.0.0.4") as blocked:
        hop = redirect(f"http://sub.blocked.taawun.test:{blocked.port}/")
        with serve({"/": hop}, host="127.0.0.2") as server:
            reason = refusal_of(lambda: request("GET", f"http://a.taawun.test:{server.port}/"))
        assert "blocked" in reason.reason
        assert blocked.requests == []


# --- Size limits -----------------------------------------------------------------


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_a_body_of_exactly_max_bytes_is_accepted(loopback_peers, framing: str) -> None:
    with serve({"/": Reply(body=b"x" * 1000, framing=framing)}, host="127.0.0.2") as server:  # type: ignore[arg-type]
        response = request("GET", f"http://a.taawun.test:{server.port}/", max_bytes=1000)
    assert response.body == b"x" * 1000


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_a_body_over_max_bytes_is_refused(loopback_peers, framing: str) -> None:
    with serve({"/": Reply(body=b"x" * 1001, framing=framing)}, host="127.0.0.2") as server:  # type: ignore[arg-type]
        url = f"http://a.taawun.test:{server.port}/"
        assert "larger" in refusal_of(lambda: request("GET", url, max_bytes=1000)).reason


def test_an_endless_body_is_cut_at_max_bytes(loopback_peers) -> None:
    with serve({"/": Reply(endless=True)}, host="127.0.0.2") as server:
        url = f"http://a.taawun.test:{server.port}/"
        started = time.monotonic()
        assert "larger" in refusal_of(lambda: request("GET", url, max_bytes=200_000)).reason
    assert time.monotonic() - started < 2


def test_a_content_length_over_the_cap_is_refused_without_reading(loopback_peers) -> None:
    # The server claims 5 MB and sends none of it: reading would end in a
    # broken response, not in the size refusal.
    reply = Reply(framing="close", headers={"Content-Length": "5000000"})
    with serve({"/": reply}, host="127.0.0.2") as server:
        url = f"http://a.taawun.test:{server.port}/"
        assert "larger" in refusal_of(lambda: request("GET", url, max_bytes=1000)).reason


# --- Time limits -----------------------------------------------------------------


def _refused_within(url: str, limit: float) -> FetchRefused:
    started = time.monotonic()
    refusal = refusal_of(lambda: request("GET", url, timeout=TIMEOUT))
    elapsed = time.monotonic() - started
    assert TIMEOUT * 0.9 <= elapsed < limit, elapsed
    return refusal


def test_a_server_slower_than_the_timeout_is_refused_at_the_timeout(loopback_peers) -> None:
    with serve({"/": Reply(delay=5)}, host="127.0.0.2") as server:
        refusal = _refused_within(f"http://a.taawun.test:{server.port}/", TIMEOUT + 0.5)
    assert "timed out" in refusal.reason


def test_headers_trickled_a_byte_at_a_time_are_cut_at_the_deadline(loopback_peers) -> None:
    # Each byte arrives well within the timeout; all of them do not.
    with serve({"/": Reply(body=b"x" * 100, trickle=0.05)}, host="127.0.0.2") as server:
        _refused_within(f"http://a.taawun.test:{server.port}/", TIMEOUT + 0.5)


def test_a_body_trickled_slowly_is_cut_at_the_deadline(loopback_peers) -> None:
    # The head goes out at once, then one byte every 50 ms for 5 s: far past
    # the deadline, yet each byte well within a per-read timeout.
    reply = Reply(body=b"x" * 100, trickle=0.05, trickle_head=False)
    with serve({"/": reply}, host="127.0.0.2") as server:
        _refused_within(f"http://a.taawun.test:{server.port}/", TIMEOUT + 0.5)


def test_the_deadline_covers_every_redirect_hop_together(loopback_peers) -> None:
    slow_hop = Reply(status=302, headers={"Location": "/next"}, delay=0.3)
    routes = {"/": slow_hop, "/next": Reply(delay=0.3, body=b"late")}
    with serve(routes, host="127.0.0.2") as server:
        _refused_within(f"http://a.taawun.test:{server.port}/", TIMEOUT + 0.5)


# --- TLS -------------------------------------------------------------------------


def test_https_sends_the_host_name_and_refuses_an_untrusted_certificate(loopback_peers) -> None:
    with serve({"/": Reply()}, host="127.0.0.2", tls=self_signed_tls("a.taawun.test")) as server:
        reason = refusal_of(
            lambda: request("GET", f"https://a.taawun.test:{server.port}/", timeout=TIMEOUT)
        ).reason
        assert "certificate" in reason
        assert server.tls_server_names == ["a.taawun.test"]
        assert server.requests == []


# --- get_json --------------------------------------------------------------------


def test_get_json_returns_the_object_and_asks_for_activitystreams(loopback_peers) -> None:
    actor = {"id": "http://a.taawun.test/actor", "type": "Group"}
    with serve({"/actor": json_reply(actor)}, host="127.0.0.2") as server:
        document, response = get_json(f"http://a.taawun.test:{server.port}/actor")
    assert document == actor
    assert response.status == 200
    assert server.requests[0].headers["accept"] == ACTIVITY_JSON_ACCEPT


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/jrd+json",
    ],
)
def test_get_json_accepts_every_json_media_type(loopback_peers, content_type: str) -> None:
    with serve({"/": json_reply({"a": 1}, content_type=content_type)}, host="127.0.0.2") as s:
        assert get_json(f"http://a.taawun.test:{s.port}/")[0] == {"a": 1}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(body=b'{"a": 1}', headers={"Content-Type": "text/html"}), "not JSON"),
        (Reply(body=b'{"a": 1}'), "not JSON"),
        (json_reply([1, 2]), "not an object"),
        (json_reply("text"), "not an object"),
        (Reply(body=b"{nope", headers={"Content-Type": "application/json"}), "invalid JSON"),
        (Reply(body=b"[" * 100_000, headers={"Content-Type": "application/json"}), "invalid"),
        (Reply(body=b"\xff\xfe", headers={"Content-Type": "application/json"}), "invalid JSON"),
        (json_reply({"error": "gone"}, status=404), "status 404"),
        (json_reply({"a": 1}, status=201), "status 201"),
    ],
)
def test_get_json_refuses_anything_but_a_json_object_with_200(
    loopback_peers, reply: Reply, reason: str
) -> None:
    with serve({"/": reply}, host="127.0.0.2") as server:
        refusal = refusal_of(lambda: get_json(f"http://a.taawun.test:{server.port}/"))
    assert reason in refusal.reason


def test_get_json_refuses_a_redirect_to_a_private_address(loopback_peers) -> None:
    with serve({"/": redirect("http://169.254.169.254/")}, host="127.0.0.2") as server:
        refusal_of(lambda: get_json(f"http://a.taawun.test:{server.port}/"))


# --- Signing ---------------------------------------------------------------------


def _verified(received) -> str:  # type: ignore[no-untyped-def]
    """The key id of the received request's valid signature."""
    signature = verify_request(
        received.method,
        received.path,
        received.headers,
        received.body or None,
        lambda key_id: PUBLIC_PEM,
        scheme="http",
    )
    return signature.key_id


def test_a_signed_post_arrives_with_a_valid_signature_over_date_and_digest(
    loopback_peers,
) -> None:
    with serve({"/inbox": Reply(status=202)}, host="127.0.0.2") as server:
        response = request(
            "POST",
            f"http://a.taawun.test:{server.port}/inbox",
            body=b'{"type": "Follow"}',
            headers={"Content-Type": "application/activity+json"},
            sign_as=KEY,
        )
    assert response.status == 202
    [received] = server.requests
    assert {"signature", "date", "digest"} <= set(received.headers)
    assert 'headers="(request-target) host date digest"' in received.headers["signature"]
    assert _verified(received) == KEY.key_id


def test_each_redirect_hop_is_signed_for_its_own_url(loopback_peers) -> None:
    with serve({"/object": json_reply({"id": "x"})}, host="127.0.0.3") as b:
        moved = redirect(f"http://b.taawun.test:{b.port}/object?page=1")
        with serve({"/old": moved}, host="127.0.0.2") as a:
            document, _ = get_json(f"http://a.taawun.test:{a.port}/old", sign_as=KEY)
    assert document == {"id": "x"}
    assert _verified(a.requests[0]) == KEY.key_id
    assert _verified(b.requests[0]) == KEY.key_id
    assert b.requests[0].path == "/object?page=1"
    assert b.requests[0].headers["host"] == f"b.taawun.test:{b.port}"


def test_an_unsigned_request_carries_no_signature(loopback_peers) -> None:
    with serve({"/": Reply()}, host="127.0.0.2") as server:
        request("GET", f"http://a.taawun.test:{server.port}/")
    assert "signature" not in server.requests[0].headers


def test_a_key_that_cannot_sign_is_a_refusal_not_a_crash(loopback_peers) -> None:
    bad_key = SigningKey('https://here.taawun.test/actor#"quoted"', PRIVATE_PEM)
    with serve({"/": Reply()}, host="127.0.0.2") as server:
        url = f"http://a.taawun.test:{server.port}/"
        assert "cannot sign" in refusal_of(lambda: request("GET", url, sign_as=bad_key)).reason
        assert server.requests == []


def test_an_ipv6_loopback_server_is_reached_only_when_loopback_is_allowed(settings) -> None:
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    with serve({"/": Reply(body=b"six")}, host="::1") as server:
        assert "loopback" in refusal_of(lambda: request("GET", server.url + "/")).reason
        settings.TAAWUN_FEDERATION_ALLOW_LOOPBACK = True
        response = request("GET", server.url + "/", timeout=TIMEOUT)
    assert response.body == b"six"
    assert server.requests[0].headers["host"] == f"[::1]:{server.port}"
