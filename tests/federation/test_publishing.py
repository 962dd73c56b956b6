"""What our cooperatives send: articles, calls and events to exactly those
who may have them (Create, then Update, then Delete when no longer
shared), follows, requests to join networks here and elsewhere, and the
coordinators' answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from taawun.errors import InvalidInput, InvalidTransition
from taawun.federation import identity, publishing
from taawun.federation.models import Activity, Actor, Delivery, Follow
from taawun.knowledge import article_actions, call_actions, event_actions, skill_actions
from taawun.knowledge.models import Level
from taawun.membership import networks
from taawun.membership.models import NetworkMembership
from tests import factories
from tests.federation.test_handlers import hosted_network, member_of, remote, sent

pytestmark = pytest.mark.django_db


def write(coop, founder, visibility="network", **changes):  # type: ignore[no-untyped-def]
    values = {"title": "Mesh networks", "body": "How we *built* it.", "language": "en"}
    return article_actions.write_article(
        by=founder, coop=coop, visibility=visibility, **{**values, **changes}
    )


def edit(article, founder, **changes):  # type: ignore[no-untyped-def]
    values = {"title": article.title, "body": article.body, "visibility": article.visibility}
    return article_actions.edit_article(article, by=founder, **{**values, **changes})


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run what waits for the commit when the block ends, as a real commit would."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def world(coop):  # type: ignore[no-untyped-def]
    """Our cooperative is in a network hosted here (with a member elsewhere)
    and in a network elsewhere; someone elsewhere follows it, and a
    cooperative elsewhere that it has nothing to do with exists."""
    me = identity.coop_actor(coop)
    here = hosted_network("mesh")
    networks.join_network(coop, here)
    here_actor = identity.network_actor(here)
    member_there = remote("https://member.example/ap/coops/bakers")
    member_of(here_actor, member_there)
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    member_of(far_net, me)
    follower = remote("https://follower.example/ap/coops/readers")
    member_of(me, follower)
    stranger = remote("https://stranger.example/ap/coops/strangers")
    return {
        "me": me,
        "here": here_actor,
        "member_there": member_there,
        "far_net": far_net,
        "follower": follower,
        "stranger": stranger,
    }


def test_an_article_shared_with_the_network_reaches_the_network_s_members_and_not_others(
    coop, world
):  # type: ignore[no-untyped-def]
    plan = publishing.recipients(world["me"], "network", [world["here"], world["far_net"]])
    assert plan.inboxes == {world["far_net"].inbox}
    assert plan.announced == {world["here"]: {world["member_there"].shared_inbox}}
    everyone = plan.everyone()
    assert world["follower"].shared_inbox not in everyone
    assert world["stranger"].shared_inbox not in everyone

    activity = publishing.publish(write(coop, factories.founder_of(coop)))
    assert activity is not None and activity.type == "Create"
    assert activity.data["to"] == [world["here"].uri, world["far_net"].uri]
    assert sent("Create") == [(world["me"].uri, world["far_net"].inbox)]
    assert sent("Announce") == [(world["here"].uri, world["member_there"].shared_inbox)]
    announce = Activity.objects.get(type="Announce")
    assert announce.data["object"]["id"] == activity.uri
    assert not activity.public


def test_a_public_article_also_reaches_the_cooperative_s_followers(coop, world):  # type: ignore[no-untyped-def]
    activity = publishing.publish(write(coop, factories.founder_of(coop), "public"))
    assert activity is not None and activity.public
    assert activity.data["to"] == [identity.AS_PUBLIC]
    assert world["me"].followers in activity.data["cc"]
    assert sent("Create") == sorted(
        [
            (world["me"].uri, world["far_net"].inbox),
            (world["me"].uri, world["follower"].shared_inbox),
        ]
    )


def test_a_cooperative_only_article_is_never_published(coop, world, on_commit):  # type: ignore[no-untyped-def]
    with on_commit(execute=True):
        article = write(coop, factories.founder_of(coop), "cooperative")
    assert publishing.publish(article) is None
    assert not Activity.objects.filter(local=True, type__in=["Create", "Update"]).exists()
    assert not Delivery.objects.exists()


def test_saving_a_shared_article_publishes_it_once_after_the_commit(coop, world, on_commit):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    with on_commit(execute=True) as callbacks:
        article = write(coop, founder)
        assert not Activity.objects.filter(type="Create").exists()  # not before the commit
    assert callbacks  # the article is saved more than once: one Create all the same
    assert (
        Activity.objects.filter(type="Create", object_uri__endswith=str(article.public_id)).count()
        == 1
    )

    with on_commit(execute=True):
        edit(article, founder, body="How we built it, and why.")
    update = Activity.objects.get(type="Update")
    assert "and why" in update.data["object"]["content"]


def test_publishing_an_unchanged_article_again_sends_nothing(coop, world):  # type: ignore[no-untyped-def]
    article = write(coop, factories.founder_of(coop))
    assert publishing.publish(article) is not None
    assert publishing.publish(article) is None
    assert Activity.objects.filter(local=True, type__in=["Create", "Update"]).count() == 1


def test_making_a_shared_article_cooperative_only_sends_delete_to_those_who_had_it(
    coop, world, on_commit
):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    with on_commit(execute=True):
        article = write(coop, founder, "public")
    with on_commit(execute=True):
        edit(article, founder, visibility="cooperative")
    delete = Activity.objects.get(type="Delete")
    assert delete.data["object"]["type"] == "Tombstone"
    assert delete.data["object"]["id"] == identity.object_uri("article", article.public_id)
    assert {inbox for _actor, inbox in sent("Delete")} == {
        world["far_net"].inbox,
        world["follower"].shared_inbox,
        world["member_there"].shared_inbox,
    }
    # Once withdrawn, a later change of a cooperative-only article sends nothing.
    with on_commit(execute=True):
        edit(article, founder, body="Private notes now.")
    assert Activity.objects.filter(type__in=["Update", "Delete"]).count() == 1

    # Shared again: a new Create.
    with on_commit(execute=True):
        edit(article, founder, visibility="network")
    assert Activity.objects.filter(type="Create").count() == 2


def test_a_narrower_audience_reaches_those_who_had_the_wider_one(coop, world):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    article = write(coop, founder, "public")
    publishing.publish(article)
    publishing.publish(edit(article, founder, visibility="network"))
    update = Activity.objects.get(type="Update")
    assert update.data["to"] == [world["here"].uri, world["far_net"].uri]
    # The follower had a public copy: it is told the copy is now network-only.
    assert (world["me"].uri, world["follower"].shared_inbox) in sent("Update")


def test_a_call_is_published_with_its_skills(coop, world):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    skill = skill_actions.add_skill(by=founder, names={"en": "Networking", "ar": "الشبكات"})
    call = call_actions.post_call(
        by=founder,
        coop=coop,
        title="Wi-Fi mesh for a school",
        body="We need help.",
        terms="paid",
        needs=[(skill, Level.ADVANCED)],
        starts_on=date(2026, 3, 1),
    )
    activity = publishing.publish(call)
    assert activity is not None
    doc = activity.data["object"]
    assert doc["type"] == "Page"
    assert doc["taawun:call"]["skills"] == [
        {"slug": skill.slug, "nameMap": {"en": "Networking", "ar": "الشبكات"}, "level": 3}
    ]


def test_an_event_travels_as_an_event_and_calling_it_off_is_an_update(coop, world):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    starts = timezone.now() + timedelta(days=10)
    event = event_actions.announce_event(
        by=founder,
        coop=coop,
        title="Mesh meetup",
        body="Bring a router.",
        language="en",
        starts_at=starts,
        place="Cairo",
        visibility="network",
    )
    created = publishing.publish(event)
    assert created is not None and created.data["object"]["type"] == "Event"
    assert created.data["object"]["location"] == [{"type": "Place", "name": "Cairo"}]
    event_actions.call_off_event(event, by=founder)
    event.refresh_from_db()
    updated = publishing.publish(event)
    assert updated is not None and updated.type == "Update"
    assert updated.data["object"]["taawun:cancelled"] is True


# --- follows and networks ------------------------------------------------------------------


def test_following_a_cooperative_elsewhere_sends_a_follow_that_waits_for_its_answer(coop):  # type: ignore[no-untyped-def]
    target = remote("https://far.example/ap/coops/weavers")
    follow = publishing.follow(coop, target.uri)
    assert follow.state == Follow.State.PENDING
    me = identity.coop_actor(coop)
    assert sent("Follow") == [(me.uri, target.inbox)]
    assert Activity.objects.get(type="Follow").uri == follow.uri
    # Asking again while it waits sends the request again, under a new id.
    again = publishing.follow(coop, target.uri)
    assert again.pk == follow.pk and again.uri != follow.uri


def test_a_cooperative_cannot_follow_itself_nor_a_person(coop):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        publishing.follow(coop, identity.coop_uri(coop))
    person = remote("https://far.example/users/ann", role=Actor.Role.MEMBER, kind="Person")
    with pytest.raises(InvalidInput):
        publishing.follow(coop, person.uri)
    with pytest.raises(InvalidInput):
        publishing.follow(coop, "not an address")


def test_unfollowing_sends_undo_and_forgets_the_follow(coop):  # type: ignore[no-untyped-def]
    target = remote("https://far.example/ap/coops/weavers")
    publishing.follow(coop, target.uri)
    publishing.unfollow(coop, target)
    assert not Follow.objects.exists()
    undo = Activity.objects.get(type="Undo")
    assert undo.data["object"]["type"] == "Follow"
    assert sent("Undo") == [(identity.coop_uri(coop), target.inbox)]


def test_asking_to_join_an_open_network_here_joins_at_once(coop):  # type: ignore[no-untyped-def]
    network = hosted_network("open-net", admission="open")
    follow = publishing.ask_to_join(coop, f"@open-net@{identity.local_domain()}")
    assert follow.state == Follow.State.ACCEPTED
    assert NetworkMembership.objects.filter(network=network, cooperative=coop).exists()
    assert not Delivery.objects.exists()  # nothing travels between neighbours


def test_asking_to_join_a_network_here_with_approval_waits_for_a_coordinator(coop):  # type: ignore[no-untyped-def]
    network = hosted_network("careful", admission="approval")
    follow = publishing.ask_to_join(coop, identity.network_uri(network))
    assert follow.state == Follow.State.PENDING
    assert not NetworkMembership.objects.filter(network=network).exists()
    publishing.decide_join(follow, accept=True)
    assert NetworkMembership.objects.filter(network=network, cooperative=coop).exists()
    with pytest.raises(InvalidTransition):
        publishing.decide_join(follow, accept=False)


def test_a_cooperative_here_removed_from_an_open_network_must_be_approved_to_return(coop):  # type: ignore[no-untyped-def]
    network = hosted_network("open-net", admission="open")
    publishing.ask_to_join(coop, identity.network_uri(network))
    publishing.remove_member(network, identity.coop_actor(coop))
    assert not NetworkMembership.objects.filter(network=network).exists()
    again = publishing.ask_to_join(coop, identity.network_uri(network))
    assert again.state == Follow.State.PENDING
    assert not NetworkMembership.objects.filter(network=network).exists()


def test_asking_to_join_something_that_is_not_a_network_is_refused(coop):  # type: ignore[no-untyped-def]
    other = factories.cooperative()
    with pytest.raises(InvalidInput):
        publishing.ask_to_join(coop, identity.coop_uri(other))


def test_asking_to_join_a_network_elsewhere_sends_a_follow(coop):  # type: ignore[no-untyped-def]
    far_net = remote("https://nets.example/ap/networks/arab-tech", role=Actor.Role.NETWORK)
    follow = publishing.ask_to_join(coop, far_net.uri)
    assert follow.state == Follow.State.PENDING
    assert sent("Follow") == [(identity.coop_uri(coop), far_net.inbox)]
