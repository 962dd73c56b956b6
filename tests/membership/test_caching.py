"""Cached pages never show members a stale cooperative.

The directory and the dashboard are kept in the cache under the
cooperative's version (taawun.membership.caching). Each test first looks at
the page, so that it is cached, then changes something through the real
action, and looks again.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from taawun.accounts import actions as accounts
from taawun.governance import actions as governance
from taawun.membership import actions, caching
from taawun.membership.models import Cooperative
from tests import factories
from tests.governance import factories as polls

pytestmark = pytest.mark.django_db


def directory(client, coop, **params):  # type: ignore[no-untyped-def]
    response = client.get(reverse("membership:directory", args=[coop.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_newly_admitted_member_is_in_the_directory_at_once(client, coop, founder):
    client.force_login(founder)
    applicant = factories.applicant(coop, factories.person("Yara Haddad"))
    assert "Yara Haddad" not in directory(client, coop)
    actions.admit_member(applicant, by=founder)
    assert "Yara Haddad" in directory(client, coop)


def test_a_member_who_leaves_is_no_longer_listed(client, coop, founder):
    member = factories.member(coop, factories.person("Omar Saleh"))
    client.force_login(founder)
    assert "Omar Saleh" in directory(client, coop)
    actions.withdraw_membership(member, by=member.user)
    assert "Omar Saleh" not in directory(client, coop)


def test_a_member_who_changes_their_name_is_listed_under_the_new_one(client, coop, founder):
    member = factories.member(coop, factories.person("Lina Old"))
    client.force_login(founder)
    assert "Lina Old" in directory(client, coop)
    accounts.update_settings(member.user, name="Lina New", language="en", time_zone="UTC")
    page = directory(client, coop)
    assert "Lina New" in page and "Lina Old" not in page


def test_a_new_office_shows_in_the_directory(client, coop, founder):
    member = factories.member(coop)
    client.force_login(member.user)
    before = directory(client, coop).count("Treasurer")
    actions.set_offices(member, by=founder, offices=["treasurer"])
    assert directory(client, coop).count("Treasurer") == before + 1


def test_each_reader_sees_the_directory_in_their_own_language(client, coop, founder):
    client.force_login(founder)
    accounts.set_language(founder, "en")
    assert "Worker" in directory(client, coop)
    accounts.set_language(founder, "ar")
    arabic = directory(client, coop)
    assert "Worker" not in arabic and "عامل" in arabic


def test_two_cooperatives_never_share_a_directory(client, founder, coop):
    other = factories.cooperative(slug="other-coop")
    factories.member(other, factories.person("Only Elsewhere"))
    factories.member(coop, factories.person("Only Here"))
    client.force_login(founder)
    assert "Only Here" in directory(client, coop)
    client.force_login(factories.founder_of(other))
    page = directory(client, other)
    assert "Only Elsewhere" in page and "Only Here" not in page


def test_later_pages_list_members_in_number_order(client, coop, founder):
    for n in range(60):
        factories.member(coop, factories.person(f"Member {n:02d}"))
    client.force_login(founder)
    second = client.get(reverse("membership:directory", args=[coop.slug]), {"page": 2})
    numbers = [m.number for m in second.context["page"]]
    assert numbers == list(range(51, 62))
    assert "Page 2 of 2" in second.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page_and_nonsense_the_first(
    client, coop, founder
):
    for _ in range(55):
        factories.member(coop)
    client.force_login(founder)
    assert "Page 2 of 2" in directory(client, coop, page=99)
    assert "Page 1 of 2" in directory(client, coop, page="drop table")
    assert "Page 1 of 2" in directory(client, coop, page=-3)


def test_a_search_always_reads_the_roll_afresh(client, coop, founder):
    client.force_login(founder)
    assert "No member matches" in directory(client, coop, q="Rami")
    factories.member(coop, factories.person("Rami Aziz"))
    assert "Rami Aziz" in directory(client, coop, q="Rami")


def test_a_cached_directory_costs_no_query_for_its_rows(client, coop, founder):
    for _ in range(20):
        factories.member(coop)
    client.force_login(founder)
    directory(client, coop)  # rendered and cached
    with CaptureQueriesContext(connection) as seen:
        directory(client, coop)
    tables = " ".join(q["sql"] for q in seen.captured_queries)
    # The session, the person, and the cooperative with their membership.
    assert len(seen.captured_queries) == 3, tables
    assert "COUNT(" not in tables.upper()


def test_every_ledgered_change_moves_the_cooperatives_version_on(coop, founder):
    before = Cooperative.objects.get(pk=coop.pk).version
    applicant = factories.applicant(coop)
    actions.admit_member(applicant, by=founder)
    assert Cooperative.objects.get(pk=coop.pk).version == before + 2


# --- The dashboard -----------------------------------------------------------


def dashboard(client):  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_officer_sees_a_new_application_on_their_dashboard_at_once(client, coop, founder):
    client.force_login(founder)
    assert "application to decide" not in dashboard(client)
    factories.applicant(coop)
    assert "1 application to decide" in dashboard(client)


def test_a_member_admitted_sees_their_new_cooperative_on_the_dashboard(client, coop, founder):
    applicant = factories.applicant(coop)
    client.force_login(applicant.user)
    assert "waiting for a decision" in dashboard(client)
    actions.admit_member(applicant, by=founder)
    page = dashboard(client)
    assert "waiting for a decision" not in page
    assert "member no. 2" in page


def test_a_poll_to_vote_in_appears_and_goes_once_voted(client, coop, founder):
    member = factories.member(coop)
    client.force_login(member.user)
    assert "Nothing is waiting for you" in dashboard(client)
    poll = polls.poll(coop, founder)
    assert poll.title in dashboard(client)
    governance.cast_vote(poll, by=member.user, choice={"answer": "yes"})
    assert poll.title not in dashboard(client)


def test_a_closed_poll_leaves_the_dashboard(client, coop, founder):
    member = factories.member(coop)
    client.force_login(member.user)
    poll = polls.poll(coop, founder)
    assert poll.title in dashboard(client)
    governance.close_poll(poll, by=founder)
    assert poll.title not in dashboard(client)


# --- Memory: a page that changes does not pile up in the cache ---------------


def entries(*fragments: str) -> list[str]:
    """The keys this process's memory cache holds that name all these
    (Django's LocMemCache keeps its entries in the dict ``_cache``)."""
    return [k for k in cache._cache if all(f in k for f in fragments)]  # type: ignore[attr-defined]


def test_a_process_keeps_one_copy_of_a_directory_page_however_often_it_changes(
    client, coop, founder
):
    client.force_login(founder)
    for _ in range(6):
        directory(client, coop)
        caching.touch([coop.pk])  # what every change members can see does
    page = directory(client, coop)
    held = entries(str(coop.public_id), "directory")
    assert len(held) == 1, held
    coop.refresh_from_db()
    assert held[0].endswith(f"@{coop.version}")
    assert cache.get(held[0].removeprefix(":1:"))["html"] in page  # the one served


def test_a_process_keeps_one_copy_of_a_persons_dashboard_however_often_it_changes(
    client, coop, founder
):
    client.force_login(founder)
    for _ in range(6):
        dashboard(client)
        caching.touch([coop.pk])
    dashboard(client)
    assert len(entries(f"taawun:person:{founder.pk}:")) == 1


def test_each_language_keeps_its_own_copy(client, coop, founder):
    client.force_login(founder)
    accounts.set_language(founder, "en")
    directory(client, coop)
    accounts.set_language(founder, "ar")  # moves the version on: a profile change
    directory(client, coop)
    caching.touch([coop.pk])
    directory(client, coop)
    held = entries(str(coop.public_id), "directory")
    assert sorted(k.split(":directory:")[1].split(":")[0] for k in held) == ["ar", "en"], held
