"""Fiscal periods and contributions: members log hours for an officer to
approve, officers import the rest from a file they preview first, and a
closed period never changes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from taawun.economy import actions, queries
from taawun.economy.allocation import Contributions
from taawun.economy.models import Contribution, FiscalPeriod
from taawun.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db

KINDS = [
    {"code": "hours", "names": {"en": "Hours worked"}, "unit": "hours", "weight": "1"},
    {"code": "sales", "names": {"en": "Sales brought in"}, "unit": "money", "weight": "0.01"},
]


@pytest.fixture
def coop(db):  # type: ignore[no-untyped-def]
    return books.with_economy(factories.cooperative(), contribution_kinds=KINDS)


@pytest.fixture
def amal(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


@pytest.fixture
def badr(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop)


# --- Periods ---------------------------------------------------------------------------


def test_opening_a_period_is_recorded(coop, founder):
    period = books.current_period(coop)
    assert period.is_open
    assert books.ledger_kinds(coop)[-1] == "economy.period_opened"
    assert books.last_entry_data(coop)["starts_on"] == f"{period.starts_on.year}-01-01"


@pytest.mark.parametrize(
    ("name", "starts_on", "ends_on", "error", "field"),
    [
        ("2020b", date(2020, 6, 1), date(2021, 5, 31), Conflict, "starts_on"),
        ("2020", date(2019, 1, 1), date(2019, 12, 31), Conflict, "name"),
        ("Backwards", date(2019, 12, 31), date(2019, 1, 1), InvalidInput, "ends_on"),
        ("Too long", date(2010, 1, 1), date(2013, 1, 1), InvalidInput, "ends_on"),
        ("  ", date(2019, 1, 1), date(2019, 12, 31), InvalidInput, "name"),
    ],
)
def test_a_period_that_overlaps_or_makes_no_sense_is_refused(
    coop, founder, name, starts_on, ends_on, error, field
):
    actions.open_period(
        by=founder, coop=coop, name="2020", starts_on=date(2020, 1, 1), ends_on=date(2020, 12, 31)
    )
    before = books.snapshot(coop)
    with pytest.raises(error) as raised:
        actions.open_period(by=founder, coop=coop, name=name, starts_on=starts_on, ends_on=ends_on)
    assert raised.value.field == field
    assert books.snapshot(coop) == before


def test_another_cooperatives_periods_do_not_overlap_ours(coop, founder):
    books.current_period(factories.cooperative())
    assert books.current_period(coop)


def test_a_period_closes_after_its_last_day_with_its_totals_in_the_ledger(coop, founder, amal):
    period = books.last_year(coop)
    actions.import_contributions(
        by=founder, period=period, csv_text=f"member,hours,sales\n{amal.number},120.5,900\n"
    )
    actions.close_period(period, by=founder)
    period.refresh_from_db()
    assert period.state == "closed" and period.closed_at is not None
    data = books.last_entry_data(coop)
    assert books.ledger_kinds(coop)[-1] == "economy.period_closed"
    assert data["totals"] == {"hours": "120.500", "sales": "900.000"}
    assert data["digest"] == queries.period_digest(period)


def test_a_period_cannot_close_before_it_ends(coop, founder):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    with pytest.raises(InvalidTransition, match="after its last day"):
        actions.close_period(period, by=founder)
    assert books.snapshot(coop) == before


def test_a_period_with_hours_waiting_for_approval_does_not_close(coop, founder, amal):
    period = books.last_year(coop)
    actions.log_hours(by=amal.user, period=period, hours="6", on=period.ends_on)
    before = books.snapshot(coop)
    with pytest.raises(InvalidTransition, match="still waiting"):
        actions.close_period(period, by=founder)
    assert books.snapshot(coop) == before


def test_a_closed_period_refuses_every_change(coop, founder, amal):
    period = books.last_year(coop)
    logged = actions.log_hours(by=amal.user, period=period, hours="6", on=period.ends_on)
    actions.decide_contribution(logged, by=founder, approve=True)
    actions.close_period(period, by=founder)
    before = books.snapshot(coop)
    attempts = [
        lambda: actions.log_hours(by=amal.user, period=period, hours="2", on=period.ends_on),
        lambda: actions.decide_contribution(logged, by=founder, approve=False),
        lambda: actions.import_contributions(
            by=founder, period=period, csv_text=f"member,hours\n{amal.number},1\n"
        ),
        lambda: actions.preview_contribution_import(
            by=founder, period=period, csv_text=f"member,hours\n{amal.number},1\n"
        ),
        lambda: actions.close_period(period, by=founder),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidTransition, match="closed") as error:
            attempt()
        assert error.value.field == "period"
    assert books.snapshot(coop) == before


# --- Hours -----------------------------------------------------------------------------------


def test_a_member_logs_hours_and_an_officer_approves_them(coop, founder, amal):
    period = books.current_period(coop)
    logged = actions.log_hours(by=amal.user, period=period, hours="7.5", note="Fixed the router")
    assert logged.state == "pending" and logged.source == "manual" and logged.kind == "hours"
    assert queries.period_totals(period) == []  # pending hours do not count yet
    actions.decide_contribution(logged, by=founder, approve=True)
    assert [(t.member_id, t.kind, t.quantity) for t in queries.period_totals(period)] == [
        (amal.pk, "hours", Decimal("7.500"))
    ]
    assert books.ledger_kinds(coop)[-1] == "economy.contribution_approved"
    assert books.last_entry_data(coop)["quantity"] == "7.500"


def test_rejected_hours_do_not_count_and_say_why(coop, founder, amal):
    period = books.current_period(coop)
    logged = actions.log_hours(by=amal.user, period=period, hours="3")
    actions.decide_contribution(logged, by=founder, approve=False, reason="Logged twice")
    logged.refresh_from_db()
    assert logged.state == "rejected" and logged.reason == "Logged twice"
    assert queries.period_totals(period) == []
    assert books.ledger_kinds(coop)[-1] == "economy.contribution_rejected"
    with pytest.raises(InvalidTransition):
        actions.decide_contribution(logged, by=founder, approve=True)


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        ("0", "more than zero"),
        ("-3", "more than zero"),
        ("24.5", "at most 24 hours"),
        ("seven", "as a number"),
        ("7.125", "hundredth"),
        ("1e3", "as a number"),
    ],
)
def test_hours_that_cannot_be_right_are_refused_and_nothing_is_written(coop, amal, hours, fragment):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput) as error:
        actions.log_hours(by=amal.user, period=period, hours=hours)
    assert error.value.field == "hours"
    assert fragment in str(error.value.message)
    assert books.snapshot(coop) == before


def test_a_day_cannot_hold_more_than_24_hours(coop, amal):
    period = books.current_period(coop)
    actions.log_hours(by=amal.user, period=period, hours="16")
    with pytest.raises(InvalidInput, match="more than 24") as error:
        actions.log_hours(by=amal.user, period=period, hours="8.25")
    assert error.value.field == "hours"
    assert actions.log_hours(by=amal.user, period=period, hours="8")


def test_hours_are_logged_for_a_day_of_the_period_and_not_the_future(coop, amal):
    period = books.current_period(coop)
    for day in (period.starts_on - timedelta(days=1), books.today() + timedelta(days=1)):
        with pytest.raises(InvalidInput) as error:
            actions.log_hours(by=amal.user, period=period, hours="2", on=day)
        assert error.value.field == "on"


def test_arabic_digits_are_read_as_hours(coop, amal):
    # Seven, the Arabic decimal separator, five: 7.5 as an Arabic keyboard types it.
    period = books.current_period(coop)
    assert actions.log_hours(
        by=amal.user, period=period, hours="\u0667\u066b\u0665"
    ).quantity == Decimal("7.5")


def test_hours_are_logged_only_in_a_kind_counted_in_hours(coop, amal):
    period = books.current_period(coop)
    with pytest.raises(InvalidInput) as error:
        actions.log_hours(by=amal.user, period=period, hours="2", kind="sales")
    assert error.value.field == "kind"


def test_nobody_approves_their_own_hours(coop, founder):
    period = books.current_period(coop)
    mine = actions.log_hours(by=founder, period=period, hours="5")
    with pytest.raises(PermissionDenied, match="Another officer"):
        actions.decide_contribution(mine, by=founder, approve=True)
    treasurer = factories.member(coop, offices=["treasurer"])
    assert actions.decide_contribution(mine, by=treasurer.user, approve=True).state == "approved"


def test_a_member_cannot_approve_hours(coop, amal, badr):
    period = books.current_period(coop)
    logged = actions.log_hours(by=amal.user, period=period, hours="5")
    with pytest.raises(PermissionDenied):
        actions.decide_contribution(logged, by=badr.user, approve=True)


def test_only_current_members_log_hours(coop, amal):
    period = books.current_period(coop)
    outsider = factories.person()
    with pytest.raises(PermissionDenied):
        actions.log_hours(by=outsider, period=period, hours="1")


# --- Importing a file --------------------------------------------------------------------------


def test_a_preview_shows_each_error_by_row_and_writes_nothing(coop, founder, amal, badr):
    period = books.current_period(coop)
    text = (
        "member,hours,sales,note\n"
        f"{amal.number},12.5,100.50,ok\n"
        "999,3,,\n"
        f"{badr.number},-4,abc,\n"
        f"{amal.number},1,,again\n"
        f"{founder.memberships.get().number},1.005,100.505,\n"
        ",2,,\n"
    )
    before = books.snapshot(coop)
    preview = actions.preview_contribution_import(by=founder, period=period, csv_text=text)
    assert books.snapshot(coop) == before
    assert not preview.ok
    found = [(e.row, e.column) for e in preview.errors]
    assert found == [
        (3, "member"),
        (4, "hours"),
        (4, "sales"),
        (5, "member"),
        (6, "hours"),
        (6, "sales"),
        (7, "member"),
    ]
    assert "999" in preview.errors[0].message
    assert "row 2" in preview.errors[3].message
    first = preview.rows[0]
    assert first.member == amal and first.errors == []
    assert first.quantities == {"hours": Decimal("12.5"), "sales": Decimal("100.50")}


def test_an_import_with_any_error_writes_nothing_at_all(coop, founder, amal):
    period = books.current_period(coop)
    text = f"member,hours\n{amal.number},10\n999,3\n"
    before = books.snapshot(coop)
    with pytest.raises(InvalidInput, match="nothing was imported") as error:
        actions.import_contributions(by=founder, period=period, csv_text=text)
    assert error.value.field == "file"
    assert books.snapshot(coop) == before


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("hours\n1,2\n", "first row must name the columns"),
        ("member,hours,hours\n1,2,3\n", "appears twice"),
        ("member,bananas\n1,2\n", "not a contribution kind"),
        ("member,note\n1,hi\n", "no column for any contribution kind"),
    ],
)
def test_a_file_that_is_not_a_contributions_table_is_explained(coop, founder, text, fragment):
    period = books.current_period(coop)
    preview = actions.preview_contribution_import(by=founder, period=period, csv_text=text)
    assert not preview.ok
    assert preview.errors[0].row == 1
    assert fragment in preview.errors[0].message


def test_broken_quoting_names_its_row(coop, founder, amal):
    period = books.current_period(coop)
    text = f'member,hours\n{amal.number},1\n{amal.number},"2\n'
    preview = actions.preview_contribution_import(by=founder, period=period, csv_text=text)
    assert [(e.row, "quotation" in e.message) for e in preview.errors] == [(3, True)]


def test_a_clean_file_imports_every_row_approved(coop, founder, amal, badr):
    period = books.current_period(coop)
    text = (
        "\ufeffmember,hours,sales,note\n"
        f"{amal.number},160,2500.75,January\n"
        f"{badr.number},٨٠,,\n"
        f"{founder.memberships.get().number},0,,nothing this month\n"
    )
    preview = actions.preview_contribution_import(by=founder, period=period, csv_text=text)
    assert preview.ok and preview.totals == {"hours": Decimal(240), "sales": Decimal("2500.75")}
    created = actions.import_contributions(by=founder, period=period, csv_text=text)
    assert len(created) == 3
    assert (
        Contribution.objects.filter(period=period, state="approved", source="import").count() == 3
    )
    assert books.ledger_kinds(coop)[-1] == "economy.contributions_imported"
    data = books.last_entry_data(coop)
    assert data["contributions"] == 3
    assert data["totals"] == {"hours": "240", "sales": "2500.75"}
    assert data["digest"] == queries.period_digest(period)
    totals = queries.patronage_quantities(period)
    assert totals[str(amal.public_id)] == {"hours": Decimal("160"), "sales": Decimal("2500.75")}
    assert totals[str(badr.public_id)] == {"hours": Decimal("80")}


def test_the_totals_export_reads_back_as_an_import_and_into_the_allocation(
    coop, founder, amal, badr
):
    period = books.last_year(coop)
    text = f"member,hours,sales\n{amal.number},10.25,99.99\n{badr.number},5,\n"
    actions.import_contributions(by=founder, period=period, csv_text=text)
    logged = actions.log_hours(by=amal.user, period=period, hours="1.5", on=period.ends_on)
    actions.decide_contribution(logged, by=founder, approve=True)
    exported = "\n".join(",".join(row) for row in queries.period_totals_csv_rows(period))
    assert exported == f"member,hours,sales\n{amal.number},11.75,99.99\n{badr.number},5,"
    again = books.current_period(coop)
    actions.import_contributions(by=founder, period=again, csv_text=exported)
    assert queries.patronage_quantities(again) == queries.patronage_quantities(period)
    contributions = Contributions.from_dict(
        queries.patronage_quantities(period), kinds=["hours", "sales"]
    )
    assert contributions.quantity(str(amal.public_id), "hours") == Decimal("11.75")


def test_a_file_with_no_contribution_imports_nothing(coop, founder, amal):
    period = books.current_period(coop)
    with pytest.raises(InvalidInput, match="no contribution") as error:
        actions.import_contributions(
            by=founder, period=period, csv_text=f"member,hours\n{amal.number},\n"
        )
    assert error.value.field == "file"
    assert not FiscalPeriod.objects.get(pk=period.pk).contributions.exists()


def test_only_an_office_that_keeps_the_accounts_imports(coop, amal):
    period = books.current_period(coop)
    text = f"member,hours\n{amal.number},1\n"
    with pytest.raises(PermissionDenied):
        actions.preview_contribution_import(by=amal.user, period=period, csv_text=text)
    with pytest.raises(PermissionDenied):
        actions.import_contributions(by=amal.user, period=period, csv_text=text)
