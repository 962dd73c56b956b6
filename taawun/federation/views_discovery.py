"""Discovery and our actors' documents: WebFinger, NodeInfo 2.1, actor
documents, outboxes (paged), followers and following, activities.

These are read by other servers, so they answer JSON (``application/
activity+json``); a browser asking for HTML is sent to the page for people.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from taawun import __version__
from taawun.accounts.models import User
from taawun.federation import identity
from taawun.federation.models import Activity, Actor, Follow
from taawun.membership.models import Cooperative, Member, Network

PAGE_SIZE = 20


def _json(
    data: dict[str, Any], *, content_type: str = identity.ACTIVITY_JSON, status: int = 200
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        content_type=f"{content_type}; charset=utf-8",
        status=status,
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept"
    return response


def _error(message: str, status: int) -> HttpResponse:
    return _json({"error": message}, content_type="application/json", status=status)


def _wants_html(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept


def _local_actor(kind: str, key: str) -> Actor | None:
    if kind == "coops":
        coop = Cooperative.objects.filter(slug=key).first()
        return identity.coop_actor(coop) if coop else None
    if kind == "networks":
        network = Network.objects.filter(slug=key).first()
        return identity.network_actor(network) if network else None
    # A person's document exists once something of theirs travels (the
    # author of a shared article): enumerating numbers reveals nobody else.
    if key.isdigit():
        return Actor.objects.filter(user_id=int(key), local=True, user__is_active=True).first()
    return None


# --- WebFinger and NodeInfo ---------------------------------------------------


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return _error(_("Say which account: ?resource=acct:name@domain."), 400)
    actor: Actor | None = None
    if resource.startswith("acct:"):
        username, _sep, domain = resource[5:].lstrip("@").rpartition("@")
        if domain.lower() != identity.local_domain():
            return _error(_("We could not find what you asked for."), 404)
        if coop := Cooperative.objects.filter(slug=username).first():
            actor = identity.coop_actor(coop)
        elif network := Network.objects.filter(slug=username).first():
            actor = identity.network_actor(network)
        elif username == identity.local_domain():
            actor = identity.instance_actor()
    elif identity.is_local(resource):
        actor = identity.local_actor_for_uri(resource)
        if actor is not None and actor.role == Actor.Role.MEMBER:
            actor = Actor.objects.filter(pk=actor.pk).first()
    if actor is None:
        return _error(_("We could not find what you asked for."), 404)
    return _json(
        {
            "subject": f"acct:{actor.username}@{identity.local_domain()}",
            "aliases": [actor.uri, actor.url],
            "links": [
                {"rel": "self", "type": identity.ACTIVITY_JSON, "href": actor.uri},
                {
                    "rel": "http://webfinger.net/rel/profile-page",
                    "type": "text/html",
                    "href": actor.url,
                },
            ],
        },
        content_type="application/jrd+json",
    )


@require_GET
def nodeinfo_links(request: HttpRequest) -> HttpResponse:
    return _json(
        {
            "links": [
                {
                    "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                    "href": f"{identity.site_url()}/nodeinfo/2.1",
                }
            ]
        },
        content_type="application/json",
    )


@require_GET
def nodeinfo(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    people = User.objects.filter(is_active=True)
    active = Member.objects.filter(status="active")
    return _json(
        {
            "version": "2.1",
            "software": {
                "name": "taawun",
                "version": __version__,
                "repository": "https://taawun.coop/source",
                "homepage": "https://taawun.coop/",
            },
            "protocols": ["activitypub"],
            "services": {"inbound": [], "outbound": []},
            "openRegistrations": False,
            "usage": {
                "users": {
                    "total": people.count(),
                    "activeMonth": people.filter(last_login__gte=now - timedelta(days=30)).count(),
                    "activeHalfyear": people.filter(
                        last_login__gte=now - timedelta(days=180)
                    ).count(),
                },
                "localPosts": Activity.objects.filter(local=True, public=True).count(),
            },
            "metadata": {
                "nodeName": "Taawun",
                "cooperatives": Cooperative.objects.count(),
                "networks": Network.objects.count(),
                "members": active.count(),
                "federation": {
                    "allowlistOnly": bool(
                        getattr(settings, "TAAWUN_FEDERATION_ALLOWLIST_ONLY", False)
                    )
                },
            },
        },
        content_type=(
            'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
        ),
    )


# --- Actors and their collections --------------------------------------------


@require_GET
def instance(request: HttpRequest) -> HttpResponse:
    return _json(identity.actor_document(identity.instance_actor()))


@require_GET
def actor(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    found = _local_actor(kind, key)
    if found is None:
        return _error(_("We could not find what you asked for."), 404)
    if _wants_html(request) and found.url:
        return HttpResponseRedirect(found.url)
    return _json(identity.actor_document(found))


def _page_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("page")
    if raw is None:
        return None
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _collection(request: HttpRequest, uri: str, items: QuerySet[Any], to_item: Any) -> HttpResponse:
    """An OrderedCollection whose pages are ``?page=N`` (newest first)."""
    total = items.count()
    page = _page_number(request)
    if page is None:
        doc: dict[str, Any] = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": uri,
            "type": "OrderedCollection",
            "totalItems": total,
        }
        if total:
            doc["first"] = f"{uri}?page=1"
            doc["last"] = f"{uri}?page={max(1, -(-total // PAGE_SIZE))}"
        return _json(doc)
    start = (page - 1) * PAGE_SIZE
    chunk = list(items[start : start + PAGE_SIZE])
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{uri}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": uri,
        "totalItems": total,
        "orderedItems": [to_item(item) for item in chunk],
    }
    if start + PAGE_SIZE < total:
        doc["next"] = f"{uri}?page={page + 1}"
    if page > 1:
        doc["prev"] = f"{uri}?page={page - 1}"
    return _json(doc)


@require_GET
def outbox(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    found = _local_actor(kind, key)
    if found is None:
        return _error(_("We could not find what you asked for."), 404)
    items = Activity.objects.filter(actor=found, local=True, public=True).order_by("-id")
    return _collection(request, found.outbox, items, lambda activity: activity.data)


@require_GET
def followers(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    found = _local_actor(kind, key)
    if found is None:
        return _error(_("We could not find what you asked for."), 404)
    items = (
        Follow.objects.filter(followed=found, state=Follow.State.ACCEPTED)
        .select_related("follower")
        .order_by("-id")
    )
    return _collection(request, found.followers, items, lambda follow: follow.follower.uri)


@require_GET
def following(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    found = _local_actor(kind, key)
    if found is None:
        return _error(_("We could not find what you asked for."), 404)
    items = (
        Follow.objects.filter(follower=found, state=Follow.State.ACCEPTED)
        .select_related("followed")
        .order_by("-id")
    )
    return _collection(request, found.following, items, lambda follow: follow.followed.uri)


@require_GET
def activity(request: HttpRequest, public_id: str) -> HttpResponse:
    found = Activity.objects.filter(
        uri=identity.activity_uri(public_id), local=True, public=True
    ).first()
    if found is None:
        return _error(_("We could not find what you asked for."), 404)
    return _json(found.data)
