"""Nobody finds what they may not read: a visitor, a member of another
cooperative, a member of a cooperative in the same network and a member of
the cooperative itself each find exactly what they may read; and the
filters by kind, language and cooperative."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from taawun.errors import InvalidInput
from taawun.governance import actions as governance
from taawun.knowledge.models import Article, PersonSkill, Skill
from taawun.knowledge.search import search
from taawun.membership import actions, networks
from tests import factories

pytestmark = pytest.mark.django_db


def _article(coop, key, visibility, *, title="Seed library", language="en"):
    author = coop.members.order_by("number").first()
    return Article.objects.create(
        cooperative=coop,
        slug=key,
        language=language,
        title=title,
        body=f"How we keep the seed library ({key}).",
        visibility=visibility,
        author=author,
    )


@pytest.fixture
def world():
    """Cooperatives a and b share a network; c stands alone. a has a
    public, a network-wide and a members-only article, a discussion with a
    proposal, and a member with a skill."""
    a, b, c = (factories.cooperative() for _ in range(3))
    net = networks.create_network(slug="seeds", names={"en": "Seeds"})
    networks.join_network(a, net)
    networks.join_network(b, net)
    for visibility in ("public", "network", "cooperative"):
        _article(a, visibility, visibility)
    founder = factories.founder_of(a)
    discussion = governance.start_discussion(
        by=founder, coop=a, title="Seed library hours", body="Open on Fridays?"
    )
    governance.add_proposal(
        by=founder, discussion=discussion, title="Seed library on Fridays", body="From ten."
    )
    gardener = factories.member(a, factories.person("Amal Gardener"))
    skill = Skill.objects.create(
        slug="seed-saving", names={"en": "Seed saving", "ar": "حفظ البذور"}
    )
    PersonSkill.objects.create(user=gardener.user, skill=skill, level=3)
    return {"a": a, "b": b, "c": c, "gardener": gardener, "discussion": discussion}


def _found(user, query="seed"):
    return sorted(
        (h.kind, h.url.rsplit("/", 2)[-2] if h.kind == "article" else h.title)
        for h in search(query, user=user).hits
    )


def test_a_visitor_finds_only_what_is_public(world):
    assert _found(None) == [("article", "public")]
    assert _found(AnonymousUser()) == [("article", "public")]


def test_a_member_of_a_cooperative_outside_the_network_finds_only_the_public(world):
    assert _found(factories.member(world["c"]).user) == [("article", "public")]


def test_a_member_in_the_same_network_also_finds_what_is_shared_with_the_network(world):
    assert _found(factories.member(world["b"]).user) == [
        ("article", "network"),
        ("article", "public"),
    ]


def test_a_member_finds_everything_of_their_cooperative(world):
    found = _found(factories.member(world["a"]).user)
    assert found == [
        ("article", "cooperative"),
        ("article", "network"),
        ("article", "public"),
        ("discussion", "<mark>Seed</mark> library hours"),
        ("member", "Amal Gardener"),
        ("proposal", "<mark>Seed</mark> library on Fridays"),
    ]


def test_members_are_found_by_their_skills_in_every_language_and_level(world):
    reader = factories.member(world["a"]).user
    for query in ("حفظ البذور", "seed saving", "advanced", "amal"):
        hits = search(query, user=reader, kind="member").hits
        assert [h.title for h in hits] and "Gardener" in hits[0].title, query
        assert hits[0].url == f"/coops/{world['a'].slug}/members/{world['gardener'].pk}/"


def test_a_withdrawn_member_s_skills_disappear(world):
    reader = factories.member(world["a"]).user
    gardener = world["gardener"]
    actions.withdraw_membership(gardener, by=gardener.user)
    assert search("seed saving", user=reader, kind="member").hits == []


def test_an_applicant_reads_only_the_public(world):
    applicant = factories.applicant(world["a"])
    assert _found(applicant.user) == [("article", "public")]


def test_the_kind_filter_keeps_one_kind(world):
    reader = factories.member(world["a"]).user
    assert {h.kind for h in search("seed", user=reader, kind="proposal").hits} == {"proposal"}
    assert {h.kind for h in search("seed", user=reader, kind="course").hits} == set()


def test_the_language_filter_keeps_one_language(world):
    _article(world["a"], "arabic", "public", title="مكتبة البذور seed", language="ar")
    assert [h.language for h in search("seed", language="ar").hits] == ["ar"]
    assert {h.language for h in search("seed", language="en").hits} == {"en"}


def test_the_cooperative_filter_keeps_one_cooperative(world):
    _article(world["c"], "elsewhere", "public")
    assert len(search("seed").hits) == 2
    hits = search("seed", cooperative=world["c"].slug).hits
    assert [h.cooperative_slug for h in hits] == [world["c"].slug]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kind": "secret"}, "kind"),
        ({"language": "xx"}, "language"),
        ({"cooperative": "no-such-coop"}, "coop"),
        ({"cooperative": "bad\x00slug"}, "coop"),
        ({"page": 0}, "page"),
        ({"page": 51}, "page"),
    ],
)
def test_a_filter_that_does_not_exist_is_refused_with_a_reason(world, options, field):
    with pytest.raises(InvalidInput) as refused:
        search("seed", **options)
    assert refused.value.field == field
