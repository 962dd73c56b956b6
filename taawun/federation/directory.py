"""Reads for the network pages: a network's directory of member cooperatives
(here and on other servers) with the skills and services they offer, the
search of it by skill, the networks a cooperative here belongs to, and a
cooperative's follows.

A member cooperative on this server is described from our own tables
(``knowledge.skill_queries.coop_profile``); one on another server from the
document its server published (``Actor.data``: ``skills``, ``services``,
``location``, see ``identity.actor_document``). That document comes from
elsewhere, so it is read defensively: anything of the wrong shape is left
out, never trusted and never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.federation.identity import local_domain
from taawun.federation.models import Actor, Follow
from taawun.knowledge.models import Level
from taawun.knowledge.normalise import index_terms, tokens
from taawun.knowledge.skill_queries import coop_profile
from taawun.membership.models import Cooperative, Network, NetworkMembership, localised

# What is kept of another server's profile, so that a huge or hostile
# document cannot fill the page.
MAX_REMOTE_SKILLS = 200
MAX_REMOTE_SERVICES = 50
MAX_TEXT = 300


@dataclass(frozen=True)
class OfferedSkill:
    """A skill a member cooperative offers: how many of its members hold it
    and the highest level among them (counts, never names)."""

    slug: str
    names: dict[str, str]
    members: int
    highest: int

    @property
    def name(self) -> str:
        return localised(self.names) or self.slug

    @property
    def highest_label(self) -> str:
        return str(Level(self.highest).label)


@dataclass(frozen=True)
class OfferedService:
    name: str
    summary: str


@dataclass
class MemberCoop:
    """One member cooperative of a network, as the directory shows it."""

    name: str
    url: str
    domain: str
    country: str
    local: bool
    skills: list[OfferedSkill] = field(default_factory=list)
    services: list[OfferedService] = field(default_factory=list)
    # Which member this is, for a coordinator removing it: the local
    # cooperative or the remote actor.
    cooperative: Cooperative | None = None
    actor: Actor | None = None

    @property
    def key(self) -> str:
        """Stable order: by name in the reader's language, then address."""
        return self.name.casefold() + "\0" + self.url


@dataclass(frozen=True)
class SkillMatch:
    """A member cooperative that offers a skill the search asked for."""

    coop: MemberCoop
    skill: OfferedSkill


# --- Search by skill ------------------------------------------------------------


def query_terms(text: str) -> list[list[str]]:
    """The words of a skill search, each with the forms it may be found
    under (normalised; an Arabic word also without its article or prefix)."""
    return [index_terms(token) for token in tokens(text)]


def skill_matches(terms: list[list[str]], slug: str, names: Iterable[str]) -> bool:
    """Does a skill (its slug and its names in every language) match the
    search ``terms`` (from ``query_terms``)? Every word searched must begin
    a word of the slug or of one name, in any of their forms, so that
    "pyth" finds Python, "امن" finds "أمن المعلومات" and "الشبكات" finds
    "شبكات". No words: nothing matches."""
    if not terms:
        return False
    texts = [slug.replace("-", " "), *names]
    for text in texts:
        words = [form for token in tokens(text) for form in index_terms(token)]
        if all(any(word.startswith(form) for form in forms for word in words) for forms in terms):
            return True
    return False


def _skill_names(skill: OfferedSkill) -> list[str]:
    return [name for name in skill.names.values() if isinstance(name, str)]


def search(members: list[MemberCoop], text: str) -> list[SkillMatch]:
    """The member cooperatives offering a skill matching ``text``, the
    highest level and the most members first."""
    terms = query_terms(text)
    found = [
        SkillMatch(coop, skill)
        for coop in members
        for skill in coop.skills
        if skill_matches(terms, skill.slug, _skill_names(skill))
    ]
    return sorted(found, key=lambda m: (-m.skill.highest, -m.skill.members, m.coop.key))


# --- Another server's cooperative -------------------------------------------------


def _text(value: Any) -> str:
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def _names(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        str(lang)[:16]: _text(name)
        for lang, name in list(value.items())[:20]
        if isinstance(lang, str) and _text(name)
    }


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def remote_skills(data: Any) -> list[OfferedSkill]:
    """The skills a remote cooperative's document offers, those of a
    recognisable shape only: a slug, a count, a level we know."""
    raw = data.get("skills") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    offered = []
    for entry in raw[:MAX_REMOTE_SKILLS]:
        if not isinstance(entry, dict):
            continue
        slug = _text(entry.get("slug"))
        count = _count(entry.get("count"))
        level = entry.get("highestLevel")
        if not slug or count is None or level not in Level.values or isinstance(level, bool):
            continue
        offered.append(OfferedSkill(slug, _names(entry.get("nameMap")), count, int(level)))
    return sorted(offered, key=lambda s: (-s.members, -s.highest, s.name.casefold()))


def remote_services(data: Any) -> list[OfferedService]:
    raw = data.get("services") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    services = []
    for entry in raw[:MAX_REMOTE_SERVICES]:
        if isinstance(entry, dict) and _text(entry.get("name")):
            services.append(OfferedService(_text(entry["name"]), _text(entry.get("summary"))))
    return services


def remote_country(data: Any) -> str:
    location = data.get("location") if isinstance(data, dict) else None
    if not isinstance(location, dict):
        return ""
    code = _text(location.get("countryCode"))
    return code.upper() if len(code) == 2 and code.isascii() and code.isalpha() else ""


def _remote_member(actor: Actor) -> MemberCoop:
    return MemberCoop(
        name=actor.name,
        url=actor.url or actor.uri,
        domain=actor.domain,
        country=remote_country(actor.data),
        local=False,
        skills=remote_skills(actor.data),
        services=remote_services(actor.data),
        actor=actor,
    )


def _local_member(coop: Cooperative) -> MemberCoop:
    profile = coop_profile(coop)
    return MemberCoop(
        name=coop.name,
        url=coop.get_absolute_url(),
        domain=local_domain(),
        country=coop.country,
        local=True,
        skills=[
            OfferedSkill(p.skill.slug, dict(p.skill.names), p.members, p.highest)
            for p in profile["skills"]
        ],
        services=[OfferedService(s.title, s.description) for s in profile["services"]],
        cooperative=coop,
    )


# --- Networks hosted here -----------------------------------------------------------


def get_network(slug: str) -> Network:
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise NotFound(_("There is no such network on this server."))
    return network


def _joined(network: Network) -> QuerySet[Follow]:
    """Accepted requests to join ``network``: its members that asked over
    the network protocol."""
    return Follow.objects.filter(followed__network=network, state=Follow.State.ACCEPTED)


def member_coops(network: Network) -> list[MemberCoop]:
    """Every member cooperative of ``network``: those here (a membership
    row, or an accepted request from one of our cooperatives) and those on
    other servers (an accepted request from their actor)."""
    local_ids = set(
        NetworkMembership.objects.filter(network=network).values_list("cooperative_id", flat=True)
    )
    remote = []
    for follow in _joined(network).select_related("follower"):
        actor = follow.follower
        if actor.local and actor.cooperative_id is not None:
            local_ids.add(actor.cooperative_id)
        elif not actor.local and actor.role == Actor.Role.COOPERATIVE:
            remote.append(_remote_member(actor))
    local = [_local_member(coop) for coop in Cooperative.objects.filter(pk__in=local_ids)]
    return sorted(local + remote, key=lambda m: m.key)


def pending_requests(network: Network) -> QuerySet[Follow]:
    """Cooperatives asking to join ``network``, the oldest request first."""
    return (
        Follow.objects.filter(followed__network=network, state=Follow.State.PENDING)
        .select_related("follower")
        .order_by("created_at", "id")
    )


def get_pending_request(network: Network, follow_id: int) -> Follow:
    follow = pending_requests(network).filter(pk=follow_id).first()
    if follow is None:
        raise NotFound(_("This request is not waiting for an answer any more."))
    return follow


def get_remote_member(network: Network, actor_id: int) -> Actor:
    follow = _joined(network).filter(follower_id=actor_id).select_related("follower").first()
    if follow is None:
        raise NotFound(_("This cooperative is not a member of the network."))
    return follow.follower


def get_local_member(network: Network, slug: str) -> Cooperative:
    coop = Cooperative.objects.filter(slug=slug).first()
    if coop is None or not (
        NetworkMembership.objects.filter(network=network, cooperative=coop).exists()
        or _joined(network).filter(follower__cooperative=coop).exists()
    ):
        raise NotFound(_("This cooperative is not a member of the network."))
    return coop


@dataclass(frozen=True)
class HostedNetwork:
    network: Network
    members: int


def hosted_networks() -> list[HostedNetwork]:
    """The networks hosted on this server, with how many cooperatives are in each."""
    networks = list(Network.objects.all())
    local = dict.fromkeys((n.pk for n in networks), 0)
    for row in NetworkMembership.objects.values_list("network_id", flat=True):
        local[row] += 1
    remote = dict.fromkeys(local, 0)
    joined = Follow.objects.filter(
        state=Follow.State.ACCEPTED, followed__network__isnull=False
    ).filter(Q(follower__local=False) | Q(follower__cooperative__isnull=False))
    # A local cooperative with both a membership row and an accepted request
    # counts once.
    both = set(NetworkMembership.objects.values_list("network_id", "cooperative_id"))
    for network_id, coop_id in joined.values_list(
        "followed__network_id", "follower__cooperative_id"
    ):
        if (network_id, coop_id) not in both and network_id in remote:
            remote[network_id] += 1
    return [HostedNetwork(n, local[n.pk] + remote[n.pk]) for n in networks]


@dataclass(frozen=True)
class NetworkElsewhere:
    """A network on another server that some of our cooperatives belong to."""

    actor: Actor
    cooperatives: list[Cooperative]


def networks_elsewhere() -> list[NetworkElsewhere]:
    joined = (
        Follow.objects.filter(
            state=Follow.State.ACCEPTED,
            followed__local=False,
            followed__role=Actor.Role.NETWORK,
            follower__cooperative__isnull=False,
        )
        .select_related("followed", "follower__cooperative")
        .order_by("followed__uri", "follower__cooperative__slug")
    )
    found: dict[int, NetworkElsewhere] = {}
    for follow in joined:
        entry = found.setdefault(follow.followed_id, NetworkElsewhere(follow.followed, []))
        assert follow.follower.cooperative is not None
        entry.cooperatives.append(follow.follower.cooperative)
    return sorted(found.values(), key=lambda e: e.actor.name.casefold())


# --- A cooperative's place in the network ----------------------------------------------


@dataclass(frozen=True)
class CoopNetworks:
    """What a cooperative's network page lists."""

    local_networks: list[Network]
    networks: list[Follow]  # its requests to join networks elsewhere (any state)
    following: list[Follow]  # cooperatives it follows (any state)
    followers: list[Follow]  # cooperatives following it (accepted)


def coop_networks(coop: Cooperative) -> CoopNetworks:
    out = Follow.objects.filter(follower__cooperative=coop).select_related("followed")
    out = out.order_by("-created_at", "-id")
    local_networks = list(
        Network.objects.filter(memberships__cooperative=coop).order_by("slug").distinct()
    )
    local_ids = {n.pk for n in local_networks}
    networks = [
        f
        for f in out
        if f.followed.role == Actor.Role.NETWORK and f.followed.network_id not in local_ids
    ]
    following = [f for f in out if f.followed.role != Actor.Role.NETWORK]
    followers = list(
        Follow.objects.filter(
            followed__cooperative=coop,
            state=Follow.State.ACCEPTED,
            follower__role=Actor.Role.COOPERATIVE,
        )
        .select_related("follower")
        .order_by("-created_at", "-id")
    )
    return CoopNetworks(local_networks, networks, following, followers)


def get_local_network_of(coop: Cooperative, slug: str) -> Network:
    network = Network.objects.filter(memberships__cooperative=coop, slug=slug).first()
    if network is None:
        raise NotFound(_("The cooperative is not a member of this network."))
    return network


def get_own_follow(coop: Cooperative, follow_id: int) -> Follow:
    follow = (
        Follow.objects.filter(follower__cooperative=coop, pk=follow_id)
        .select_related("followed")
        .first()
    )
    if follow is None:
        raise NotFound(_("The cooperative does not follow this."))
    return follow


def network_handle(network: Network) -> str:
    """How a cooperative on another server asks to join: ``@slug@domain``."""
    return f"@{network.slug}@{local_domain()}"
