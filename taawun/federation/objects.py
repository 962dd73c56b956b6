"""Our things as ActivityStreams objects, and other servers' objects as
``RemoteObject`` rows.

What travels is decided by the thing's ``visibility``: a cooperative-only
article or call never leaves the instance; a network-wide one is addressed
to the networks the cooperative belongs to (those hosted here and those
elsewhere that accepted it); a public one to everyone, with the
cooperative's followers and its networks in copy.

An object from elsewhere is never shown as it came: its HTML goes through
the same nh3 allowance as members' own Markdown, every field is cut to a
size, and the raw HTML is not kept in ``data`` (a template that printed
``data`` unescaped would otherwise undo the sanitising).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from importlib import import_module
from typing import Any, Literal

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from taawun import markdown
from taawun.errors import InvalidInput
from taawun.federation import identity
from taawun.federation.models import Actor, Follow, RemoteObject
from taawun.federation.remote_actors import checked_url
from taawun.knowledge.models import Article, Call, Event, Visibility
from taawun.membership.models import Cooperative, Member, Network
from taawun.membership.rules import MEMBER_STATUSES

log = logging.getLogger(__name__)

PUBLIC_ADDRESSES = frozenset({identity.AS_PUBLIC, "as:Public", "Public"})
CALL_KEY = "taawun:call"  # a Page carrying this is a call for collaboration
CANCELLED_KEY = "taawun:cancelled"  # an Event that was called off
NAME_LENGTH = 300  # RemoteObject.name
LANGUAGE_LENGTH = 16
MAX_HTML = 200_000  # characters of HTML accepted from elsewhere, before sanitising
MAX_ADDRESSES = 100  # to + cc entries looked at
MAX_SKILLS = 50
MAX_TAGS = 30
MEMBER_PAGES = 20  # pages of a remote network's followers read to check a domain
MEMBER_CACHE_SECONDS = 300
# Keys of a received object not kept in RemoteObject.data: unsanitised HTML.
UNSAFE_KEYS = frozenset({"content", "contentMap", "summary", "summaryMap", "source", "@context"})
KINDS_BY_TYPE = {
    "Article": RemoteObject.Kind.ARTICLE,
    "Event": RemoteObject.Kind.EVENT,
    "Question": RemoteObject.Kind.QUESTION,
    "Note": RemoteObject.Kind.NOTE,
}


def iso(moment: datetime | date) -> str:
    """ISO 8601 in UTC with "Z", as ActivityStreams dates are written."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sanitise_html(html: str) -> str:
    """HTML from elsewhere with only what members' own Markdown may hold."""
    return markdown.clean(html)


def plain_text(value: object, length: int) -> str:
    """A short text field (a name) as plain text: tags are dropped, never shown."""
    if not isinstance(value, str):
        return ""
    text = value.strip()[: length * 2]
    return markdown.plain(text).strip()[:length]


# --- Our things as documents ---------------------------------------------------------


def coop_networks(coop: Cooperative) -> list[Actor]:
    """The network actors a cooperative's network-wide things go to: the
    networks hosted here it belongs to, and those elsewhere that accepted it."""
    local = [
        identity.network_actor(network)
        for network in Network.objects.filter(memberships__cooperative=coop).order_by("slug")
    ]
    remote = Actor.objects.filter(
        local=False,
        role=Actor.Role.NETWORK,
        follows_in__follower__cooperative=coop,
        follows_in__state=Follow.State.ACCEPTED,
    ).order_by("uri")
    return local + list(remote)


def addressing(
    coop_actor: Actor, visibility: str, networks: list[Actor]
) -> tuple[list[str], list[str]] | None:
    """``to`` and ``cc`` for a thing of ``coop_actor`` with ``visibility``;
    None for a cooperative-only thing, which is not published at all."""
    network_uris = [network.uri for network in networks]
    if visibility == Visibility.PUBLIC:
        return [identity.AS_PUBLIC], [coop_actor.followers, *network_uris]
    if visibility == Visibility.NETWORK:
        return network_uris, []
    return None


def _skill_entry(skill: Any, **extra: Any) -> dict[str, Any]:
    return {"slug": skill.slug, "nameMap": dict(skill.names), **extra}


def _base_document(
    *,
    kind: str,
    public_id: Any,
    coop: Cooperative,
    visibility: str,
    page: str,
    name: str,
    html: str,
    language: str | None,
) -> dict[str, Any] | None:
    coop_actor = identity.coop_actor(coop)
    addresses = addressing(coop_actor, visibility, coop_networks(coop))
    if addresses is None:
        return None
    to, cc = addresses
    doc: dict[str, Any] = {
        "@context": identity.AS_CONTEXT,
        "id": identity.object_uri(kind, public_id),
        "attributedTo": coop_actor.uri,
        "url": identity.site_url() + page,
        "name": name,
        "content": html,
        "mediaType": "text/html",
        "visibility": visibility,
        "to": to,
        "cc": cc,
    }
    if language:
        doc["contentMap"] = {language: html}
    return doc


def article_document(article: Article) -> dict[str, Any] | None:
    """A knowledge article as an ``Article``; None if it stays in the cooperative."""
    coop = article.cooperative
    html = markdown.render(article.body)
    doc = _base_document(
        kind="article",
        public_id=article.public_id,
        coop=coop,
        visibility=article.visibility,
        page=reverse("knowledge:article", args=[coop.slug, article.slug]),
        name=article.title,
        html=html,
        language=article.language,
    )
    if doc is None:
        return None
    doc.update(
        {
            "type": "Article",
            "source": {"content": article.body, "mediaType": "text/markdown"},
            "published": iso(article.created_at),
            "updated": iso(article.updated_at),
            "tag": [
                {"type": "Hashtag", "name": "#" + tag.name.replace(" ", "_")}
                for tag in article.tags.order_by("name")
            ],
            "skills": [_skill_entry(skill) for skill in article.skills.order_by("slug")],
        }
    )
    return doc


def call_document(call: Call) -> dict[str, Any] | None:
    """A call for collaboration as a ``Page`` carrying ``taawun:call``: its
    terms, its state and the skills it needs with the least level of each."""
    coop = call.cooperative
    doc = _base_document(
        kind="call",
        public_id=call.public_id,
        coop=coop,
        visibility=call.visibility,
        page=reverse("knowledge:call", args=[coop.slug, call.pk]),
        name=call.title,
        html=markdown.render(call.body),
        language=None,
    )
    if doc is None:
        return None
    needs = call.needs.select_related("skill").order_by("skill__slug")
    doc.update(
        {
            "type": "Page",
            "source": {"content": call.body, "mediaType": "text/markdown"},
            "published": iso(call.created_at),
            "updated": iso(call.closed_at or call.created_at),
            CALL_KEY: {
                "terms": call.terms,
                "state": call.state,
                "skills": [_skill_entry(need.skill, level=need.level) for need in needs],
            },
        }
    )
    if call.starts_on:
        doc["startTime"] = iso(call.starts_on)
    if call.ends_on:
        doc["endTime"] = iso(call.ends_on)
    return doc


def event_document(event: Event) -> dict[str, Any] | None:
    """An event as an ``Event``: when, where (a place, an online address or
    both), and whether it was called off."""
    coop = event.cooperative
    doc = _base_document(
        kind="event",
        public_id=event.public_id,
        coop=coop,
        visibility=event.visibility,
        page=reverse("knowledge:event", args=[coop.slug, event.pk]),
        name=event.title,
        html=markdown.render(event.body),
        language=event.language,
    )
    if doc is None:
        return None
    places: list[dict[str, str]] = []
    if event.place:
        places.append({"type": "Place", "name": event.place})
    if event.online_url:
        places.append({"type": "VirtualLocation", "url": event.online_url})
    doc.update(
        {
            "type": "Event",
            "source": {"content": event.body, "mediaType": "text/markdown"},
            "published": iso(event.created_at),
            "updated": iso(event.updated_at),
            "startTime": iso(event.starts_at),
            "location": places,
            CANCELLED_KEY: event.cancelled_at is not None,
        }
    )
    if event.ends_at:
        doc["endTime"] = iso(event.ends_at)
    return doc


Thing = Article | Call | Event


def document_for(thing: Thing) -> dict[str, Any] | None:
    if isinstance(thing, Article):
        return article_document(thing)
    if isinstance(thing, Call):
        return call_document(thing)
    return event_document(thing)


def kind_of_thing(thing: Thing) -> str:
    if isinstance(thing, Article):
        return "article"
    return "call" if isinstance(thing, Call) else "event"


# --- Reading other servers' objects ----------------------------------------------------


def id_of(value: object) -> str | None:
    """The id a field names: a string, or an object with an ``id``."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def uris(value: object) -> list[str]:
    """A field that may be one address or a list of them, as a list of strings."""
    items = value if isinstance(value, list) else [value]
    found = [id_of(item) for item in items[:MAX_ADDRESSES]]
    return [uri for uri in found if uri is not None]


def addressed(doc: dict[str, Any]) -> list[str]:
    return uris(doc.get("to")) + uris(doc.get("cc"))


def local_network_actors_addressed(addresses: list[str]) -> list[Actor]:
    """The networks hosted here that ``addresses`` names, directly or by
    their followers collection (no query for addresses elsewhere)."""
    found: list[Actor] = []
    for uri in sorted({address.removesuffix("/followers") for address in addresses}):
        if identity.is_local(uri):
            actor = identity.local_actor_for_uri(uri)
            if actor is not None and actor.role == Actor.Role.NETWORK:
                found.append(actor)
    return found


def network_actors_addressed(addresses: list[str], *, author: Actor | None = None) -> list[Actor]:
    """The network actors (ours or known remote ones) that ``addresses``
    names, directly or by their followers collection. ``author``, when it is
    not a network, is not looked for (nor its followers collection)."""
    found = local_network_actors_addressed(addresses)
    not_networks = set(PUBLIC_ADDRESSES)
    if author is not None and author.role != Actor.Role.NETWORK:
        not_networks |= {author.uri, author.followers}
    elsewhere = {a for a in addresses if a not in not_networks and not identity.is_local(a)}
    if not elsewhere:
        return found  # the usual post: to the public and its author's followers
    # Known networks elsewhere, named or by their followers, in one query.
    candidates = {address.removesuffix("/followers") for address in elsewhere}
    remote = Actor.objects.filter(
        Q(uri__in=candidates) | Q(followers__in=elsewhere),
        local=False,
        role=Actor.Role.NETWORK,
    ).order_by("uri")
    seen = {actor.uri for actor in found}
    for actor in remote:
        if actor.uri not in seen:
            seen.add(actor.uri)
            found.append(actor)
    return found


def audience_of(doc: dict[str, Any], *, author: Actor | None = None) -> tuple[str, list[str]]:
    """(audience, network URIs) from an object's ``to`` and ``cc``."""
    addresses = addressed(doc)
    networks = sorted(a.uri for a in network_actors_addressed(addresses, author=author))
    if PUBLIC_ADDRESSES & set(addresses):
        return RemoteObject.Audience.PUBLIC, networks
    if networks:
        return RemoteObject.Audience.NETWORK, networks
    return RemoteObject.Audience.FOLLOWERS, []


def kind_of(doc: dict[str, Any]) -> str | None:
    """Which kind of RemoteObject a document is, or None if we keep no such thing."""
    kind = doc.get("type")
    if kind == "Page" and isinstance(doc.get(CALL_KEY), dict):
        return RemoteObject.Kind.CALL
    return KINDS_BY_TYPE.get(kind) if isinstance(kind, str) else None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _content(doc: dict[str, Any]) -> tuple[str, str]:
    """(sanitised HTML, language) from ``content`` and ``contentMap``: the
    language is the contentMap entry that is the content, else the first."""
    html = doc.get("content")
    content_map = doc.get("contentMap")
    entries = [
        (lang, text)
        for lang, text in (list(content_map.items())[:20] if isinstance(content_map, dict) else [])
        if isinstance(lang, str) and isinstance(text, str) and 0 < len(lang) <= LANGUAGE_LENGTH
    ]
    if not isinstance(html, str):
        html = entries[0][1] if entries else ""
    language = next((lang for lang, text in entries if text == html), "")
    if not language and entries:
        language = entries[0][0]
    if len(html) > MAX_HTML:
        raise InvalidInput(_("This object is too long to be accepted."))
    return sanitise_html(html), language


def _level(value: object) -> int:
    return min(max(value, 1), 4) if isinstance(value, int) and not isinstance(value, bool) else 1


def _name_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        lang: plain_text(text, 100)
        for lang, text in list(value.items())[:20]
        if isinstance(lang, str) and len(lang) <= LANGUAGE_LENGTH and plain_text(text, 100)
    }


def call_data(value: object) -> dict[str, Any]:
    """A received ``taawun:call`` reduced to what we read, each field checked:
    terms, state, and at most MAX_SKILLS skills with a level from 1 to 4."""
    data = value if isinstance(value, dict) else {}
    skills = data.get("skills")
    needs = []
    for entry in skills[:MAX_SKILLS] if isinstance(skills, list) else []:
        slug = plain_text(entry.get("slug"), 60) if isinstance(entry, dict) else ""
        if slug:
            needs.append(
                {
                    "slug": slug,
                    "nameMap": _name_map(entry.get("nameMap")),
                    "level": _level(entry.get("level")),
                }
            )
    terms = data.get("terms")
    state = data.get("state")
    return {
        "terms": terms if terms in ("paid", "volunteer") else "",
        "state": state if state in ("open", "closed") else "open",
        "skills": needs,
    }


def _kept_data(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """What of the received document is kept in ``data``: no raw HTML."""
    data = {key: value for key, value in doc.items() if key not in UNSAFE_KEYS}
    if kind == RemoteObject.Kind.CALL:
        data[CALL_KEY] = call_data(doc.get(CALL_KEY))
    if isinstance(data.get("tag"), list):
        data["tag"] = data["tag"][:MAX_TAGS]
    return data


def object_fields(
    doc: dict[str, Any], kind: str, addressees: tuple[str, list[str]] | None = None
) -> dict[str, Any]:
    """The RemoteObject columns a received document gives, checked and cut
    (``addressees``: ``audience_of(doc)``, when the caller has it already)."""
    content, language = _content(doc)
    audience, networks = addressees if addressees is not None else audience_of(doc)
    name = plain_text(doc.get("name"), NAME_LENGTH) or plain_text(doc.get("summary"), NAME_LENGTH)
    url_value = doc.get("url")
    url = ""
    for item in url_value if isinstance(url_value, list) else [url_value]:
        href = item.get("href") if isinstance(item, dict) else item
        if (found := checked_url(href)) is not None:
            url = found
            break
    published = _when(doc.get("published")) or timezone.now()
    return {
        "kind": kind,
        "audience": audience,
        "networks": networks,
        "name": name,
        "content": content,
        "language": language,
        "url": url,
        "data": _kept_data(doc, kind),
        "published": published,
        "updated": _when(doc.get("updated")) or published,
    }


def remote_to_object(
    doc: dict[str, Any],
    actor: Actor,
    *,
    kind: str,
    extra_networks: list[str] | None = None,
    audience: tuple[str, list[str]] | None = None,
    locked: RemoteObject | Literal[False] | None = False,
) -> RemoteObject:
    """Store (or bring up to date) the RemoteObject for ``doc`` by ``actor``.
    The caller has checked that ``actor`` may speak for it (origin and
    attributedTo). ``extra_networks``: the network that forwarded it, which
    counts as an addressee if the document names it. ``locked``: the row as
    the caller already read it with ``select_for_update`` (None: there is
    none yet); False, the default, reads it here."""
    uri = doc["id"]
    fields = object_fields(doc, kind, audience)
    if extra_networks:
        named = set(addressed(doc))
        more = [n for n in extra_networks if n in named or f"{n}/followers" in named]
        fields["networks"] = sorted(set(fields["networks"]) | set(more))
        if fields["audience"] == RemoteObject.Audience.FOLLOWERS and fields["networks"]:
            fields["audience"] = RemoteObject.Audience.NETWORK
    remote = (
        RemoteObject.objects.select_for_update().filter(uri=uri).first()
        if locked is False
        else locked
    )
    if remote is None:
        return RemoteObject.objects.create(uri=uri, actor=actor, **fields)
    for name, value in fields.items():
        setattr(remote, name, value)
    remote.save()
    return remote


def tombstone(remote: RemoteObject) -> RemoteObject:
    """What stays of a deleted object: its id, kind and author, and when."""
    remote.deleted_at = timezone.now()
    remote.name = ""
    remote.content = ""
    remote.url = ""
    remote.data = {"id": remote.uri, "type": "Tombstone"}
    remote.save()
    return remote


# --- What members may read ------------------------------------------------------------


def member_network_uris(user: Any) -> tuple[set[str], list[int]]:
    """(the network actor URIs the user's cooperatives belong to, the ids of
    those cooperatives)."""
    coop_ids = list(
        Member.objects.filter(user=user, status__in=MEMBER_STATUSES).values_list(
            "cooperative_id", flat=True
        )
    )
    local = Network.objects.filter(memberships__cooperative_id__in=coop_ids)
    found = {identity.network_uri(network) for network in local}
    found |= set(
        Follow.objects.filter(
            follower__cooperative_id__in=coop_ids,
            followed__role=Actor.Role.NETWORK,
            state=Follow.State.ACCEPTED,
        ).values_list("followed__uri", flat=True)
    )
    return found, coop_ids


def readable_remote(user: Any) -> QuerySet[RemoteObject]:
    """The objects from elsewhere ``user`` may read: the public ones; those
    for a network one of their cooperatives belongs to; and those for the
    followers of an actor one of their cooperatives follows. Tombstones left out."""
    live = RemoteObject.objects.filter(deleted_at__isnull=True)
    public = Q(audience=RemoteObject.Audience.PUBLIC)
    if user is None or not user.is_authenticated:
        return live.filter(public)
    network_uris, coop_ids = member_network_uris(user)
    # ``networks`` is a JSON list; a containment lookup is not portable to
    # SQLite, so the (few) network-wide objects are matched here.
    in_network = [
        pk
        for pk, networks in live.filter(audience=RemoteObject.Audience.NETWORK).values_list(
            "pk", "networks"
        )
        if network_uris.intersection(networks or [])
    ]
    followed = Follow.objects.filter(
        follower__cooperative_id__in=coop_ids, state=Follow.State.ACCEPTED
    ).values("followed_id")
    return live.filter(
        public
        | Q(pk__in=in_network)
        | Q(audience=RemoteObject.Audience.FOLLOWERS, actor_id__in=followed)
    )


# --- Serving our objects ---------------------------------------------------------------


def _decisions_document(kind: str, public_id: str) -> dict[str, Any] | None:
    try:
        decisions = import_module("taawun.federation.decisions")
    except ImportError:
        return None
    make = getattr(decisions, f"{kind}_document", None)
    document = make(public_id) if make is not None else None
    return document if isinstance(document, dict) else None


def local_document(kind: str, public_id: str) -> dict[str, Any] | None:
    """The document of one of our objects, or None if there is none to show."""
    if kind == "article":
        article = Article.objects.select_related("cooperative").filter(public_id=public_id).first()
        return article_document(article) if article is not None else None
    if kind == "call":
        call = Call.objects.select_related("cooperative").filter(public_id=public_id).first()
        return call_document(call) if call is not None else None
    if kind == "event":
        event = Event.objects.select_related("cooperative").filter(public_id=public_id).first()
        return event_document(event) if event is not None else None
    if kind in ("question", "answer"):
        return _decisions_document(kind, public_id)
    return None


def _member_domains_of_remote_network(network: Actor) -> set[str]:
    """The domains of the members of a network elsewhere, from its followers
    collection (its accepted members), cached for a few minutes."""
    key = f"federation:member-domains:{network.uri}"
    cached = cache.get(key)
    if cached is not None:
        return set(cached)
    from taawun.federation.remote_actors import RemoteError, fetch_document

    domains: set[str] = set()
    if network.followers:
        try:
            collection = fetch_document(network.followers)
            page: object = collection.get("first") or collection
            for _page_number in range(MEMBER_PAGES):
                if isinstance(page, str):
                    page = fetch_document(page)
                if not isinstance(page, dict):
                    break
                items = page.get("orderedItems", page.get("items"))
                for uri in uris(items if isinstance(items, list) else []):
                    domains.add(identity.domain_of(uri))
                page = page.get("next")
                if not page:
                    break
        except RemoteError as error:
            log.info("members of %s not read: %s", network.uri, error.reason)
    cache.set(key, sorted(domains), MEMBER_CACHE_SECONDS)
    return domains


def may_fetch(domain: str, network_uris: list[str]) -> bool:
    """May a server on ``domain`` read an object for these networks? Only if
    it hosts a member cooperative of one of them (or the network itself)."""
    for uri in network_uris:
        if identity.is_local(uri):
            actor = identity.local_actor_for_uri(uri)
            if actor is not None and (
                Follow.objects.filter(
                    followed=actor, state=Follow.State.ACCEPTED, follower__domain=domain
                ).exists()
            ):
                return True
            continue
        network = Actor.objects.filter(uri=uri, local=False, role=Actor.Role.NETWORK).first()
        if network is None:
            continue
        if network.domain == domain or domain in _member_domains_of_remote_network(network):
            return True
    return False


def object_document_view(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    """/ap/<kind>s/<uuid>: the document of one of our objects. A network-wide
    one is shown only to a signed request from a server that hosts a member
    of one of its networks; to anyone else it does not exist."""
    from taawun.federation.views_discovery import _error, _json, _wants_html

    not_found = _error(_("We could not find what you asked for."), 404)
    if request.method not in ("GET", "HEAD"):
        return _error(_("Only GET is possible here."), 405)
    doc = local_document(kind, public_id)
    if doc is None:
        return not_found
    addresses = addressed(doc)
    if not PUBLIC_ADDRESSES & set(addresses):
        from taawun.federation.inbox import authenticated_actor

        requester = authenticated_actor(request)
        networks = [actor.uri for actor in network_actors_addressed(addresses)]
        if requester is None or not may_fetch(requester.domain, networks):
            return not_found
    if _wants_html(request) and isinstance(doc.get("url"), str):
        return HttpResponseRedirect(doc["url"])
    return _json(doc)
