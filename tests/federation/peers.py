"""Another server for tests: a real HTTP server on loopback under the name
remote.test that serves its actors' documents, and the fixture that runs
it with the test-only settings that let us reach it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from taawun.federation import identity
from taawun.federation.signatures import SigningKey, generate_rsa_keypair
from tests.federation.httpservers import RunningServer, json_reply, serve

# Key generation is slow; the remote actors share these.
KEY_A = generate_rsa_keypair()
KEY_B = generate_rsa_keypair()


class Peer:
    """Another server, really listening on loopback under the name
    remote.test: it serves its actors' documents (each test adds them) and
    records every request it receives."""

    def __init__(self, server: RunningServer, routes: dict[str, Any]):
        self.server = server
        self.routes = routes
        self.base = f"http://remote.test:{server.port}"

    def uri(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    def actor(
        self, name: str, keys: tuple[str, str] = KEY_A, *, kind: str = "Person", **extra: Any
    ) -> dict[str, Any]:
        """Publish an actor document at /users/<name>; returns it."""
        uri = self.uri(name)
        doc: dict[str, Any] = {
            "@context": identity.AS_CONTEXT,
            "id": uri,
            "type": kind,
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers",
            "following": f"{uri}/following",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": keys[1]},
            **extra,
        }
        self.routes[f"/users/{name}"] = json_reply(doc)
        return doc

    def key(self, name: str, keys: tuple[str, str] = KEY_A) -> SigningKey:
        return SigningKey(key_id=f"{self.uri(name)}#main-key", private_key_pem=keys[0])

    def fetches(self) -> list[str]:
        return [r.path for r in self.server.requests if r.method == "GET"]


@pytest.fixture
def peer(settings) -> Iterator[Peer]:  # type: ignore[no-untyped-def]
    """remote.test on loopback, with the test-only settings that let us reach
    it (loopback, plain http, a name map), and our instance actor made
    beforehand: it exists as soon as the instance does, and signs fetches."""
    settings.TAAWUN_FEDERATION_ALLOW_LOOPBACK = True
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    settings.TAAWUN_FEDERATION_HOSTS = {"remote.test": "127.0.0.1"}
    identity.instance_actor()
    routes: dict[str, Any] = {}
    with serve(routes) as server:
        yield Peer(server, routes)
