"""Allocating a surplus through the pages: the treasurer sees the allocation
before proposing it, the members vote, it is posted, and every member reads
the allocation and their own notice of allocation, in their language."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from taawun.economy import actions, queries
from taawun.economy.allocation_actions import propose_allocation
from taawun.economy.models import CapitalAccountEntry, SurplusAllocation
from taawun.governance import actions as governance
from taawun.membership.models import Member
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal(coop):  # type: ignore[no-untyped-def]
    member = factories.member(coop, factories.person("Amal", language="ar"))
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE)
    return Member.objects.get(pk=member.pk)


@pytest.fixture
def period(coop, founder, amal):  # type: ignore[no-untyped-def]
    """Last year: the founder worked 1,200 hours and Amal 800, closed."""
    year = books.last_year(coop)
    founder_number = coop.members.get(user=founder).number
    lines = f"member,hours\n{founder_number},1200\n{amal.number},800\n"
    actions.import_contributions(by=founder, period=year, csv_text=lines)
    return actions.close_period(year, by=founder)


def url(name: str, coop, *args) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"economy:{name}", args=[coop.slug, *args])


def test_the_treasurer_sees_the_allocation_before_proposing_it(client, coop, founder, period):
    client.force_login(founder)
    page = client.post(url("allocation_new", coop, period.pk), {"surplus": "20000", "preview": "1"})
    html = page.content.decode()
    # 30% reserve, 5% fund, 13,000.00 shared 1,200 : 800 -> 7,800.00 and 5,200.00.
    assert "6000.00 EGP" in html and "1000.00 EGP" in html and "13000.00 EGP" in html
    assert "7800.00" in html and "5200.00" in html
    assert "<svg" in html and "Where the surplus goes" in html
    assert not SurplusAllocation.objects.exists(), "a preview proposes nothing"

    proposed = client.post(
        url("allocation_new", coop, period.pk), {"surplus": "20000", "propose": "1"}
    )
    found = SurplusAllocation.objects.get()
    assert proposed["Location"] == url("allocation", coop, found.pk)
    assert found.poll is not None and found.poll.state == "open"
    assert found.surplus == 2000000


@pytest.mark.parametrize(
    ("surplus", "message"),
    [
        ("", "This field is required"),
        ("twenty", "not an amount of money"),
        ("100.001", "finer than the smallest unit"),
    ],
)
def test_a_bad_surplus_is_shown_beside_its_field_and_nothing_is_proposed(
    client, coop, founder, period, surplus, message
):
    client.force_login(founder)
    before = books.snapshot(coop)
    page = client.post(url("allocation_new", coop, period.pk), {"surplus": surplus, "propose": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="field-error" id="id_surplus_error"' in html and message in html
    assert books.snapshot(coop) == before


def test_an_open_period_cannot_be_allocated_from_the_page(client, coop, founder):
    open_year = books.last_year(coop)
    client.force_login(founder)
    page = client.post(url("allocation_new", coop, open_year.pk), {"surplus": "10", "preview": "1"})
    assert "still open" in page.content.decode()
    assert not SurplusAllocation.objects.exists()


def test_a_member_without_the_office_cannot_allocate(client, coop, amal, period):
    client.force_login(amal.user)
    assert client.get(url("allocation_new", coop, period.pk)).status_code == 403
    assert client.post(url("allocation_new", coop, period.pk), {"surplus": "1"}).status_code == 403


def test_posting_waits_for_the_vote_then_credits_the_capital_accounts(
    client, coop, founder, amal, period
):
    found = propose_allocation(by=founder, period=period, surplus="20000")
    client.force_login(founder)
    early = client.post(url("allocation_post", coop, found.pk), follow=True)
    assert "still voting" in early.content.decode()
    assert SurplusAllocation.objects.get().state == "proposed"

    for voter in (founder, amal.user):
        governance.cast_vote(found.poll, by=voter, choice={"answer": "yes"})
    governance.close_poll(found.poll, by=founder)
    posted = client.post(url("allocation_post", coop, found.pk), follow=True)
    assert "the capital accounts are credited" in posted.content.decode()
    assert queries.capital_balance(amal) == 520000 - 156000
    assert CapitalAccountEntry.objects.filter(allocation=found).count() == 2


def test_every_member_reads_the_allocation_and_downloads_every_share(
    client, coop, founder, amal, period
):
    found = propose_allocation(by=founder, period=period, surplus="20000")
    client.force_login(amal.user)
    page = client.get(url("allocation", coop, found.pk)).content.decode()
    assert "5200.00" in page and "Amal" in page
    assert reverse("economy:allocation_notice", args=[coop.slug, found.pk]) in page
    assert "Post it to the capital accounts" not in page
    download = client.get(url("allocation_csv", coop, found.pk))
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert sorted(r["dividend"] for r in rows) == ["5200.00", "7800.00"]
    assert sum(int(r["dividend"].replace(".", "")) for r in rows) == found.patronage_pool


def test_the_notice_is_in_the_members_own_language(client, coop, founder, amal, period):
    found = propose_allocation(by=founder, period=period, surplus="20000")
    # The treasurer (who reads English) prints Amal's notice: it is in Arabic.
    client.force_login(founder)
    page = client.get(url("allocation_notice_of", coop, found.pk, amal.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'lang="ar"' in html and "إشعار التوزيع" in html
    assert "800" in html and "5200.00" in html and "40%" in html
    # Amal reads her own; she cannot read the founder's.
    client.force_login(amal.user)
    assert "إشعار التوزيع" in client.get(url("allocation_notice", coop, found.pk)).content.decode()
    founder_member = coop.members.get(user=founder)
    other = client.get(url("allocation_notice_of", coop, found.pk, founder_member.pk))
    assert other.status_code == 403


def test_a_withdrawal_needs_a_reason_and_waits_for_the_vote(client, coop, founder, amal, period):
    found = propose_allocation(by=founder, period=period, surplus="20000")
    client.force_login(founder)
    empty = client.post(url("allocation_withdraw", coop, found.pk), {"reason": ""})
    assert empty.status_code == 200 and 'id="id_reason_error"' in empty.content.decode()
    voting = client.post(url("allocation_withdraw", coop, found.pk), {"reason": "A typo"})
    assert "close the poll" in voting.content.decode()
    assert SurplusAllocation.objects.get().state == "proposed"
    governance.close_poll(found.poll, by=founder)
    done = client.post(url("allocation_withdraw", coop, found.pk), {"reason": "A typo"})
    assert done["Location"] == url("allocations", coop)
    assert SurplusAllocation.objects.get().state == "withdrawn"


def test_the_economy_home_shows_what_the_member_holds(client, coop, founder, amal):
    books.paid_shares(amal, 3)
    client.force_login(amal.user)
    page = client.get(reverse("economy:home", args=[coop.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<dd>3</dd>" in html
    assert reverse("economy:allocations", args=[coop.slug]) in html
