"""A query compiled once answers exactly as the queryset it was built from.

taawun.prepared keeps the SQL of a queryset and runs it again with new
values. These tests compare its answers with the ORM's own, on the database
the suite runs on (SQLite or PostgreSQL), and show that a queryset it could
not run faithfully is refused when it is first prepared.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from taawun.errors import NotFound
from taawun.membership import queries, rules
from taawun.membership.models import Cooperative, Member
from taawun.membership.rules import MEMBER_STATUSES
from taawun.prepared import NotPreparable, PreparedQuery
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in Member._meta.concrete_fields]
COOP_FIELDS = ["id", "public_id", "slug", "names", "country", "currency", "languages", "bylaws"]
COOP_FIELDS += ["created_at", "version"]


def same(found: Member, expected: Member) -> None:
    assert [getattr(found, f) for f in FIELDS] == [getattr(expected, f) for f in FIELDS]


def membership() -> PreparedQuery[Member]:
    return PreparedQuery(
        lambda slug, user_id: Member.objects.select_related("cooperative").filter(
            cooperative__slug=slug, user_id=user_id
        )[:1],
        str,
        int,
    )


def test_a_membership_found_by_the_prepared_query_is_the_one_the_orm_finds(coop, founder):
    member = factories.member(coop, factories.person("Salma Idris"), offices=["treasurer"])
    found = membership()(coop.slug, member.user.pk)
    assert len(found) == 1
    same(found[0], Member.objects.get(pk=member.pk))
    # Values come back converted as the ORM converts them: lists, UUIDs,
    # times with their zone, the cooperative's bylaws as a mapping.
    assert found[0].offices == ["treasurer"]
    assert found[0].public_id == member.public_id
    assert found[0].admitted_at == Member.objects.get(pk=member.pk).admitted_at
    assert found[0]._state.adding is False and found[0]._state.db == "default"


def test_the_cooperative_comes_with_the_membership_in_the_same_query(coop, founder):
    prepared = membership()
    prepared(coop.slug, founder.pk)  # compiled on the first call
    with CaptureQueriesContext(connection) as run:
        (found,) = prepared(coop.slug, founder.pk)
        fetched = found.cooperative
    assert len(run.captured_queries) == 1
    stored = Cooperative.objects.get(pk=coop.pk)
    assert [getattr(fetched, f) for f in COOP_FIELDS] == [getattr(stored, f) for f in COOP_FIELDS]
    assert isinstance(fetched.bylaws, dict) and fetched.bylaws == coop.bylaws


def test_each_call_runs_with_its_own_values_on_the_sql_compiled_once(coop, founder):
    other = factories.cooperative(slug="second-coop")
    someone = factories.person("Omar Farouk")
    factories.member(other, someone)
    prepared = membership()
    assert [m.user_id for m in prepared(coop.slug, founder.pk)] == [founder.pk]
    assert [m.cooperative.slug for m in prepared("second-coop", someone.pk)] == ["second-coop"]
    # Not a member there; no such cooperative: nothing, never another's row.
    assert prepared("second-coop", founder.pk) == []
    assert prepared("no-such-coop", founder.pk) == []
    assert prepared(coop.slug, someone.pk) == []


def test_a_value_that_looks_like_sql_is_only_ever_a_value(coop, founder):
    assert membership()("x' OR '1'='1", founder.pk) == []
    assert membership()(f"{coop.slug}%", founder.pk) == []


def test_constants_of_the_query_stay_in_place_beside_the_arguments(coop, founder):
    applicant = factories.applicant(coop, factories.person("Lina Saleh"))
    current = PreparedQuery(
        lambda coop_id: Member.objects.filter(
            cooperative_id=coop_id, status__in=MEMBER_STATUSES
        ).order_by("number"),
        int,
    )
    found = current(coop.pk)
    expected = Member.objects.filter(cooperative=coop, status__in=MEMBER_STATUSES)
    expected = expected.order_by("number")
    assert [m.pk for m in found] == [m.pk for m in expected]
    assert applicant.pk not in [m.pk for m in found]


def test_the_directory_s_membership_look_up_uses_it_and_agrees_with_the_orm(coop, founder):
    member = factories.member(coop, factories.person("Huda Karim"))
    found_coop, found = queries.cooperative_as(coop.slug, member.user)
    assert found is not None and found.pk == member.pk and found_coop.pk == coop.pk
    same(found, Member.objects.get(pk=member.pk))
    stranger = factories.person("Not A Member")
    found_coop, found = queries.cooperative_as(coop.slug, stranger)
    assert found is None and found_coop.pk == coop.pk


@pytest.mark.parametrize(
    ("build", "types", "reason"),
    [
        (lambda name: Member.objects.filter(user__name__icontains=name), (str,), "transformed"),
        (lambda coop_id: Member.objects.filter(cooperative_id=coop_id).values(), (int,), "neither"),
        (
            lambda coop_id: Member.objects.filter(cooperative_id=coop_id).annotate(n=Count("id")),
            (int,),
            "annotations",
        ),
        (
            lambda coop_id: Member.objects.filter(cooperative_id=coop_id).defer("statement"),
            (int,),
            "defers",
        ),
        (
            lambda coop_id: Member.objects.filter(cooperative_id=coop_id).prefetch_related("user"),
            (int,),
            "prefetches",
        ),
        (lambda coop_id: Member.objects.all()[:10], (int,), "do not reach the SQL"),
    ],
)
def test_a_queryset_it_could_not_run_faithfully_is_refused_with_the_reason(
    coop, build, types, reason
):
    prepared = PreparedQuery(build, *types)
    with pytest.raises(NotPreparable, match=reason):
        prepared(*[("x" if t is str else coop.pk) for t in types])


def test_arguments_of_the_wrong_kind_are_refused_before_any_query(coop, founder):
    prepared = membership()
    with CaptureQueriesContext(connection) as run:
        with pytest.raises(TypeError, match="expected int, got str"):
            prepared(coop.slug, str(founder.pk))
        with pytest.raises(TypeError, match="expected int, got bool"):
            prepared(coop.slug, True)
        with pytest.raises(TypeError, match="expected 2 arguments"):
            prepared(coop.slug)
    assert run.captured_queries == []
    with pytest.raises(NotPreparable, match="takes 2 arguments but 1"):
        PreparedQuery(lambda slug, user_id: Member.objects.none(), str)
    with pytest.raises(NotPreparable, match="float"):
        PreparedQuery(lambda share: Member.objects.none(), float)


def test_tuples_of_values_come_back_converted_as_the_orm_gives_them(coop, founder):
    other = factories.cooperative(founder, slug="third-coop")
    rejected = factories.applicant(factories.cooperative(slug="fourth-coop"), founder)
    rejected.status = Member.Status.REJECTED
    rejected.save()

    def versions(user_id):  # type: ignore[no-untyped-def]
        return (
            Member.objects.filter(user_id=user_id)
            .exclude(status=Member.Status.REJECTED)
            .order_by("pk")
            .values_list("pk", "cooperative__public_id", "cooperative__version")
        )

    found = PreparedQuery(versions, int)(founder.pk)
    assert found == list(versions(founder.pk))
    assert [public_id for _, public_id, _ in found] == [coop.public_id, other.public_id]
    assert queries.membership_versions(founder) == found
    assert PreparedQuery(versions, int)(factories.person().pk) == []


def test_a_flat_or_named_list_of_values_is_refused(coop):
    for build in (
        lambda coop_id: Member.objects.filter(cooperative_id=coop_id).values_list("pk", flat=True),
        lambda coop_id: Member.objects.filter(cooperative_id=coop_id).values_list("pk", named=True),
    ):
        with pytest.raises(NotPreparable, match="neither model instances nor tuples"):
            PreparedQuery(build, int)(coop.pk)


def test_a_members_powers_are_read_without_asking_for_the_cooperative_again(coop, founder):
    treasurer = factories.member(coop, factories.person("Rana Aziz"), offices=["treasurer"])
    stored = Cooperative.objects.get(pk=coop.pk)
    with CaptureQueriesContext(connection) as run:
        member = rules.access_officer(treasurer.user, stored, "keep_accounts")
        powers = rules.powers_of(member)
    assert len(run.captured_queries) == 1
    assert member.pk == treasurer.pk and "keep_accounts" in powers
    assert rules.powers_of(rules.membership_of(founder, stored)) >= powers
    assert rules.membership_of(factories.person(), stored) is None


def test_a_cooperative_is_found_by_its_slug_and_an_unknown_one_is_not(coop):
    assert queries.get_cooperative(coop.slug).pk == coop.pk
    with pytest.raises(NotFound, match="no-such-coop"):
        queries.get_cooperative("no-such-coop")
