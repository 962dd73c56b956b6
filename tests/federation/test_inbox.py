"""The inbox: what another server POSTs is accepted only when it is signed
(target, host, date and body digest), recent, from the activity's own actor
on its own origin, from a server that is not blocked, not too large, and
new; anything else is refused and leaves no trace.

The sender's actor document is served by a real HTTP server on loopback
(remote.test); the signed POST goes through Django's test client."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from taawun.federation import identity
from taawun.federation.inbox import authenticated_actor
from taawun.federation.models import Activity, Actor, Delivery, Follow, RemoteObject
from taawun.federation.policy import allow_domain, block_domain
from taawun.federation.signatures import SigningKey, body_digest, sign_request
from tests.federation.httpservers import json_reply
from tests.federation.peers import KEY_A, KEY_B, Peer

pytestmark = pytest.mark.django_db

SHARED = "/ap/inbox"


def note_activity(sender: Peer, name: str = "alice", **changes: Any) -> dict[str, Any]:
    """A Create of a public Note by ``name`` on the peer."""
    actor = sender.uri(name)
    note_id = f"{sender.base}/notes/{uuid.uuid4()}"
    activity: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.base}/activities/{uuid.uuid4()}",
        "type": "Create",
        "actor": actor,
        "to": [identity.AS_PUBLIC],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor,
            "content": "<p>Hello</p>",
            "to": [identity.AS_PUBLIC],
        },
    }
    activity.update(changes)
    return activity


def post_signed(
    client: Client,
    activity: dict[str, Any] | None,
    key: SigningKey | None,
    *,
    path: str = SHARED,
    body: bytes | None = None,
    signed_body: bytes | None = None,
    now: datetime | None = None,
    drop: tuple[str, ...] = (),
) -> Any:
    """POST ``activity`` (or raw ``body``) signed with ``key`` as a server
    would: Host, Date, Digest and a draft-cavage Signature. ``signed_body``
    signs other bytes than those sent; ``drop`` leaves headers out."""
    sent = body if body is not None else json.dumps(activity).encode()
    headers: dict[str, str] = {"Content-Type": "application/activity+json"}
    if key is not None:
        to_sign = signed_body if signed_body is not None else sent
        headers = sign_request("POST", f"http://testserver{path}", headers, to_sign, key, now=now)
    extra = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in headers.items()
        if name.lower() != "content-type" and name.lower() not in drop
    }
    extra.setdefault("HTTP_HOST", "testserver")
    return client.generic("POST", path, sent, content_type="application/activity+json", **extra)


def rows() -> dict[str, int]:
    """Every row federation keeps about others."""
    return {
        model.__name__: model._default_manager.count()
        for model in (Actor, Activity, Follow, Delivery, RemoteObject)
    }


# --- refused, without a trace --------------------------------------------------


def test_unsigned_inbox_post_is_rejected_and_leaves_no_trace(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    before = rows()
    response = post_signed(client, note_activity(peer), None)
    assert response.status_code == 401
    assert "error" in response.json()
    assert rows() == before
    assert peer.server.requests == []  # not even the key was fetched


def test_a_badly_signed_post_is_rejected_and_the_sender_is_not_stored(client, peer):  # type: ignore[no-untyped-def]
    # Signed with another key than the one alice publishes.
    peer.actor("alice", KEY_A)
    before = rows()
    response = post_signed(client, note_activity(peer), peer.key("alice", KEY_B))
    assert response.status_code == 401
    assert rows() == before
    assert not Actor.objects.filter(uri=peer.uri("alice")).exists()


def test_a_signature_that_does_not_cover_the_digest_is_rejected(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    activity = note_activity(peer)
    body = json.dumps(activity).encode()
    # Signed as if there were no body: "(request-target) host date" only.
    headers = sign_request("POST", "http://testserver/ap/inbox", {}, None, peer.key("alice"))
    assert "digest" not in headers["Signature"]
    before = rows()
    response = client.generic(
        "POST",
        SHARED,
        body,
        content_type="application/activity+json",
        HTTP_HOST=headers["Host"],
        HTTP_DATE=headers["Date"],
        HTTP_DIGEST=body_digest(body),
        HTTP_SIGNATURE=headers["Signature"],
    )
    assert response.status_code == 401
    assert rows() == before
    assert peer.server.requests == []  # refused before any key fetch


def test_a_body_that_does_not_match_its_digest_is_rejected(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    activity = note_activity(peer)
    tampered = json.dumps({**activity, "type": "Delete"}).encode()
    before = rows()
    response = post_signed(
        client,
        None,
        peer.key("alice"),
        body=tampered,
        signed_body=json.dumps(activity).encode(),
    )
    assert response.status_code == 401
    assert rows() == before


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(hours=2)])
def test_a_date_outside_the_window_is_rejected(client, peer, offset):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    before = rows()
    response = post_signed(
        client, note_activity(peer), peer.key("alice"), now=datetime.now(UTC) + offset
    )
    assert response.status_code == 401
    assert rows() == before


def test_a_date_inside_a_narrower_window_setting_is_what_counts(client, peer, settings):  # type: ignore[no-untyped-def]
    settings.TAAWUN_FEDERATION_DATE_WINDOW = 60
    peer.actor("alice")
    late = datetime.now(UTC) - timedelta(minutes=5)
    assert post_signed(client, note_activity(peer), peer.key("alice"), now=late).status_code == 401


def test_the_key_must_belong_to_the_activity_s_actor(client, peer):  # type: ignore[no-untyped-def]
    # alice signs, correctly, an activity that says bob did it.
    peer.actor("alice")
    peer.actor("bob", KEY_B)
    before = rows()
    response = post_signed(client, note_activity(peer, "bob"), peer.key("alice"))
    assert response.status_code == 401
    assert rows() == before


def test_an_activity_id_on_another_origin_is_rejected(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    activity = note_activity(peer, id=f"https://victim.example/activities/{uuid.uuid4()}")
    before = rows()
    response = post_signed(client, activity, peer.key("alice"))
    assert response.status_code == 401
    assert rows() == before


def test_a_blocked_server_is_refused_and_nothing_is_fetched_from_it(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    block_domain("remote.test")
    before = rows()
    response = post_signed(client, note_activity(peer), peer.key("alice"))
    assert response.status_code == 403
    assert rows() == before
    assert peer.server.requests == []


def test_in_allowlist_only_mode_an_unlisted_server_is_refused(client, peer, settings):  # type: ignore[no-untyped-def]
    settings.TAAWUN_FEDERATION_ALLOWLIST_ONLY = True
    peer.actor("alice")
    assert post_signed(client, note_activity(peer), peer.key("alice")).status_code == 403
    assert peer.server.requests == []
    allow_domain("remote.test")
    assert post_signed(client, note_activity(peer), peer.key("alice")).status_code == 202


def test_a_body_over_one_megabyte_is_refused(client, peer, settings):  # type: ignore[no-untyped-def]
    assert settings.TAAWUN_FEDERATION_INBOX_MAX_BYTES == 1_000_000
    peer.actor("alice")
    activity = note_activity(peer, padding="x" * 1_000_000)
    before = rows()
    response = post_signed(client, activity, peer.key("alice"))
    assert response.status_code == 413
    assert rows() == before
    assert peer.server.requests == []


def test_a_body_just_under_the_limit_is_read(client, peer, settings):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    activity = note_activity(peer)
    body = json.dumps(activity).encode()
    settings.TAAWUN_FEDERATION_INBOX_MAX_BYTES = len(body)
    assert post_signed(client, activity, peer.key("alice")).status_code == 202
    settings.TAAWUN_FEDERATION_INBOX_MAX_BYTES = len(body) - 1
    assert post_signed(client, note_activity(peer), peer.key("alice")).status_code == 413


def test_a_sender_whose_document_is_not_what_it_claims_is_rejected(client, peer):  # type: ignore[no-untyped-def]
    # The document at alice's address says it is someone else's actor.
    peer.routes["/users/alice"] = json_reply(
        {**peer.actor("alice"), "id": "https://victim.example/users/alice"}
    )
    before = rows()
    response = post_signed(client, note_activity(peer), peer.key("alice"))
    assert response.status_code == 401
    assert rows() == before


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"type": "Create"}', b'{"id": 1, "type": "Create", "actor": "x"}'],
)
def test_a_signed_body_that_is_not_an_activity_is_refused(client, peer, body):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    before = rows()
    response = post_signed(client, None, peer.key("alice"), body=body)
    assert response.status_code == 400
    assert rows() == before


def test_an_inbox_of_nobody_here_is_not_found(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    before = rows()
    response = post_signed(
        client, note_activity(peer), peer.key("alice"), path="/ap/coops/no-such-coop/inbox"
    )
    assert response.status_code == 404
    assert rows() == before
    assert peer.server.requests == []


def test_get_on_an_inbox_is_not_allowed(client, db):  # type: ignore[no-untyped-def]
    assert client.get(SHARED).status_code == 405
    assert client.put(SHARED, b"{}").status_code == 405


# --- accepted -----------------------------------------------------------------


def test_a_signed_activity_is_recorded_with_its_sender(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice", kind="Group")
    activity = note_activity(peer)
    response = post_signed(client, activity, peer.key("alice"))
    assert response.status_code == 202
    recorded = Activity.objects.get(uri=activity["id"])
    assert (recorded.type, recorded.local, recorded.public) == ("Create", False, True)
    assert recorded.object_uri == activity["object"]["id"]
    assert recorded.data == activity
    sender = recorded.actor
    assert (sender.uri, sender.role, sender.public_key_pem) == (
        peer.uri("alice"),
        Actor.Role.COOPERATIVE,
        KEY_A[1],
    )
    assert peer.fetches() == ["/users/alice"]


def test_a_signed_activity_reaches_a_cooperative_s_own_inbox(client, peer, coop):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    activity = note_activity(peer)
    response = post_signed(client, activity, peer.key("alice"), path=f"/ap/coops/{coop.slug}/inbox")
    assert response.status_code == 202
    assert Activity.objects.filter(uri=activity["id"]).exists()


def test_an_activity_its_handler_refuses_leaves_nothing_behind(client, peer):  # type: ignore[no-untyped-def]
    # A Create of a note that lives on another server: the handler refuses
    # it, and the actor fetched for this request goes with it.
    peer.actor("alice")
    activity = note_activity(peer)
    activity["object"]["id"] = f"https://victim.example/notes/{uuid.uuid4()}"
    before = rows()
    response = post_signed(client, activity, peer.key("alice"))
    assert response.status_code == 400
    assert response.json()["error"]
    assert rows() == before
    # Refused is not processed: the same id, made right, is accepted later.
    activity["object"]["id"] = f"{peer.base}/notes/{uuid.uuid4()}"
    assert post_signed(client, activity, peer.key("alice")).status_code == 202
    assert Activity.objects.filter(uri=activity["id"]).exists()


def test_the_same_activity_twice_is_processed_once(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    activity = note_activity(peer)
    assert post_signed(client, activity, peer.key("alice")).status_code == 202
    after_first = rows()
    # Delivered again (a retry, or a replay within the date window).
    assert post_signed(client, activity, peer.key("alice")).status_code == 202
    assert rows() == after_first
    assert Activity.objects.filter(uri=activity["id"]).count() == 1


def test_the_sender_s_key_is_fetched_once_and_then_cached(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice")
    for _ in range(3):
        assert post_signed(client, note_activity(peer), peer.key("alice")).status_code == 202
    assert peer.fetches() == ["/users/alice"]


def test_a_rotated_key_is_fetched_again(client, peer):  # type: ignore[no-untyped-def]
    peer.actor("alice", KEY_A)
    assert post_signed(client, note_activity(peer), peer.key("alice", KEY_A)).status_code == 202
    peer.actor("alice", KEY_B)  # alice's server rotates her key

    # Our copy was just fetched: a failing signature does not make us fetch
    # again at once (else anyone could make us hammer alice's server).
    assert post_signed(client, note_activity(peer), peer.key("alice", KEY_B)).status_code == 401
    assert len(peer.fetches()) == 1

    # A little later, the failure makes us fetch her key anew, once.
    Actor.objects.filter(uri=peer.uri("alice")).update(
        fetched_at=timezone.now() - timedelta(minutes=5)
    )
    assert post_signed(client, note_activity(peer), peer.key("alice", KEY_B)).status_code == 202
    assert len(peer.fetches()) == 2
    assert Actor.objects.get(uri=peer.uri("alice")).public_key_pem == KEY_B[1]

    # The old key no longer works, and does not make us fetch again.
    Actor.objects.filter(uri=peer.uri("alice")).update(
        fetched_at=timezone.now() - timedelta(minutes=5)
    )
    assert post_signed(client, note_activity(peer), peer.key("alice", KEY_A)).status_code == 401
    assert len(peer.fetches()) == 3


# --- signed GETs ------------------------------------------------------------------


def _signed_get(path: str, key: SigningKey | None) -> Any:
    headers = {} if key is None else sign_request("GET", f"http://testserver{path}", {}, None, key)
    extra = {"HTTP_" + n.upper().replace("-", "_"): v for n, v in headers.items()}
    return RequestFactory().get(path, **extra)


def test_a_signed_get_names_its_signer(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice", kind="Group")
    path = f"/ap/articles/{uuid.uuid4()}"
    signer = authenticated_actor(_signed_get(path, peer.key("alice")))
    assert signer is not None
    assert signer.uri == peer.uri("alice")
    assert signer.pk is not None  # a proven actor is worth keeping


def test_an_unsigned_or_badly_signed_get_names_nobody(peer):  # type: ignore[no-untyped-def]
    peer.actor("alice", KEY_A)
    path = f"/ap/articles/{uuid.uuid4()}"
    assert authenticated_actor(_signed_get(path, None)) is None
    assert authenticated_actor(_signed_get(path, peer.key("alice", KEY_B))) is None
    assert not Actor.objects.filter(uri=peer.uri("alice")).exists()
    block_domain("remote.test")
    assert authenticated_actor(_signed_get(path, peer.key("alice", KEY_A))) is None
