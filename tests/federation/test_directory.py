"""The network directory's reads: who is in a network (here and on other
servers), what they offer, and the search by skill in either language and
any common spelling."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.errors import NotFound
from taawun.federation import directory
from taawun.federation.models import Actor, Follow
from taawun.knowledge import demo_skills, skill_actions, skill_queries
from taawun.membership import networks
from taawun.membership.models import Network
from tests import factories

REMOTE = "b.taawun.test"


def make_actor(**fields: Any) -> Actor:
    return Actor.objects.create(**fields)


def remote_coop(slug: str, *, skills: Any = (), services: Any = (), country: str = "TN") -> Actor:
    """Another server's cooperative as its actor document (the shape
    identity.actor_document gives) left it in our cache."""
    uri = f"https://{REMOTE}/ap/coops/{slug}"
    return make_actor(
        uri=uri,
        kind=Actor.Kind.GROUP,
        role=Actor.Role.COOPERATIVE,
        domain=REMOTE,
        username=slug,
        names={"en": slug.title(), "ar": "تعاونية " + slug},
        url=f"https://{REMOTE}/coops/{slug}/",
        inbox=uri + "/inbox",
        data={
            "id": uri,
            "type": "Group",
            "location": {"type": "Place", "name": country, "countryCode": country},
            "skills": list(skills),
            "services": list(services),
        },
    )


def network_actor_row(network: Network) -> Actor:
    """Our network's actor, as identity.network_actor would make it (without
    keys: nothing here signs)."""
    uri = f"http://testserver/ap/networks/{network.slug}"
    return make_actor(
        uri=uri,
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        local=True,
        domain="testserver",
        username=network.slug,
        network=network,
    )


def joined(actor: Actor, network_actor: Actor, state: str = Follow.State.ACCEPTED) -> Follow:
    return Follow.objects.create(
        follower=actor,
        followed=network_actor,
        state=state,
        uri=f"{actor.uri}#follows/{network_actor.pk}",
    )


SECURITY = {
    "slug": "information-security",
    "nameMap": {"ar": "أمن المعلومات", "en": "Information security"},
    "count": 2,
    "highestLevel": 4,
}


# --- Search by skill: pure ---------------------------------------------------------


def matches(query: str, slug: str, *names: str) -> bool:
    return directory.skill_matches(directory.query_terms(query), slug, names)


@pytest.mark.parametrize(
    "query",
    [
        "Information security",
        "information",
        "SECURITY",
        "info sec",
        "information-security",
        "أمن المعلومات",
        "امن المعلومات",  # alef without its hamza
        "إمن",  # hamza below where above was meant
        "المعلومات",
        "معلومات",  # without the article
        "بالمعلومات",  # with a preposition in front
        "أَمْن",  # with short vowels
        "أمـــن",  # stretched with tatweel
    ],
)
def test_a_skill_is_found_by_any_spelling_of_its_names_or_its_slug(query: str) -> None:
    assert matches(query, "information-security", "أمن المعلومات", "Information security")


@pytest.mark.parametrize("query", ["", "   ", "python", "security python", "أمان", "-"])
def test_a_search_for_another_skill_or_for_nothing_finds_nothing(query: str) -> None:
    assert not matches(query, "information-security", "أمن المعلومات", "Information security")


@given(st.text(min_size=1, max_size=40))
def test_a_name_always_finds_its_own_skill(name: str) -> None:
    if directory.query_terms(name):
        assert matches(name, "x", name)


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_the_order_of_the_words_searched_does_not_matter(
    first: str, second: str, name: str
) -> None:
    assert matches(f"{first} {second}", "slug", name) == matches(f"{second} {first}", "slug", name)


# --- Another server's profile: read defensively -----------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)


@given(JSON)
def test_any_remote_document_is_read_without_error(data: Any) -> None:
    for skill in directory.remote_skills(data):
        assert skill.slug and skill.members >= 0 and 1 <= skill.highest <= 4
    for service in directory.remote_services(data):
        assert service.name
    assert len(directory.remote_country(data)) in (0, 2)


def test_a_remote_profile_keeps_the_well_formed_skills_only() -> None:
    data = {
        "skills": [
            SECURITY,
            {"slug": "python", "nameMap": {"en": "Python"}, "count": 1, "highestLevel": 2},
            {"slug": "bad-level", "count": 1, "highestLevel": 9},
            {"slug": "bad-count", "count": -3, "highestLevel": 1},
            {"slug": "", "count": 1, "highestLevel": 1},
            {"slug": "true-level", "count": 1, "highestLevel": True},
            "not a skill",
        ],
        "services": [{"name": "Audits", "summary": "Of web sites"}, {"summary": "no name"}, 7],
        "location": {"countryCode": "tn"},
    }
    skills = directory.remote_skills(data)
    assert [(s.slug, s.members, s.highest) for s in skills] == [
        ("information-security", 2, 4),
        ("python", 1, 2),
    ]
    assert directory.remote_services(data) == [directory.OfferedService("Audits", "Of web sites")]
    assert directory.remote_country(data) == "TN"
    assert directory.remote_country({"location": {"countryCode": "<b>"}}) == ""


# --- Member cooperatives, here and elsewhere --------------------------------------


@pytest.fixture
def network(db: Any) -> Network:
    demo_skills.load_vocabulary()
    return networks.create_network(slug="arab-tech", names={"en": "Arab Tech", "ar": "تقنية"})


def test_the_directory_lists_local_and_remote_members_with_what_they_offer(
    network: Network,
) -> None:
    founder = factories.person("Salma")
    here = factories.cooperative(founder, slug="here-coop")
    networks.join_network(here, network)
    skill_actions.declare_skill(by=founder, skill="python", level=3, mentors=False)
    skill_actions.add_service(
        by=founder, coop=here, title="Web sites", skills=[skill_queries.get_skill("python")]
    )
    network_actor = network_actor_row(network)
    there = remote_coop(
        "tunis-coop", skills=[SECURITY], services=[{"name": "Audits", "summary": "Security"}]
    )
    joined(there, network_actor)
    joined(remote_coop("asking"), network_actor, state=Follow.State.PENDING)
    joined(remote_coop("refused"), network_actor, state=Follow.State.REJECTED)

    members = {m.name: m for m in directory.member_coops(network)}

    assert set(members) == {"Test Cooperative", "Tunis-Coop"}
    local, remote = members["Test Cooperative"], members["Tunis-Coop"]
    assert (local.local, local.domain, local.country) == (True, "testserver", "EG")
    assert [(s.slug, s.members, s.highest) for s in local.skills] == [("python", 1, 3)]
    assert [s.name for s in local.services] == ["Web sites"]
    assert (remote.local, remote.domain, remote.country) == (False, REMOTE, "TN")
    assert [(s.slug, s.members, s.highest) for s in remote.skills] == [
        ("information-security", 2, 4)
    ]
    assert remote.services == [directory.OfferedService("Audits", "Security")]
    assert [r.follower.username for r in directory.pending_requests(network)] == ["asking"]


def test_a_local_cooperative_that_joined_by_request_is_listed_once(network: Network) -> None:
    here = factories.cooperative(slug="both-ways")
    networks.join_network(here, network)
    ours = make_actor(
        uri="http://testserver/ap/coops/both-ways",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.COOPERATIVE,
        local=True,
        domain="testserver",
        username="both-ways",
        cooperative=here,
    )
    joined(ours, network_actor_row(network))

    assert [m.cooperative for m in directory.member_coops(network)] == [here]
    assert [h.members for h in directory.hosted_networks()] == [1]


def test_search_finds_members_by_skill_the_highest_level_first(network: Network) -> None:
    network_actor = network_actor_row(network)
    beginner = dict(SECURITY, count=5, highestLevel=1)
    joined(remote_coop("novices", skills=[beginner]), network_actor)
    joined(remote_coop("experts", skills=[SECURITY]), network_actor)
    joined(
        remote_coop("coders", skills=[{"slug": "python", "count": 1, "highestLevel": 4}]),
        network_actor,
    )
    members = directory.member_coops(network)

    for query in ("security", "أمن", "امن المعلومات"):
        found = directory.search(members, query)
        assert [(m.coop.actor.username, m.skill.highest) for m in found] == [  # type: ignore[union-attr]
            ("experts", 4),
            ("novices", 1),
        ], query
    assert directory.search(members, "cobol") == []


def test_unknown_network_and_members_are_not_found(network: Network) -> None:
    with pytest.raises(NotFound):
        directory.get_network("no-such-network")
    outsider = factories.cooperative(slug="outsider")
    with pytest.raises(NotFound):
        directory.get_local_member(network, outsider.slug)
    asking = remote_coop("asking")
    joined(asking, network_actor_row(network), state=Follow.State.PENDING)
    with pytest.raises(NotFound):
        directory.get_remote_member(network, asking.pk)


def test_networks_elsewhere_list_our_member_cooperatives(db: Any) -> None:
    here = factories.cooperative(slug="member-here")
    ours = make_actor(
        uri="http://testserver/ap/coops/member-here",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.COOPERATIVE,
        local=True,
        domain="testserver",
        username="member-here",
        cooperative=here,
    )
    far = make_actor(
        uri=f"https://{REMOTE}/ap/networks/maghreb",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        domain=REMOTE,
        username="maghreb",
        names={"en": "Maghreb"},
    )
    pending = make_actor(
        uri=f"https://{REMOTE}/ap/networks/waiting",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        domain=REMOTE,
        username="waiting",
    )
    joined(ours, far)
    joined(ours, pending, state=Follow.State.PENDING)

    [entry] = directory.networks_elsewhere()
    assert entry.actor == far and entry.cooperatives == [here]
    places = directory.coop_networks(here)
    assert {f.followed.username: f.state for f in places.networks} == {
        "maghreb": "accepted",
        "waiting": "pending",
    }
