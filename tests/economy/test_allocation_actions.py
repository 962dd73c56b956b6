"""Allocating a closed period's surplus: the treasurer previews and proposes,
the general meeting approves by a poll where the bylaws ask for one, and only
then are the retained shares credited to the capital accounts and the ledger
told, in one transaction. Every refusal leaves nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from taawun.economy import actions, queries
from taawun.economy.allocation_actions import (
    post_allocation,
    preview_allocation,
    propose_allocation,
    reserve_balance,
    withdraw_allocation,
)
from taawun.economy.models import AllocationShare, CapitalAccountEntry, SurplusAllocation
from taawun.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from taawun.governance import actions as governance
from taawun.membership.models import Member
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


@pytest.fixture
def badr(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


def closed_year(coop, hours: dict[Member, str]):  # type: ignore[no-untyped-def]
    """Last year, with ``hours`` imported (approved) for each member, closed."""
    period = books.last_year(coop)
    lines = ["member,hours"] + [f"{m.number},{h}" for m, h in hours.items()]
    founder = factories.founder_of(coop)
    actions.import_contributions(by=founder, period=period, csv_text="\n".join(lines) + "\n")
    return actions.close_period(period, by=founder)


def approve_by_vote(found: SurplusAllocation, voters: list[Member], answer: str = "yes") -> None:
    poll = found.poll
    assert poll is not None
    for voter in voters:
        governance.cast_vote(poll, by=voter.user, choice={"answer": answer})
    governance.close_poll(poll, by=factories.founder_of(found.cooperative))


def active(*members: Member) -> list[Member]:
    for member in members:
        Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE)
    return list(members)


def test_a_worked_example_shares_the_surplus_as_the_bylaws_say(coop, founder, amal, badr):
    # Bylaws: 30% reserve, 5% education and community fund, 30% of each
    # dividend in cash. Surplus 10,000.00: reserve 3,000.00, fund 500.00,
    # pool 6,500.00, shared by hours 600 : 400 : 0 -> 3,900.00 and 2,600.00;
    # cash 30% -> 1,170.00 and 780.00; retained 2,730.00 and 1,820.00.
    period = closed_year(coop, {amal: "600", badr: "400"})
    preview = preview_allocation(by=founder, period=period, surplus="10000.00")
    assert (preview.reserve, preview.community, preview.patronage_pool) == (
        300000,
        50000,
        650000,
    )
    shares = {s.member_id: s for s in preview.preview_shares}  # type: ignore[attr-defined]
    assert (shares[amal.pk].dividend, shares[amal.pk].cash, shares[amal.pk].retained) == (
        390000,
        117000,
        273000,
    )
    assert (shares[badr.pk].dividend, shares[badr.pk].cash, shares[badr.pk].retained) == (
        260000,
        78000,
        182000,
    )
    assert shares[amal.pk].patronage == "600"
    assert not SurplusAllocation.objects.exists(), "a preview writes nothing"


def test_the_general_meeting_approves_before_anything_is_posted(coop, founder, amal, badr):
    period = closed_year(coop, {amal: "600", badr: "400"})
    found = propose_allocation(by=founder, period=period, surplus="10000")
    assert found.poll is not None and found.poll.state == "open"
    assert found.shares.count() == 2
    before = books.snapshot(coop)
    with pytest.raises(Conflict, match="still voting"):
        post_allocation(found, by=founder)
    assert books.snapshot(coop) == before

    approve_by_vote(found, [Member.objects.get(pk=m.pk) for m in active(amal, badr)])
    posted = post_allocation(found, by=founder)
    assert posted.state == "posted"
    entries = CapitalAccountEntry.objects.filter(allocation=posted).order_by("member_id")
    assert [(e.member_id, e.kind, e.amount) for e in entries] == [
        (amal.pk, "retained_allocation", 273000),
        (badr.pk, "retained_allocation", 182000),
    ]
    assert queries.capital_balance(amal) == 273000
    assert books.ledger_kinds(coop)[-2:] == [
        "poll.closed",
        "economy.allocation_posted",
    ]
    data = books.last_entry_data(coop)
    assert data["retained"] == "4550.00" and data["shares_digest"] == posted.shares_digest
    assert reserve_balance(coop) == 300000


def test_a_proposal_the_meeting_turns_down_is_never_posted(coop, founder, amal, badr):
    period = closed_year(coop, {amal: "10", badr: "10"})
    found = propose_allocation(by=founder, period=period, surplus="100")
    approve_by_vote(found, active(amal, badr), answer="no")
    before = books.snapshot(coop)
    with pytest.raises(Conflict, match="did not approve"):
        post_allocation(found, by=founder)
    assert books.snapshot(coop) == before
    withdrawn = withdraw_allocation(found, by=founder, reason="Turned down at the AGM")
    assert withdrawn.state == "withdrawn"
    again = propose_allocation(by=founder, period=period, surplus="80")
    assert again.surplus == 8000


def test_without_a_poll_in_the_bylaws_the_treasurer_posts_at_once(coop, founder, amal):
    coop = books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "7.5"})
    found = propose_allocation(by=founder, period=period, surplus="1000")
    assert found.poll is None
    post_allocation(found, by=founder)
    assert queries.capital_balance(amal) == 100000 - 30000 - 5000 - 19500


def test_approving_without_the_required_poll_is_refused(coop, founder, amal):
    coop = books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "8"})
    found = propose_allocation(by=founder, period=period, surplus="1000")
    books.with_economy(coop, allocation_needs_poll=True)
    before = books.snapshot(coop)
    with pytest.raises(Conflict, match="approve an allocation by a poll"):
        post_allocation(found, by=founder)
    assert books.snapshot(coop) == before


def test_an_open_period_cannot_be_allocated(coop, founder, amal):
    period = books.last_year(coop)
    before = books.snapshot(coop)
    with pytest.raises(InvalidTransition, match="still open"):
        propose_allocation(by=founder, period=period, surplus="1000")
    assert books.snapshot(coop) == before
    assert not SurplusAllocation.objects.exists()


def test_a_period_is_allocated_once(coop, founder, amal):
    coop = books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "8"})
    post_allocation(propose_allocation(by=founder, period=period, surplus="1000"), by=founder)
    before = books.snapshot(coop)
    with pytest.raises(Conflict, match="already allocated"):
        propose_allocation(by=founder, period=period, surplus="1000")
    with pytest.raises(Conflict, match="already allocated"):
        preview_allocation(by=founder, period=period, surplus="1000")
    assert books.snapshot(coop) == before


def test_a_second_proposal_waits_for_the_first_to_be_withdrawn(coop, founder, amal):
    period = closed_year(coop, {amal: "8"})
    propose_allocation(by=founder, period=period, surplus="1000")
    with pytest.raises(Conflict, match="already proposed"):
        propose_allocation(by=founder, period=period, surplus="900")
    assert SurplusAllocation.objects.count() == 1


def test_a_withdrawal_waits_for_the_vote_to_close(coop, founder, amal):
    period = closed_year(coop, {amal: "8"})
    found = propose_allocation(by=founder, period=period, surplus="1000")
    with pytest.raises(Conflict, match="close the poll"):
        withdraw_allocation(found, by=founder, reason="A typo")
    with pytest.raises(InvalidInput) as refused:
        withdraw_allocation(found, by=founder, reason="  ")
    assert refused.value.field == "reason"
    assert SurplusAllocation.objects.get().state == "proposed"


def test_only_the_treasurer_may_allocate(coop, founder, amal):
    period = closed_year(coop, {amal: "8"})
    with pytest.raises(PermissionDenied):
        preview_allocation(by=amal.user, period=period, surplus="1000")
    with pytest.raises(PermissionDenied):
        propose_allocation(by=amal.user, period=period, surplus="1000")
    found = propose_allocation(by=founder, period=period, surplus="1000")
    with pytest.raises(PermissionDenied):
        post_allocation(found, by=amal.user)
    with pytest.raises(PermissionDenied):
        withdraw_allocation(found, by=amal.user, reason="no")


@pytest.mark.parametrize(
    ("surplus", "fragment"),
    [
        ("", "net surplus"),
        ("ten pounds", "not an amount"),
        ("10.005", "finer than"),
        ("1e6", "not an amount"),
    ],
)
def test_a_malformed_surplus_is_refused_beside_its_field(coop, founder, amal, surplus, fragment):
    period = closed_year(coop, {amal: "8"})
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput, match=fragment) as refused:
        propose_allocation(by=founder, period=period, surplus=surplus)
    assert refused.value.field == "surplus"
    assert books.snapshot(coop) == before and not SurplusAllocation.objects.exists()


def test_a_period_without_patronage_cannot_share_a_surplus(coop, founder):
    period = books.last_year(coop)
    actions.close_period(period, by=founder)
    with pytest.raises(InvalidInput, match="No contributions were approved"):
        preview_allocation(by=founder, period=period, surplus="100")


def test_a_loss_is_charged_to_the_reserve_and_then_to_capital_accounts(coop, founder, amal, badr):
    coop = books.with_economy(coop, allocation_needs_poll=False, loss_reserve_percent="50")
    year = books.last_year(coop)
    lines = f"member,hours\n{amal.number},30\n{badr.number},10\n"
    actions.import_contributions(by=founder, period=year, csv_text=lines)
    actions.close_period(year, by=founder)
    # Last year a surplus of 1,000.00 put 300.00 in the reserve.
    post_allocation(propose_allocation(by=founder, period=year, surplus="1000"), by=founder)
    assert reserve_balance(coop) == 30000
    # This year (a period of two days that ended yesterday) a loss of 1,000.00:
    # half is 500.00, but the reserve holds only 300.00, so it carries 300.00
    # and the members 700.00, by patronage 3 : 1 -> 525.00 and 175.00.
    yesterday = timezone.localdate() - timedelta(days=1)
    loss_year = actions.open_period(
        by=founder,
        coop=coop,
        name="Short year",
        starts_on=yesterday - timedelta(days=1),
        ends_on=yesterday,
    )
    actions.import_contributions(by=founder, period=loss_year, csv_text=lines)
    actions.close_period(loss_year, by=founder)
    found = propose_allocation(by=founder, period=loss_year, surplus="-1000")
    assert (found.reserve, found.community, found.patronage_pool) == (-30000, 0, -70000)
    assert found.cash_total == 0
    post_allocation(found, by=founder)
    charges = CapitalAccountEntry.objects.filter(allocation=found).order_by("member_id")
    assert [(c.member_id, c.kind, c.amount) for c in charges] == [
        (amal.pk, "loss_charge", -52500),
        (badr.pk, "loss_charge", -17500),
    ]
    assert reserve_balance(coop) == 0


def test_the_shares_are_frozen_when_proposed(coop, founder, amal, badr):
    coop = books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "1", badr: "2"})
    found = propose_allocation(by=founder, period=period, surplus="100")
    # A later change of the bylaws does not change what was proposed.
    books.with_economy(coop, reserve_percent="50")
    post_allocation(found, by=founder)
    shares = AllocationShare.objects.filter(allocation=found)
    assert sum(s.dividend for s in shares) == found.patronage_pool == 10000 - 3000 - 500
    assert found.rules["reserve_percent"] == "30"


def test_posting_writes_each_entry_as_the_treasurer_on_the_day(coop, founder, amal, badr):
    coop = books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "3", badr: "1"})
    found = post_allocation(
        propose_allocation(by=founder, period=period, surplus="400"), by=founder
    )
    treasurer = coop.members.get(user=founder)
    for entry in CapitalAccountEntry.objects.filter(allocation=found):
        assert entry.on == timezone.localdate() and entry.recorded_by_id == treasurer.pk
        assert entry.period_id == period.pk and entry.memo == f"Allocation of {period.name}"
        assert abs(entry.recorded_at - timezone.now()) < timedelta(minutes=1)
    assert books.last_entry_data(coop)["capital_entries"] == 2


def test_books_changed_behind_the_actions_after_closing_are_not_allocated(coop, founder, amal):
    from taawun.economy.models import Contribution

    period = closed_year(coop, {amal: "8"})
    # Someone edits the database directly: the ledger recorded the period as closed with 8 hours.
    Contribution.objects.filter(period=period).update(quantity="80")
    with pytest.raises(Conflict, match="changed outside Taawun"):
        propose_allocation(by=founder, period=period, surplus="1000")
    assert not SurplusAllocation.objects.exists()


def test_the_digests_joined_by_hand_are_those_of_the_canonical_json():
    import hashlib
    import json
    import uuid

    from taawun.economy.allocation_actions import _shares_digest
    from taawun.economy.queries import rows_digest, thousandths_digest, thousandths_text

    names = {n: str(uuid.UUID(int=n * 7919)) for n in range(1, 6)}
    rows = [(m, m, kind, m * 1234 + len(kind)) for m in names for kind in ("hours", "sales_2")]
    expected = rows_digest([[names[m], k, thousandths_text(t)] for m, _, k, t in rows])
    assert thousandths_digest(list(reversed(rows)), names) == expected
    shares = [(names[1], "12.5", 1050, 315, 735), (names[2], "1/3", -7, 0, -7)]
    canonical = json.dumps([list(s) for s in shares], separators=(",", ":"), ensure_ascii=False)
    assert _shares_digest(shares) == hashlib.sha256(canonical.encode()).hexdigest()
