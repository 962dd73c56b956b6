"""The inbox: every activity another server sends us comes through here.

The checks run cheapest first, and nothing is written until all have
passed, so that an unsigned or badly signed POST leaves no trace (no actor
row, no activity row, nothing):

1. the body is at most ``TAAWUN_FEDERATION_INBOX_MAX_BYTES`` (413);
2. the inbox belongs to an actor of ours (404);
3. the HTTP signature covers the request target, host, date and body
   digest, the date is within ``TAAWUN_FEDERATION_DATE_WINDOW``, and the
   key checks out (401); a cached key that fails is fetched again once, for
   servers that rotate keys;
4. the key's server is not blocked (403, and nothing is fetched from it);
5. the activity's ``actor`` is the key's owner and its ``id`` is on that
   actor's origin: a server speaks only for its own actors (401);
6. an activity id already processed is acknowledged and not processed
   again (replays and redeliveries);
7. then, in one transaction, the actor is stored, the activity recorded and
   handed to ``handlers.handle``; if the handler refuses it, nothing stays.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from taawun.errors import TaawunError
from taawun.federation import handlers, identity
from taawun.federation.models import URI_LENGTH, Activity, Actor
from taawun.federation.remote_actors import (
    Blocked,
    checked_url,
    key_owner,
    same_origin,
    save_actor,
)
from taawun.federation.signatures import SignatureError, verify_request
from taawun.membership.models import Cooperative, Network

log = logging.getLogger(__name__)

# A cached key that fails is fetched again only if our copy is at least this
# old: otherwise anyone could make us fetch a real server's actor over and
# over by sending requests with bad signatures in its name.
REFETCH_KEY_AFTER = timedelta(minutes=1)
TYPE_LENGTH = 30  # Activity.type
_PUBLIC = {identity.AS_PUBLIC, "as:Public", "Public"}


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _refuse(request: HttpRequest, status: int, message: str, reason: str) -> JsonResponse:
    log.info("inbox %s refused (%s): %s", request.path, status, reason)
    return _error(message, status)


class _KeyLookup:
    """The ``public_key_for`` of a signature check: finds the key's owner
    without saving anything, and remembers what it found and how."""

    def __init__(self, *, refresh: bool = False):
        self.refresh = refresh
        self.blocked = False
        self.owner: Actor | None = None
        self.fetched = False

    def __call__(self, key_id: str) -> str:
        started = timezone.now()
        try:
            # Refuses a blocked server before fetching anything from it.
            owner = key_owner(key_id, refresh=self.refresh, save=False)
        except Blocked:
            # The signature check turns this into a failure; the flag says why.
            self.blocked = True
            raise
        self.owner = owner
        # key_owner stamps what it fetches; a cached row keeps its older stamp.
        self.fetched = owner.fetched_at is not None and owner.fetched_at >= started
        return owner.public_key_pem


@dataclass(frozen=True)
class _Verified:
    owner: Actor | None
    """The key's owner, when the signature checks out."""
    fetched: bool = False
    """The owner was fetched for this request (and is to be saved with it)."""
    blocked: bool = False
    reason: str = ""


def _headers(request: HttpRequest) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


def _window() -> timedelta:
    return timedelta(seconds=getattr(settings, "TAAWUN_FEDERATION_DATE_WINDOW", 3600))


def _may_refetch(lookup: _KeyLookup) -> bool:
    cached = lookup.owner
    return (
        cached is not None
        and not lookup.fetched
        and cached.fetched_at is not None
        and timezone.now() - cached.fetched_at >= REFETCH_KEY_AFTER
    )


def _verify(request: HttpRequest, body: bytes | None) -> _Verified:
    """The request's signature, checked; a failure with a cached key tries
    once more with the key fetched anew, if our copy is old enough (the
    sender may have rotated its key)."""
    refresh = False
    while True:
        lookup = _KeyLookup(refresh=refresh)
        try:
            verify_request(
                request.method or "",
                request.get_full_path(),
                _headers(request),
                body,
                lookup,
                max_skew=_window(),
                require=True,
                scheme=request.scheme or "https",
            )
        except SignatureError as error:
            if lookup.blocked:
                return _Verified(None, blocked=True, reason="blocked")
            if refresh or not _may_refetch(lookup):
                return _Verified(None, reason=error.reason)
            refresh = True
            continue
        return _Verified(lookup.owner, fetched=lookup.fetched)


@dataclass(frozen=True)
class _Target:
    """Whose inbox a request is for: nobody's in particular (the shared
    inbox), or one of our actors, whose row may not exist yet."""

    exists: bool
    uri: str | None = None
    actor: Actor | None = None

    def recipient(self) -> Actor | None:
        if self.actor is not None or self.uri is None:
            return self.actor
        return identity.local_actor_for_uri(self.uri)


def _target(kwargs: dict[str, Any]) -> _Target:
    """Nothing is created here: our actor's row (and its keys) is made only
    once the request has proved itself."""
    kind, key = kwargs.get("kind"), kwargs.get("key")
    if kind is None:
        return _Target(True)
    uri = f"{identity.site_url()}/ap/{kind}/{key}"
    found = Actor.objects.filter(uri=uri, local=True).first()
    if found is not None:
        return _Target(True, uri, found)
    if kind == "coops":
        return _Target(Cooperative.objects.filter(slug=key).exists(), uri)
    if kind == "networks":
        return _Target(Network.objects.filter(slug=key).exists(), uri)
    # A person has an inbox once something of theirs has travelled (their
    # actor row exists), as their document does.
    return _Target(False, uri)


def _object_uri(activity: dict[str, Any]) -> str:
    value = activity.get("object")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and len(value) <= URI_LENGTH else ""


def _addressed_to_public(activity: dict[str, Any]) -> bool:
    for field in ("to", "cc"):
        value = activity.get(field)
        audience = value if isinstance(value, list) else [value]
        if any(isinstance(item, str) and item in _PUBLIC for item in audience):
            return True
    return False


def _is_activity(value: object) -> bool:
    """A JSON object with an http(s) ``id``, a short ``type`` and an ``actor``."""
    return (
        isinstance(value, dict)
        and checked_url(value.get("id")) is not None
        and isinstance(value.get("type"), str)
        and 0 < len(value["type"]) <= TYPE_LENGTH
        and isinstance(value.get("actor"), str)
    )


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """At most ``limit`` bytes of body, or None if there are more."""
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
@require_POST
def receive(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """The view behind /ap/inbox and every actor's /inbox."""
    limit = int(getattr(settings, "TAAWUN_FEDERATION_INBOX_MAX_BYTES", 1_000_000))
    too_large = _("This activity is too large.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        return _refuse(request, 400, _("This request is malformed."), "bad Content-Length")
    if int(length) > limit:
        return _refuse(request, 413, too_large, f"Content-Length {length}")
    body = _read_body(request, limit)
    if body is None:
        return _refuse(request, 413, too_large, "body over the limit")

    target = _target(kwargs)
    if not target.exists:
        return _refuse(request, 404, _("There is no such inbox here."), "no such actor")

    verified = _verify(request, body)
    if verified.blocked:
        return _refuse(
            request, 403, _("This server does not accept activities from yours."), "blocked"
        )
    owner = verified.owner
    if owner is None:
        return _refuse(
            request, 401, _("The request's signature could not be verified."), verified.reason
        )

    try:
        activity = json.loads(body)
    except (ValueError, RecursionError):
        return _refuse(request, 400, _("The activity is not valid JSON."), "not JSON")
    if not _is_activity(activity):
        return _refuse(
            request, 400, _("An activity needs an id, a type and an actor."), "not an activity"
        )
    activity_id = activity["id"]
    if activity["actor"] != owner.uri:
        return _refuse(
            request,
            401,
            _("The request is signed by someone other than the activity's actor."),
            f"signed by {owner.uri}, actor {activity['actor']}",
        )
    if not same_origin(activity_id, owner.uri):
        return _refuse(
            request,
            401,
            _("An activity's id must be on its actor's server."),
            f"id {activity_id} not on the origin of {owner.uri}",
        )

    try:
        with transaction.atomic():
            if not _recorded(activity, owner, target, save_owner=verified.fetched):
                log.info("inbox %s: %s already processed", request.path, activity_id)
    except TaawunError as error:
        return _refuse(request, 400, str(error.message), f"handler refused: {error.message}")
    return HttpResponse(status=202)


def _recorded(activity: dict[str, Any], owner: Actor, target: _Target, *, save_owner: bool) -> bool:
    """Store the actor and the activity and hand it to its handler, inside
    the caller's transaction; False if this activity was recorded before
    (the unique ``uri`` decides, rather than a look beforehand: a concurrent
    insert of the same id waits for the first to commit or roll back). Then
    the caller's whole transaction is rolled back: nothing of a replay stays."""
    if save_owner or owner.pk is None:
        owner = save_actor(owner)
    recipient = target.recipient()
    try:
        # No savepoint: a duplicate id dooms the caller's transaction, which
        # is what we want, and saves two statements on every activity.
        with transaction.atomic(savepoint=False):
            Activity.objects.create(
                uri=activity["id"],
                type=activity["type"],
                actor=owner,
                object_uri=_object_uri(activity),
                local=False,
                public=_addressed_to_public(activity),
                data=activity,
            )
    except IntegrityError:
        return False
    handlers.handle(activity, owner, recipient=recipient)
    return True


def authenticated_actor(request: HttpRequest) -> Actor | None:
    """Who signed this GET (a server asking for an object on behalf of one
    of its actors), or None if it is unsigned, badly signed or blocked.
    A GET has no body, so no digest is required."""
    if not any(name in request.headers for name in ("Signature", "Signature-Input")) and not (
        request.headers.get("Authorization", "").lower().startswith("signature ")
    ):
        return None
    verified = _verify(request, None)
    if verified.owner is None:
        log.info("signed GET %s not verified: %s", request.path, verified.reason)
        return None
    if verified.fetched or verified.owner.pk is None:
        return save_actor(verified.owner)
    return verified.owner
