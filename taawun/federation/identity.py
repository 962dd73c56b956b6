"""Who we are on the network: the URIs of our actors and objects, their
keys, and the documents other servers fetch.

Every local actor has a row in ``Actor`` (made on first need, with its RSA
key pair); its URI is built from the thing's slug or public id under
``/ap/`` so that it never changes when a name does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from taawun.federation.models import Actor
from taawun.membership.models import Cooperative, Network

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "taawun": "https://taawun.coop/ns#",
        "skills": "taawun:skills",
        "services": "taawun:services",
        "visibility": "taawun:visibility",
        "admission": "taawun:admission",
    },
]
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def domain_of(uri: str) -> str:
    """host[:port] of a URI, lower case (what origins and blocks compare)."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        return f"{host}:{parts.port}"
    return host


def local_domain() -> str:
    return domain_of(site_url())


def is_local(uri: str) -> bool:
    return uri.startswith(site_url() + "/")


# --- URIs -------------------------------------------------------------------


def instance_uri() -> str:
    return f"{site_url()}/ap/actor"


def shared_inbox_uri() -> str:
    return f"{site_url()}/ap/inbox"


def coop_uri(coop: Cooperative) -> str:
    return f"{site_url()}/ap/coops/{coop.slug}"


def network_uri(network: Network) -> str:
    return f"{site_url()}/ap/networks/{network.slug}"


def person_uri(user: Any) -> str:
    return f"{site_url()}/ap/people/{user.pk}"


def object_uri(kind: str, public_id: Any) -> str:
    """The id of a thing that travels: ``kind`` is article, call, event,
    question or answer."""
    return f"{site_url()}/ap/{kind}s/{public_id}"


def activity_uri(public_id: Any) -> str:
    return f"{site_url()}/ap/activities/{public_id}"


# --- Local actors -------------------------------------------------------------


def _make(uri: str, **fields: Any) -> Actor:
    from taawun.federation.signatures import generate_rsa_keypair

    existing = Actor.objects.filter(uri=uri).first()
    if existing is not None:
        return existing
    private_pem, public_pem = generate_rsa_keypair()
    try:
        with transaction.atomic():
            return Actor.objects.create(
                uri=uri,
                local=True,
                domain=local_domain(),
                inbox=f"{uri}/inbox",
                shared_inbox=shared_inbox_uri(),
                outbox=f"{uri}/outbox",
                followers=f"{uri}/followers",
                following=f"{uri}/following",
                key_id=f"{uri}#main-key",
                public_key_pem=public_pem,
                private_key_pem=private_pem,
                **fields,
            )
    except IntegrityError:
        # Two requests made it at once; the other one's row stands.
        return Actor.objects.get(uri=uri)


def instance_actor() -> Actor:
    """The server's own actor, which signs fetches made for nobody in particular."""
    actor = _make(
        instance_uri(),
        kind=Actor.Kind.APPLICATION,
        role=Actor.Role.INSTANCE,
        username=local_domain(),
        names={"en": "Taawun"},
        url=site_url() + "/",
    )
    return actor


def coop_actor(coop: Cooperative) -> Actor:
    actor = _make(
        coop_uri(coop),
        kind=Actor.Kind.GROUP,
        role=Actor.Role.COOPERATIVE,
        username=coop.slug,
        names=dict(coop.names),
        url=f"{site_url()}/coops/{coop.slug}/",
        cooperative=coop,
    )
    return actor


def network_actor(network: Network) -> Actor:
    return _make(
        network_uri(network),
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        username=network.slug,
        names=dict(network.names),
        url=f"{site_url()}/networks/{network.slug}/",
        network=network,
    )


def person_actor(user: Any) -> Actor:
    return _make(
        person_uri(user),
        kind=Actor.Kind.PERSON,
        role=Actor.Role.MEMBER,
        username=user.handle or f"u{user.pk}",
        names={"und": user.name},
        user=user,
    )


def signing_key(actor: Actor) -> Any:
    from taawun.federation.signatures import SigningKey

    if not actor.local or not actor.private_key_pem:
        raise ValueError("only our own actors sign")
    return SigningKey(key_id=actor.key_id, private_key_pem=actor.private_key_pem)


def local_actor_for_uri(uri: str) -> Actor | None:
    """Our actor with this URI, made on first need from the thing it names."""
    if not is_local(uri):
        return None
    found = Actor.objects.filter(uri=uri, local=True).first()
    if found is not None:
        return found
    path = uri[len(site_url()) :].strip("/").split("/")
    if path == ["ap", "actor"]:
        return instance_actor()
    if len(path) == 3 and path[:2] == ["ap", "coops"]:
        coop = Cooperative.objects.filter(slug=path[2]).first()
        return coop_actor(coop) if coop else None
    if len(path) == 3 and path[:2] == ["ap", "networks"]:
        network = Network.objects.filter(slug=path[2]).first()
        return network_actor(network) if network else None
    if len(path) == 3 and path[:2] == ["ap", "people"] and path[2].isdigit():
        from taawun.accounts.models import User

        user = User.objects.filter(pk=int(path[2]), is_active=True).first()
        return person_actor(user) if user else None
    return None


# --- Documents ----------------------------------------------------------------


def actor_document(actor: Actor) -> dict[str, Any]:
    """The JSON other servers fetch for one of our actors."""
    doc: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": actor.uri,
        "type": actor.kind,
        "preferredUsername": actor.username,
        "name": actor.name,
        "nameMap": actor.names,
        "url": actor.url,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers,
        "following": actor.following,
        "endpoints": {"sharedInbox": actor.shared_inbox},
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.uri,
            "publicKeyPem": actor.public_key_pem,
        },
        "manuallyApprovesFollowers": False,
        "discoverable": True,
    }
    if actor.cooperative_id is not None:
        doc.update(_cooperative_profile(actor.cooperative))  # type: ignore[arg-type]
    if actor.network_id is not None:
        network = actor.network
        assert network is not None
        doc["manuallyApprovesFollowers"] = network.admission != "open"
        doc["admission"] = network.admission
    return doc


def _cooperative_profile(coop: Cooperative) -> dict[str, Any]:
    """What a cooperative tells the network about itself: where it is, the
    skills its members hold (counts and highest level, never names) and the
    services it offers — what the network directory shows and searches."""
    from taawun.knowledge.skill_queries import coop_profile

    profile = coop_profile(coop)
    skills = [
        {
            "slug": entry.skill.slug,
            "nameMap": entry.skill.names,
            "count": entry.members,
            "highestLevel": entry.highest,
        }
        for entry in profile["skills"]
    ]
    services = [
        {
            "name": service.title,
            "summary": service.description,
            "skills": [skill.slug for skill in service.skills.all()],
        }
        for service in profile["services"]
    ]
    return {
        "location": {"type": "Place", "name": coop.country, "countryCode": coop.country},
        "skills": skills,
        "services": services,
    }
