"""Our things as ActivityStreams documents (addressed by their visibility,
served only to those who may have them), other servers' objects as kept
(sanitised, fields checked), and what a member may read of them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from taawun.federation import identity, objects
from taawun.federation.models import Actor, RemoteObject
from taawun.federation.signatures import SigningKey, sign_request
from taawun.knowledge import article_actions, call_actions, skill_actions
from taawun.knowledge.models import Level
from taawun.membership import networks
from tests import factories
from tests.federation.httpservers import json_reply
from tests.federation.peers import KEY_A
from tests.federation.test_handlers import hosted_network, member_of, remote

pytestmark = pytest.mark.django_db


def write(coop, visibility="network", **changes):  # type: ignore[no-untyped-def]
    values = {"title": "Mesh networks", "body": "How we *built* it.", "language": "ar"}
    return article_actions.write_article(
        by=factories.founder_of(coop), coop=coop, visibility=visibility, **{**values, **changes}
    )


def signed_get(client: Client, path: str, actor: Actor, private_pem: str) -> Any:
    key = SigningKey(key_id=actor.key_id, private_key_pem=private_pem)
    headers = sign_request(
        "GET", f"http://testserver{path}", {"Accept": identity.ACTIVITY_JSON}, None, key
    )
    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    return client.get(path, **extra)


def keyed(uri: str) -> Actor:
    """An actor elsewhere whose key we hold (as if fetched a moment ago)."""
    actor = remote(uri)
    actor.key_id = f"{uri}#main-key"
    actor.public_key_pem = KEY_A[1]
    actor.save()
    return actor


# --- our documents -----------------------------------------------------------------------


def test_a_public_article_is_addressed_to_everyone_with_followers_and_networks_in_copy(coop):  # type: ignore[no-untyped-def]
    here = hosted_network("mesh")
    networks.join_network(coop, here)
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    member_of(far_net, identity.coop_actor(coop))
    article = write(coop, "public", tags="mesh, wifi")
    doc = objects.article_document(article)
    assert doc is not None
    assert doc["id"] == identity.object_uri("article", article.public_id)
    assert doc["attributedTo"] == identity.coop_uri(coop)
    assert doc["to"] == [identity.AS_PUBLIC]
    assert doc["cc"] == [
        identity.coop_actor(coop).followers,
        identity.network_uri(here),
        far_net.uri,
    ]
    assert doc["content"] == "<p>How we <em>built</em> it.</p>"
    assert doc["contentMap"] == {"ar": doc["content"]}
    assert doc["url"].endswith(f"/coops/{coop.slug}/knowledge/{article.slug}/")
    assert {tag["name"] for tag in doc["tag"]} == {"#mesh", "#wifi"}
    assert doc["published"].endswith("Z")


def test_a_network_article_is_addressed_to_the_networks_only(coop):  # type: ignore[no-untyped-def]
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    member_of(far_net, identity.coop_actor(coop))
    pending = remote("https://nets.example/ap/networks/not-yet", role=Actor.Role.NETWORK)
    follow = member_of(pending, identity.coop_actor(coop))
    follow.state = "pending"
    follow.save()
    doc = objects.article_document(write(coop, "network"))
    assert doc is not None
    assert (doc["to"], doc["cc"]) == ([far_net.uri], [])


def test_a_cooperative_only_article_has_no_document(coop):  # type: ignore[no-untyped-def]
    assert objects.article_document(write(coop, "cooperative")) is None


def test_a_call_carries_its_skills_with_the_least_level_of_each(coop):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    mesh = skill_actions.add_skill(by=founder, names={"en": "Mesh", "ar": "الشبكات المتشابكة"})
    rust = skill_actions.add_skill(by=founder, names={"en": "Rust"})
    call = call_actions.post_call(
        by=founder,
        coop=coop,
        title="Wi-Fi mesh for a school",
        body="We need <script>help</script>.",
        terms="volunteer",
        needs=[(mesh, Level.ADVANCED), (rust, Level.BEGINNER)],
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 5, 1),
        visibility="public",
    )
    doc = objects.call_document(call)
    assert doc is not None
    assert doc["type"] == "Page"
    assert doc["taawun:call"] == {
        "terms": "volunteer",
        "state": "open",
        "skills": sorted(
            [
                {"slug": mesh.slug, "nameMap": mesh.names, "level": 3},
                {"slug": rust.slug, "nameMap": rust.names, "level": 1},
            ],
            key=lambda s: s["slug"],
        ),
    }
    assert (doc["startTime"], doc["endTime"]) == ("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    assert "<script" not in doc["content"]


# --- serving them ---------------------------------------------------------------------------


def test_a_public_article_is_served_as_json_and_a_browser_goes_to_its_page(client, coop):  # type: ignore[no-untyped-def]
    article = write(coop, "public")
    path = f"/ap/articles/{article.public_id}"
    response = client.get(path, HTTP_ACCEPT=identity.ACTIVITY_JSON)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/activity+json")
    assert response.json()["name"] == "Mesh networks"
    browser = client.get(path, HTTP_ACCEPT="text/html")
    assert browser.status_code == 302
    assert browser["Location"].endswith(f"/knowledge/{article.slug}/")


def test_a_cooperative_only_article_and_an_unknown_id_are_not_found(client, coop):  # type: ignore[no-untyped-def]
    article = write(coop, "cooperative")
    assert client.get(f"/ap/articles/{article.public_id}").status_code == 404
    assert client.get(f"/ap/articles/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/ap/events/{uuid.uuid4()}").status_code == 404


def test_a_network_article_is_served_only_to_a_server_hosting_a_member(client, coop):  # type: ignore[no-untyped-def]
    here = hosted_network("mesh")
    networks.join_network(coop, here)
    member = keyed("https://member.example/ap/coops/bakers")
    member_of(identity.network_actor(here), member)
    outsider = keyed("https://outsider.example/ap/coops/strangers")
    article = write(coop, "network")
    path = f"/ap/articles/{article.public_id}"

    assert client.get(path, HTTP_ACCEPT=identity.ACTIVITY_JSON).status_code == 404
    assert client.get(path, HTTP_ACCEPT="text/html").status_code == 404
    assert signed_get(client, path, outsider, KEY_A[0]).status_code == 404
    served = signed_get(client, path, member, KEY_A[0])
    assert served.status_code == 200
    assert served.json()["to"] == [identity.network_uri(here)]


def test_a_network_elsewhere_is_asked_for_its_members_before_serving_them(client, coop, peer):  # type: ignore[no-untyped-def]
    far_net = remote(f"{peer.base}/networks/arab-tech", role=Actor.Role.NETWORK)
    member_of(far_net, identity.coop_actor(coop))
    peer.routes["/networks/arab-tech/followers"] = json_reply(
        {
            "id": f"{peer.base}/networks/arab-tech/followers",
            "type": "OrderedCollection",
            "first": f"{peer.base}/networks/arab-tech/followers?page=1",
        }
    )
    peer.routes["/networks/arab-tech/followers?page=1"] = json_reply(
        {
            "id": f"{peer.base}/networks/arab-tech/followers?page=1",
            "type": "OrderedCollectionPage",
            "orderedItems": ["https://member.example/ap/coops/bakers", identity.coop_uri(coop)],
        }
    )
    member = keyed("https://member.example/ap/coops/bakers")
    outsider = keyed("https://outsider.example/ap/coops/strangers")
    article = write(coop, "network")
    path = f"/ap/articles/{article.public_id}"
    assert signed_get(client, path, member, KEY_A[0]).status_code == 200
    assert signed_get(client, path, outsider, KEY_A[0]).status_code == 404
    # The members were read once, then remembered for a while.
    assert peer.fetches().count("/networks/arab-tech/followers") == 1


# --- objects from elsewhere ------------------------------------------------------------------


@given(st.text(max_size=200))
def test_sanitised_html_never_keeps_a_script_or_an_event_handler(text):  # type: ignore[no-untyped-def]
    html = (
        f'<p onmouseover="x()">{text}</p><script>{text}</script><a href="javascript:{text}">a</a>'
    )
    clean = objects.sanitise_html(html).lower()
    assert "<script" not in clean
    assert "onmouseover" not in clean
    assert "javascript:" not in clean


def test_names_are_plain_text_and_fields_are_cut_to_size(db):  # type: ignore[no-untyped-def]
    author = remote("https://far.example/ap/coops/weavers")
    doc = {
        "id": "https://far.example/articles/1",
        "type": "Article",
        "attributedTo": author.uri,
        "name": "<b>Bold</b> title " + "x" * 500,
        "contentMap": {"fr": "<p>Bonjour</p>"},
        "url": [{"type": "Link", "href": "javascript:alert(1)"}, "https://far.example/a/1"],
        "published": "2026-01-02T03:04:05Z",
        "to": ["https://far.example/ap/coops/weavers/followers"],
    }
    kept = objects.remote_to_object(doc, author, kind="article")
    assert kept.name.startswith("Bold title") and len(kept.name) == objects.NAME_LENGTH
    assert (kept.content, kept.language) == ("<p>Bonjour</p>", "fr")
    assert kept.url == "https://far.example/a/1"
    assert kept.published.isoformat() == "2026-01-02T03:04:05+00:00"
    assert kept.audience == "followers"


def test_an_object_too_long_is_refused(db):  # type: ignore[no-untyped-def]
    from taawun.errors import InvalidInput

    author = remote("https://far.example/ap/coops/weavers")
    doc = {"id": "https://far.example/a/1", "type": "Article", "attributedTo": author.uri}
    doc["content"] = "x" * (objects.MAX_HTML + 1)
    with pytest.raises(InvalidInput):
        objects.remote_to_object(doc, author, kind="article")


def test_a_call_with_odd_skills_keeps_only_what_makes_sense():
    assert objects.call_data(
        {
            "terms": "barter",
            "state": "done",
            "skills": [{"slug": "go", "level": True}, {"slug": ""}, {"slug": "c", "level": -3}],
        }
    ) == {
        "terms": "",
        "state": "open",
        "skills": [
            {"slug": "go", "nameMap": {}, "level": 1},
            {"slug": "c", "nameMap": {}, "level": 1},
        ],
    }


# --- what a member reads -------------------------------------------------------------------------


def _kept(author: Actor, audience: str, networks_: list[str], **changes: Any) -> RemoteObject:
    return RemoteObject.objects.create(
        uri=f"{author.uri}/objects/{uuid.uuid4()}",
        kind="article",
        actor=author,
        audience=audience,
        networks=networks_,
        **changes,
    )


def test_a_member_reads_public_objects_and_those_of_their_networks_only(coop):  # type: ignore[no-untyped-def]
    here = hosted_network("mesh")
    networks.join_network(coop, here)
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    member_of(far_net, identity.coop_actor(coop))
    author = remote("https://far.example/ap/coops/weavers")
    public = _kept(author, "public", [])
    ours_here = _kept(author, "network", [identity.network_uri(here)])
    ours_there = _kept(author, "network", [far_net.uri])
    not_ours = _kept(author, "network", ["https://nets.example/ap/networks/other"])
    for_followers = _kept(author, "followers", [])
    _kept(author, "public", [], deleted_at=timezone.now())

    member = factories.founder_of(coop)
    assert set(objects.readable_remote(member)) == {public, ours_here, ours_there}
    member_of(author, identity.coop_actor(coop))  # now the cooperative follows the author
    assert for_followers in objects.readable_remote(member)
    assert not_ours not in objects.readable_remote(member)

    stranger = factories.member(factories.cooperative()).user
    assert set(objects.readable_remote(stranger)) == {public}
    assert set(objects.readable_remote(None)) == {public}
