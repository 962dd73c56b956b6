"""Discovery: other servers find our cooperatives and networks by WebFinger,
read what the instance is by NodeInfo, and fetch our actors' documents and
collections."""

from __future__ import annotations

import json

import pytest

from taawun.federation import identity
from taawun.federation.models import Activity, Actor, Follow
from taawun.membership.networks import create_network, join_network
from tests import factories

pytestmark = pytest.mark.django_db

AP = {"HTTP_ACCEPT": "application/activity+json"}


def _json(response):  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def test_webfinger_finds_a_cooperative_by_its_handle(client, coop):  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/webfinger", {"resource": f"acct:{coop.slug}@testserver"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jrd+json")
    doc = _json(response)
    assert doc["subject"] == f"acct:{coop.slug}@testserver"
    self_link = next(link for link in doc["links"] if link["rel"] == "self")
    assert self_link["type"] == "application/activity+json"
    assert self_link["href"] == f"http://testserver/ap/coops/{coop.slug}"


def test_webfinger_finds_a_network_and_the_instance(client, db):  # type: ignore[no-untyped-def]
    create_network(slug="arab-coops", names={"en": "Arab coops"})
    found = _json(client.get("/.well-known/webfinger", {"resource": "acct:arab-coops@testserver"}))
    assert found["links"][0]["href"] == "http://testserver/ap/networks/arab-coops"
    server = _json(client.get("/.well-known/webfinger", {"resource": "acct:testserver@testserver"}))
    assert server["links"][0]["href"] == "http://testserver/ap/actor"


@pytest.mark.parametrize(
    "resource",
    ["acct:nobody@testserver", "acct:someone@elsewhere.example", "https://elsewhere.example/x"],
)
def test_webfinger_does_not_invent_accounts(client, coop, resource):  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/webfinger", {"resource": resource})
    assert response.status_code == 404
    assert not Actor.objects.exists()


def test_webfinger_without_a_resource_says_what_is_missing(client, db):  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/webfinger", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 400
    assert "resource" in _json(response)["error"]


def test_nodeinfo_says_taawun_speaks_activitypub(client, coop):  # type: ignore[no-untyped-def]
    links = _json(client.get("/.well-known/nodeinfo"))["links"]
    assert links[0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    info = _json(client.get("/nodeinfo/2.1"))
    assert info["version"] == "2.1"
    assert info["software"]["name"] == "taawun"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] == 1
    assert info["metadata"]["cooperatives"] == 1


def test_a_cooperative_is_a_group_with_its_key_inbox_and_skills(client, coop):  # type: ignore[no-untyped-def]
    doc = _json(client.get(f"/ap/coops/{coop.slug}", **AP))
    assert doc["type"] == "Group"
    assert doc["id"] == f"http://testserver/ap/coops/{coop.slug}"
    assert doc["inbox"] == doc["id"] + "/inbox"
    assert doc["endpoints"]["sharedInbox"] == "http://testserver/ap/inbox"
    assert doc["publicKey"]["id"] == doc["id"] + "#main-key"
    assert doc["publicKey"]["owner"] == doc["id"]
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert doc["nameMap"]["ar"] == "تعاونية الاختبار"
    assert doc["location"]["countryCode"] == "EG"
    assert doc["skills"] == [] and doc["services"] == []
    # The private key never leaves the server.
    assert "PRIVATE" not in json.dumps(doc)


def test_the_actor_keeps_its_key_across_fetches(client, coop):  # type: ignore[no-untyped-def]
    first = _json(client.get(f"/ap/coops/{coop.slug}", **AP))["publicKey"]["publicKeyPem"]
    second = _json(client.get(f"/ap/coops/{coop.slug}", **AP))["publicKey"]["publicKeyPem"]
    assert first == second
    assert Actor.objects.filter(cooperative=coop).count() == 1


def test_a_browser_asking_for_the_actor_is_sent_to_the_page(client, coop):  # type: ignore[no-untyped-def]
    response = client.get(f"/ap/coops/{coop.slug}", HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/coops/{coop.slug}/"


def test_a_network_says_how_cooperatives_join(client, db):  # type: ignore[no-untyped-def]
    create_network(slug="open-net", names={"en": "Open"})
    from taawun.membership.models import Network

    Network.objects.filter(slug="open-net").update(admission="open")
    doc = _json(client.get("/ap/networks/open-net", **AP))
    assert doc["type"] == "Group"
    assert doc["admission"] == "open"
    assert doc["manuallyApprovesFollowers"] is False


def test_unknown_actors_and_people_who_share_nothing_are_not_found(client, coop):  # type: ignore[no-untyped-def]
    assert client.get("/ap/coops/nobody", **AP).status_code == 404
    assert client.get("/ap/networks/nobody", **AP).status_code == 404
    founder = factories.founder_of(coop)
    # Enumerating numbers reveals nobody whose work has not travelled.
    assert client.get(f"/ap/people/{founder.pk}", **AP).status_code == 404
    identity.person_actor(founder)
    doc = _json(client.get(f"/ap/people/{founder.pk}", **AP))
    assert doc["type"] == "Person"


def test_the_outbox_pages_public_activities_newest_first(client, coop):  # type: ignore[no-untyped-def]
    actor = identity.coop_actor(coop)
    for n in range(25):
        Activity.objects.create(
            uri=f"http://testserver/ap/activities/{n:08d}-0000-0000-0000-000000000000",
            type="Create",
            actor=actor,
            local=True,
            public=True,
            data={"id": f"activity-{n}", "type": "Create"},
        )
    Activity.objects.create(
        uri="http://testserver/ap/activities/private",
        type="Create",
        actor=actor,
        local=True,
        public=False,
        data={"id": "private", "type": "Create"},
    )
    outbox = _json(client.get(actor.outbox, **AP))
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 25
    first = _json(client.get(outbox["first"], **AP))
    assert first["type"] == "OrderedCollectionPage"
    assert [item["id"] for item in first["orderedItems"]][:2] == ["activity-24", "activity-23"]
    assert len(first["orderedItems"]) == 20
    second = _json(client.get(first["next"], **AP))
    assert [item["id"] for item in second["orderedItems"]][-1] == "activity-0"
    assert "next" not in second
    assert all(item["id"] != "private" for item in first["orderedItems"] + second["orderedItems"])


def test_followers_list_only_accepted_follows(client, coop):  # type: ignore[no-untyped-def]
    actor = identity.coop_actor(coop)
    for n, state in enumerate([Follow.State.ACCEPTED, Follow.State.PENDING]):
        remote = Actor.objects.create(
            uri=f"https://elsewhere.example/ap/coops/c{n}",
            kind=Actor.Kind.GROUP,
            role=Actor.Role.COOPERATIVE,
            domain="elsewhere.example",
            inbox=f"https://elsewhere.example/ap/coops/c{n}/inbox",
        )
        Follow.objects.create(follower=remote, followed=actor, state=state, uri=f"f{n}")
    followers = _json(client.get(actor.followers, **AP))
    assert followers["totalItems"] == 1
    page = _json(client.get(followers["first"], **AP))
    assert page["orderedItems"] == ["https://elsewhere.example/ap/coops/c0"]


def test_local_network_membership_does_not_need_federation_rows(coop):  # type: ignore[no-untyped-def]
    network = create_network(slug="local-net", names={"en": "Local"})
    join_network(coop, network)
    assert identity.network_actor(network).uri == "http://testserver/ap/networks/local-net"
