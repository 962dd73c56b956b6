"""Other servers' actors: fetched over real HTTP from a loopback server named
remote.test, checked (a document must be what it was fetched as, a key must
belong to its actor on the same origin), cached, and found by WebFinger."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from taawun.federation import identity
from taawun.federation.models import Actor
from taawun.federation.policy import block_domain
from taawun.federation.remote_actors import (
    RemoteError,
    actor_fields,
    checked_url,
    fetch_actor,
    fetch_document,
    key_owner,
    resolve_handle,
    same_document,
    same_origin,
)
from tests.federation.httpservers import json_reply, redirect
from tests.federation.peers import KEY_A, KEY_B

pytestmark = pytest.mark.django_db

# --- pure parts ---------------------------------------------------------------


def test_same_document_ignores_fragments_and_default_ports_but_not_paths():
    assert same_document("https://a.example/u/x#main-key", "https://a.example:443/u/x")
    assert same_document("https://A.example/u/x", "https://a.example/u/x")
    assert same_document("https://a.example/ü", "https://a.example/%C3%BC")
    assert not same_document("https://a.example/u/x", "https://a.example/u/y")
    assert not same_document("https://a.example/u/x", "http://a.example/u/x")
    assert not same_document("https://a.example/u/x", "https://a.example:8443/u/x")
    assert not same_document("https://a.example/u/x", "https://b.example/u/x")
    assert not same_document("https://a.example/u/x?page=1", "https://a.example/u/x")


@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,10}){1,2}", fullmatch=True),
    st.from_regex(r"(/[a-z0-9]{1,8}){0,3}", fullmatch=True),
    st.text(alphabet="abc-", max_size=5),
)
def test_a_uri_names_the_same_document_with_any_fragment(scheme, host, path, fragment):  # type: ignore[no-untyped-def]
    uri = f"{scheme}://{host}{path}"
    assert same_document(uri, f"{uri}#{fragment}")
    assert same_origin(uri, f"{scheme}://{host}/elsewhere")
    assert not same_origin(uri, f"{scheme}://evil{host}{path}")


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "ftp://a.example/x",
        "javascript:alert(1)",
        "https://",
        "https://user:pw@a.example/x",
        "https://a.example/x y",
        "https://a.example:99999/x",
        "https://a.example/" + "x" * 600,
    ],
)
def test_only_plain_http_urls_of_sane_length_are_kept(value):  # type: ignore[no-untyped-def]
    assert checked_url(value) is None


def _doc(**changes: Any) -> dict[str, Any]:
    uri = "https://a.example/users/x"
    doc: dict[str, Any] = {
        "id": uri,
        "type": "Person",
        "inbox": f"{uri}/inbox",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": KEY_A[1]},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


@pytest.mark.parametrize(
    ("kind", "extra", "role"),
    [
        ("Group", {"admission": "approval"}, Actor.Role.NETWORK),
        ("Group", {}, Actor.Role.COOPERATIVE),
        ("Person", {}, Actor.Role.MEMBER),
        ("Service", {}, Actor.Role.OTHER),
        ("Application", {}, Actor.Role.OTHER),
    ],
)
def test_an_actor_s_role_follows_its_type(kind, extra, role):  # type: ignore[no-untyped-def]
    fields = actor_fields(_doc(type=kind, **extra))
    assert fields["kind"] == kind
    assert fields["role"] == role


def test_an_actor_s_summary_is_sanitised_and_its_names_are_plain_text():
    fields = actor_fields(
        _doc(
            summary='<p onclick="x()">Hello <script>alert(1)</script>'
            '<a href="javascript:x">me</a></p>',
            nameMap={"ar": "تعاونية", "en": "<b>Coop</b> & co"},
            endpoints={"sharedInbox": "https://a.example/inbox"},
            url=[{"type": "Link", "href": "https://a.example/@x"}],
        )
    )
    assert "script" not in fields["summary"]
    assert "onclick" not in fields["summary"]
    assert "javascript" not in fields["summary"]
    assert fields["summary"].startswith("<p>Hello")
    assert fields["names"] == {"ar": "تعاونية", "en": "Coop & co"}
    assert fields["shared_inbox"] == "https://a.example/inbox"
    assert fields["url"] == "https://a.example/@x"
    assert fields["domain"] == "a.example"


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "Note"},
        {"id": "javascript:alert(1)"},
        {"inbox": "file:///etc/passwd"},
        {"inbox": None},
        # The key must be on the actor's origin and owned by the actor.
        {
            "publicKey": {
                "id": "https://b.example/users/x#main-key",
                "owner": "https://a.example/users/x",
                "publicKeyPem": KEY_A[1],
            }
        },
        {
            "publicKey": {
                "id": "https://a.example/users/x#main-key",
                "owner": "https://a.example/users/someone-else",
                "publicKeyPem": KEY_A[1],
            }
        },
        {
            "publicKey": {
                "id": "https://a.example/users/x#main-key",
                "owner": "https://a.example/users/x",
                "publicKeyPem": "not a key",
            }
        },
    ],
)
def test_documents_that_are_not_usable_actors_are_refused(changes):  # type: ignore[no-untyped-def]
    with pytest.raises(RemoteError):
        actor_fields(_doc(**changes))


def test_other_urls_of_an_actor_that_are_not_http_are_dropped():
    fields = actor_fields(_doc(outbox="javascript:x", followers={"type": "Collection"}))
    assert fields["outbox"] == ""
    assert fields["followers"] == ""


# --- fetching -------------------------------------------------------------------


def test_an_actor_is_fetched_signed_as_our_instance_and_cached(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice", kind="Group", summary="<p>A coop</p>")
    actor = fetch_actor(peer.uri("alice"))
    assert actor.pk is not None
    assert (actor.uri, actor.role, actor.local) == (peer.uri("alice"), "cooperative", False)
    assert actor.domain == f"remote.test:{peer.server.port}"
    assert actor.key_id == f"{peer.uri('alice')}#main-key"
    assert actor.public_key_pem == KEY_A[1]
    assert actor.shared_inbox == f"{peer.base}/inbox"
    request = peer.server.requests[0]
    assert f'keyId="{identity.instance_uri()}#main-key"' in request.headers["signature"]
    assert "application/activity+json" in request.headers["accept"]

    again = fetch_actor(peer.uri("alice"))
    assert again.pk == actor.pk
    assert len(peer.fetches()) == 1  # fresh: served from our row

    Actor.objects.filter(pk=actor.pk).update(fetched_at=timezone.now() - timedelta(days=2))
    fetch_actor(peer.uri("alice"))
    assert len(peer.fetches()) == 2  # stale: fetched again
    fetch_actor(peer.uri("alice"), refresh=True)
    assert len(peer.fetches()) == 3
    assert Actor.objects.filter(uri=peer.uri("alice")).count() == 1


def test_an_actor_fetched_without_saving_leaves_no_row(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    actor = fetch_actor(peer.uri("alice"), save=False)
    assert actor.pk is None
    assert not Actor.objects.filter(uri=peer.uri("alice")).exists()


def test_a_document_whose_id_is_not_where_it_was_fetched_is_refused(peer):  # type: ignore[no-untyped-def]
    # remote.test serves, at alice's address, a document claiming to be
    # someone on another server: believing it would let remote.test speak
    # for that server's actor.
    peer.routes["/users/alice"] = json_reply(
        {**peer.actor("mallory"), "id": "https://victim.example/users/alice"}
    )
    with pytest.raises(RemoteError, match="says it is"):
        fetch_document(peer.uri("alice"))
    with pytest.raises(RemoteError):
        fetch_actor(peer.uri("alice"))
    assert not Actor.objects.filter(local=False).exists()


def test_after_a_redirect_the_id_must_be_the_final_url(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    peer.routes["/@alice"] = redirect(peer.uri("alice"))
    actor = fetch_actor(f"{peer.base}/@alice")
    assert actor.uri == peer.uri("alice")

    # A redirect to a document that claims the address we first asked for.
    peer.routes["/users/bob"] = redirect(peer.uri("carol"))
    peer.routes["/users/carol"] = json_reply({**peer.actor("carol"), "id": peer.uri("bob")})
    with pytest.raises(RemoteError, match="says it is"):
        fetch_document(peer.uri("bob"))


def test_our_own_and_blocked_uris_are_never_fetched(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    with pytest.raises(RemoteError, match="our own"):
        fetch_actor(f"{identity.site_url()}/ap/coops/anything")
    block_domain("remote.test")
    with pytest.raises(RemoteError, match="blocked"):
        fetch_actor(peer.uri("alice"))
    with pytest.raises(RemoteError, match="blocked"):
        key_owner(f"{peer.uri('alice')}#main-key")
    assert peer.server.requests == []


def test_a_blocked_actor_s_cached_row_is_not_used(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    fetch_actor(peer.uri("alice"))
    block_domain("remote.test")
    with pytest.raises(RemoteError, match="blocked"):
        fetch_actor(peer.uri("alice"))
    with pytest.raises(RemoteError, match="blocked"):
        key_owner(f"{peer.uri('alice')}#main-key")


def test_a_key_s_owner_is_the_actor_that_publishes_it(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    owner = key_owner(f"{peer.uri('alice')}#main-key")
    assert owner.uri == peer.uri("alice")
    assert owner.public_key_pem == KEY_A[1]
    with pytest.raises(RemoteError, match="does not publish the key"):
        key_owner(f"{peer.uri('alice')}#other-key")


def test_a_key_in_a_document_of_its_own_must_be_published_by_its_owner_too(peer):  # type: ignore[no-untyped-def]
    # Some servers give a key a document of its own, pointing to its owner.
    doc = peer.actor("alice")
    key_id = f"{peer.base}/keys/alice"
    doc["publicKey"]["id"] = key_id
    peer.routes["/users/alice"] = json_reply(doc)
    peer.routes["/keys/alice"] = json_reply(
        {"id": key_id, "owner": peer.uri("alice"), "publicKeyPem": KEY_A[1]}
    )
    assert key_owner(key_id).uri == peer.uri("alice")

    # A key document naming an owner that does not publish it proves nothing.
    peer.actor("bob")
    peer.routes["/keys/stolen"] = json_reply(
        {"id": f"{peer.base}/keys/stolen", "owner": peer.uri("bob"), "publicKeyPem": KEY_B[1]}
    )
    with pytest.raises(RemoteError):
        key_owner(f"{peer.base}/keys/stolen")


def test_a_handle_is_resolved_by_webfinger(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice", kind="Group", admission="open")
    domain = f"remote.test:{peer.server.port}"
    peer.routes["/.well-known/webfinger"] = json_reply(
        {
            "subject": f"acct:alice@{domain}",
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "href": f"{peer.base}/@alice"},
                {"rel": "self", "type": "application/activity+json", "href": peer.uri("alice")},
            ],
        },
        content_type="application/jrd+json",
    )
    actor = resolve_handle(f"@alice@{domain}")
    assert actor.uri == peer.uri("alice")
    assert actor.role == Actor.Role.NETWORK
    asked = peer.server.requests[0]
    assert asked.path == f"/.well-known/webfinger?resource=acct:alice@{domain}"
    assert resolve_handle(f"alice@{domain}").pk == actor.pk


def test_a_handle_without_an_activitypub_link_is_refused(peer):  # type: ignore[no-untyped-def]
    domain = f"remote.test:{peer.server.port}"
    peer.routes["/.well-known/webfinger"] = json_reply(
        {"links": [{"rel": "self", "type": "text/html", "href": f"{peer.base}/@x"}]}
    )
    with pytest.raises(RemoteError, match="no ActivityPub actor"):
        resolve_handle(f"x@{domain}")
    with pytest.raises(RemoteError, match="@name@domain"):
        resolve_handle("not-a-handle")
    with pytest.raises(RemoteError):
        resolve_handle(f"nobody@{domain}".replace(str(peer.server.port), "1"))


def test_the_document_is_stored_as_fetched(peer):  # type: ignore[no-untyped-def]
    doc = peer.actor("alice", kind="Group", skills=[{"slug": "python", "count": 3}])
    actor = fetch_actor(peer.uri("alice"))
    actor.refresh_from_db()
    assert actor.data == json.loads(json.dumps(doc))
