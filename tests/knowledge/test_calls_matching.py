"""The matching of a call's needs to people and partner cooperatives: who is
suggested, in which order, and the reason spelled out."""

from __future__ import annotations

import pytest

from taawun.knowledge import call_actions as actions
from taawun.knowledge import skill_actions
from taawun.knowledge.call_queries import score, suggest_partners, suggest_people
from taawun.knowledge.models import Level, Visibility
from taawun.membership import actions as membership
from taawun.membership import networks
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def skills(founder):  # type: ignore[no-untyped-def]
    return {
        name: skill_actions.add_skill(by=founder, names={"en": name})
        for name in ("Django", "design", "Arabic")
    }


def has(user, skill, level):  # type: ignore[no-untyped-def]
    skill_actions.declare_skill(by=user, skill=skill, level=level, mentors=False)


def person_in(coop, name):  # type: ignore[no-untyped-def]
    return factories.member(coop, factories.person(name)).user


def post(coop, founder, skills, visibility=Visibility.NETWORK):  # type: ignore[no-untyped-def]
    return actions.post_call(
        by=founder,
        coop=coop,
        title="A booking site",
        body="We need a site.",
        terms="paid",
        needs=[(skills["Django"], Level.ADVANCED), (skills["design"], Level.BEGINNER)],
        visibility=visibility,
    )


def test_score_counts_needs_met_at_or_above_their_level_then_the_levels():
    needs = {1: 3, 2: 1}
    assert score(needs, {1: 4, 2: 2}) == (2, 6)
    assert score(needs, {1: 2, 2: 2}) == (1, 2)  # Django below the level: not met
    assert score(needs, {3: 4}) == (0, 0)


def test_people_are_ranked_by_needs_met_then_level_with_the_reason(coop, founder, skills):
    call = post(coop, founder, skills)
    amal = person_in(coop, "Amal")
    has(amal, skills["Django"], Level.EXPERT)
    has(amal, skills["design"], Level.INTERMEDIATE)
    badr = person_in(coop, "Badr")
    has(badr, skills["Django"], Level.ADVANCED)
    has(badr, skills["design"], Level.BEGINNER)
    carim = person_in(coop, "Carim")
    has(carim, skills["design"], Level.EXPERT)
    has(carim, skills["Django"], Level.INTERMEDIATE)
    dina = person_in(coop, "Dina")
    has(dina, skills["Arabic"], Level.EXPERT)  # nothing the call needs

    people = suggest_people(call)
    assert [p.member.user for p in people] == [amal, badr, carim]
    assert people[0].reason == (
        "has Django at expert (needs advanced); has design at intermediate (needs beginner)"
    )
    assert people[2].reason == (
        "has design at expert (needs beginner); has Django only at intermediate (needs advanced)"
    )
    assert (people[2].met, people[2].is_own) == (1, True)


def test_the_member_who_posted_is_not_suggested_and_responders_are_marked(coop, founder, skills):
    has(founder, skills["Django"], Level.EXPERT)
    call = post(coop, founder, skills)
    amal = person_in(coop, "Amal")
    has(amal, skills["design"], Level.BEGINNER)
    actions.respond_to_call(by=amal, call=call, message="Count me in")
    people = suggest_people(call)
    assert [(p.member.user, p.has_responded) for p in people] == [(amal, True)]


def test_former_members_are_not_suggested(coop, founder, skills):
    call = post(coop, founder, skills)
    amal = factories.member(coop, factories.person("Amal"))
    has(amal.user, skills["Django"], Level.EXPERT)
    membership.withdraw_membership(amal, by=amal.user)
    assert suggest_people(call) == []


@pytest.fixture
def partner(coop):  # type: ignore[no-untyped-def]
    """A cooperative that shares a network with ``coop``."""
    partner = factories.cooperative()
    network = networks.create_network(slug="net", names={"en": "Net"})
    networks.join_network(coop, network)
    networks.join_network(partner, network)
    return partner


def test_members_of_network_cooperatives_are_suggested_marked_with_their_cooperative(
    coop, founder, skills, partner
):
    stranger = factories.cooperative()
    far = person_in(stranger, "Far")
    has(far, skills["Django"], Level.EXPERT)
    near = person_in(partner, "Near")
    has(near, skills["Django"], Level.EXPERT)
    ours = person_in(coop, "Ours")
    has(ours, skills["Django"], Level.EXPERT)

    people = suggest_people(post(coop, founder, skills))
    assert [(p.member.user, p.is_own) for p in people] == [(ours, True), (near, False)]
    assert people[1].member.cooperative == partner

    members_only = post(coop, founder, skills, visibility=Visibility.COOPERATIVE)
    assert [p.member.user for p in suggest_people(members_only)] == [ours]


def test_someone_in_both_cooperatives_is_suggested_once_as_ours(coop, founder, skills, partner):
    both = person_in(coop, "Both")
    factories.member(partner, both)
    has(both, skills["Django"], Level.ADVANCED)
    people = suggest_people(post(coop, founder, skills))
    assert [(p.member.cooperative, p.is_own) for p in people] == [(coop, True)]


def test_partner_cooperatives_are_suggested_by_their_services_and_members(
    coop, founder, skills, partner
):
    other = factories.cooperative()
    network = networks.create_network(slug="net-2", names={"en": "Net 2"})
    networks.join_network(coop, network)
    networks.join_network(other, network)
    skill_actions.add_service(
        by=factories.founder_of(partner),
        coop=partner,
        title="Booking sites",
        skills=[skills["Django"]],
    )
    designer = person_in(partner, "Designer")
    has(designer, skills["design"], Level.INTERMEDIATE)
    weak = person_in(other, "Weak")
    has(weak, skills["Django"], Level.BEGINNER)  # below the level: covers nothing
    strong = person_in(other, "Strong")
    has(strong, skills["Django"], Level.EXPERT)

    found = suggest_partners(post(coop, founder, skills))
    assert [p.cooperative for p in found] == [partner, other]
    assert found[0].reason == (
        "offers “Booking sites” (Django); 1 member has design at beginner or above"
    )
    assert found[1].reason == "1 member has Django at advanced or above"


def test_no_partner_is_suggested_outside_every_network(coop, founder, skills):
    stranger = factories.cooperative()
    skill_actions.add_service(
        by=factories.founder_of(stranger), coop=stranger, title="Sites", skills=[skills["Django"]]
    )
    assert suggest_partners(post(coop, founder, skills)) == []
