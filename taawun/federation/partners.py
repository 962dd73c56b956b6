"""Partner cooperatives on other servers for a call for collaboration.

A call's page suggests the cooperatives here that share a network with the
posting one (``knowledge.call_queries.suggest_partners``); this finds those
elsewhere that do: the members on other servers of the networks hosted here
that it belongs to, and the members of the networks elsewhere that it
joined. What a cooperative elsewhere offers is read from the document its
server published (``skills`` with a count and the highest level,
``services`` with the skills they are in; see ``identity.actor_document``).

The two servers keep separate skill vocabularies, so a need is matched to
a skill there by its slug or by a name that reads the same once normalised
(``knowledge.normalise``: one spelling of Arabic letters, no marks, no case):
"أمن المعلومات" here is "امن المعلومات" there whatever either slug is.

A network elsewhere is read while the page is being made, so that work is
bounded: its member list is cached for a few minutes and cut at
``MEMBERS_PER_NETWORK``, each fetch has a short timeout, the whole has a
budget, and a server that fails is logged and skipped, never an error on
the page. Members' documents are cached as their Actor rows (a day, as
``remote_actors`` keeps them); those not fetched within the budget are
fetched on a later visit.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.federation import identity, policy, remote_actors
from taawun.federation.directory import remote_skills
from taawun.federation.models import Actor, Follow
from taawun.knowledge.call_queries import SUGGESTIONS
from taawun.knowledge.models import Call, Level
from taawun.knowledge.skill_actions import name_key
from taawun.membership.models import NetworkMembership, localised

log = logging.getLogger(__name__)

MEMBERS_PER_NETWORK = 50  # of a network elsewhere, read at most
MEMBER_PAGES = 5  # pages of its followers collection read at most
MEMBERS_CACHE_SECONDS = 300  # a network's member list, once read
FAILED_CACHE_SECONDS = 60  # a server that failed is not asked again for this long
FETCH_TIMEOUT = 3.0  # seconds, one fetch
BUDGET = 6.0  # seconds, all the fetches for one page
MAX_BYTES = 500_000  # a member list page or a cooperative's document
MAX_SERVICES = 50
MAX_SERVICE_SKILLS = 20
MAX_TEXT = 300


# --- Matching a need to what a cooperative elsewhere offers ------------------------


def same_skill(
    slug: str, names: Iterable[str], other_slug: str, other_names: Iterable[str]
) -> bool:
    """Do two servers' skills name the same thing: the same slug, or a
    name of one that reads the same as a name of the other, by the rule
    that makes two names one skill in our own vocabulary
    (``skill_actions.name_key``: normalised, without spaces, hyphens or dots;
    "C++" stays apart from "C")?"""
    if slug and slug.casefold() == other_slug.casefold():
        return True
    keys = {name_key(name) for name in names if isinstance(name, str)} - {""}
    return any(isinstance(name, str) and name_key(name) in keys for name in other_names)


@dataclass(frozen=True)
class Need:
    """A skill a call needs, at least at ``level``: in our vocabulary."""

    slug: str
    names: dict[str, str]
    level: int

    @property
    def name(self) -> str:
        return localised(self.names) or self.slug


@dataclass(frozen=True)
class OfferedService:
    name: str
    skills: list[str]  # slugs, in the other server's vocabulary


def _text(value: Any) -> str:
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def offered_services(data: Any) -> list[OfferedService]:
    """The services a remote cooperative's document offers, with the
    skills they are in; anything of another shape left out."""
    raw = data.get("services") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    services = []
    for entry in raw[:MAX_SERVICES]:
        if not isinstance(entry, dict) or not _text(entry.get("name")):
            continue
        skills = entry.get("skills")
        slugs = [_text(s) for s in skills[:MAX_SERVICE_SKILLS]] if isinstance(skills, list) else []
        services.append(OfferedService(_text(entry["name"]), [s for s in slugs if s]))
    return services


@dataclass
class RemoteCoverage:
    """How a cooperative elsewhere covers one need: its services in the
    skill, and how many of its members have the skill, the most skilled of
    them at the level needed or above (its server tells us no more)."""

    need: Need
    services: list[str] = field(default_factory=list)
    members: int = 0
    highest: int = 0

    def __str__(self) -> str:
        parts = [
            _("offers “%(service)s” (%(skill)s)") % {"service": title, "skill": self.need.name}
            for title in self.services
        ]
        if self.members:
            parts.append(
                ngettext(
                    "%(count)s member has %(skill)s at %(level)s",
                    "%(count)s members have %(skill)s, the most skilled at %(level)s",
                    self.members,
                )
                % {
                    "count": self.members,
                    "skill": self.need.name,
                    "level": str(Level(self.highest).label),
                }
            )
        return "; ".join(parts)


def coverage(needs: Iterable[Need], data: Any) -> list[RemoteCoverage]:
    """The needs a remote cooperative's document covers: by a service in
    the skill, or by members who have it with the most skilled at the
    needed level or above. The needs needing the most first."""
    skills = remote_skills(data)
    services = offered_services(data)
    covered = []
    for need in needs:
        need_names = list(need.names.values())
        matching = [
            skill
            for skill in skills
            if same_skill(need.slug, need_names, skill.slug, skill.names.values())
        ]
        # A service names skills by slug; a slug of one of its own skills
        # that matches by name counts too.
        slugs = {skill.slug.casefold() for skill in matching} | {need.slug.casefold()}
        found = RemoteCoverage(need)
        found.services = [
            service.name
            for service in services
            if any(slug.casefold() in slugs for slug in service.skills)
        ]
        able = [skill for skill in matching if skill.highest >= need.level and skill.members]
        if able:
            best = max(able, key=lambda skill: (skill.members, skill.highest))
            found.members, found.highest = best.members, best.highest
        if found.services or found.members:
            covered.append(found)
    return sorted(covered, key=lambda c: (-c.need.level, c.need.name.casefold()))


@dataclass
class RemotePartner:
    """A cooperative on another server that could take part in a call."""

    actor: Actor
    covered: list[RemoteCoverage]

    @property
    def name(self) -> str:
        return self.actor.name

    @property
    def url(self) -> str:
        """Its page for people; only an http(s) address is ever a link."""
        for candidate in (self.actor.url, self.actor.uri):
            if remote_actors.checked_url(candidate):
                return candidate
        return ""

    @property
    def domain(self) -> str:
        return self.actor.domain

    @property
    def people(self) -> int:
        return sum(c.members for c in self.covered)

    @property
    def reason(self) -> str:
        return "; ".join(str(c) for c in self.covered)


def rank(partners: list[RemotePartner]) -> list[RemotePartner]:
    """As the local suggestions are ranked: by how many needs they cover,
    then by how many of their members could help."""
    return sorted(partners, key=lambda p: (-len(p.covered), -p.people, p.name.casefold(), p.url))


# --- Fetching, bounded -------------------------------------------------------------


class Budget:
    """The time the fetches for one page may take together."""

    def __init__(self, seconds: float = BUDGET):
        self.deadline = time.monotonic() + seconds

    def timeout(self) -> float:
        """The timeout of the next fetch; RemoteError once it is spent."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise remote_actors.RemoteError("out of time for this page")
        return min(FETCH_TIMEOUT, left)


def _fetch(uri: str, budget: Budget) -> dict[str, Any]:
    """A document of another server, within what is left of the page's time."""
    if identity.is_local(uri):
        raise remote_actors.RemoteError("not a URL of another server")
    return remote_actors.fetch_document(uri, timeout=budget.timeout(), max_bytes=MAX_BYTES)


def _key(kind: str, uri: str) -> str:
    # URIs are long and may hold characters a cache backend refuses in keys.
    return f"federation:partners:{kind}:" + hashlib.sha256(uri.encode()).hexdigest()


def _read_members(network: Actor, budget: Budget) -> list[str]:
    collection = _fetch(network.followers, budget)
    page: Any = collection.get("first") or collection
    found: list[str] = []
    for _page in range(MEMBER_PAGES):
        if isinstance(page, str):
            page = _fetch(page, budget)
        if not isinstance(page, dict):
            break
        items = page.get("orderedItems", page.get("items"))
        for item in items if isinstance(items, list) else []:
            uri = remote_actors.checked_url(item.get("id") if isinstance(item, dict) else item)
            if uri is not None and uri not in found:
                found.append(uri)
            if len(found) >= MEMBERS_PER_NETWORK:
                break
        page = page.get("next")
        if len(found) >= MEMBERS_PER_NETWORK or not page:
            break
    return found[:MEMBERS_PER_NETWORK]


def network_members(network: Actor, budget: Budget) -> list[str]:
    """The actor URIs in a network elsewhere's followers collection (its
    accepted members), the first ``MEMBERS_PER_NETWORK``, cached for a few
    minutes; none if it cannot be read now."""
    key = _key("members", network.uri)
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    if not network.followers:
        return []
    try:
        members = _read_members(network, budget)
    except remote_actors.RemoteError as error:
        log.info("members of %s not read: %s", network.uri, error.reason)
        if time.monotonic() < budget.deadline:  # the server failed, not our budget
            cache.set(key, [], FAILED_CACHE_SECONDS)
        return []
    cache.set(key, members, MEMBERS_CACHE_SECONDS)
    return members


def _fresh(actor: Actor) -> bool:
    return (
        actor.fetched_at is not None and timezone.now() - actor.fetched_at < remote_actors.FRESH_FOR
    )


def _elsewhere(uri: str) -> bool:
    domain = identity.domain_of(uri)
    return not identity.is_local(uri) and domain != identity.local_domain()


def member_actors(uris: list[str], budget: Budget) -> list[Actor]:
    """The actors of ``uris`` on other servers: our cached row while it is
    fresh, else fetched (and cached); one that cannot be fetched now is
    skipped, or its older row used."""
    uris = [remote_actors.without_fragment(uri) for uri in uris]
    uris = [uri for uri in dict.fromkeys(uris) if _elsewhere(uri)]
    known = {a.uri: a for a in Actor.objects.filter(uri__in=uris, local=False)}
    actors = []
    for uri in uris:
        cached = known.get(uri)
        if cached is not None and _fresh(cached):
            actors.append(cached)
            continue
        failed = _key("failed", uri)
        if not cache.get(failed):
            try:
                fetched = remote_actors.actor_from_document(_fetch(uri, budget))
                if _elsewhere(fetched.uri):
                    actors.append(remote_actors.save_actor(fetched))
                    continue
            except remote_actors.RemoteError as error:
                log.info("member %s not read: %s", uri, error.reason)
                if time.monotonic() < budget.deadline:
                    cache.set(failed, True, FAILED_CACHE_SECONDS)
        if cached is not None:
            actors.append(cached)
    return actors


# --- Which cooperatives elsewhere share a network with ours ------------------------------


def members_of_networks_here(coop_id: int) -> list[Actor]:
    """The cooperatives on other servers in the networks hosted here that
    ``coop_id`` belongs to (by a membership row or an accepted request)."""
    joined = Follow.objects.filter(
        follower__cooperative_id=coop_id,
        state=Follow.State.ACCEPTED,
        followed__local=True,
        followed__network__isnull=False,
    ).values("followed__network_id")
    rows = NetworkMembership.objects.filter(cooperative_id=coop_id).values("network_id")
    follows = Follow.objects.filter(
        Q(followed__network_id__in=rows) | Q(followed__network_id__in=joined),
        state=Follow.State.ACCEPTED,
        follower__local=False,
        follower__role=Actor.Role.COOPERATIVE,
    ).select_related("follower")
    return [follow.follower for follow in follows]


def networks_elsewhere(coop_id: int) -> list[Actor]:
    """The networks on other servers that accepted ``coop_id``."""
    follows = Follow.objects.filter(
        follower__cooperative_id=coop_id,
        state=Follow.State.ACCEPTED,
        followed__local=False,
        followed__role=Actor.Role.NETWORK,
    ).select_related("followed")
    return [follow.followed for follow in follows.order_by("followed__uri")]


def remote_neighbours(coop_id: int, budget: Budget) -> list[Actor]:
    """The cooperatives on other servers that share a network with
    ``coop_id``, each once, blocked servers left out."""
    found = {actor.uri: actor for actor in members_of_networks_here(coop_id)}
    for network in networks_elsewhere(coop_id):
        uris = [uri for uri in network_members(network, budget) if uri not in found]
        for actor in member_actors(uris, budget):
            found.setdefault(actor.uri, actor)
    return [
        actor
        for actor in found.values()
        if not actor.local
        and actor.role == Actor.Role.COOPERATIVE
        and _elsewhere(actor.uri)
        and policy.domain_allowed(actor.domain)
    ]


def suggest_remote_partners(call: Call, *, limit: int = SUGGESTIONS) -> list[RemotePartner]:
    """The cooperatives on other servers that share a network with the
    posting one and cover at least one of the call's needs, by a service in
    that skill or by members who have it at the level needed or above:
    ranked by how many needs they cover, then by how many members could help."""
    needs = [
        Need(need.skill.slug, dict(need.skill.names), need.level)
        for need in call.needs.select_related("skill")
    ]
    if not needs:
        return []
    partners = []
    for actor in remote_neighbours(call.cooperative_id, Budget()):
        covered = coverage(needs, actor.data)
        if covered:
            partners.append(RemotePartner(actor, covered))
    return rank(partners)[:limit]
