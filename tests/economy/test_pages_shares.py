"""The share capital pages as members and officers use them: the register,
statements, and forms whose bad input is shown beside the field and writes
nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from taawun.economy import actions, queries
from taawun.economy.models import ShareRedemption, ShareSubscription, ShareTransfer
from taawun.membership import actions as membership
from taawun.membership.models import Cooperative, Member
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


def url(coop: Cooperative, name: str, *args: Any) -> str:
    return reverse(f"economy:{name}", args=[coop.slug, *args])


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


def csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def amal(coop: Cooperative) -> Member:
    return factories.member(coop, factories.person("Amal"))


@pytest.fixture
def badr(coop: Cooperative) -> Member:
    return factories.member(coop, factories.person("Badr"))


# --- The register ----------------------------------------------------------------------


def test_every_member_reads_the_share_register_with_its_totals(coop, amal, badr):
    books.paid_shares(amal, 5)
    books.paid_shares(badr, 2)
    response = signed_in(badr.user).get(url(coop, "shares_register"))
    assert response.status_code == 200
    page = text(response)
    assert "Amal" in page
    assert "70.00 EGP" in page  # 7 shares at 10.00
    assert '<svg role="img"' in page  # the chart, with its table
    assert "Record a subscription" not in page  # an officer's link


def test_an_officer_sees_the_officer_links_on_the_register(client, coop, founder, amal):
    books.paid_shares(amal, 1)
    page = text(signed_in(founder).get(url(coop, "shares_register")))
    assert url(coop, "shares_subscribe") in page
    assert url(coop, "shares_redemptions") in page
    assert url(coop, "shares_transfers") in page  # the founder sits on the board
    assert url(coop, "shares_statement", amal.pk) in page


def test_the_register_is_closed_to_outsiders_and_visitors(client, coop):
    outsider = factories.person()
    assert signed_in(outsider).get(url(coop, "shares_register")).status_code == 403
    assert signed_in(outsider).get(url(coop, "shares_register_csv")).status_code == 403
    response = client.get(url(coop, "shares_register"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_register_flags_a_member_below_their_class_minimum(coop, amal):
    page = text(signed_in(amal.user).get(url(coop, "shares_register")))
    assert "below the minimum" in page
    books.paid_shares(amal, 1)
    founder_row = queries.register(coop)[0]  # the founder holds none either
    assert founder_row.below_minimum


def test_the_register_csv_is_for_members_and_safe_in_a_spreadsheet(coop, amal):
    sly = factories.member(coop, factories.person('=HYPERLINK("http://x")'))
    books.paid_shares(sly, 3)
    response = signed_in(amal.user).get(url(coop, "shares_register_csv"))
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == queries.REGISTER_COLUMNS
    sly_row = next(row for row in rows if row[0] == str(sly.number))
    assert sly_row[1].startswith("'=")
    assert sly_row[4:6] == ["3", "30.00"]


def test_a_large_register_is_paged_and_its_chart_keeps_to_the_largest_holders(coop, settings):
    settings.TAAWUN_PAGE_SIZE = 5
    members = [factories.member(coop) for _ in range(12)]
    for n, member in enumerate(members, start=1):
        books.paid_shares(member, n)
    client = signed_in(members[0].user)
    response = client.get(url(coop, "shares_register"))
    assert len(response.context["lines"]) == 5
    assert len(response.context["chart"].bars) == 10
    assert response.context["chart"].bars[0].label.endswith(members[-1].user.name)
    assert "Page 1 of 3" in text(response)
    assert "78" in text(response)  # 1 + 2 + ... + 12 shares in all
    assert len(client.get(url(coop, "shares_register") + "?page=3").context["lines"]) == 3


# --- Statements ----------------------------------------------------------------------


def test_a_member_reads_their_statement_with_the_running_holding(coop, founder, amal, badr):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=4, instalments=2)
    actions.record_share_payment(by=founder, subscription=subscription, amount="20")
    books.paid_shares(badr, 1)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    client = signed_in(amal.user)
    response = client.get(url(coop, "shares_statement", amal.pk))
    assert response.status_code == 200
    statement = response.context["statement"]
    assert [line.shares_after for line in statement.lines] == [2]
    assert statement.pending_transfers == [transfer]
    page = text(response)
    assert "20.00" in page  # paid, and still to pay
    # Printable without inline style (the Content Security Policy allows
    # none): the hint and the links are marked, the stylesheet hides them.
    assert 'class="no-print hint"' in page and "<style" not in page
    stylesheet = (settings.BASE_DIR / "web/static/taawun/taawun.css").read_text()
    assert ".no-print { display: none; }" in stylesheet.split("@media print")[1]
    rows = csv_rows(client.get(url(coop, "shares_statement_csv", amal.pk)))
    assert rows[1][1:] == ["paid_up", "2", "20.00", "2", "20.00"]
    assert client.get(url(coop, "shares_my_statement"))["Location"] == url(
        coop, "shares_statement", amal.pk
    )


def test_a_member_cannot_read_another_members_statement_but_the_treasurer_can(
    coop, founder, amal, badr
):
    assert signed_in(badr.user).get(url(coop, "shares_statement", amal.pk)).status_code == 403
    forbidden = signed_in(badr.user).get(url(coop, "shares_statement_csv", amal.pk))
    assert forbidden.status_code == 403
    treasurer = factories.member(coop, offices=["treasurer"])
    assert signed_in(treasurer.user).get(url(coop, "shares_statement", amal.pk)).status_code == 200


def test_a_member_who_left_still_reads_their_statement(coop, amal):
    books.paid_shares(amal, 2)
    membership.withdraw_membership(amal, by=amal.user)
    response = signed_in(amal.user).get(url(coop, "shares_statement", amal.pk))
    assert response.status_code == 200
    assert response.context["statement"].holding == queries.Holding(2, 2000)


# --- Subscriptions and payments --------------------------------------------------------


def test_an_officer_records_shares_paid_at_once(coop, founder, amal):
    response = signed_in(founder).post(
        url(coop, "shares_subscribe"),
        {"member": str(amal.number), "shares": "3", "payment": "once", "paid_on": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url(coop, "shares_statement", amal.pk)
    assert "A subscription of 3 shares for Amal was recorded." in text(response)
    assert queries.holding(amal) == queries.Holding(3, 3000)
    assert books.ledger_kinds(coop)[-2:] == ["economy.shares_subscribed", "economy.share_payment"]


def test_an_officer_records_instalments_then_a_payment(coop, founder, amal):
    client = signed_in(founder)
    client.post(
        url(coop, "shares_subscribe"),
        {"member": "٢", "shares": "٤", "payment": "instalments", "instalments": "2"},
    )  # Arabic-Indic digits: member number 2 (Amal), four shares
    subscription = ShareSubscription.objects.get(member=amal)
    assert (subscription.shares, subscription.instalments) == (4, 2)
    assert queries.holding(amal).shares == 0
    payment_url = url(coop, "shares_payment", subscription.pk)
    assert payment_url in text(client.get(url(coop, "shares_statement", amal.pk)))
    assert "20.00" in text(client.get(payment_url))  # the planned instalment
    response = client.post(payment_url, {"amount": "20.00", "paid_on": ""})
    assert response.status_code == 302
    assert queries.holding(amal) == queries.Holding(2, 2000)
    assert books.ledger_kinds(coop)[-1] == "economy.share_payment"


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({}, "member", "required"),
        ({"member": "99", "shares": "1", "payment": "once"}, "member", "no member number 99"),
        ({"member": "2", "shares": "0", "payment": "once"}, "shares", "whole number from 1"),
        ({"member": "2", "shares": "two", "payment": "once"}, "shares", "whole number"),
        ({"member": "2", "shares": "2", "payment": "instalments"}, "instalments", "how many"),
        (
            {"member": "2", "shares": "2", "payment": "instalments", "instalments": "121"},
            "instalments",
            "from 1 to 120",
        ),
        (
            {"member": "2", "shares": "2", "payment": "once", "paid_on": "2999-01-01"},
            "paid_on",
            "in the future",
        ),
    ],
)
def test_a_bad_subscription_is_shown_beside_its_field_and_writes_nothing(
    coop, founder, amal, data, field, fragment
):
    before = books.snapshot(coop)
    response = signed_in(founder).post(url(coop, "shares_subscribe"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert fragment in errors
    assert 'class="field-error"' in text(response)
    assert books.snapshot(coop) == before


def test_a_payment_beyond_what_is_due_is_refused_beside_the_amount(coop, founder, amal):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=2, instalments=2)
    before = books.snapshot(coop)
    response = signed_in(founder).post(
        url(coop, "shares_payment", subscription.pk), {"amount": "20.01"}
    )
    assert response.status_code == 200
    assert "more than is still due" in response.context["form"].errors["amount"][0]
    assert books.snapshot(coop) == before


def test_a_subscription_of_another_cooperative_is_not_found(coop, founder, amal):
    elsewhere = factories.cooperative(founder)
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=1)
    other_url = url(elsewhere, "shares_payment", subscription.pk)
    assert signed_in(founder).get(other_url).status_code == 404


def test_only_an_officer_with_the_accounts_records_subscriptions(coop, founder, amal):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=1, instalments=1)
    client = signed_in(amal.user)
    assert client.get(url(coop, "shares_subscribe")).status_code == 403
    before = books.snapshot(coop)
    response = client.post(url(coop, "shares_payment", subscription.pk), {"amount": "10"})
    assert response.status_code == 403
    assert books.snapshot(coop) == before


# --- Transfers -----------------------------------------------------------------------------


def test_a_member_asks_for_a_transfer_and_the_board_approves_it(coop, founder, amal, badr):
    books.paid_shares(amal, 3)
    response = signed_in(amal.user).post(
        url(coop, "shares_transfer"),
        {"to_member": str(badr.number), "shares": "2", "reason": "Badr joins the project"},
        follow=True,
    )
    assert "Your request to transfer 2 shares to Badr was sent for a decision." in text(response)
    transfer = ShareTransfer.objects.get()
    board = signed_in(founder)
    queue = text(board.get(url(coop, "shares_transfers")))
    assert url(coop, "shares_transfer_decide", transfer.pk) in queue
    response = board.post(
        url(coop, "shares_transfer_decide", transfer.pk), {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    assert queries.holding(badr).shares == 2
    assert queries.holding(amal).shares == 1
    assert books.ledger_kinds(coop)[-1] == "economy.share_transfer_approved"


def test_a_transfer_beyond_ones_holdings_is_refused_and_nothing_is_written(coop, amal, badr):
    books.paid_shares(amal, 3)
    before = books.snapshot(coop)
    response = signed_in(amal.user).post(
        url(coop, "shares_transfer"), {"to_member": str(badr.number), "shares": "5"}
    )
    assert response.status_code == 200
    error = response.context["form"].errors["shares"][0]
    assert error == "This is more than the paid-up shares you can transfer (3)."
    assert error in text(response)
    assert books.snapshot(coop) == before


def test_a_transfer_beyond_holdings_is_explained_in_arabic(coop, badr):
    hala = factories.member(coop, factories.person("هالة", language="ar"))
    books.paid_shares(hala, 3)
    response = signed_in(hala.user).post(
        url(coop, "shares_transfer"), {"to_member": str(badr.number), "shares": "5"}
    )
    assert response.status_code == 200
    assert 'lang="ar"' in text(response)
    assert response.context["form"].errors["shares"] == [
        "هذا أكثر من الأسهم المدفوعة التي يمكنك تحويلها (3)."
    ]


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({}, "to_member", "required"),
        ({"to_member": "99", "shares": "1"}, "to_member", "no member number 99"),
        ({"to_member": "2", "shares": "1"}, "to_member", "another member"),  # oneself
        ({"to_member": "3", "shares": "3"}, "shares", "fewer shares than the membership class"),
    ],
)
def test_a_bad_transfer_request_is_shown_beside_its_field(coop, amal, badr, data, field, fragment):
    books.paid_shares(amal, 3)
    before = books.snapshot(coop)
    response = signed_in(amal.user).post(url(coop, "shares_transfer"), data)
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors[field])
    assert books.snapshot(coop) == before


def test_a_transfer_the_bylaws_do_not_allow_is_refused(coop, amal, badr):
    books.paid_shares(amal, 3)
    books.with_economy(coop, share_transfer_approver=None)
    before = books.snapshot(coop)
    response = signed_in(amal.user).post(
        url(coop, "shares_transfer"), {"to_member": str(badr.number), "shares": "1"}
    )
    assert "do not allow shares to be transferred" in response.context["form"].errors["shares"][0]
    assert books.snapshot(coop) == before


def test_refusing_a_transfer_needs_a_reason(coop, founder, amal, badr):
    books.paid_shares(amal, 3)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    board = signed_in(founder)
    decide = url(coop, "shares_transfer_decide", transfer.pk)
    before = books.snapshot(coop)
    response = board.post(decide, {"decision": "refuse", "reason": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why the transfer is refused."]
    assert books.snapshot(coop) == before
    response = board.post(decide, {"decision": "refuse", "reason": "Badr has not agreed."})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.state, transfer.reason) == ("refused", "Badr has not agreed.")
    assert queries.holding(badr).shares == 0


def test_only_the_office_the_bylaws_name_decides_transfers(coop, amal, badr):
    books.paid_shares(amal, 3)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    treasurer = factories.member(coop, offices=["treasurer"])
    client = signed_in(treasurer.user)
    assert client.get(url(coop, "shares_transfers")).status_code == 403
    response = client.post(
        url(coop, "shares_transfer_decide", transfer.pk), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert "Board member" in text(response)
    transfer.refresh_from_db()
    assert transfer.state == "requested"


# --- Redemptions ---------------------------------------------------------------------------


def test_a_redemption_the_bylaws_forbid_while_staying_is_refused(coop, amal):
    books.paid_shares(amal, 3)
    page = text(signed_in(amal.user).get(url(coop, "shares_redeem")))
    assert "only when a member leaves" in page
    before = books.snapshot(coop)
    response = signed_in(amal.user).post(url(coop, "shares_redeem"), {"shares": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["shares"] == [
        "The bylaws pay shares back only when a member leaves the cooperative."
    ]
    assert "field-error" in text(response)
    assert books.snapshot(coop) == before


def test_a_redemption_beyond_the_yearly_limit_is_refused(coop, amal, badr):
    books.with_economy(coop, redemption_on_request=True, redemption_yearly_limit_percent="10")
    books.paid_shares(amal, 5)
    books.paid_shares(badr, 5)
    before = books.snapshot(coop)
    response = signed_in(amal.user).post(url(coop, "shares_redeem"), {"shares": "2"})
    assert "limit what is paid back" in response.context["form"].errors["shares"][0]
    assert books.snapshot(coop) == before


def test_a_member_who_stays_asks_back_shares_above_the_minimum(coop, founder, amal):
    books.with_economy(coop, redemption_on_request=True, redemption_delay_months=6)
    books.paid_shares(amal, 3)
    client = signed_in(amal.user)
    assert client.get(url(coop, "shares_redeem")).context["redeemable"] == 2
    before = books.snapshot(coop)
    refused = client.post(url(coop, "shares_redeem"), {"shares": "3"})
    assert "fewer shares than the membership class" in refused.context["form"].errors["shares"][0]
    assert books.snapshot(coop) == before
    response = client.post(url(coop, "shares_redeem"), {"shares": "2"})
    assert response.status_code == 302
    redemption = ShareRedemption.objects.get()
    assert redemption.due_on > books.today()

    officer = signed_in(founder)
    assert url(coop, "shares_redemption_decide", redemption.pk) in text(
        officer.get(url(coop, "shares_redemptions"))
    )
    decide = url(coop, "shares_redemption_decide", redemption.pk)
    early = officer.post(decide, {"decision": "pay", "paid_on": ""})
    assert early.status_code == 200
    assert "delay this payment" in early.context["form"].errors["paid_on"][0]
    no_reason = officer.post(decide, {"decision": "refuse", "reason": ""})
    assert no_reason.context["form"].errors["reason"] == ["Say why the redemption is refused."]
    redemption.refresh_from_db()
    assert redemption.state == "pending"
    refused = officer.post(decide, {"decision": "refuse", "reason": "Capital is low."})
    assert refused.status_code == 302
    redemption.refresh_from_db()
    assert redemption.state == "refused"
    assert queries.holding(amal).shares == 3


def test_a_member_who_left_is_paid_back_after_the_delay(coop, founder, amal):
    books.with_economy(coop, redemption_delay_months=0)
    books.paid_shares(amal, 2)
    membership.withdraw_membership(amal, by=amal.user)
    client = signed_in(amal.user)
    assert client.get(url(coop, "shares_redeem")).context["redeemable"] == 2
    assert client.post(url(coop, "shares_redeem"), {"shares": "2"}).status_code == 302
    redemption = ShareRedemption.objects.get()
    assert redemption.on_leaving
    response = signed_in(founder).post(
        url(coop, "shares_redemption_decide", redemption.pk),
        {"decision": "pay", "paid_on": books.today().isoformat()},
        follow=True,
    )
    assert "The shares were paid back: 20.00 EGP." in text(response)
    assert queries.holding(amal) == queries.Holding(0, 0)
    assert books.ledger_kinds(coop)[-1] == "economy.redemption_paid"


def test_an_officer_asks_back_the_shares_of_a_member_who_left(coop, founder, amal):
    books.paid_shares(amal, 2)
    membership.withdraw_membership(amal, by=amal.user)
    response = signed_in(founder).post(
        url(coop, "shares_redeem"), {"member": str(amal.number), "shares": "2"}
    )
    assert response["Location"] == url(coop, "shares_statement", amal.pk)
    redemption = ShareRedemption.objects.get()
    assert redemption.member == amal
    assert redemption.due_on == actions.add_months(books.today(), 12)


def test_a_member_cannot_ask_back_someone_elses_shares(coop, amal, badr):
    books.with_economy(coop, redemption_on_request=True)
    books.paid_shares(badr, 3)
    before = books.snapshot(coop)
    # Without an officer's power the form has no member field: the request is for Amal's own.
    response = signed_in(amal.user).post(
        url(coop, "shares_redeem"), {"member": str(badr.number), "shares": "1"}
    )
    assert response.status_code == 200
    assert "member" not in response.context["form"].fields
    assert books.snapshot(coop) == before


def test_the_redemption_queue_is_for_officers(coop, amal):
    assert signed_in(amal.user).get(url(coop, "shares_redemptions")).status_code == 403


def test_a_redemption_already_decided_cannot_be_decided_again(coop, founder, amal):
    books.with_economy(coop, redemption_on_request=True, redemption_delay_months=0)
    books.paid_shares(amal, 3)
    redemption = actions.request_redemption(by=amal.user, member=amal, shares=1)
    actions.pay_redemption(redemption, by=founder)
    before = books.snapshot(coop)
    response = signed_in(founder).post(
        url(coop, "shares_redemption_decide", redemption.pk),
        {"decision": "pay", "paid_on": books.today().isoformat()},
    )
    assert response.status_code == 200
    assert "already been paid or refused" in text(response)
    assert books.snapshot(coop) == before
