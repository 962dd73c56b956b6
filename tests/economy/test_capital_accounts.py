"""Member capital accounts: interest where the bylaws give it, revolving
redemptions after the years they set, the payout on exit and corrections
that leave the corrected entry in place; a statement with its running balance."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from taawun.economy import actions, queries
from taawun.economy.models import CapitalAccountEntry
from taawun.errors import InvalidInput, InvalidTransition, PermissionDenied
from taawun.membership import actions as membership
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


def retained(member, amount: int, on: date) -> CapitalAccountEntry:  # type: ignore[no-untyped-def]
    """A retained patronage dividend, as posting an allocation writes it
    (tests/economy/test_allocation_actions.py), written directly here so that
    it can be dated years back."""
    return CapitalAccountEntry.objects.create(
        cooperative=member.cooperative,
        member=member,
        kind=CapitalAccountEntry.Kind.RETAINED_ALLOCATION,
        amount=amount,
        on=on,
    )


def test_interest_is_credited_where_the_bylaws_give_it(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="3")
    entry = actions.add_capital_entry(by=founder, member=amal, kind="interest", amount="12.50")
    assert entry.amount == 1250
    assert queries.capital_balance(amal) == 1250
    assert books.ledger_kinds(coop)[-1] == "economy.capital_entry"
    data = books.last_entry_data(coop)
    assert data["kind"] == "interest"
    assert data["amount"] == "12.50" and data["balance"] == "12.50"
    assert data["member"] == str(amal.public_id)


def test_no_interest_where_the_bylaws_give_none(coop, founder, amal):
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput, match="no interest") as error:
        actions.add_capital_entry(by=founder, member=amal, kind="interest", amount="12.50")
    assert error.value.field == "kind"
    assert books.snapshot(coop) == before


@pytest.mark.parametrize("kind", ["retained_allocation", "loss_charge", "gift"])
def test_allocations_and_loss_charges_are_not_entered_by_hand(coop, founder, amal, kind):
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.add_capital_entry(by=founder, member=amal, kind=kind, amount="1")
    assert error.value.field == "kind"
    assert books.snapshot(coop) == before


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [("0", "positive"), ("-5", "positive"), ("1.001", "smallest unit"), ("lots", "amount")],
)
def test_a_bad_amount_is_refused_and_nothing_is_written(coop, founder, amal, amount, fragment):
    books.with_economy(coop, capital_interest_percent="3")
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.add_capital_entry(by=founder, member=amal, kind="interest", amount=amount)
    assert error.value.field == "amount"
    assert fragment in str(error.value.message)
    assert books.snapshot(coop) == before


def test_revolving_pays_back_only_allocations_old_enough(coop, founder, amal):
    books.with_economy(coop, revolving_years=3)
    today = books.today()
    retained(amal, 10_000, today - timedelta(days=4 * 366))
    retained(amal, 5_000, today - timedelta(days=365))
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput, match=r"100\.00 of this member's") as error:
        actions.add_capital_entry(
            by=founder, member=amal, kind="revolving_redemption", amount="100.01"
        )
    assert error.value.field == "amount"
    assert books.snapshot(coop) == before
    actions.add_capital_entry(by=founder, member=amal, kind="revolving_redemption", amount="60")
    with pytest.raises(InvalidInput, match=r"40\.00 of this member's"):
        actions.add_capital_entry(by=founder, member=amal, kind="revolving_redemption", amount="41")
    assert queries.capital_balance(amal) == 9_000


def test_no_revolving_where_the_bylaws_set_no_period(coop, founder, amal):
    retained(amal, 10_000, date(2000, 1, 1))
    with pytest.raises(InvalidInput, match="revolving") as error:
        actions.add_capital_entry(by=founder, member=amal, kind="revolving_redemption", amount="1")
    assert error.value.field == "kind"


def test_the_account_is_paid_out_when_the_member_leaves_and_not_before(coop, founder, amal):
    retained(amal, 7_500, date(2020, 6, 30))
    with pytest.raises(InvalidTransition, match="leaves") as error:
        actions.add_capital_entry(by=founder, member=amal, kind="payout", amount="75")
    assert error.value.field == "kind"
    membership.withdraw_membership(amal, by=amal.user)
    with pytest.raises(InvalidInput, match=r"balance of the account \(75.00\)"):
        actions.add_capital_entry(by=founder, member=amal, kind="payout", amount="75.01")
    actions.add_capital_entry(by=founder, member=amal, kind="payout", amount="75")
    assert queries.capital_balance(amal) == 0


def test_a_correction_is_a_new_entry_pointing_at_the_old_one(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="3")
    wrong = actions.add_capital_entry(by=founder, member=amal, kind="interest", amount="30")
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.add_capital_entry(by=founder, member=amal, kind="correction", amount="-27")
    assert error.value.field == "corrects"
    with pytest.raises(InvalidInput) as error:
        actions.add_capital_entry(
            by=founder, member=amal, kind="correction", amount="-27", corrects=wrong
        )
    assert error.value.field == "memo"
    assert books.snapshot(coop) == before
    fix = actions.add_capital_entry(
        by=founder,
        member=amal,
        kind="correction",
        amount="-27",
        corrects=wrong,
        memo="Interest was 3.00, not 30.00",
    )
    assert fix.corrects == wrong and fix.amount == -2700
    assert CapitalAccountEntry.objects.get(pk=wrong.pk).amount == 3000  # still there
    assert queries.capital_balance(amal) == 300
    assert books.last_entry_data(coop)["corrects"] == wrong.pk


def test_a_correction_cannot_point_at_another_members_entry(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="3")
    other = factories.member(coop)
    theirs = actions.add_capital_entry(by=founder, member=other, kind="interest", amount="1")
    with pytest.raises(InvalidInput) as error:
        actions.add_capital_entry(
            by=founder, member=amal, kind="correction", amount="1", corrects=theirs, memo="x"
        )
    assert error.value.field == "corrects"


def test_the_statement_shows_every_entry_with_the_balance_after_it(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="5", revolving_years=1)
    retained(amal, 20_000, date(2021, 12, 31))
    actions.add_capital_entry(
        by=founder, member=amal, kind="interest", amount="10", on=date(2022, 12, 31)
    )
    actions.add_capital_entry(
        by=founder,
        member=amal,
        kind="revolving_redemption",
        amount="50",
        on=date(2023, 1, 15),
        memo="=cmd|' /C calc'!A0",
    )
    lines = queries.capital_statement(amal)
    assert [(line.entry.kind, line.balance) for line in lines] == [
        ("retained_allocation", 20_000),
        ("interest", 21_000),
        ("revolving_redemption", 16_000),
    ]
    rows = list(queries.capital_statement_csv_rows(amal))
    assert rows[0] == ["date", "kind", "amount", "balance", "period", "memo", "corrects"]
    assert rows[3][:4] == ["2023-01-15", "revolving_redemption", "-50.00", "160.00"]
    assert rows[3][5].startswith("'=")


def test_an_entry_can_name_the_period_it_concerns(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="3")
    period = books.last_year(coop)
    entry = actions.add_capital_entry(
        by=founder, member=amal, kind="interest", amount="4", period=period
    )
    assert entry.period == period
    elsewhere = books.last_year(factories.cooperative())
    with pytest.raises(InvalidInput) as error:
        actions.add_capital_entry(
            by=founder, member=amal, kind="interest", amount="4", period=elsewhere
        )
    assert error.value.field == "period"


def test_only_an_office_that_keeps_the_accounts_writes_in_them(coop, amal):
    books.with_economy(coop, capital_interest_percent="3")
    board = factories.member(coop, offices=["board"])
    for person in (amal.user, board.user):
        with pytest.raises(PermissionDenied):
            actions.add_capital_entry(by=person, member=amal, kind="interest", amount="1")


def test_entries_are_append_only_and_their_sign_is_checked_by_the_database(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="3")
    entry = actions.add_capital_entry(by=founder, member=amal, kind="interest", amount="1")
    entry.amount = 100_000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        CapitalAccountEntry.objects.create(
            cooperative=coop, member=amal, kind="payout", amount=500, on=books.today()
        )
