"""Share capital: subscriptions paid at once or in instalments, transfers the
board approves, redemptions as the bylaws allow, and the register."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taawun.economy import actions, queries
from taawun.economy.models import ShareMovement, ShareRedemption, ShareTransfer
from taawun.errors import InvalidInput, InvalidTransition, PermissionDenied
from taawun.membership import actions as membership
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


@pytest.fixture
def badr(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


# --- Subscriptions and payments -------------------------------------------------------


def test_shares_paid_at_once_are_held_and_recorded_in_the_ledger(coop, founder, amal):
    subscription = actions.subscribe_shares(
        by=founder, member=amal, shares=5, paid_on=books.today()
    )
    assert subscription.price_per_share == 1000  # 10.00 pounds in piastres
    assert subscription.amount_due == 5000
    assert queries.holding(amal) == queries.Holding(5, 5000)
    assert books.ledger_kinds(coop)[-2:] == ["economy.shares_subscribed", "economy.share_payment"]
    payment = books.last_entry_data(coop)
    assert payment["amount"] == "50.00"
    assert payment["shares_paid_up"] == 5
    assert payment["member"] == str(amal.public_id)
    assert amal.user.name not in str(payment)


def test_instalments_pay_up_a_share_only_once_it_is_paid_in_full(coop, founder, amal):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=3, instalments=3)
    assert queries.holding(amal).shares == 0
    actions.record_share_payment(by=founder, subscription=subscription, amount="15.00")
    assert queries.holding(amal) == queries.Holding(1, 1000)
    actions.record_share_payment(by=founder, subscription=subscription, amount="15")
    assert queries.holding(amal) == queries.Holding(3, 3000)
    assert books.last_entry_data(coop)["outstanding"] == "0.00"


def test_a_subscription_keeps_the_par_value_of_its_day(coop, founder, amal):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=2)
    bylaws = copy.deepcopy(coop.bylaws)
    bylaws["share_par_value"] = "25.00"
    membership.amend_bylaws(by=founder, coop=coop, bylaws=bylaws)
    actions.record_share_payment(by=founder, subscription=subscription, amount="20.00")
    assert queries.holding(amal) == queries.Holding(2, 2000)
    later = actions.subscribe_shares(by=founder, member=amal, shares=1)
    assert later.price_per_share == 2500


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("30.01", "more than is still due"),
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("10.001", "smallest unit"),
        ("ten", "not an amount of money"),
    ],
)
def test_a_payment_that_does_not_fit_is_refused_and_nothing_is_written(
    coop, founder, amal, amount, fragment
):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=3)
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.record_share_payment(by=founder, subscription=subscription, amount=amount)
    assert error.value.field == "amount"
    assert fragment in str(error.value.message)
    assert books.snapshot(coop) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"shares": 0}, "shares"),
        ({"shares": -2}, "shares"),
        ({"shares": True}, "shares"),
        ({"shares": 2, "instalments": 0}, "instalments"),
        ({"shares": 2, "instalments": 121}, "instalments"),
        ({"shares": 2, "instalments": 3, "paid_on": "today"}, "instalments"),
        ({"shares": 2, "on": "tomorrow"}, "on"),
    ],
)
def test_a_subscription_that_does_not_make_sense_is_refused(coop, founder, amal, changes, field):
    days = {"today": books.today(), "tomorrow": books.today() + timedelta(days=1)}
    changes = {k: days.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.subscribe_shares(by=founder, member=amal, **changes)
    assert error.value.field == field
    assert books.snapshot(coop) == before


def test_only_an_office_that_keeps_the_accounts_records_shares(coop, amal):
    secretary = factories.member(coop, offices=["secretary"])
    before = books.snapshot(coop)
    with pytest.raises(PermissionDenied, match="keep the accounts"):
        actions.subscribe_shares(by=secretary.user, member=amal, shares=1)
    with pytest.raises(PermissionDenied):
        actions.subscribe_shares(by=amal.user, member=amal, shares=1)
    assert books.snapshot(coop) == before
    treasurer = factories.member(coop, offices=["treasurer"])
    assert actions.subscribe_shares(by=treasurer.user, member=amal, shares=1)


def test_the_database_refuses_rows_that_break_the_share_rules(coop, amal):
    books.paid_shares(amal, 1)
    payment = amal.subscriptions.get().payments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareMovement.objects.create(
            cooperative=coop,
            member=amal,
            kind=ShareMovement.Kind.PAID_UP,
            shares=-1,
            amount=-1000,
            on=books.today(),
            payment=payment,
        )


def test_share_movements_are_append_only(amal):
    books.paid_shares(amal, 1)
    movement = ShareMovement.objects.get(member=amal)
    movement.shares = 100
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()


# --- Transfers -------------------------------------------------------------------------


def test_the_board_approves_a_transfer_and_the_shares_move(coop, founder, amal, badr):
    books.paid_shares(amal, 5)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=3)
    assert transfer.state == "requested"
    assert queries.holding(amal).shares == 5  # nothing moves until the board says so
    actions.decide_share_transfer(transfer, by=founder, approve=True)
    assert queries.holding(amal) == queries.Holding(2, 2000)
    assert queries.holding(badr) == queries.Holding(3, 3000)
    assert books.ledger_kinds(coop)[-2:] == [
        "economy.share_transfer_requested",
        "economy.share_transfer_approved",
    ]
    data = books.last_entry_data(coop)
    assert data == {
        "transfer": transfer.pk,
        "from": str(amal.public_id),
        "to": str(badr.public_id),
        "shares": 3,
        "amount": "30.00",
    }


def test_a_refused_transfer_moves_nothing(coop, founder, amal, badr):
    books.paid_shares(amal, 5)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=3)
    actions.decide_share_transfer(transfer, by=founder, approve=False, reason="Not now")
    transfer.refresh_from_db()
    assert transfer.state == "refused" and transfer.reason == "Not now"
    assert queries.holding(amal).shares == 5 and queries.holding(badr).shares == 0
    assert books.ledger_kinds(coop)[-1] == "economy.share_transfer_refused"
    with pytest.raises(InvalidTransition):
        actions.decide_share_transfer(transfer, by=founder, approve=True)


@pytest.mark.parametrize("shares", [5, 6, 100])
def test_a_transfer_beyond_what_a_member_holds_is_refused(coop, amal, badr, shares):
    books.paid_shares(amal, 5)
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=shares)
    assert error.value.field == "shares"
    assert books.snapshot(coop) == before


def test_shares_already_promised_cannot_be_promised_again(coop, amal, badr):
    books.paid_shares(amal, 5)
    actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=3)
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput, match=r"\(2\)") as error:
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=3)
    assert error.value.field == "shares"
    # Two are free, but giving both would leave none once the first transfer goes through.
    with pytest.raises(InvalidInput, match="requires"):
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=2)
    assert books.snapshot(coop) == before


def test_a_transfer_that_leaves_a_worker_below_the_minimum_is_refused(coop, amal, badr):
    books.paid_shares(amal, 2)
    with pytest.raises(InvalidInput, match="requires") as error:
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=2)
    assert error.value.field == "shares"


def test_transfers_go_only_to_a_current_member_of_the_same_cooperative(coop, amal, badr):
    books.paid_shares(amal, 5)
    membership.withdraw_membership(badr, by=badr.user)
    with pytest.raises(InvalidInput) as error:
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    assert error.value.field == "to_member"
    outsider = factories.member(factories.cooperative())
    with pytest.raises(InvalidInput) as error:
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=outsider, shares=1)
    assert error.value.field == "to_member"
    with pytest.raises(InvalidInput):
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=amal, shares=1)


def test_only_the_office_the_bylaws_name_decides_a_transfer(coop, founder, amal, badr):
    books.paid_shares(amal, 5)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    treasurer = factories.member(coop, offices=["treasurer"])
    before = books.snapshot(coop)
    with pytest.raises(PermissionDenied, match="Board member"):
        actions.decide_share_transfer(transfer, by=treasurer.user, approve=True)
    assert books.snapshot(coop) == before
    books.with_economy(coop, share_transfer_approver="treasurer")
    actions.decide_share_transfer(transfer, by=treasurer.user, approve=True)
    assert queries.holding(badr).shares == 1


def test_nobody_decides_a_transfer_they_are_part_of(coop, founder, badr):
    books.paid_shares(founder.memberships.get(), 5)
    transfer = actions.request_share_transfer(by=founder, coop=coop, to_member=badr, shares=1)
    with pytest.raises(PermissionDenied, match="Someone else"):
        actions.decide_share_transfer(transfer, by=founder, approve=True)


def test_bylaws_that_allow_no_transfers_refuse_them(coop, amal, badr):
    books.paid_shares(amal, 5)
    books.with_economy(coop, share_transfer_approver=None)
    with pytest.raises(InvalidTransition, match="do not allow"):
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)


def test_a_transfer_to_someone_who_left_meanwhile_is_not_approved(coop, founder, amal, badr):
    books.paid_shares(amal, 5)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    membership.withdraw_membership(badr, by=badr.user)
    before = books.snapshot(coop)
    with pytest.raises(InvalidTransition, match="no longer a member"):
        actions.decide_share_transfer(transfer, by=founder, approve=True)
    assert books.snapshot(coop) == before


# --- Redemptions --------------------------------------------------------------------


def test_a_member_who_stays_cannot_ask_for_shares_back_when_the_bylaws_forbid_it(coop, amal):
    books.paid_shares(amal, 5)
    before = books.snapshot(coop)
    with pytest.raises(InvalidTransition, match="only when a member leaves") as error:
        actions.request_redemption(by=amal.user, member=amal, shares=1)
    assert error.value.field == "shares"
    assert books.snapshot(coop) == before


def test_where_the_bylaws_allow_it_a_member_redeems_down_to_the_minimum(coop, amal):
    books.with_economy(coop, redemption_on_request=True, redemption_delay_months=3)
    books.paid_shares(amal, 5)
    with pytest.raises(InvalidInput, match="requires"):
        actions.request_redemption(by=amal.user, member=amal, shares=5)
    redemption = actions.request_redemption(by=amal.user, member=amal, shares=4)
    assert not redemption.on_leaving
    assert redemption.amount == 4000
    assert redemption.due_on == actions.add_months(books.today(), 3)
    assert books.ledger_kinds(coop)[-1] == "economy.redemption_requested"


def test_a_member_who_leaves_is_paid_back_after_the_delay(coop, founder, amal):
    books.paid_shares(amal, 5)
    membership.withdraw_membership(amal, by=amal.user)
    asked_on = actions.add_months(books.today(), -13)
    redemption = actions.request_redemption(by=amal.user, member=amal, shares=5, on=asked_on)
    assert redemption.on_leaving
    assert redemption.due_on == actions.add_months(asked_on, 12)
    before = books.snapshot(coop)
    with pytest.raises(InvalidTransition, match="delay") as error:
        actions.pay_redemption(redemption, by=founder, paid_on=redemption.due_on - timedelta(1))
    assert error.value.field == "paid_on"
    assert books.snapshot(coop) == before
    actions.pay_redemption(redemption, by=founder)
    redemption.refresh_from_db()
    assert redemption.state == "paid" and redemption.amount == 5000
    assert queries.holding(amal) == queries.Holding(0, 0)
    assert books.ledger_kinds(coop)[-1] == "economy.redemption_paid"
    assert books.last_entry_data(coop)["amount"] == "50.00"
    with pytest.raises(InvalidTransition):
        actions.pay_redemption(redemption, by=founder)


def test_the_delay_runs_from_the_request_so_an_early_payment_is_refused(coop, founder, amal):
    books.paid_shares(amal, 2)
    membership.withdraw_membership(amal, by=amal.user)
    redemption = actions.request_redemption(by=founder, member=amal, shares=2)
    with pytest.raises(InvalidTransition, match="delay"):
        actions.pay_redemption(redemption, by=founder)


def test_shares_asked_back_cannot_also_be_transferred(coop, amal, badr):
    books.with_economy(coop, redemption_on_request=True)
    books.paid_shares(amal, 5)
    actions.request_redemption(by=amal.user, member=amal, shares=3)
    with pytest.raises(InvalidInput, match=r"\(2\)"):
        actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=3)


def test_the_yearly_limit_holds_back_redemptions_beyond_it(coop, founder, amal, badr):
    books.with_economy(coop, redemption_yearly_limit_percent="10", redemption_delay_months=0)
    books.paid_shares(amal, 20)
    books.paid_shares(badr, 80)  # share capital 1,000.00: 100.00 may go back this year
    membership.withdraw_membership(amal, by=amal.user)
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput, match=r"100\.00 of it is left") as error:
        actions.request_redemption(by=amal.user, member=amal, shares=11)
    assert error.value.field == "shares"
    assert books.snapshot(coop) == before
    actions.request_redemption(by=amal.user, member=amal, shares=10)
    with pytest.raises(InvalidInput, match=r" 0\.00 of it is left"):
        actions.request_redemption(by=amal.user, member=amal, shares=1)


def test_a_refusal_needs_a_reason_and_keeps_the_shares(coop, founder, amal):
    books.paid_shares(amal, 2)
    membership.withdraw_membership(amal, by=amal.user)
    redemption = actions.request_redemption(by=founder, member=amal, shares=2)
    with pytest.raises(InvalidInput) as error:
        actions.refuse_redemption(redemption, by=founder, reason=" ")
    assert error.value.field == "reason"
    actions.refuse_redemption(redemption, by=founder, reason="Capital is short this year")
    assert ShareRedemption.objects.get().state == "refused"
    assert queries.holding(amal).shares == 2
    assert books.ledger_kinds(coop)[-1] == "economy.redemption_refused"


def test_someone_else_cannot_ask_for_a_members_shares_back(coop, amal, badr):
    books.with_economy(coop, redemption_on_request=True)
    books.paid_shares(amal, 5)
    with pytest.raises(PermissionDenied):
        actions.request_redemption(by=badr.user, member=amal, shares=1)


# --- The register -------------------------------------------------------------------------


def test_the_register_shows_holdings_what_is_owed_and_who_is_below_the_minimum(
    coop, founder, amal, badr
):
    books.paid_shares(amal, 3)
    owing = actions.subscribe_shares(by=founder, member=badr, shares=2, instalments=2)
    actions.record_share_payment(by=founder, subscription=owing, amount="5.00")
    rows = {row.member.pk: row for row in queries.register(coop)}
    assert rows[amal.pk].shares == 3 and rows[amal.pk].capital == 3000
    assert not rows[amal.pk].below_minimum
    assert rows[badr.pk].shares == 0 and rows[badr.pk].outstanding == 1500
    assert rows[badr.pk].below_minimum
    csv_rows = list(queries.register_csv_rows(coop))
    assert csv_rows[0][:6] == ["number", "name", "class", "status", "shares", "capital"]
    by_number = {row[0]: row for row in csv_rows[1:]}
    assert by_number[str(amal.number)][4:6] == ["3", "30.00"]
    assert by_number[str(badr.number)][9:11] == ["5.00", "15.00"]


def test_a_name_that_looks_like_a_formula_is_written_as_text(coop):
    member = factories.member(coop, factories.person("=HYPERLINK(1)"))
    books.paid_shares(member, 1)
    names = [row[1] for row in queries.register_csv_rows(coop)]
    assert "'=HYPERLINK(1)" in names


def test_a_members_statement_shows_each_movement_with_the_holding_after_it(
    coop, founder, amal, badr
):
    books.paid_shares(amal, 5)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=2)
    actions.decide_share_transfer(transfer, by=founder, approve=True)
    statement = queries.share_statement(amal)
    assert [(line.movement.kind, line.shares_after) for line in statement.lines] == [
        ("paid_up", 5),
        ("transfer_out", 3),
    ]
    assert statement.holding == queries.Holding(3, 3000)
    assert statement.subscriptions[0].outstanding == 0
    rows = list(queries.share_statement_csv_rows(amal))
    assert rows[0] == ["date", "movement", "shares", "amount", "shares_after", "amount_after"]
    assert rows[2][1:] == ["transfer_out", "-2", "-20.00", "3", "30.00"]


# --- Holdings stay exact whatever happens -----------------------------------------------------

step = st.tuples(
    st.sampled_from(["transfer", "redeem"]),
    st.integers(0, 2),  # who
    st.integers(0, 2),  # to whom
    st.integers(-1, 7),  # how many shares
    st.booleans(),  # approve / pay
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, max_size=12))
def test_holdings_never_go_negative_and_shares_are_never_made_or_lost(coop, founder, steps):
    with transaction.atomic():
        books.with_economy(coop, redemption_on_request=True, redemption_delay_months=0)
        members = [factories.member(coop) for _ in range(3)]
        for member in members:
            books.paid_shares(member, 4)
        redeemed = 0
        for kind, who, to, shares, decide in steps:
            giver = members[who]
            try:
                if kind == "transfer":
                    made = actions.request_share_transfer(
                        by=giver.user, coop=coop, to_member=members[to], shares=shares
                    )
                    actions.decide_share_transfer(
                        made, by=founder, approve=decide, reason="" if decide else "No"
                    )
                else:
                    asked = actions.request_redemption(by=giver.user, member=giver, shares=shares)
                    if decide:
                        actions.pay_redemption(asked, by=founder)
                        redeemed += shares
            except (InvalidInput, InvalidTransition, PermissionDenied):
                pass
            held = [queries.holding(m) for m in members]
            assert all(h.shares >= 1 and h.amount >= 0 for h in held)  # the worker minimum
            assert all(h.amount == h.shares * 1000 for h in held)
            assert sum(h.shares for h in held) == 12 - redeemed
            assert all(queries.committed_shares(m) <= h.shares for m, h in zip(members, held))
        assert ShareTransfer.objects.filter(cooperative=coop, state="requested").count() == 0
        transaction.set_rollback(True)
