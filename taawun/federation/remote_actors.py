"""Other servers' actors and documents: fetched, checked, cached.

Every fetch goes out through ``safe_http`` signed as our instance actor
(servers in "authorized fetch" mode answer only signed requests), and every
document must say it is what we asked for: its ``id`` must be the URL it was
finally fetched from. Without that check, a server could hand us a document
claiming to be an actor on another server, with its own key in it, and then
speak in that actor's name.

An actor's row is a cache of its document, refreshed after ``FRESH_FOR``.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from taawun import markdown
from taawun.federation import identity, policy, safe_http
from taawun.federation.models import URI_LENGTH, Actor

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(days=1)
NAME_LENGTH = 300  # longer names are cut: they are shown in lists
SUMMARY_LENGTH = 20_000
PEM_LENGTH = 16_384  # an 8192-bit RSA key in PEM is under 1,600 characters
USERNAME_LENGTH = 100
_KINDS = {kind.value: kind for kind in Actor.Kind}
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What safe_http leaves unquoted in a path: compared the same way here, so that
# an id with non-ASCII letters matches the URL it was fetched from.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class RemoteError(Exception):
    """Another server's document we cannot use (unreachable, refused,
    malformed, or not what it claims to be). ``reason`` is short English for
    the logs."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Blocked(RemoteError):
    """The server is blocked here (or not on the allow list): nothing is
    fetched from it, and nothing it sends is accepted."""


# --- URLs ---------------------------------------------------------------------


def checked_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL we are willing to store and
    later request: a string, not too long, with a host, without credentials,
    spaces or control characters. None otherwise."""
    if not isinstance(value, str) or not value or len(value) > URI_LENGTH:
        return None
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return value


def _origin(uri: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(uri)
        port = parts.port
        host = (parts.hostname or "").rstrip(".").encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def same_origin(a: str, b: str) -> bool:
    """Do ``a`` and ``b`` have the same scheme, host and port (RFC 6454)?"""
    origin = _origin(a)
    return origin is not None and origin == _origin(b)


def same_document(a: str, b: str) -> bool:
    """Do ``a`` and ``b`` name the same document: same origin, path and
    query, whatever their fragments (``#main-key`` is inside the actor)?"""
    if not same_origin(a, b):
        return False
    first, second = urlsplit(a), urlsplit(b)
    return (
        quote(first.path or "/", safe=_PATH_SAFE) == quote(second.path or "/", safe=_PATH_SAFE)
        and first.query == second.query
    )


def without_fragment(uri: str) -> str:
    return uri.split("#", 1)[0]


# --- Fetching -------------------------------------------------------------------


def fetch_document(
    uri: str, *, timeout: float = 10.0, max_bytes: int = 1_000_000
) -> dict[str, Any]:
    """GET an ActivityStreams document, signed as our instance actor; its
    ``id`` must be where it was finally fetched from (after redirects). A
    page that fetches while a member waits passes a shorter ``timeout``."""
    if checked_url(uri) is None:
        raise RemoteError("not an http(s) URL we fetch")
    key = identity.signing_key(identity.instance_actor())
    try:
        document, response = safe_http.get_json(
            uri, sign_as=key, timeout=timeout, max_bytes=max_bytes
        )
    except safe_http.FetchRefused as error:
        log.info("fetching %s refused: %s", uri, error.reason)
        raise RemoteError(error.reason) from error
    found = document.get("id")
    if not isinstance(found, str) or not same_document(found, response.url):
        log.info("document fetched from %s says it is %r", response.url, found)
        raise RemoteError(f"document fetched from {response.url} says it is {found!r}")
    return document


def _text(value: object, length: int) -> str:
    return value.strip()[:length] if isinstance(value, str) else ""


def _names(doc: dict[str, Any]) -> dict[str, str]:
    """Names by language: ``nameMap`` where given, else ``name`` as "und"
    (undetermined), as plain text."""
    names: dict[str, str] = {}
    name_map = doc.get("nameMap")
    if isinstance(name_map, dict):
        for language, name in list(name_map.items())[:20]:
            text = _text(name, NAME_LENGTH)
            if isinstance(language, str) and 0 < len(language) <= 16 and text:
                names[language] = markdown.plain(text)
    if not names and (text := _text(doc.get("name"), NAME_LENGTH)):
        names["und"] = markdown.plain(text)
    return names


def _page_url(value: object) -> str:
    """``url`` is a string, a Link object or a list of either; the first
    http(s) one is the page for people."""
    for item in value if isinstance(value, list) else [value]:
        href = item.get("href") if isinstance(item, dict) else item
        if found := checked_url(href):
            return found
    return ""


def _public_key(doc: dict[str, Any], key_id: str | None) -> dict[str, Any] | None:
    keys = doc.get("publicKey")
    candidates = [k for k in (keys if isinstance(keys, list) else [keys]) if isinstance(k, dict)]
    if key_id is not None:
        candidates = [k for k in candidates if k.get("id") == key_id]
    return candidates[0] if candidates else None


def _role(kind: str, doc: dict[str, Any]) -> str:
    if kind == Actor.Kind.GROUP:
        # Only a network says how cooperatives are admitted.
        return Actor.Role.NETWORK if "admission" in doc else Actor.Role.COOPERATIVE
    if kind == Actor.Kind.PERSON:
        return Actor.Role.MEMBER
    return Actor.Role.OTHER


def actor_fields(doc: dict[str, Any], *, key_id: str | None = None) -> dict[str, Any]:
    """The Actor columns an actor document gives, checked; RemoteError if
    it is not an actor document we can use. With ``key_id``, the key of that
    id is the one taken (an actor may publish several)."""
    uri = checked_url(doc.get("id"))
    if uri is None or "#" in uri:
        raise RemoteError("actor id is not an http(s) URL")
    kind = _KINDS.get(doc.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise RemoteError(f"{doc.get('type')!r} is not an actor type")
    inbox = checked_url(doc.get("inbox"))
    if inbox is None:
        raise RemoteError("actor has no usable inbox")
    endpoints = doc.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    fields: dict[str, Any] = {
        "uri": uri,
        "kind": kind,
        "role": _role(kind, doc),
        "local": False,
        "domain": identity.domain_of(uri),
        "username": _text(doc.get("preferredUsername"), USERNAME_LENGTH),
        "names": _names(doc),
        "summary": markdown.clean(_text(doc.get("summary"), SUMMARY_LENGTH)),
        "url": _page_url(doc.get("url")),
        "inbox": inbox,
        "shared_inbox": checked_url(shared_inbox) or "",
        "outbox": checked_url(doc.get("outbox")) or "",
        "followers": checked_url(doc.get("followers")) or "",
        "following": checked_url(doc.get("following")) or "",
        "key_id": "",
        "public_key_pem": "",
        "data": doc,
    }
    key = _public_key(doc, key_id)
    if key is None:
        if key_id is not None:
            raise RemoteError(f"actor {uri} does not publish the key {key_id}")
        return fields
    found_id, owner, pem = key.get("id"), key.get("owner"), key.get("publicKeyPem")
    if checked_url(found_id) is None or not same_origin(found_id, uri):  # type: ignore[arg-type]
        raise RemoteError("actor's key is not on the actor's origin")
    if owner != uri:
        raise RemoteError("actor's key belongs to someone else")
    if not isinstance(pem, str) or len(pem) > PEM_LENGTH or "PUBLIC KEY-----" not in pem:
        raise RemoteError("actor's key is not a PEM public key")
    fields["key_id"], fields["public_key_pem"] = found_id, pem
    return fields


def actor_from_document(doc: dict[str, Any], *, key_id: str | None = None) -> Actor:
    """The Actor for a fetched document, not saved: the cached row brought
    up to date if we have one, else a new one."""
    fields = actor_fields(doc, key_id=key_id)
    actor = Actor.objects.filter(uri=fields["uri"]).first()
    if actor is not None and actor.local:
        raise RemoteError("a remote document names one of our actors")
    actor = actor or Actor()
    for name, value in fields.items():
        setattr(actor, name, value)
    actor.fetched_at = timezone.now()
    return actor


def _fresh(actor: Actor) -> bool:
    return actor.fetched_at is not None and timezone.now() - actor.fetched_at < FRESH_FOR


def _refuse_if_not_remote(uri: str) -> None:
    if identity.is_local(uri) or identity.domain_of(uri) == identity.local_domain():
        raise RemoteError("that is one of our own URIs")
    if not policy.domain_allowed(identity.domain_of(uri)):
        raise Blocked(f"{identity.domain_of(uri)} is blocked")


def save_actor(actor: Actor) -> Actor:
    """Save a fetched actor. If another request stored the same actor first
    (the ``uri`` is unique), bring that row up to date instead."""
    if actor.pk is not None:
        actor.save()
        return actor
    try:
        with transaction.atomic():
            actor.save()
        return actor
    except IntegrityError:
        existing = Actor.objects.get(uri=actor.uri, local=False)
        for field in Actor._meta.concrete_fields:
            if not field.primary_key and field.name != "created_at":
                setattr(existing, field.attname, getattr(actor, field.attname))
        existing.save()
        return existing


def fetch_actor(uri: str, *, refresh: bool = False, save: bool = True) -> Actor:
    """Another server's actor: our cached row while it is fresh (unless
    ``refresh``), else fetched anew. With ``save=False`` a fetched actor is
    returned unsaved (the inbox saves it only once a signature checks out)."""
    uri = without_fragment(uri)
    if checked_url(uri) is None:
        raise RemoteError("actor id is not an http(s) URL")
    _refuse_if_not_remote(uri)
    if not refresh:
        cached = Actor.objects.filter(uri=uri, local=False).first()
        if cached is not None and _fresh(cached):
            return cached
    actor = actor_from_document(fetch_document(uri))
    # A redirect may have taken us elsewhere; the document's own id counts.
    _refuse_if_not_remote(actor.uri)
    return save_actor(actor) if save else actor


def key_owner(key_id: str, *, refresh: bool = False, save: bool = True) -> Actor:
    """The actor whose key ``key_id`` is, with that key in ``public_key_pem``.

    The key id is usually ``<actor>#main-key``: the actor's document holds
    the key. Some servers give a key its own document (``owner`` and
    ``publicKeyPem`` at the top); then the owner's document must publish
    the same key id too, so that nobody can claim another's key.
    """
    if checked_url(key_id) is None:
        raise RemoteError("key id is not an http(s) URL")
    if not refresh:
        cached = Actor.objects.filter(key_id=key_id, local=False).first()
        if cached is not None and _fresh(cached):
            _refuse_if_not_remote(cached.uri)
            return cached
    location = without_fragment(key_id)
    _refuse_if_not_remote(location)
    doc = fetch_document(location)
    if "publicKeyPem" in doc and doc.get("id") == key_id:
        owner_uri = checked_url(doc.get("owner"))
        if owner_uri is None or not same_origin(owner_uri, key_id):
            raise RemoteError("key document's owner is not on the key's origin")
        _refuse_if_not_remote(owner_uri)
        actor = actor_from_document(fetch_document(owner_uri), key_id=key_id)
        if actor.public_key_pem.strip() != str(doc["publicKeyPem"]).strip():
            raise RemoteError("key document and its owner disagree on the key")
    else:
        actor = actor_from_document(doc, key_id=key_id)
    _refuse_if_not_remote(actor.uri)
    return save_actor(actor) if save else actor


def _webfinger_parts(handle: str) -> tuple[str, str]:
    name, sep, domain = handle.strip().removeprefix("acct:").lstrip("@").partition("@")
    if not sep or not name or not domain or "@" in domain or "/" in domain:
        raise RemoteError("a handle looks like @name@domain")
    return name, domain.lower()


def resolve_handle(handle: str) -> Actor:
    """The actor ``@name@domain`` (or ``name@domain``) names, by WebFinger."""
    name, domain = _webfinger_parts(handle)
    _refuse_if_not_remote(f"https://{domain}/")
    scheme = "http" if getattr(settings, "TAAWUN_FEDERATION_ALLOW_HTTP", False) else "https"
    url = f"{scheme}://{domain}/.well-known/webfinger?resource=" + quote(
        f"acct:{name}@{domain}", safe=":@"
    )
    try:
        response = safe_http.request("GET", url, accept="application/jrd+json", max_bytes=100_000)
    except safe_http.FetchRefused as error:
        raise RemoteError(error.reason) from error
    if response.status != 200:
        raise RemoteError(f"WebFinger answered {response.status}")
    try:
        jrd = json.loads(response.body)
    except (ValueError, RecursionError) as error:
        raise RemoteError("WebFinger answer is not JSON") from error
    links = jrd.get("links") if isinstance(jrd, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        media = str(link.get("type", "")).split(";", 1)[0].strip()
        href = checked_url(link.get("href"))
        if href and media in ("application/activity+json", "application/ld+json"):
            return fetch_actor(href)
    raise RemoteError("WebFinger names no ActivityPub actor")
