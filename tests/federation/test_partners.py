"""A call for collaboration finds partner cooperatives on other servers:
those in the networks it shares with them (hosted here or elsewhere) whose
services or members cover its needs, matched across two vocabularies by
slug or by name, with the reason spelled out; a server that fails never
breaks the call's page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from taawun.federation import identity, partners, policy, remote_actors
from taawun.federation.models import Actor, Follow
from taawun.knowledge import call_actions, skill_actions
from taawun.knowledge.models import Call, Level, Visibility
from taawun.membership import networks
from tests import factories
from tests.federation.httpservers import Reply, json_reply
from tests.federation.peers import Peer

pytestmark = pytest.mark.django_db

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Member lists and failures are cached between requests, and the
    # test process keeps one cache for every test.
    cache.clear()


# --- Matching across two vocabularies ----------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (("django", ["Django"]), ("django", ["Something else"])),  # the same slug
        (("web-design", ["Web design"]), ("design-web", ["web  DESIGN"])),
        (("infosec", ["أمن المعلومات"]), ("amn", ["امن المعلومات"])),  # hamza left off
        (("infosec", ["أمن المعلومات"]), ("amn", ["أَمْن المعلومات"])),  # short vowels
        (("nodejs", ["Node.js"]), ("node", ["NodeJS"])),
        (("pr", ["العلاقات العامة"]), ("pr-2", ["العلاقات العامه"])),  # ta marbuta as ha
    ],
)
def test_a_need_matches_a_skill_elsewhere_by_slug_or_by_a_name_however_spelt(
    ours: tuple[str, list[str]], theirs: tuple[str, list[str]]
) -> None:
    assert partners.same_skill(ours[0], ours[1], theirs[0], theirs[1])
    assert partners.same_skill(theirs[0], theirs[1], ours[0], ours[1])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (("c", ["C"]), ("cpp", ["C++"])),
        (("design", ["Design"]), ("web-design", ["Web design"])),
        (("x", ["!!"]), ("y", ["??"])),  # names without letters name nothing
    ],
)
def test_different_skills_do_not_match(
    ours: tuple[str, list[str]], theirs: tuple[str, list[str]]
) -> None:
    assert not partners.same_skill(ours[0], ours[1], theirs[0], theirs[1])


@given(st.text(alphabet=ARABIC_LETTERS, min_size=1, max_size=20))
def test_an_arabic_name_matches_itself_with_marks_and_tatweel(name: str) -> None:
    decorated = "\u0640".join(name) + "\u064e"  # tatweel between letters, a fatha at the end
    assert partners.same_skill("ours", [name], "theirs", [decorated])


def need(slug: str, level: int, **names: str) -> partners.Need:
    return partners.Need(slug, names or {"en": slug.title()}, level)


def offered(slug: str, level: int, count: int = 2, **names: str) -> dict[str, Any]:
    """A skill as a cooperative's document lists it (identity.actor_document)."""
    return {"slug": slug, "nameMap": names, "count": count, "highestLevel": level}


def test_members_cover_a_need_only_if_the_most_skilled_reaches_its_level() -> None:
    needs = [need("django", Level.ADVANCED)]
    below = {"skills": [offered("django", Level.INTERMEDIATE, count=9)]}
    at = {"skills": [offered("django", Level.ADVANCED, count=1)]}

    assert partners.coverage(needs, below) == []
    [covered] = partners.coverage(needs, at)
    assert (covered.members, covered.highest) == (1, Level.ADVANCED)
    assert str(covered) == "1 member has Django at advanced"


def test_a_service_in_the_skill_covers_a_need_whatever_the_members_level() -> None:
    needs = [need("django", Level.EXPERT, en="Django"), need("ux", Level.BEGINNER, en="UX")]
    data = {
        "skills": [offered("dj", Level.BEGINNER, en="django")],
        "services": [
            {"name": "Booking sites", "summary": "", "skills": ["dj"]},  # their slug, our name
            {"name": "Hosting", "skills": ["hosting"]},
            {"name": 7, "skills": ["ux"]},  # not a service of a shape we read
        ],
    }
    [covered] = partners.coverage(needs, data)
    assert covered.need.slug == "django" and covered.members == 0
    assert str(covered) == "offers “Booking sites” (Django)"


def test_a_document_of_the_wrong_shape_covers_nothing() -> None:
    needs = [need("django", Level.BEGINNER)]
    for data in (None, [], {"skills": "django"}, {"skills": [{"slug": "django"}]}):
        assert partners.coverage(needs, data) == []


# --- The posting cooperative and its call ------------------------------------------------


@pytest.fixture
def skills(founder) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "django": skill_actions.add_skill(by=founder, names={"en": "Django", "ar": "جانغو"}),
        "design": skill_actions.add_skill(
            by=founder, names={"en": "Web design", "ar": "تصميم المواقع"}
        ),
    }


@pytest.fixture
def call(coop, founder, skills) -> Call:  # type: ignore[no-untyped-def]
    return call_actions.post_call(
        by=founder,
        coop=coop,
        title="A booking site",
        body="We need a site.",
        terms="paid",
        needs=[(skills["django"], Level.ADVANCED), (skills["design"], Level.BEGINNER)],
        visibility=Visibility.NETWORK,
    )


def accepted(follower: Actor, followed: Actor) -> Follow:
    return Follow.objects.create(
        follower=follower,
        followed=followed,
        state=Follow.State.ACCEPTED,
        uri=identity.activity_uri(uuid.uuid4()),
    )


# --- A network elsewhere ----------------------------------------------------------------


def remote_coop(peer: Peer, name: str, *, skills: Any = (), services: Any = ()) -> str:
    """Publish a cooperative's Group document on the peer; its URI."""
    peer.actor(
        name,
        kind="Group",
        nameMap={"en": name.title(), "ar": "تعاونية " + name},
        url=f"{peer.base}/coops/{name}/",
        location={"type": "Place", "name": "TN", "countryCode": "TN"},
        skills=list(skills),
        services=list(services),
    )
    return peer.uri(name)


def remote_network(peer: Peer, coop: Any, members: list[str]) -> Actor:
    """A network on the peer that ``coop`` joined, whose followers
    collection (its members) lists ``members``, over two pages."""
    peer.actor("arab-net", kind="Group", admission="approval")
    followers = f"{peer.uri('arab-net')}/followers"
    half = len(members) // 2
    peer.routes["/users/arab-net/followers"] = json_reply(
        {"id": followers, "type": "OrderedCollection", "first": f"{followers}?page=1"}
    )
    peer.routes["/users/arab-net/followers?page=1"] = json_reply(
        {
            "id": f"{followers}?page=1",
            "type": "OrderedCollectionPage",
            "orderedItems": members[:half],
            "next": f"{followers}?page=2",
        }
    )
    peer.routes["/users/arab-net/followers?page=2"] = json_reply(
        {
            "id": f"{followers}?page=2",
            "type": "OrderedCollectionPage",
            "orderedItems": members[half:],
        }
    )
    network = remote_actors.fetch_actor(peer.uri("arab-net"))
    assert network.role == Actor.Role.NETWORK
    accepted(identity.coop_actor(coop), network)
    return network


def test_a_cooperative_in_a_network_elsewhere_is_suggested_with_the_reason(
    peer: Peer, coop, call
) -> None:  # type: ignore[no-untyped-def]
    tunis = remote_coop(
        peer,
        "tunis",
        skills=[offered("django", Level.EXPERT, count=3, en="Django")],
        services=[{"name": "Booking sites", "summary": "", "skills": ["django"]}],
    )
    sfax = remote_coop(peer, "sfax", skills=[offered("django", Level.BEGINNER, count=5)])
    ours = identity.coop_actor(coop).uri  # the network lists us too
    remote_network(peer, coop, [ours, sfax, tunis])

    [partner] = partners.suggest_remote_partners(call)

    assert (partner.name, partner.url) == ("Tunis", f"{peer.base}/coops/tunis/")
    assert partner.domain == f"remote.test:{peer.server.port}"
    assert partner.reason == (
        "offers “Booking sites” (Django); 3 members have Django, the most skilled at expert"
    )
    assert not any("/ap/coops/" in path for path in peer.fetches())  # we are not fetched
    # The member list and the members' documents are kept: another look asks nothing.
    asked = len(peer.fetches())
    assert [p.name for p in partners.suggest_remote_partners(call)] == ["Tunis"]
    assert len(peer.fetches()) == asked


def test_a_skill_elsewhere_with_another_slug_is_matched_by_its_arabic_name(
    peer: Peer, coop, call
) -> None:  # type: ignore[no-untyped-def]
    sousse = remote_coop(
        peer, "sousse", skills=[offered("tasmim", Level.INTERMEDIATE, count=1, ar="تَصميم المَواقع")]
    )
    remote_network(peer, coop, [sousse])

    [partner] = partners.suggest_remote_partners(call)

    assert partner.name == "Sousse"
    assert partner.reason == "1 member has Web design at intermediate"


def test_servers_that_fail_are_skipped_and_the_others_still_suggested(
    peer: Peer, coop, call, founder
) -> None:  # type: ignore[no-untyped-def]
    tunis = remote_coop(peer, "tunis", skills=[offered("django", Level.EXPERT, count=3)])
    gone = peer.uri("gone")  # answers 404
    broken = peer.uri("broken")
    peer.routes["/users/broken"] = Reply(status=200, body=b"{not json", headers={})
    slow = remote_coop(peer, "slow", skills=[offered("django", Level.EXPERT, count=9)])
    peer.routes["/users/slow"] = Reply(
        body=peer.routes["/users/slow"].body,
        headers={"Content-Type": "application/activity+json"},
        delay=partners.FETCH_TIMEOUT + 1,
    )
    remote_network(peer, coop, [gone, broken, slow, tunis])

    client = Client()
    client.force_login(founder)
    response = client.get(reverse("knowledge:call", args=[coop.slug, call.pk]))

    assert response.status_code == 200
    assert [p.name for p in response.context["remote_partners"]] == ["Tunis"]
    # A failed member is not asked again at once.
    asked = len(peer.fetches())
    partners.suggest_remote_partners(call)
    assert len(peer.fetches()) == asked


def test_a_network_elsewhere_whose_member_list_fails_gives_no_suggestion_and_no_error(
    peer: Peer, coop, call
) -> None:  # type: ignore[no-untyped-def]
    remote_network(peer, coop, [remote_coop(peer, "tunis", skills=[offered("django", 4)])])
    peer.routes["/users/arab-net/followers"] = Reply(status=500)

    assert partners.suggest_remote_partners(call) == []


# --- A network hosted here with members elsewhere ---------------------------------------------

REMOTE = "b.taawun.test"


def cached_remote_coop(slug: str, *, skills: Any = (), services: Any = ()) -> Actor:
    """Another server's cooperative as its document left it in our cache."""
    uri = f"https://{REMOTE}/ap/coops/{slug}"
    return Actor.objects.create(
        uri=uri,
        kind=Actor.Kind.GROUP,
        role=Actor.Role.COOPERATIVE,
        domain=REMOTE,
        username=slug,
        names={"en": slug.title(), "ar": "تعاونية " + slug},
        url=f"https://{REMOTE}/coops/{slug}/",
        inbox=uri + "/inbox",
        data={"id": uri, "type": "Group", "skills": list(skills), "services": list(services)},
    )


def test_remote_members_of_a_network_here_are_ranked_by_needs_covered_then_people(
    coop, call
) -> None:  # type: ignore[no-untyped-def]
    network = networks.create_network(slug="arab-tech", names={"en": "Arab tech"})
    networks.join_network(coop, network)
    here = identity.network_actor(network)
    both = cached_remote_coop(
        "both",
        skills=[offered("django", Level.ADVANCED, count=1), offered("web-design", 1, count=1)],
    )
    many = cached_remote_coop("many", skills=[offered("django", Level.EXPERT, count=9)])
    service = cached_remote_coop(
        "service", services=[{"name": "Mockups", "summary": "", "skills": ["web-design"]}]
    )
    asking = cached_remote_coop("asking", skills=[offered("django", Level.EXPERT, count=9)])
    for member in (both, many, service):
        accepted(member, here)
    Follow.objects.create(follower=asking, followed=here, uri="https://b.taawun.test/f/1")
    local_partner = factories.cooperative()
    networks.join_network(local_partner, network)

    found = partners.suggest_remote_partners(call)

    assert [p.name for p in found] == ["Both", "Many", "Service"]
    assert found[0].reason == (
        "1 member has Django at advanced; 1 member has Web design at beginner"
    )
    assert found[2].reason == "offers “Mockups” (Web design)"
    assert all(p.domain == REMOTE for p in found)  # our own are the local suggestions


def test_a_cooperative_in_no_network_elsewhere_gets_no_remote_suggestion(coop, call) -> None:  # type: ignore[no-untyped-def]
    other = networks.create_network(slug="other", names={"en": "Other"})
    accepted(
        cached_remote_coop("far", skills=[offered("django", 4)]), identity.network_actor(other)
    )

    assert partners.suggest_remote_partners(call) == []


# --- The call's page -------------------------------------------------------------------


def client_for(user: Any, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["ar", "en"])
def test_members_see_partners_elsewhere_on_the_call_page_in_their_language(
    peer: Peer, coop, call, founder, language: str
) -> None:  # type: ignore[no-untyped-def]
    tunis = remote_coop(peer, "tunis", skills=[offered("django", Level.EXPERT, count=3)])
    remote_network(peer, coop, [tunis])

    html = (
        client_for(founder, language)
        .get(reverse("knowledge:call", args=[coop.slug, call.pk]))
        .content.decode()
    )

    assert f'lang="{language}"' in html
    name = {"en": "Tunis", "ar": "تعاونية tunis"}[language]
    assert f'<a href="{peer.base}/coops/tunis/" dir="auto">{name}</a>' in html
    assert f"<bdi>remote.test:{peer.server.port}</bdi>" in html
    assert {"en": "Suggested partner cooperatives", "ar": "تعاونيات شريكة مقترحة"}[language] in html
    assert {"en": "expert", "ar": "خبير"}[language] in html
    assert "No cooperative in your networks covers these skills yet." not in html


def test_others_see_no_partners_and_cause_no_fetch(peer: Peer, coop, call) -> None:  # type: ignore[no-untyped-def]
    tunis = remote_coop(peer, "tunis", skills=[offered("django", Level.EXPERT, count=3)])
    remote_network(peer, coop, [tunis])
    call.visibility = Visibility.PUBLIC  # so that an outsider reads it
    call.save(update_fields=["visibility"])
    asked = len(peer.fetches())

    for language in ("ar", "en"):
        response = client_for(factories.person(), language).get(
            reverse("knowledge:call", args=[coop.slug, call.pk])
        )
        html = response.content.decode()
        assert response.status_code == 200 and "A booking site" in html
        assert "/coops/tunis/" not in html and "remote.test" not in html
    assert len(peer.fetches()) == asked


def test_a_cooperative_on_a_blocked_server_is_not_suggested(coop, call) -> None:  # type: ignore[no-untyped-def]
    network = networks.create_network(slug="arab-tech", names={"en": "Arab tech"})
    networks.join_network(coop, network)
    accepted(
        cached_remote_coop("far", skills=[offered("django", 4)]), identity.network_actor(network)
    )
    assert [p.name for p in partners.suggest_remote_partners(call)] == ["Far"]

    policy.block_domain("taawun.test", reason="spam")

    assert partners.suggest_remote_partners(call) == []
