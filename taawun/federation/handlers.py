"""What a received activity does.

``handle`` is called by the inbox once the signature, the origin, the
replay and the block checks have passed, inside the transaction that
records the activity: raising InvalidInput refuses it and leaves nothing.

The rules every handler keeps:

- a server speaks only for its own things: an object's id must be on its
  author's origin, and only its author changes or deletes it;
- only what concerns us is kept: objects from actors our cooperatives
  follow, objects sent to one of our networks by one of its members, and
  what a network we take part in forwards (Announce);
- what a network forwards is not taken on trust: the inner object is
  fetched again from its own server, and a forwarded Delete counts only if
  that server says the object is gone;
- every piece of HTML is sanitised and every field cut to size
  (``taawun.federation.objects``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from taawun.errors import InvalidInput
from taawun.federation import identity, objects, publishing, safe_http
from taawun.federation.models import Actor, Flag, Follow, RemoteObject
from taawun.federation.remote_actors import (
    RemoteError,
    actor_from_document,
    checked_url,
    fetch_actor,
    fetch_document,
    same_origin,
    save_actor,
)

log = logging.getLogger(__name__)

ACTOR_TYPES = frozenset(kind.value for kind in Actor.Kind)
FLAG_TEXT_LENGTH = 5_000
FLAG_OBJECTS = 20
GONE = (404, 410)

Handler = Callable[[dict[str, Any], Actor, "Actor | None"], None]


def _decisions() -> ModuleType | None:
    """Network decisions (Question and answers) are handled by their own
    module when it is installed."""
    try:
        return import_module("taawun.federation.decisions")
    except ImportError:
        return None


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message)


# --- Follow, Accept, Reject, Undo ----------------------------------------------------------


def _follow(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    target_uri = objects.id_of(activity.get("object"))
    target = identity.local_actor_for_uri(target_uri) if target_uri else None
    if target is None or target.role not in (Actor.Role.COOPERATIVE, Actor.Role.NETWORK):
        raise _refuse(_("There is no cooperative or network here to follow at this address."))
    existing = Follow.objects.select_for_update().filter(follower=actor, followed=target).first()
    follow = existing or Follow(follower=actor, followed=target)
    follow.uri = activity["id"]
    if target.role == Actor.Role.COOPERATIVE:
        # A cooperative's public work is for anyone who wants to follow it.
        state = Follow.State.ACCEPTED
    else:
        network = target.network
        assert network is not None
        if actor.role != Actor.Role.COOPERATIVE:
            raise _refuse(_("Only a cooperative can join a network."))
        if existing is not None and existing.state == Follow.State.ACCEPTED:
            state = Follow.State.ACCEPTED  # asked again (its server forgot): confirm again
        elif existing is not None and existing.state == Follow.State.REJECTED:
            # Removed or refused before: the coordinators decide again,
            # whatever the admission rule.
            state = Follow.State.PENDING
        elif network.admission == "open":
            state = Follow.State.ACCEPTED
        else:
            state = Follow.State.PENDING
    follow = publishing.set_state(follow, state)
    if state == Follow.State.ACCEPTED:
        publishing.answer_follow(follow, accept=True)


def _our_follow(value: object, actor: Actor) -> Follow | None:
    """Our Follow of ``actor`` that an Accept or Reject answers: by its id,
    or by the embedded Follow's actor for servers that make up their own."""
    found = Follow.objects.filter(
        uri=objects.id_of(value) or "", followed=actor, follower__local=True
    ).first()
    if found is None and isinstance(value, dict) and value.get("type") == "Follow":
        follower = objects.id_of(value.get("actor"))
        found = Follow.objects.filter(
            follower__uri=follower or "", follower__local=True, followed=actor
        ).first()
    return found


def _answered(accepted: bool) -> Handler:
    def handle_answer(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
        follow = _our_follow(activity.get("object"), actor)
        if follow is None:
            return
        # A Reject after an Accept is the network removing our cooperative.
        publishing.set_state(follow, Follow.State.ACCEPTED if accepted else Follow.State.REJECTED)

    return handle_answer


def _undo(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    value = activity.get("object")
    if isinstance(value, dict) and value.get("type") != "Follow":
        return  # an Undo of a Like, an Announce...: nothing of it was kept
    found = Follow.objects.filter(uri=objects.id_of(value) or "", follower=actor).first()
    if found is None and isinstance(value, dict):
        followed = objects.id_of(value.get("object"))
        found = Follow.objects.filter(follower=actor, followed__uri=followed or "").first()
    if found is not None:
        found.delete()


# --- Create and Update ----------------------------------------------------------------------


def _check_authorship(doc: dict[str, Any], actor: Actor) -> str:
    """The object's id, if ``actor`` may speak for it: the id is on the
    actor's origin and the actor is who the object says it is by."""
    uri = checked_url(doc.get("id"))
    if uri is None:
        raise _refuse(_("The object has no valid id."))
    if not same_origin(uri, actor.uri):
        raise _refuse(_("An object can only come from its own server."))
    authors = objects.uris(doc.get("attributedTo"))
    if authors != [actor.uri]:
        raise _refuse(_("The object is not attributed to the actor who sent it."))
    return uri


def _concerns_us(actor: Actor, networks: list[str], via: Actor | None) -> bool:
    """Is an object of ``actor`` for us to keep? If a network we take part
    in forwarded it, if one of our actors follows its author, or if it is
    for a network hosted here of which its author is a member."""
    if via is not None:
        return True
    if Follow.objects.filter(
        followed=actor, follower__local=True, state=Follow.State.ACCEPTED
    ).exists():
        return True
    local_networks = [uri for uri in networks if identity.is_local(uri)]
    return Follow.objects.filter(
        follower=actor, followed__uri__in=local_networks, state=Follow.State.ACCEPTED
    ).exists()


def _is_our_question(uri: str | None) -> bool:
    return bool(uri) and identity.is_local(uri or "") and "/ap/questions/" in (uri or "")


def _take_object(
    doc: dict[str, Any], actor: Actor, *, via: Actor | None = None
) -> RemoteObject | None:
    """Keep (or update) an object ``actor`` created, if it concerns us."""
    raw_id = doc.get("id")
    if isinstance(raw_id, str) and identity.is_local(raw_id):
        return None  # one of ours, come back through a network: we have it
    uri = _check_authorship(doc, actor)
    existing = RemoteObject.objects.select_for_update().filter(uri=uri).first()
    if existing is not None and existing.actor_id != actor.pk:
        raise _refuse(_("Only the author of an object can change it."))
    if existing is not None and existing.deleted_at is not None:
        return None  # deleted: a late Update does not bring it back
    kind = objects.kind_of(doc)
    if kind is None:
        return None
    decisions = _decisions()
    if kind == RemoteObject.Kind.QUESTION and decisions is not None:
        found: RemoteObject | None = decisions.receive_question(doc, actor)
        return found
    in_reply_to = objects.id_of(doc.get("inReplyTo"))
    if kind == RemoteObject.Kind.NOTE and decisions is not None and _is_our_question(in_reply_to):
        decisions.receive_answer(doc, actor)
        return None
    audience = objects.audience_of(doc, author=actor)
    networks = audience[1]
    if existing is None and not _concerns_us(actor, networks, via):
        log.info("not kept: %s from %s concerns nobody here", uri, actor.uri)
        return None
    extra = [via.uri] if via is not None and via.role == Actor.Role.NETWORK else None
    return objects.remote_to_object(
        doc, actor, kind=kind, extra_networks=extra, audience=audience, locked=existing
    )


def _embedded(activity: dict[str, Any]) -> dict[str, Any]:
    value = activity.get("object")
    if not isinstance(value, dict):
        raise _refuse(_("The object must come inside the activity."))
    return value


def _relay(activity: dict[str, Any], actor: Actor, extra: list[str] | None = None) -> None:
    """A network hosted here forwards what a member elsewhere sent to it."""
    if actor.local or actor.role != Actor.Role.COOPERATIVE:
        return
    inner = activity.get("object")
    addresses = objects.addressed(activity)
    if isinstance(inner, dict):
        addresses += objects.addressed(inner)
    addresses += extra or []
    for network in objects.local_network_actors_addressed(addresses):
        if Follow.objects.filter(
            follower=actor, followed=network, state=Follow.State.ACCEPTED
        ).exists():
            publishing.relay_to_members(network, activity, actor)


def _create(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    if _take_object(_embedded(activity), actor) is not None:
        _relay(activity, actor)


def _refresh_actor(doc: dict[str, Any], actor: Actor) -> None:
    if doc.get("id") != actor.uri:
        raise _refuse(_("An actor can only update itself."))
    try:
        fresh = actor_from_document(doc)
    except RemoteError:
        raise _refuse(_("The actor's new description is not usable.")) from None
    save_actor(fresh)


def _update(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    doc = _embedded(activity)
    if doc.get("type") in ACTOR_TYPES:
        _refresh_actor(doc, actor)
        return
    if _take_object(doc, actor) is not None:
        _relay(activity, actor)


# --- Delete -------------------------------------------------------------------------------------


def _delete(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    uri = objects.id_of(activity.get("object"))
    if uri is None or checked_url(uri) is None:
        raise _refuse(_("The object has no valid id."))
    if not same_origin(uri, actor.uri):
        raise _refuse(_("An object can only be deleted from its own server."))
    if uri == actor.uri:
        # The actor is gone: it follows nobody here and nobody here follows it.
        Follow.objects.filter(Q(follower=actor) | Q(followed=actor)).delete()
        return
    remote = RemoteObject.objects.select_for_update().filter(uri=uri).first()
    if remote is None or remote.deleted_at is not None:
        return
    if remote.actor_id != actor.pk:
        raise _refuse(_("Only the author of an object can delete it."))
    networks = list(remote.networks)
    objects.tombstone(remote)
    _relay(activity, actor, extra=networks)


# --- Announce -----------------------------------------------------------------------------------


def _takes_part(network: Actor) -> bool:
    """Is ``network`` one of ours, or one a cooperative here is a member of?"""
    if network.role != Actor.Role.NETWORK:
        return False
    if network.local:
        return True
    return Follow.objects.filter(
        followed=network, follower__local=True, state=Follow.State.ACCEPTED
    ).exists()


def _fetch(uri: str | None) -> dict[str, Any]:
    if uri is None or checked_url(uri) is None:
        raise _refuse(_("The forwarded activity names no valid object."))
    try:
        return fetch_document(uri)
    except RemoteError as error:
        log.info("forwarded object %s not fetched: %s", uri, error.reason)
        raise _refuse(_("The forwarded object could not be fetched from its server.")) from None


def _gone_at_origin(uri: str) -> bool:
    """Does the object's own server say it is gone (404, 410, or a Tombstone)?"""
    key = identity.signing_key(identity.instance_actor())
    try:
        response = safe_http.request("GET", uri, sign_as=key, accept=identity.ACTIVITY_JSON)
    except safe_http.FetchRefused:
        return False
    if response.status in GONE:
        return True
    return response.status == 200 and b'"Tombstone"' in response.body


def _forwarded_delete(uri: str | None) -> None:
    remote = RemoteObject.objects.select_for_update().filter(uri=uri or "").first()
    if remote is None or remote.deleted_at is not None:
        return
    if _gone_at_origin(remote.uri):
        objects.tombstone(remote)


def _announce(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    if not _takes_part(actor):
        return  # a boost from elsewhere, or a network we are not in: nothing to keep
    inner = activity.get("object")
    if isinstance(inner, str):
        inner = _fetch(inner)
    if not isinstance(inner, dict):
        raise _refuse(_("The forwarded activity is not usable."))
    kind = inner.get("type")
    target = objects.id_of(inner.get("object"))
    if kind == "Delete":
        _forwarded_delete(target)
        return
    if kind not in ("Create", "Update"):
        return
    # The embedded copy could say anything: what counts is what the
    # object's own server serves, under the author it names.
    doc = _fetch(target)
    authors = objects.uris(doc.get("attributedTo"))
    sender = objects.id_of(inner.get("actor"))
    if len(authors) != 1 or (sender is not None and sender != authors[0]):
        raise _refuse(_("The forwarded object is not attributed to the actor who sent it."))
    if identity.is_local(authors[0]):
        return
    try:
        author = fetch_actor(authors[0])
    except RemoteError:
        raise _refuse(_("The forwarded object's author could not be fetched.")) from None
    _take_object(doc, author, via=actor)


# --- Flag ---------------------------------------------------------------------------------------


def _flag(activity: dict[str, Any], actor: Actor, recipient: Actor | None) -> None:
    flagged = [
        uri
        for uri in objects.uris(activity.get("object"))[:FLAG_OBJECTS]
        if checked_url(uri) is not None
    ]
    content = activity.get("content")
    text = content[:FLAG_TEXT_LENGTH] if isinstance(content, str) else ""
    Flag.objects.get_or_create(
        activity_uri=activity["id"],
        defaults={
            "actor": actor,
            "object_uris": flagged,
            "content": objects.sanitise_html(text),
        },
    )


HANDLERS: dict[str, Handler] = {
    "Follow": _follow,
    "Accept": _answered(True),
    "Reject": _answered(False),
    "Undo": _undo,
    "Create": _create,
    "Update": _update,
    "Delete": _delete,
    "Announce": _announce,
    "Flag": _flag,
}


def handle(activity: dict[str, Any], actor: Actor, *, recipient: Actor | None) -> None:
    """Do what a received, verified ``activity`` of ``actor`` says; an
    activity of a type we do not keep (Like, EmojiReact...) does nothing."""
    if objects.id_of(activity.get("actor")) != actor.uri:
        raise _refuse(_("The activity's actor is not who sent it."))
    if checked_url(activity.get("id")) is None:
        raise _refuse(_("The activity has no valid id."))
    kind = activity.get("type")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is not None:
        handler(activity, actor, recipient)
