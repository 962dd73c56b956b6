"""The pages of fiscal periods, contributions and capital accounts, as members
and officers use them: forms, errors beside the fields, nothing written by
bad input, a preview before an import and a confirmation before closing."""

# ruff: noqa: RUF001 - Arabic-Indic digits, as members type them
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from taawun.economy import actions, queries
from taawun.economy.forms_contributions import MAX_IMPORT_BYTES, text_digest
from taawun.economy.models import CapitalAccountEntry, Contribution, FiscalPeriod
from taawun.membership import actions as membership
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db

KINDS = [
    {"code": "hours", "names": {"en": "Hours worked"}, "unit": "hours", "weight": "1"},
    {"code": "sales", "names": {"en": "Sales brought in"}, "unit": "money", "weight": "0.01"},
]


@pytest.fixture
def amal(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop, factories.person("Amal"))


@pytest.fixture
def badr(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop, factories.person("Badr"))


def url(name: str, coop, *args) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"economy:{name}", args=[coop.slug, *args])


def yesterday() -> date:
    return books.today() - timedelta(days=1)


def logged(member, period, hours: str = "6", on: date | None = None) -> Contribution:  # type: ignore[no-untyped-def]
    return actions.log_hours(by=member.user, period=period, hours=hours, on=on or books.today())


def ended_period_with_hours(coop, member) -> FiscalPeriod:  # type: ignore[no-untyped-def]
    """Last year, with some approved hours of ``member``, still open."""
    period = books.last_year(coop)
    hours = actions.log_hours(
        by=member.user, period=period, hours="5", on=period.ends_on - timedelta(days=3)
    )
    actions.decide_contribution(hours, by=factories.founder_of(coop), approve=True)
    return period


def csv_of(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Fiscal periods ---------------------------------------------------------------------


def test_an_officer_opens_a_period_that_every_member_then_sees(client, coop, founder, amal):
    client.force_login(founder)
    response = client.post(
        url("periods_new", coop),
        {"name": "2025", "starts_on": "2025-01-01", "ends_on": "2025-12-31"},
        follow=True,
    )
    period = FiscalPeriod.objects.get(cooperative=coop)
    assert response.redirect_chain[-1][0] == url("periods_detail", coop, period.pk)
    assert "The period 2025 is open." in response.content.decode()
    client.force_login(amal.user)
    listing = client.get(url("periods", coop)).content.decode()
    assert url("periods_detail", coop, period.pk) in listing
    assert url("periods_new", coop) not in listing


def test_a_member_without_office_cannot_open_a_period(client, coop, founder, amal):
    client.force_login(amal.user)
    assert client.get(url("periods_new", coop)).status_code == 403
    response = client.post(
        url("periods_new", coop),
        {"name": "2025", "starts_on": "2025-01-01", "ends_on": "2025-12-31"},
    )
    assert response.status_code == 403
    assert not FiscalPeriod.objects.filter(cooperative=coop).exists()


def test_the_dates_of_a_period_can_be_typed_in_arabic_digits(client, coop, founder):
    client.force_login(founder)
    client.post(
        url("periods_new", coop),
        {"name": "٢٠٢٥", "starts_on": "٢٠٢٥-٠١-٠١", "ends_on": "٢٠٢٥-١٢-٣١"},
    )
    period = FiscalPeriod.objects.get(cooperative=coop)
    assert (period.starts_on, period.ends_on) == (date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field", "message"),
    [
        ("2020-06-01", "2021-05-31", "starts_on", "overlaps the period 2020"),
        ("2021-12-31", "2021-01-01", "ends_on", "cannot end before it starts"),
        ("", "2021-12-31", "starts_on", "required"),
    ],
)
def test_a_period_that_overlaps_or_makes_no_sense_is_refused_beside_the_field(
    client, coop, founder, starts_on, ends_on, field, message
):
    actions.open_period(
        by=founder, coop=coop, name="2020", starts_on=date(2020, 1, 1), ends_on=date(2020, 12, 31)
    )
    before = books.snapshot(coop)
    client.force_login(founder)
    response = client.post(
        url("periods_new", coop), {"name": "Next", "starts_on": starts_on, "ends_on": ends_on}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert books.snapshot(coop) == before


def test_every_member_sees_a_periods_totals_chart_and_waiting_count(client, coop, amal, badr):
    period = books.current_period(coop)
    founder = factories.founder_of(coop)
    actions.decide_contribution(logged(amal, period, "7.5"), by=founder, approve=True)
    actions.decide_contribution(logged(badr, period, "3"), by=founder, approve=True)
    logged(badr, period, "2", on=yesterday())  # waiting
    client.force_login(badr.user)
    response = client.get(url("periods_detail", coop, period.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and 'class="bar-win"' in page  # Badr's own bar stands out
    assert f"{amal.number} · Amal" in page and "7.5" in page
    assert "10.5 hours" in page  # the period's total of approved hours
    assert "1 contribution" in page  # waiting for approval
    assert url("periods_close", coop, period.pk) not in page  # not an officer
    assert "/allocate/" not in page  # an open period is not allocated


def test_the_totals_of_a_period_download_as_the_file_the_import_reads(client, coop, amal):
    period = books.current_period(coop)
    actions.decide_contribution(
        logged(amal, period, "7.25"), by=factories.founder_of(coop), approve=True
    )
    client.force_login(amal.user)
    response = client.get(url("periods_csv", coop, period.pk))
    assert response["Content-Type"].startswith("text/csv")
    assert csv_of(response) == [["member", "hours"], [str(amal.number), "7.25"]]


def test_closing_a_period_says_what_it_means_and_then_closes_it(client, coop, founder, amal):
    period = ended_period_with_hours(coop, amal)
    client.force_login(founder)
    page = client.get(url("periods_close", coop, period.pk)).content.decode()
    assert "Closing a period is final" in page
    period.refresh_from_db()
    assert period.is_open  # showing the question closes nothing
    response = client.post(url("periods_close", coop, period.pk), follow=True)
    period.refresh_from_db()
    assert not period.is_open
    assert f"The period {period.name} is closed." in response.content.decode()
    assert books.ledger_kinds(coop)[-1] == "economy.period_closed"


def test_closing_with_hours_still_waiting_shows_why_and_changes_nothing(
    client, coop, founder, amal
):
    period = ended_period_with_hours(coop, amal)
    actions.log_hours(by=amal.user, period=period, hours="2", on=period.ends_on)
    before = books.snapshot(coop)
    client.force_login(founder)
    response = client.post(url("periods_close", coop, period.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary" role="alert"' in page
    assert "still waiting for approval: approve or reject them before closing it" in page
    assert books.snapshot(coop) == before


def test_a_member_without_office_cannot_close_a_period(client, coop, amal):
    period = ended_period_with_hours(coop, amal)
    client.force_login(amal.user)
    assert client.post(url("periods_close", coop, period.pk)).status_code == 403
    period.refresh_from_db()
    assert period.is_open


def test_the_totals_of_a_period_are_for_members_only(client, coop):
    period = books.current_period(coop)
    client.force_login(factories.person())
    assert client.get(url("periods_detail", coop, period.pk)).status_code == 403
    assert client.get(url("periods_csv", coop, period.pk)).status_code == 403


def test_a_period_of_another_cooperative_is_not_found(client, coop, amal):
    other = books.current_period(factories.cooperative())
    client.force_login(amal.user)
    assert client.get(url("periods_detail", coop, other.pk)).status_code == 404


# --- Logging hours ----------------------------------------------------------------------


def test_a_member_logs_hours_in_arabic_digits_and_sees_them_waiting(client, coop, amal):
    period = books.current_period(coop)
    client.force_login(amal.user)
    form = client.get(url("contributions_log", coop))
    assert form.context["form"]["period"].value() == str(period.pk)  # today's period
    response = client.post(
        url("contributions_log", coop),
        {"period": period.pk, "on": books.today().isoformat(), "hours": "٧٫٥", "note": "Docs"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("contributions_mine", coop)
    contribution = Contribution.objects.get(member=amal)
    assert contribution.quantity == Decimal("7.5")
    assert contribution.state == Contribution.State.PENDING
    page = response.content.decode()
    assert "Your hours are logged." in page
    assert "waiting for approval" in page and "Docs" in page


@pytest.mark.parametrize(
    ("hours", "on", "field", "message"),
    [
        ("-3", None, "hours", "must be more than zero"),
        ("seven", None, "hours", "Give the quantity as a number"),
        ("25", None, "hours", "at most 24 hours"),
        ("3", "tomorrow", "on", "in the future"),
    ],
)
def test_bad_hours_are_refused_beside_the_field_and_nothing_is_written(
    client, coop, amal, hours, on, field, message
):
    period = books.current_period(coop)
    day = books.today() + timedelta(days=1) if on == "tomorrow" else books.today()
    before = books.snapshot(coop)
    client.force_login(amal.user)
    response = client.post(
        url("contributions_log", coop),
        {"period": period.pk, "on": day.isoformat(), "hours": hours},
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert books.snapshot(coop) == before


def test_hours_cannot_be_logged_into_a_closed_period(client, coop, founder, amal):
    period = ended_period_with_hours(coop, amal)
    actions.close_period(period, by=founder)
    before = books.snapshot(coop)
    client.force_login(amal.user)
    response = client.post(
        url("contributions_log", coop),
        {"period": period.pk, "on": period.ends_on.isoformat(), "hours": "4"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["period"]
    assert errors == [f"The period {period.name} is closed: nothing in it can change."]
    assert books.snapshot(coop) == before


def test_a_suspended_member_is_told_they_cannot_log_hours(client, coop, founder, amal):
    books.current_period(coop)
    membership.change_member_status(amal, by=founder, to="suspended", reason="Unpaid dues")
    client.force_login(amal.user)
    page = client.get(url("contributions_log", coop)).content.decode()
    assert "Only an active member can log hours." in page
    assert 'name="hours"' not in page


# --- Deciding on logged hours --------------------------------------------------------------


def test_an_officer_approves_and_rejects_waiting_hours_row_by_row(client, coop, founder, amal):
    period = books.current_period(coop)
    first = logged(amal, period, "6")
    second = logged(amal, period, "2", on=yesterday())
    client.force_login(founder)
    page = client.get(url("contributions_pending", coop)).content.decode()
    assert page.count('name="contribution"') == 2
    assert f'name="c{first.pk}-reason"' in page and f'name="c{second.pk}-reason"' in page
    client.post(
        url("contributions_pending", coop), {"contribution": first.pk, "decision": "approve"}
    )
    response = client.post(
        url("contributions_pending", coop),
        {"contribution": second.pk, "decision": "reject", f"c{second.pk}-reason": "Double entry"},
        follow=True,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "approved"
    assert (second.state, second.reason) == ("rejected", "Double entry")
    assert "No hours are waiting for approval." in response.content.decode()
    client.force_login(amal.user)
    mine = client.get(url("contributions_mine", coop)).content.decode()
    assert "rejected: Double entry" in mine


def test_the_approval_queue_is_for_officers(client, coop, amal):
    client.force_login(amal.user)
    assert client.get(url("contributions_pending", coop)).status_code == 403


def test_an_officer_cannot_approve_their_own_hours(client, coop, founder):
    period = books.current_period(coop)
    own = actions.log_hours(by=founder, period=period, hours="4")
    client.force_login(founder)
    page = client.get(url("contributions_pending", coop)).content.decode()
    assert "These are your own hours: another officer decides on them." in page
    before = books.snapshot(coop)
    response = client.post(
        url("contributions_pending", coop), {"contribution": own.pk, "decision": "approve"}
    )
    assert response.status_code == 200
    assert "Another officer must decide on your own contribution." in response.content.decode()
    assert books.snapshot(coop) == before


def test_hours_already_decided_are_not_decided_again(client, coop, founder, amal):
    period = books.current_period(coop)
    hours = logged(amal, period)
    actions.decide_contribution(hours, by=founder, approve=True)
    before = books.snapshot(coop)
    client.force_login(founder)
    response = client.post(
        url("contributions_pending", coop), {"contribution": hours.pk, "decision": "reject"}
    )
    assert response.status_code == 200
    assert "This contribution has already been decided." in response.content.decode()
    assert books.snapshot(coop) == before


# --- Importing contributions ------------------------------------------------------------------


@pytest.fixture
def traders(coop):  # type: ignore[no-untyped-def]
    """A cooperative whose bylaws count hours and sales."""
    return books.with_economy(coop, contribution_kinds=KINDS)


def upload(text: str | bytes, name: str = "contributions.csv") -> SimpleUploadedFile:
    content = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_import_is_previewed_then_exactly_that_file_is_imported(
    client, traders, founder, amal, badr
):
    coop = traders
    period = books.current_period(coop)
    text = f"member,hours,sales,note\n{amal.number},120.5,1250.50,March\n{badr.number},٩٦,,\n"
    client.force_login(founder)
    before = books.snapshot(coop)
    preview = client.post(url("contributions_import", coop, period.pk), {"file": upload(text)})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Nothing has been written yet." in page
    assert "Amal" in page and "1250.50" in page and "Import these 2 rows" in page
    assert books.snapshot(coop) == before  # the preview wrote nothing
    sent = {
        "csv_text": preview.context["confirm"]["csv_text"].value(),
        "digest": preview.context["confirm"]["digest"].value(),
        "confirm": "1",
    }
    # A browser sends the text's line ends back as CRLF: still the same text.
    sent["csv_text"] = sent["csv_text"].replace("\n", "\r\n")
    response = client.post(url("contributions_import", coop, period.pk), sent, follow=True)
    assert response.redirect_chain[-1][0] == url("periods_detail", coop, period.pk)
    assert "3 contributions were imported into" in response.content.decode()
    imported = {
        (c.member_id, c.kind): (c.quantity, c.state)
        for c in Contribution.objects.filter(period=period)
    }
    assert imported == {
        (amal.pk, "hours"): (Decimal("120.5"), "approved"),
        (amal.pk, "sales"): (Decimal("1250.5"), "approved"),
        (badr.pk, "hours"): (Decimal("96"), "approved"),
    }


def test_pasted_text_is_previewed_like_a_file(client, traders, founder, amal):
    period = books.current_period(traders)
    client.force_login(founder)
    preview = client.post(
        url("contributions_import", traders, period.pk),
        {"csv_text": f"member,hours\r\n{amal.number},8\r\n"},
    )
    assert "Import this 1 row" in preview.content.decode()
    assert not Contribution.objects.exists()


def test_an_import_with_errors_shows_them_row_by_row_and_writes_nothing(
    client, traders, founder, amal
):
    coop = traders
    period = books.current_period(coop)
    text = f"member,hours,sales\n{amal.number},eight,10\n999,4,\n"
    client.force_login(founder)
    before = books.snapshot(coop)
    preview = client.post(url("contributions_import", coop, period.pk), {"file": upload(text)})
    page = preview.content.decode()
    assert "The file has 2 problems" in page
    assert "Give the quantity as a number, such as 7.5." in page
    assert "There is no member number 999 in this cooperative." in page
    assert re.search(r'<td class="number">3</td><td><code>member</code></td>', page)
    assert "Import these" not in page and preview.context["confirm"] is None
    # Even sent as if confirmed, a file with errors is not imported.
    response = client.post(
        url("contributions_import", coop, period.pk),
        {"csv_text": text, "digest": text_digest(text), "confirm": "1"},
    )
    assert response.status_code == 200
    assert "The file has errors (see the preview); nothing was imported." in (
        response.content.decode()
    )
    assert books.snapshot(coop) == before


def test_a_text_changed_after_its_preview_is_not_imported(client, traders, founder, amal):
    period = books.current_period(traders)
    previewed = f"member,hours\n{amal.number},8\n"
    client.force_login(founder)
    before = books.snapshot(traders)
    response = client.post(
        url("contributions_import", traders, period.pk),
        {
            "csv_text": f"member,hours\n{amal.number},800\n",
            "digest": text_digest(previewed),
            "confirm": "1",
        },
    )
    assert response.status_code == 200
    assert "The file changed after the preview" in response.content.decode()
    assert books.snapshot(traders) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("member,hours\n1,8\n".encode("utf-16"), "This file is not UTF-8 text."),
        ("member,note\n1,café\n".encode("latin-1"), "This file is not UTF-8 text."),
        (b"member,hours\n" + b"1,8\n" * (MAX_IMPORT_BYTES // 4), "This file is too large"),
    ],
)
def test_a_file_that_is_not_utf8_or_too_big_is_refused_clearly(
    client, traders, founder, content, message
):
    period = books.current_period(traders)
    client.force_login(founder)
    response = client.post(
        url("contributions_import", traders, period.pk), {"file": upload(content)}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Contribution.objects.exists()


def test_a_file_of_zeros_is_previewed_with_nothing_to_import(client, traders, founder, amal):
    period = books.current_period(traders)
    client.force_login(founder)
    preview = client.post(
        url("contributions_import", traders, period.pk),
        {"file": upload(f"member,hours,sales\n{amal.number},0,\n")},
    )
    page = preview.content.decode()
    assert "The file has no contribution to import." in page
    assert 'name="confirm"' not in page


def test_an_empty_import_form_asks_for_a_file(client, traders, founder):
    period = books.current_period(traders)
    client.force_login(founder)
    response = client.post(url("contributions_import", traders, period.pk), {"csv_text": ""})
    assert response.context["form"].errors["csv_text"] == ["Choose a CSV file or paste its text."]


def test_the_import_page_documents_the_columns_from_the_bylaws(client, traders, founder):
    period = books.current_period(traders)
    client.force_login(founder)
    page = client.get(url("contributions_import", traders, period.pk)).content.decode()
    assert "<code>sales</code>" in page and "Sales brought in" in page
    assert "an amount in EGP" in page


def test_nothing_can_be_imported_into_a_closed_period(client, traders, founder, amal):
    period = ended_period_with_hours(traders, amal)
    actions.close_period(period, by=founder)
    text = f"member,hours\n{amal.number},8\n"
    before = books.snapshot(traders)
    client.force_login(founder)
    response = client.post(
        url("contributions_import", traders, period.pk),
        {"csv_text": text, "digest": text_digest(text), "confirm": "1"},
    )
    assert response.status_code == 200
    assert "is closed: nothing in it can change." in response.content.decode()
    preview = client.post(url("contributions_import", traders, period.pk), {"file": upload(text)})
    assert "is closed: nothing in it can change." in preview.content.decode()
    assert books.snapshot(traders) == before


def test_only_an_officer_imports(client, traders, amal):
    period = books.current_period(traders)
    client.force_login(amal.user)
    assert client.get(url("contributions_import", traders, period.pk)).status_code == 403


# --- Capital accounts -----------------------------------------------------------------------


@pytest.fixture
def with_interest(coop):  # type: ignore[no-untyped-def]
    return books.with_economy(coop, capital_interest_percent="3")


def test_a_member_reads_their_statement_with_its_running_balance(
    client, with_interest, founder, amal
):
    coop = with_interest
    first = actions.add_capital_entry(
        by=founder, member=amal, kind="interest", amount="100", on=yesterday()
    )
    actions.add_capital_entry(
        by=founder, member=amal, kind="correction", amount="-20", corrects=first, memo="Rate"
    )
    client.force_login(amal.user)
    response = client.get(url("capital_statement", coop, amal.pk))
    page = response.content.decode()
    assert [row["balance"] for row in response.context["rows"]] == ["100.00 EGP", "80.00 EGP"]
    assert "<svg" in page and "-20.00 EGP" in page
    assert url("capital_entry_new", coop, amal.pk) not in page  # not an officer
    download = client.get(url("capital_csv", coop, amal.pk))
    rows = csv_of(download)
    assert rows[0][:4] == ["date", "kind", "amount", "balance"]
    assert [row[3] for row in rows[1:]] == ["100.00", "80.00"]


def test_a_member_sees_only_their_own_capital_account(client, coop, amal, badr):
    client.force_login(badr.user)
    assert client.get(url("capital_statement", coop, amal.pk)).status_code == 403
    assert client.get(url("capital_csv", coop, amal.pk)).status_code == 403
    mine = client.get(url("capital_accounts", coop))
    assert mine["Location"] == url("capital_statement", coop, badr.pk)


def test_an_officer_sees_every_balance_and_adds_interest(client, with_interest, founder, amal):
    coop = with_interest
    client.force_login(founder)
    listing = client.get(url("capital_accounts", coop)).content.decode()
    assert url("capital_statement", coop, amal.pk) in listing
    response = client.post(
        url("capital_entry_new", coop, amal.pk),
        {"kind": "interest", "amount": "١٢٫٥٠", "on": books.today().isoformat(), "memo": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("capital_statement", coop, amal.pk)
    assert "The entry is added to the capital account of Amal." in response.content.decode()
    assert queries.capital_balance(amal) == 1250


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "interest", "amount": "10"}, "kind", "pay no interest"),
        ({"kind": "payout", "amount": "10"}, "kind", "paid out when the member leaves"),
        ({"kind": "revolving_redemption", "amount": "10"}, "kind", "do not pay retained"),
        ({"kind": "correction", "amount": "10"}, "corrects", "Choose the entry"),
        ({"kind": "interest", "amount": ""}, "amount", "required"),
        ({"kind": "retained_allocation", "amount": "10"}, "kind", "Select a valid choice"),
    ],
)
def test_a_capital_entry_with_bad_input_is_refused_beside_the_field(
    client, coop, founder, amal, data, field, message
):
    before = books.snapshot(coop)
    client.force_login(founder)
    response = client.post(
        url("capital_entry_new", coop, amal.pk), {"on": books.today().isoformat(), **data}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert books.snapshot(coop) == before


def test_a_negative_interest_is_refused_beside_the_amount(client, with_interest, founder, amal):
    before = books.snapshot(with_interest)
    client.force_login(founder)
    response = client.post(
        url("capital_entry_new", with_interest, amal.pk),
        {"kind": "interest", "amount": "-5", "on": books.today().isoformat()},
    )
    assert response.context["form"].errors["amount"] == ["Give the amount as a positive number."]
    assert books.snapshot(with_interest) == before


def test_only_an_officer_adds_capital_entries(client, with_interest, amal):
    client.force_login(amal.user)
    response = client.post(
        url("capital_entry_new", with_interest, amal.pk),
        {"kind": "interest", "amount": "5", "on": books.today().isoformat()},
    )
    assert response.status_code == 403
    assert not CapitalAccountEntry.objects.exists()
