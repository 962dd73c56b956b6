"""What a received activity does, once the inbox has checked it: follows and
requests to join our networks, answers to ours, objects kept (sanitised,
from their own origin and author only), tombstones, forwarding by networks
(fetched again from the origin, never trusted) and reports.

``handle`` is the unit here; other servers' actors are rows, as the inbox
would have stored them, and the servers a forwarded object is fetched from
are real HTTP servers on loopback."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from taawun.errors import InvalidInput
from taawun.federation import identity, objects, publishing
from taawun.federation.handlers import handle
from taawun.federation.models import Activity, Actor, Delivery, Flag, Follow, RemoteObject
from taawun.membership import networks
from taawun.membership.models import Network, NetworkMembership
from tests.federation.httpservers import Reply, json_reply
from tests.federation.peers import Peer

pytestmark = pytest.mark.django_db


PUBLIC = identity.AS_PUBLIC


# --- helpers shared with test_objects and test_publishing ------------------------------


def remote(uri: str, *, role: str = Actor.Role.COOPERATIVE, kind: str = Actor.Kind.GROUP) -> Actor:
    """Another server's actor, as the inbox stores it once its key checked out."""
    domain = identity.domain_of(uri)
    scheme = uri.split(":", 1)[0]
    return Actor.objects.create(
        uri=uri,
        local=False,
        domain=domain,
        role=role,
        kind=kind,
        username=uri.rstrip("/").rsplit("/", 1)[-1],
        inbox=f"{uri}/inbox",
        shared_inbox=f"{scheme}://{domain}/inbox",
        followers=f"{uri}/followers",
        fetched_at=timezone.now(),
    )


def hosted_network(slug: str = "mesh", admission: str = "approval") -> Network:
    network = networks.create_network(slug=slug, names={"en": "Mesh builders"})
    network.admission = admission
    network.save()
    return network


def member_of(network_actor: Actor, actor: Actor) -> Follow:
    """``actor`` is an accepted member of (or follower of) ``network_actor``."""
    return Follow.objects.create(
        follower=actor,
        followed=network_actor,
        state=Follow.State.ACCEPTED,
        uri=f"{actor.uri}/follows/{uuid.uuid4()}",
    )


def activity(kind: str, actor: Actor, obj: Any, **extra: Any) -> dict[str, Any]:
    base = actor.uri.split("/ap/")[0].split("/users/")[0]
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{base}/activities/{uuid.uuid4()}",
        "type": kind,
        "actor": actor.uri,
        "object": obj,
        **extra,
    }


def article(author: Actor, *, to: list[str], **extra: Any) -> dict[str, Any]:
    base = author.uri.split("/ap/")[0].split("/users/")[0]
    return {
        "id": f"{base}/articles/{uuid.uuid4()}",
        "type": "Article",
        "attributedTo": author.uri,
        "name": "Mesh networks for schools",
        "content": "<p>How we built it.</p>",
        "contentMap": {"en": "<p>How we built it.</p>"},
        "to": to,
        "cc": [],
        **extra,
    }


def sent(kind: str) -> list[tuple[str, str]]:
    """(actor URI, inbox) of each queued delivery of our activities of ``kind``."""
    return sorted(
        Delivery.objects.filter(activity__type=kind, activity__local=True).values_list(
            "activity__actor__uri", "inbox"
        )
    )


@pytest.fixture
def far_coop(db):  # type: ignore[no-untyped-def]
    return remote("https://far.example/ap/coops/weavers")


@pytest.fixture
def our_coop_actor(coop):  # type: ignore[no-untyped-def]
    return identity.coop_actor(coop)


# --- Follow -------------------------------------------------------------------------------


def test_following_our_cooperative_is_accepted_at_once(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    handle(activity("Follow", far_coop, our_coop_actor.uri), far_coop, recipient=our_coop_actor)
    follow = Follow.objects.get(follower=far_coop, followed=our_coop_actor)
    assert follow.state == Follow.State.ACCEPTED
    assert sent("Accept") == [(our_coop_actor.uri, far_coop.inbox)]
    accept = Activity.objects.get(type="Accept", local=True)
    assert accept.data["object"]["id"] == follow.uri


def test_a_network_with_open_admission_accepts_a_cooperative_at_once(far_coop):  # type: ignore[no-untyped-def]
    net = identity.network_actor(hosted_network(admission="open"))
    handle(activity("Follow", far_coop, net.uri), far_coop, recipient=net)
    assert Follow.objects.get(follower=far_coop, followed=net).state == Follow.State.ACCEPTED
    assert sent("Accept") == [(net.uri, far_coop.inbox)]


def test_with_approval_a_request_to_join_waits_for_the_coordinators(far_coop):  # type: ignore[no-untyped-def]
    net = identity.network_actor(hosted_network(admission="approval"))
    handle(activity("Follow", far_coop, net.uri), far_coop, recipient=net)
    follow = Follow.objects.get(follower=far_coop, followed=net)
    assert follow.state == Follow.State.PENDING
    assert sent("Accept") == []

    publishing.decide_join(follow, accept=True)
    assert Follow.objects.get(pk=follow.pk).state == Follow.State.ACCEPTED
    assert sent("Accept") == [(net.uri, far_coop.inbox)]


def test_a_refused_request_is_answered_with_reject(far_coop):  # type: ignore[no-untyped-def]
    net = identity.network_actor(hosted_network(admission="approval"))
    handle(activity("Follow", far_coop, net.uri), far_coop, recipient=net)
    publishing.decide_join(Follow.objects.get(follower=far_coop), accept=False)
    assert Follow.objects.get(follower=far_coop).state == Follow.State.REJECTED
    assert sent("Reject") == [(net.uri, far_coop.inbox)]


def test_a_removed_cooperative_asking_again_is_not_taken_back_even_by_an_open_network(far_coop):  # type: ignore[no-untyped-def]
    network = hosted_network(admission="open")
    net = identity.network_actor(network)
    handle(activity("Follow", far_coop, net.uri), far_coop, recipient=net)
    publishing.remove_member(network, far_coop)
    assert sent("Reject") == [(net.uri, far_coop.inbox)]

    handle(activity("Follow", far_coop, net.uri), far_coop, recipient=net)
    assert Follow.objects.get(follower=far_coop).state == Follow.State.PENDING
    assert len(sent("Accept")) == 1  # only the first time


def test_only_a_cooperative_can_join_a_network(db):  # type: ignore[no-untyped-def]
    net = identity.network_actor(hosted_network(admission="open"))
    person = remote("https://far.example/users/ann", role=Actor.Role.MEMBER, kind="Person")
    with pytest.raises(InvalidInput):
        handle(activity("Follow", person, net.uri), person, recipient=net)
    assert not Follow.objects.exists()


def test_a_follow_of_someone_not_here_is_refused(far_coop):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        handle(
            activity("Follow", far_coop, identity.site_url() + "/ap/coops/nobody"),
            far_coop,
            recipient=None,
        )


# --- Accept, Reject, Undo ---------------------------------------------------------------------


def test_an_accept_makes_our_cooperative_a_member_and_a_later_reject_removes_it(
    coop, our_coop_actor
):  # type: ignore[no-untyped-def]
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    follow = Follow.objects.create(
        follower=our_coop_actor, followed=far_net, uri=identity.activity_uri(uuid.uuid4())
    )
    handle(activity("Accept", far_net, follow.uri), far_net, recipient=our_coop_actor)
    assert Follow.objects.get(pk=follow.pk).state == Follow.State.ACCEPTED

    embedded = {"id": "https://nets.example/their-own-id", "type": "Follow"}
    embedded["actor"] = our_coop_actor.uri
    handle(activity("Reject", far_net, embedded), far_net, recipient=our_coop_actor)
    assert Follow.objects.get(pk=follow.pk).state == Follow.State.REJECTED


def test_an_accept_from_someone_else_changes_nothing(coop, our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    follow = Follow.objects.create(
        follower=our_coop_actor, followed=far_net, uri=identity.activity_uri(uuid.uuid4())
    )
    handle(activity("Accept", far_coop, follow.uri), far_coop, recipient=our_coop_actor)
    assert Follow.objects.get(pk=follow.pk).state == Follow.State.PENDING


def test_undo_removes_that_actor_s_follow_only(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    other = remote("https://other.example/ap/coops/bakers")
    mine = member_of(our_coop_actor, far_coop)
    theirs = member_of(our_coop_actor, other)
    handle(activity("Undo", other, {"id": mine.uri, "type": "Follow"}), other, recipient=None)
    assert Follow.objects.filter(pk=mine.pk).exists()
    handle(activity("Undo", far_coop, {"id": mine.uri, "type": "Follow"}), far_coop, recipient=None)
    assert not Follow.objects.filter(pk=mine.pk).exists()
    assert Follow.objects.filter(pk=theirs.pk).exists()


# --- Create, Update, Delete --------------------------------------------------------------------


def test_an_article_from_a_followed_cooperative_is_kept_with_its_html_sanitised(
    our_coop_actor, far_coop
):  # type: ignore[no-untyped-def]
    Follow.objects.create(
        follower=our_coop_actor, followed=far_coop, state=Follow.State.ACCEPTED, uri="urn:x:1"
    )
    dirty = (
        '<p onclick="steal()">Hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">x</a><img src="https://far.example/a.png" onerror="e()">'
    )
    doc = article(far_coop, to=[PUBLIC], content=dirty, contentMap={"ar": dirty})
    handle(activity("Create", far_coop, doc), far_coop, recipient=None)
    kept = RemoteObject.objects.get(uri=doc["id"])
    assert (kept.kind, kept.audience, kept.language, kept.actor) == (
        "article",
        "public",
        "ar",
        far_coop,
    )
    for unsafe in ("<script", "onclick", "onerror", "javascript:", "alert(1)"):
        assert unsafe not in kept.content
    assert "Hi" in kept.content and 'src="https://far.example/a.png"' in kept.content
    assert "content" not in kept.data and "contentMap" not in kept.data


def test_an_article_from_someone_nobody_here_follows_is_not_kept(far_coop):  # type: ignore[no-untyped-def]
    doc = article(far_coop, to=[PUBLIC])
    handle(activity("Create", far_coop, doc), far_coop, recipient=None)
    assert not RemoteObject.objects.exists()


def test_an_object_from_another_origin_or_author_is_refused(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    member_of(far_coop, our_coop_actor)
    elsewhere = article(far_coop, to=[PUBLIC], id="https://evil.example/articles/1")
    with pytest.raises(InvalidInput):
        handle(activity("Create", far_coop, elsewhere), far_coop, recipient=None)
    someone_else = article(far_coop, to=[PUBLIC], attributedTo="https://far.example/ap/coops/x")
    with pytest.raises(InvalidInput):
        handle(activity("Create", far_coop, someone_else), far_coop, recipient=None)
    assert not RemoteObject.objects.exists()


def test_an_article_for_a_network_is_kept_with_that_network(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    network = hosted_network()
    net = identity.network_actor(network)
    member_of(net, far_coop)
    doc = article(far_coop, to=[net.uri])
    handle(activity("Create", far_coop, doc, to=[net.uri]), far_coop, recipient=net)
    kept = RemoteObject.objects.get(uri=doc["id"])
    assert (kept.audience, kept.networks) == ("network", [net.uri])


def test_a_call_from_elsewhere_keeps_its_skills_checked(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    member_of(far_coop, our_coop_actor)
    doc = article(far_coop, to=[PUBLIC], type="Page")
    doc["taawun:call"] = {
        "terms": "paid",
        "skills": [
            {"slug": "networking", "nameMap": {"en": "Networking"}, "level": 3},
            {"slug": "<b>rust</b>", "level": 99},
            "junk",
        ],
    }
    handle(activity("Create", far_coop, doc), far_coop, recipient=None)
    kept = RemoteObject.objects.get(uri=doc["id"])
    assert kept.kind == "call"
    assert kept.data["taawun:call"] == {
        "terms": "paid",
        "state": "open",
        "skills": [
            {"slug": "networking", "nameMap": {"en": "Networking"}, "level": 3},
            {"slug": "rust", "nameMap": {}, "level": 4},
        ],
    }


def test_an_update_changes_the_object_but_only_from_its_author_on_its_origin(
    our_coop_actor, far_coop
):  # type: ignore[no-untyped-def]
    member_of(far_coop, our_coop_actor)
    doc = article(far_coop, to=[PUBLIC])
    handle(activity("Create", far_coop, doc), far_coop, recipient=None)

    handle(activity("Update", far_coop, {**doc, "name": "Better title"}), far_coop, recipient=None)
    assert RemoteObject.objects.get(uri=doc["id"]).name == "Better title"

    same_server = remote("https://far.example/ap/coops/other")
    with pytest.raises(InvalidInput):
        forged = {**doc, "name": "Forged", "attributedTo": same_server.uri}
        handle(activity("Update", same_server, forged), same_server, recipient=None)
    other_origin = remote("https://evil.example/ap/coops/weavers")
    with pytest.raises(InvalidInput):
        forged = {**doc, "name": "Forged", "attributedTo": other_origin.uri}
        handle(activity("Update", other_origin, forged), other_origin, recipient=None)
    assert RemoteObject.objects.get(uri=doc["id"]).name == "Better title"


def test_an_update_of_an_actor_refreshes_it_and_only_itself(far_coop):  # type: ignore[no-untyped-def]
    document = {
        "id": far_coop.uri,
        "type": "Group",
        "preferredUsername": "weavers",
        "name": "Weavers' Cooperative",
        "summary": "<p>We weave<script>x()</script></p>",
        "inbox": far_coop.inbox,
    }
    handle(activity("Update", far_coop, document), far_coop, recipient=None)
    far_coop.refresh_from_db()
    assert far_coop.name == "Weavers' Cooperative"
    assert "script" not in far_coop.summary
    with pytest.raises(InvalidInput):
        handle(
            activity("Update", far_coop, {**document, "id": "https://far.example/ap/coops/x"}),
            far_coop,
            recipient=None,
        )


def test_a_delete_leaves_a_tombstone(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    member_of(far_coop, our_coop_actor)
    doc = article(far_coop, to=[PUBLIC])
    handle(activity("Create", far_coop, doc), far_coop, recipient=None)
    handle(
        activity("Delete", far_coop, {"id": doc["id"], "type": "Tombstone"}),
        far_coop,
        recipient=None,
    )
    kept = RemoteObject.objects.get(uri=doc["id"])
    assert kept.deleted_at is not None
    assert (kept.name, kept.content, kept.data["type"]) == ("", "", "Tombstone")
    # A late Update does not bring it back.
    handle(activity("Update", far_coop, doc), far_coop, recipient=None)
    assert RemoteObject.objects.get(uri=doc["id"]).content == ""


def test_a_delete_from_another_origin_is_refused(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    member_of(far_coop, our_coop_actor)
    doc = article(far_coop, to=[PUBLIC])
    handle(activity("Create", far_coop, doc), far_coop, recipient=None)
    evil = remote("https://evil.example/ap/coops/weavers")
    with pytest.raises(InvalidInput):
        handle(activity("Delete", evil, doc["id"]), evil, recipient=None)
    assert RemoteObject.objects.get(uri=doc["id"]).deleted_at is None


def test_when_an_actor_is_deleted_its_follows_go(our_coop_actor, far_coop):  # type: ignore[no-untyped-def]
    member_of(our_coop_actor, far_coop)
    member_of(far_coop, our_coop_actor)
    handle(activity("Delete", far_coop, far_coop.uri), far_coop, recipient=None)
    assert not Follow.objects.exists()


# --- our network forwards its members' activities ------------------------------------------


def test_our_network_forwards_a_member_s_article_to_its_other_members_only(db):  # type: ignore[no-untyped-def]
    network = hosted_network()
    net = identity.network_actor(network)
    sender = remote("https://a.example/ap/coops/weavers")
    other_member = remote("https://b.example/ap/coops/bakers")
    outsider = remote("https://c.example/ap/coops/outsiders")
    member_of(net, sender)
    member_of(net, other_member)
    member_of(sender, outsider)  # follows the sender, is not in the network
    doc = article(sender, to=[net.uri])
    create = activity("Create", sender, doc, to=[net.uri])
    handle(create, sender, recipient=net)

    assert sent("Announce") == [(net.uri, other_member.shared_inbox)]
    announce = Activity.objects.get(type="Announce", local=True)
    assert announce.data["object"] == create  # forwarded unchanged, same id
    assert not announce.public


def test_a_non_member_cannot_make_our_network_forward_anything(db):  # type: ignore[no-untyped-def]
    net = identity.network_actor(hosted_network())
    member_of(net, remote("https://b.example/ap/coops/bakers"))
    stranger = remote("https://a.example/ap/coops/weavers")
    doc = article(stranger, to=[net.uri])
    handle(activity("Create", stranger, doc, to=[net.uri]), stranger, recipient=net)
    assert sent("Announce") == []
    assert not RemoteObject.objects.exists()


# --- Announce from a network elsewhere ----------------------------------------------------------


@pytest.fixture
def far_network(coop, peer):  # type: ignore[no-untyped-def]
    """A network elsewhere that our cooperative is an accepted member of."""
    net = remote("http://nets.test/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    member_of(net, identity.coop_actor(coop))
    return net


def _served_article(peer: Peer, author_uri: str, net: Actor, content: str) -> dict[str, Any]:
    doc = {
        "@context": identity.AS_CONTEXT,
        "id": f"{peer.base}/articles/1",
        "type": "Article",
        "attributedTo": author_uri,
        "name": "The real title",
        "content": content,
        "to": [net.uri],
    }
    peer.routes["/articles/1"] = json_reply(doc)
    return doc


def test_an_announced_object_is_fetched_from_its_origin_not_trusted(peer, far_network):  # type: ignore[no-untyped-def]
    author = peer.actor("weavers", kind="Group")
    real = _served_article(peer, author["id"], far_network, "<p>The real text</p>")
    forged = {**real, "name": "Forged", "content": "<p>Send money here</p>"}
    create = {
        "id": f"{peer.base}/activities/1",
        "type": "Create",
        "actor": author["id"],
        "object": forged,
    }
    handle(activity("Announce", far_network, create), far_network, recipient=None)

    kept = RemoteObject.objects.get(uri=real["id"])
    assert (kept.name, kept.content) == ("The real title", "<p>The real text</p>")
    assert (kept.audience, kept.networks) == ("network", [far_network.uri])
    assert kept.actor.uri == author["id"]
    assert "/articles/1" in peer.fetches()


def test_an_announced_object_attributed_to_someone_else_is_refused(peer, far_network):  # type: ignore[no-untyped-def]
    author = peer.actor("weavers", kind="Group")
    real = _served_article(peer, author["id"], far_network, "<p>Text</p>")
    create = {
        "id": f"{peer.base}/activities/1",
        "type": "Create",
        "actor": peer.uri("mallory"),
        "object": real["id"],
    }
    with pytest.raises(InvalidInput):
        handle(activity("Announce", far_network, create), far_network, recipient=None)
    assert not RemoteObject.objects.exists()


def test_an_announce_from_a_network_we_are_not_in_is_ignored(peer, coop):  # type: ignore[no-untyped-def]
    stranger_net = remote("http://nets.test/ap/networks/other", role=Actor.Role.NETWORK)
    author = peer.actor("weavers", kind="Group")
    real = _served_article(peer, author["id"], stranger_net, "<p>Text</p>")
    create = {"id": f"{peer.base}/a/1", "type": "Create", "actor": author["id"], "object": real}
    handle(activity("Announce", stranger_net, create), stranger_net, recipient=None)
    assert not RemoteObject.objects.exists()
    assert peer.fetches() == []


def test_an_announced_delete_counts_only_when_the_origin_says_it_is_gone(peer, far_network):  # type: ignore[no-untyped-def]
    author_doc = peer.actor("weavers", kind="Group")
    real = _served_article(peer, author_doc["id"], far_network, "<p>Text</p>")
    create = {"id": f"{peer.base}/a/1", "type": "Create", "actor": author_doc["id"], "object": real}
    handle(activity("Announce", far_network, create), far_network, recipient=None)
    delete = {"id": f"{peer.base}/a/2", "type": "Delete", "actor": author_doc["id"]}
    delete["object"] = real["id"]

    handle(activity("Announce", far_network, delete), far_network, recipient=None)
    assert RemoteObject.objects.get(uri=real["id"]).deleted_at is None  # still served

    peer.routes["/articles/1"] = Reply(status=410)
    handle(activity("Announce", far_network, delete), far_network, recipient=None)
    assert RemoteObject.objects.get(uri=real["id"]).deleted_at is not None


# --- Flag ---------------------------------------------------------------------------------------


def test_a_report_is_stored_with_its_text_sanitised(far_coop, coop):  # type: ignore[no-untyped-def]
    flagged = identity.object_uri("article", uuid.uuid4())
    report = activity(
        "Flag", far_coop, [identity.coop_uri(coop), flagged], content="Spam<script>x()</script>"
    )
    handle(report, far_coop, recipient=None)
    flag = Flag.objects.get()
    assert flag.object_uris == [identity.coop_uri(coop), flagged]
    assert flag.content == "Spam"
    assert flag.actor == far_coop


def test_an_activity_in_someone_else_s_name_is_refused(far_coop, our_coop_actor):  # type: ignore[no-untyped-def]
    other = remote("https://other.example/ap/coops/bakers")
    with pytest.raises(InvalidInput):
        handle(activity("Follow", other, our_coop_actor.uri), far_coop, recipient=None)


def test_local_members_of_a_network_are_not_touched_by_remote_follows(coop, far_coop):  # type: ignore[no-untyped-def]
    network = hosted_network(admission="open")
    networks.join_network(coop, network)
    net = identity.network_actor(network)
    handle(activity("Follow", far_coop, net.uri), far_coop, recipient=net)
    assert NetworkMembership.objects.filter(network=network).count() == 1


# --- Who an object is for ---------------------------------------------------------------------


def test_a_post_to_the_public_and_its_authors_followers_looks_up_no_network(
    django_assert_num_queries,
):  # type: ignore[no-untyped-def]
    author = remote("https://coop.example/ap/coops/weavers")
    remote("https://nets.example/ap/networks/mesh", role=Actor.Role.NETWORK)
    doc = {"to": [identity.AS_PUBLIC], "cc": [author.followers]}
    with django_assert_num_queries(0):
        assert objects.audience_of(doc, author=author) == ("public", [])


def test_a_network_writing_to_its_own_followers_writes_for_that_network():  # type: ignore[no-untyped-def]
    network = remote("https://nets.example/ap/networks/mesh", role=Actor.Role.NETWORK)
    doc = {"to": [network.followers]}
    assert objects.audience_of(doc, author=network) == ("network", [network.uri])


def test_a_cooperative_writing_to_a_known_networks_followers_writes_for_that_network():  # type: ignore[no-untyped-def]
    author = remote("https://coop.example/ap/coops/weavers")
    network = remote("https://nets.example/ap/networks/mesh", role=Actor.Role.NETWORK)
    doc = {"to": [identity.AS_PUBLIC], "cc": [author.followers, network.followers]}
    assert objects.audience_of(doc, author=author) == ("public", [network.uri])
    assert objects.audience_of({"to": [network.uri]}, author=author) == ("network", [network.uri])
