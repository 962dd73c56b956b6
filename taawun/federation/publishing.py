"""What our cooperatives and networks send: follows, requests to join a
network and their answers, and the articles and calls they share.

These are actions without permission checks (the views check
``taawun.federation.rules`` first); they validate their input and write the
Activity row and its deliveries in one transaction. A recipient on this
instance gets nothing over HTTP: its instance is us, and the rows written
here are all it needs.

A thing is published as Create the first time, Update after each change
that changes its document, and Delete (a Tombstone) when it is made
cooperative-only or removed; publishing the same state twice sends
nothing, so a save signal that fires several times in one transaction is
harmless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.errors import InvalidInput, InvalidTransition, NotFound
from taawun.federation import delivery, identity, objects
from taawun.federation.models import Activity, Actor, Delivery, Follow
from taawun.knowledge.models import Visibility
from taawun.membership import networks as local_networks
from taawun.membership.models import Cooperative, Network, NetworkMembership

THING_VERBS = ("Create", "Update", "Delete")
FORMER_TYPES = {"article": "Article", "call": "Page", "event": "Event"}


# --- Activities -----------------------------------------------------------------------


def new_activity(
    kind: str,
    actor: Actor,
    obj: Any,
    *,
    to: list[str],
    cc: list[str] | None = None,
    public: bool = False,
    object_uri: str = "",
) -> Activity:
    """Record an activity of ours (its id is new); the caller queues its deliveries."""
    uri = _new_uri()
    data: dict[str, Any] = {
        "@context": identity.AS_CONTEXT,
        "id": uri,
        "type": kind,
        "actor": actor.uri,
        "published": objects.iso(timezone.now()),
        "to": to,
        "cc": cc or [],
        "object": obj,
    }
    return Activity.objects.create(
        uri=uri,
        type=kind,
        actor=actor,
        object_uri=object_uri or (objects.id_of(obj) or ""),
        local=True,
        public=public,
        data=data,
    )


def send(activity: Activity, inboxes: Any, signer: Actor) -> list[Delivery]:
    return delivery.enqueue(activity, sorted(set(inboxes)), signer)


def _new_uri() -> str:
    return identity.activity_uri(uuid.uuid4())


def _inbox(actor: Actor) -> str:
    return actor.inbox or actor.delivery_inbox


# --- Finding an actor ---------------------------------------------------------------------


def _local_by_name(name: str) -> Actor | None:
    if coop := Cooperative.objects.filter(slug=name).first():
        return identity.coop_actor(coop)
    if network := Network.objects.filter(slug=name).first():
        return identity.network_actor(network)
    return None


def find_actor(handle_or_uri: str) -> Actor:
    """The actor ``@name@domain`` or an actor URI names, ours or elsewhere."""
    from taawun.federation.remote_actors import RemoteError, fetch_actor, resolve_handle

    text = (handle_or_uri or "").strip()
    found: Actor | None
    try:
        if text.startswith(("http://", "https://")):
            found = (
                identity.local_actor_for_uri(text) if identity.is_local(text) else fetch_actor(text)
            )
        elif "@" in text.lstrip("@"):
            name, _sep, domain = text.removeprefix("acct:").lstrip("@").partition("@")
            if domain.lower() == identity.local_domain():
                found = _local_by_name(name)
            else:
                found = resolve_handle(text)
        else:
            raise InvalidInput(
                _("Give an address such as @name@example.org, or the link to it."),
                field="handle",
            )
    except RemoteError:
        raise InvalidInput(
            _("We could not reach this address, or it is not a cooperative or a network."),
            field="handle",
        ) from None
    if found is None:
        raise NotFound(_("There is no cooperative or network at this address."))
    return found


# --- Follows and networks ------------------------------------------------------------------


def _follow_object(follow: Follow) -> dict[str, Any]:
    return {
        "id": follow.uri,
        "type": "Follow",
        "actor": follow.follower.uri,
        "object": follow.followed.uri,
    }


def answer_follow(follow: Follow, *, accept: bool) -> Activity | None:
    """Send the follower our Accept or Reject of its Follow (nothing to send
    when the follower is here)."""
    follower, followed = follow.follower, follow.followed
    if follower.local:
        return None
    activity = new_activity(
        "Accept" if accept else "Reject",
        followed,
        _follow_object(follow),
        to=[follower.uri],
        object_uri=follow.uri,
    )
    send(activity, [_inbox(follower)], followed)
    return activity


def set_state(follow: Follow, state: str) -> Follow:
    """Save ``follow`` in ``state`` (answered now, unless it waits again)."""
    follow.state = state
    follow.decided_at = timezone.now() if state != Follow.State.PENDING else None
    follow.save()
    return follow


def _join_local(coop: Cooperative, network_actor: Actor) -> Follow:
    """A cooperative here asks to join a network hosted here: its admission
    rule decides, as for a cooperative elsewhere."""
    network = network_actor.network
    assert network is not None
    me = identity.coop_actor(coop)
    follow = Follow.objects.select_for_update().filter(follower=me, followed=network_actor).first()
    member = NetworkMembership.objects.filter(network=network, cooperative=coop).exists()
    if follow is None:
        follow = Follow(follower=me, followed=network_actor, uri=_new_uri())
    if member:
        return set_state(follow, Follow.State.ACCEPTED)
    if follow.state == Follow.State.ACCEPTED and follow.pk is not None:
        # Its membership row went (it left): asking again is a new request.
        follow.state = Follow.State.PENDING
    removed = follow.pk is not None and follow.state == Follow.State.REJECTED
    if network.admission == "open" and not removed:
        local_networks.join_network(coop, network)
        return set_state(follow, Follow.State.ACCEPTED)
    return set_state(follow, Follow.State.PENDING)


@transaction.atomic
def follow_actor(coop: Cooperative, target: Actor) -> Follow:
    """Our cooperative follows ``target``; following a network is asking to join it."""
    me = identity.coop_actor(coop)
    if target.pk == me.pk:
        raise InvalidInput(_("A cooperative cannot follow itself."), field="handle")
    if target.role not in (Actor.Role.COOPERATIVE, Actor.Role.NETWORK):
        raise InvalidInput(_("Only cooperatives and networks can be followed."), field="handle")
    if target.local and target.role == Actor.Role.NETWORK:
        return _join_local(coop, target)
    existing = Follow.objects.select_for_update().filter(follower=me, followed=target).first()
    if existing is not None and existing.state == Follow.State.ACCEPTED:
        return existing
    follow = existing or Follow(follower=me, followed=target)
    follow.uri = _new_uri()
    if target.local:
        # Both here: nothing travels, and a cooperative accepts every follower.
        return set_state(follow, Follow.State.ACCEPTED)
    follow = set_state(follow, Follow.State.PENDING)
    activity = Activity.objects.create(
        uri=follow.uri,
        type="Follow",
        actor=me,
        object_uri=target.uri,
        local=True,
        data={
            "@context": identity.AS_CONTEXT,
            "id": follow.uri,
            "type": "Follow",
            "actor": me.uri,
            "object": target.uri,
            "to": [target.uri],
        },
    )
    send(activity, [_inbox(target)], me)
    return follow


def follow(coop: Cooperative, handle_or_uri: str) -> Follow:
    return follow_actor(coop, find_actor(handle_or_uri))


def ask_to_join(coop: Cooperative, network_handle_or_uri: str) -> Follow:
    target = find_actor(network_handle_or_uri)
    if target.role != Actor.Role.NETWORK:
        raise InvalidInput(_("This address is not a network of cooperatives."), field="handle")
    return follow_actor(coop, target)


@transaction.atomic
def unfollow(coop: Cooperative, actor: Actor) -> None:
    """Stop following ``actor``; for a network, leave it."""
    me = identity.coop_actor(coop)
    found = Follow.objects.select_for_update().filter(follower=me, followed=actor).first()
    if actor.local and actor.network is not None:
        local_networks.leave_network(coop, actor.network)
    if found is None:
        if actor.local and actor.network is not None:
            return
        raise NotFound(_("This cooperative does not follow that one."))
    if not actor.local:
        activity = new_activity(
            "Undo", me, _follow_object(found), to=[actor.uri], object_uri=found.uri
        )
        send(activity, [_inbox(actor)], me)
    found.delete()


@transaction.atomic
def decide_join(follow: Follow, *, accept: bool) -> Follow:
    """A coordinator accepts or refuses a cooperative's request to join a
    network hosted here."""
    follow = (
        Follow.objects.select_for_update().select_related("follower", "followed").get(pk=follow.pk)
    )
    network = follow.followed.network
    if not follow.followed.local or network is None:
        raise InvalidInput(_("This is not a request to join one of our networks."))
    if follow.state != Follow.State.PENDING:
        raise InvalidTransition(_("This request has already been answered."))
    follow = set_state(follow, Follow.State.ACCEPTED if accept else Follow.State.REJECTED)
    coop = follow.follower.cooperative
    if follow.follower.local and coop is not None:
        if accept:
            local_networks.join_network(coop, network)
        return follow
    answer_follow(follow, accept=accept)
    return follow


@transaction.atomic
def remove_member(network: Network, coop_actor: Actor) -> Follow:
    """The network removes a member cooperative; it may ask again, and then
    its coordinators decide (an open network does not take it back by itself)."""
    network_actor = identity.network_actor(network)
    follow = (
        Follow.objects.select_for_update()
        .filter(follower=coop_actor, followed=network_actor)
        .first()
    )
    if coop_actor.local and coop_actor.cooperative is not None:
        if not NetworkMembership.objects.filter(
            network=network, cooperative=coop_actor.cooperative
        ).exists() and (follow is None or follow.state != Follow.State.ACCEPTED):
            raise NotFound(_("This cooperative is not a member of the network."))
        local_networks.leave_network(coop_actor.cooperative, network)
        follow = follow or Follow(follower=coop_actor, followed=network_actor, uri=_new_uri())
        return set_state(follow, Follow.State.REJECTED)
    if follow is None or follow.state != Follow.State.ACCEPTED:
        raise NotFound(_("This cooperative is not a member of the network."))
    follow = set_state(follow, Follow.State.REJECTED)
    answer_follow(follow, accept=False)
    return follow


# --- Articles and calls ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Where a thing goes: the inboxes the cooperative delivers to itself,
    and, for each network hosted here, its members elsewhere, to whom the
    network forwards it (Announce)."""

    inboxes: frozenset[str] = frozenset()
    announced: dict[Actor, frozenset[str]] = field(default_factory=dict)

    def everyone(self) -> frozenset[str]:
        found = set(self.inboxes)
        for inboxes in self.announced.values():
            found |= inboxes
        return frozenset(found)


def recipients(coop_actor: Actor, visibility: str, networks: list[Actor]) -> Recipients:
    """Who receives a thing of ``coop_actor`` with ``visibility``: for a
    public one, its followers elsewhere and its networks; for a network-wide
    one, its networks only (a follower outside them gets nothing)."""
    if visibility not in (Visibility.PUBLIC, Visibility.NETWORK):
        return Recipients()
    inboxes: set[str] = set()
    if visibility == Visibility.PUBLIC:
        inboxes |= set(delivery.follower_inboxes(coop_actor))
    announced: dict[Actor, frozenset[str]] = {}
    for network in networks:
        if network.local:
            announced[network] = frozenset(delivery.follower_inboxes(network))
        else:
            inboxes.add(_inbox(network))
    return Recipients(frozenset(inboxes), announced)


def announce(
    network_actor: Actor, inner: dict[str, Any], inboxes: Any, *, public: bool
) -> Activity | None:
    """A network hosted here forwards an activity (unchanged, same id) to
    its members elsewhere."""
    wanted = sorted(set(inboxes))
    if not wanted:
        return None
    activity = new_activity(
        "Announce",
        network_actor,
        inner,
        to=[network_actor.followers],
        cc=[identity.AS_PUBLIC] if public else [],
        public=public,
        object_uri=str(inner.get("id", "")),
    )
    send(activity, wanted, network_actor)
    return activity


def relay_to_members(network_actor: Actor, inner: dict[str, Any], sender: Actor) -> Activity | None:
    """A member elsewhere sent our network something for the network: the
    network forwards it to its other members elsewhere (not back to the
    sender's server, which has it)."""
    follows = Follow.objects.filter(
        followed=network_actor, state=Follow.State.ACCEPTED, follower__local=False
    ).exclude(follower__domain=sender.domain)
    inboxes = delivery.delivery_inboxes(f.follower for f in follows.select_related("follower"))
    public = bool(objects.PUBLIC_ADDRESSES & set(objects.addressed(inner)))
    return announce(network_actor, inner, inboxes, public=public)


def _earlier_inboxes(coop_actor: Actor, uri: str) -> set[str]:
    """Every inbox a thing went to before, directly or forwarded by our networks."""
    earlier = Activity.objects.filter(actor=coop_actor, local=True, object_uri=uri)
    return set(
        Delivery.objects.filter(
            Q(activity__in=earlier)
            | Q(
                activity__type="Announce",
                activity__local=True,
                activity__object_uri__in=earlier.values("uri"),
            )
        ).values_list("inbox", flat=True)
    )


def _same_document(a: dict[str, Any], b: dict[str, Any]) -> bool:
    # A call has no time of change: its "updated" is not what tells.
    return {k: v for k, v in a.items() if k != "updated"} == {
        k: v for k, v in b.items() if k != "updated"
    }


def _last_published(coop_actor: Actor, uri: str) -> Activity | None:
    return (
        Activity.objects.filter(actor=coop_actor, local=True, object_uri=uri, type__in=THING_VERBS)
        .order_by("-id")
        .first()
    )


def _send_thing(
    activity: Activity, plan: Recipients, more: set[str], coop_actor: Actor
) -> Activity:
    send(activity, plan.inboxes | more, coop_actor)
    for network_actor, inboxes in plan.announced.items():
        announce(network_actor, activity.data, inboxes - plan.inboxes, public=activity.public)
    return activity


def _delete(coop_actor: Actor, kind: str, uri: str, last: Activity) -> Activity:
    last_object = last.data.get("object") or {}
    tomb = {
        "id": uri,
        "type": "Tombstone",
        "formerType": FORMER_TYPES[kind],
        "deleted": objects.iso(timezone.now()),
    }
    activity = new_activity(
        "Delete",
        coop_actor,
        tomb,
        to=list(last_object.get("to") or []),
        cc=list(last_object.get("cc") or []),
        public=last.public,
        object_uri=uri,
    )
    send(activity, _earlier_inboxes(coop_actor, uri), coop_actor)
    return activity


@transaction.atomic
def publish(thing: objects.Thing) -> Activity | None:
    """Send the current state of an article, a call or an event to whoever should
    have it: Create, Update, Delete, or nothing if they have it already."""
    kind = objects.kind_of_thing(thing)
    coop_actor = identity.coop_actor(thing.cooperative)
    uri = identity.object_uri(kind, thing.public_id)
    last = _last_published(coop_actor, uri)
    live = last is not None and last.type != "Delete"
    doc = objects.document_for(thing)
    if doc is None:
        return _delete(coop_actor, kind, uri, last) if live and last is not None else None
    if live and last is not None and _same_document(last.data.get("object") or {}, doc):
        return None
    if live and not hasattr(thing, "updated_at"):
        # A call keeps no time of change: the Update itself is the time.
        doc["updated"] = objects.iso(timezone.now())
    public = thing.visibility == Visibility.PUBLIC
    activity = new_activity(
        "Update" if live else "Create",
        coop_actor,
        doc,
        to=doc["to"],
        cc=doc["cc"],
        public=public,
        object_uri=uri,
    )
    networks = objects.coop_networks(thing.cooperative)
    plan = recipients(coop_actor, thing.visibility, networks)
    # An Update also reaches those who had the earlier version, so that a
    # narrower audience is applied where copies are kept.
    earlier = _earlier_inboxes(coop_actor, uri) if live else set()
    return _send_thing(activity, plan, earlier, coop_actor)


publish_article = publish
publish_call = publish
publish_event = publish


@transaction.atomic
def withdraw(thing: objects.Thing) -> Activity | None:
    """The thing is gone (or no longer shared): Delete, if it ever went out."""
    kind = objects.kind_of_thing(thing)
    coop_actor = identity.coop_actor(thing.cooperative)
    uri = identity.object_uri(kind, thing.public_id)
    last = _last_published(coop_actor, uri)
    if last is None or last.type == "Delete":
        return None
    return _delete(coop_actor, kind, uri, last)


def was_published(thing: objects.Thing) -> bool:
    """Did this thing ever go out (so that a change may have to withdraw it)?"""
    uri = identity.object_uri(objects.kind_of_thing(thing), thing.public_id)
    return Activity.objects.filter(local=True, object_uri=uri, type__in=THING_VERBS).exists()
