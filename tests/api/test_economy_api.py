"""The economy API as a treasurer's script or a member's app uses it: share
capital, periods, contributions, capital accounts and surplus allocations.

Every request goes through Django's test client and a bearer token, so the
URLs, the authentication and the error handlers are the real ones; data is
set up through the real actions. A refusal is shown to be a JSON error with
the field to correct and to leave the books exactly as they were.
"""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taawun.api import economy_schemas
from taawun.economy import actions, queries
from taawun.economy.models import Contribution, FiscalPeriod, SurplusAllocation
from taawun.membership import actions as membership
from taawun.membership.models import Cooperative, Member
from tests import factories
from tests.api.test_api import ARABIC, Api, assert_error
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal(coop: Cooperative) -> Member:
    return factories.member(coop, factories.person("Amal"))


@pytest.fixture
def badr(coop: Cooperative) -> Member:
    return factories.member(coop, factories.person("Badr"))


def url(coop: Cooperative, rest: str) -> str:
    return f"/coops/{coop.slug}/economy{rest}"


def upload(api: Api, path: str, content: bytes, **params: str) -> Any:
    """POST a file as a form would (multipart), with query parameters."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.client.post(
        f"/api{path}" + (f"?{query}" if query else ""),
        {"file": SimpleUploadedFile("hours.csv", content, content_type="text/csv")},
        **api.headers,
    )


def refused(response: Any, coop: Cooperative, before: tuple[object, ...], *args: Any) -> dict:
    """The response is the promised error, and the books are as they were."""
    body = assert_error(response, *args)
    assert books.snapshot(coop) == before, "a refused request wrote something"
    return body


def closed_year(coop: Cooperative, hours: dict[Member, str]) -> FiscalPeriod:
    """Last year, with ``hours`` imported for each member, closed."""
    period = books.last_year(coop)
    founder = factories.founder_of(coop)
    lines = ["member,hours", *(f"{m.number},{h}" for m, h in hours.items())]
    actions.import_contributions(by=founder, period=period, csv_text="\n".join(lines) + "\n")
    return actions.close_period(period, by=founder)


# --- the description -------------------------------------------------------------------

ECONOMY_PATHS = {
    "/shares": {"get"},
    "/members/{member_id}/shares": {"get"},
    "/subscriptions": {"post"},
    "/subscriptions/{subscription_id}/payments": {"post"},
    "/transfers": {"get", "post"},
    "/transfers/{transfer_id}/decision": {"post"},
    "/redemptions": {"get", "post"},
    "/redemptions/{redemption_id}/pay": {"post"},
    "/redemptions/{redemption_id}/refuse": {"post"},
    "/periods": {"get", "post"},
    "/periods/{period_id}/close": {"post"},
    "/periods/{period_id}/totals": {"get"},
    "/periods/{period_id}/hours": {"post"},
    "/periods/{period_id}/import": {"post"},
    "/contributions/mine": {"get"},
    "/contributions/pending": {"get"},
    "/contributions/{contribution_id}/decision": {"post"},
    "/members/{member_id}/capital-account": {"get"},
    "/members/{member_id}/capital-account/entries": {"post"},
    "/periods/{period_id}/allocations": {"get", "post"},
    "/periods/{period_id}/allocations/preview": {"post"},
    "/allocations/{allocation_id}": {"get"},
    "/allocations/{allocation_id}/post": {"post"},
    "/allocations/{allocation_id}/withdraw": {"post"},
}


def test_the_api_description_lists_every_economy_endpoint_with_its_errors(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    for rest, methods in ECONOMY_PATHS.items():
        path = "/api/coops/{slug}/economy" + rest
        assert path in doc["paths"], f"{path} is not described"
        for method in methods:
            operation = doc["paths"][path][method]
            assert "economy" in operation["tags"]
            for status in ("400", "401", "403", "404", "409", "422"):
                content = operation["responses"][status]["content"]["application/json"]
                ref = content["schema"]["$ref"].rsplit("/", 1)[-1]
                assert ref in {"ErrorOut", "ContributionImportErrorOut"}, (path, status)
    import_ = doc["paths"]["/api/coops/{slug}/economy/periods/{period_id}/import"]["post"]
    assert "multipart/form-data" in import_["requestBody"]["content"]
    assert [p["name"] for p in import_["parameters"] if p["in"] == "query"] == ["dry_run"]


def test_the_description_of_each_economy_schema_is_its_own(db):
    # Components are named by class name: another router's schema of the same
    # name would silently replace one of ours in the description.
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    for name, model in inspect.getmembers(economy_schemas, inspect.isclass):
        if model.__module__ != economy_schemas.__name__ or name not in schemas:
            continue
        assert set(schemas[name]["properties"]) == set(model.model_fields), name


# --- share capital -------------------------------------------------------------------------


def test_members_read_the_share_register_in_the_cooperatives_currency(coop, amal, badr):
    books.paid_shares(amal, 3)
    response = Api(badr.user).get(url(coop, "/shares"))
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "EGP"
    assert body["share_capital"] == "30.00"
    rows = {row["member"]["name"]: row for row in body["members"]}
    assert rows["Amal"]["shares"] == 3 and rows["Amal"]["capital"] == "30.00"
    assert rows["Amal"]["member"]["public_id"] == str(amal.public_id)
    assert rows["Amal"]["member"]["id"] == amal.pk
    assert rows["Badr"]["shares"] == 0 and rows["Badr"]["below_minimum"] is True


def test_the_share_register_is_for_members_only(coop):
    assert_error(Api(factories.person()).get(url(coop, "/shares")), 403, "forbidden")
    assert_error(Api().get(url(coop, "/shares")), 401, "not_signed_in")


def test_a_member_reads_their_own_share_statement_and_not_anothers(coop, founder, amal, badr):
    books.paid_shares(amal, 2)
    mine = Api(amal.user).get(url(coop, f"/members/{amal.pk}/shares"))
    assert mine.status_code == 200
    body = mine.json()
    assert (body["shares"], body["capital"], body["currency"]) == (2, "20.00", "EGP")
    assert [(m["kind"], m["shares"], m["amount_after"]) for m in body["movements"]] == [
        ("paid_up", 2, "20.00")
    ]
    assert body["subscriptions"][0]["outstanding"] == "0.00"
    assert_error(Api(badr.user).get(url(coop, f"/members/{amal.pk}/shares")), 403, "forbidden")
    # The treasurer keeps the accounts and reads every statement.
    assert Api(founder).get(url(coop, f"/members/{amal.pk}/shares")).status_code == 200


def test_an_officer_records_a_subscription_paid_in_instalments(coop, founder, amal):
    api = Api(founder)
    response = api.post(
        url(coop, "/subscriptions"), {"member": amal.pk, "shares": 4, "instalments": 2}
    )
    assert response.status_code == 201, response.content
    subscription = response.json()
    assert subscription["amount_due"] == "40.00" and subscription["outstanding"] == "40.00"
    assert subscription["member"]["name"] == "Amal"

    # 25.00 pays up two whole shares; the half share waits for the rest.
    paid = api.post(url(coop, f"/subscriptions/{subscription['id']}/payments"), {"amount": "25.00"})
    assert paid.status_code == 201, paid.content
    assert paid.json()["shares_paid_up"] == 2 and paid.json()["outstanding"] == "15.00"
    # A JSON number is read as the same decimal, Arabic-Indic digits too.
    rest = api.post(url(coop, f"/subscriptions/{subscription['id']}/payments"), {"amount": 5})
    assert rest.json()["shares_paid_up"] == 1
    last = api.post(
        url(coop, f"/subscriptions/{subscription['id']}/payments"), {"amount": "\u0661\u0660"}
    )
    assert last.json()["shares_paid_up"] == 1 and last.json()["outstanding"] == "0.00"
    assert queries.holding(amal).shares == 4
    assert books.ledger_kinds(coop)[-1] == "economy.share_payment"


def test_a_member_without_the_power_cannot_record_a_subscription(coop, amal, badr):
    before = books.snapshot(coop)
    response = Api(badr.user).post(url(coop, "/subscriptions"), {"member": amal.pk, "shares": 1})
    refused(response, coop, before, 403, "forbidden")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"amount": "50.00"}, 400, "invalid", "amount"),  # more than is due
        ({"amount": "-5"}, 400, "invalid", "amount"),
        ({"amount": "5.005"}, 400, "invalid", "amount"),  # finer than a piastre
        ({"amount": "five"}, 400, "invalid", "amount"),
        ({"amount": "5", "paid_on": "2999-01-01"}, 400, "invalid", "paid_on"),
        ({"amount": "5", "paid_on": "not a date"}, 422, "invalid", "paid_on"),
        ({}, 422, "invalid", "amount"),
    ],
)
def test_a_wrong_payment_is_refused_beside_its_field(
    body, status, code, field, coop, founder, amal
):
    subscription = actions.subscribe_shares(by=founder, member=amal, shares=4, instalments=2)
    before = books.snapshot(coop)
    response = Api(founder).post(url(coop, f"/subscriptions/{subscription.pk}/payments"), body)
    refused(response, coop, before, status, code, field)


def test_a_subscription_for_someone_who_is_not_a_member_here_is_refused(coop, founder):
    stranger = factories.member(factories.cooperative())
    before = books.snapshot(coop)
    response = Api(founder).post(url(coop, "/subscriptions"), {"member": stranger.pk, "shares": 1})
    refused(response, coop, before, 400, "invalid", "member")


def test_a_payment_on_an_unknown_subscription_is_not_found(coop, founder):
    response = Api(founder).post(url(coop, "/subscriptions/999999/payments"), {"amount": "1"})
    assert_error(response, 404, "not_found")


def test_a_member_asks_to_transfer_shares_and_the_board_approves(coop, founder, amal, badr):
    books.paid_shares(amal, 5)
    asked = Api(amal.user).post(
        url(coop, "/transfers"), {"to_member": badr.pk, "shares": 2, "reason": "For Badr"}
    )
    assert asked.status_code == 201, asked.content
    transfer = asked.json()
    assert transfer["state"] == "requested"
    assert (transfer["from_member"]["name"], transfer["to_member"]["name"]) == ("Amal", "Badr")
    listed = Api(badr.user).get(url(coop, "/transfers"), state="requested").json()
    assert [t["id"] for t in listed] == [transfer["id"]]

    decided = Api(founder).post(
        url(coop, f"/transfers/{transfer['id']}/decision"), {"approve": True}
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["state"] == "approved"
    assert decided.json()["decided_by"]["number"] == 1
    assert queries.holding(badr).shares == 2 and queries.holding(amal).shares == 3


@pytest.mark.parametrize("shares", [10, 5, 0, -1])
def test_a_transfer_beyond_the_shares_held_is_refused(shares, coop, amal, badr):
    # Amal holds 5 and her class keeps at least 1: she can pass on 4 at most.
    books.paid_shares(amal, 5)
    before = books.snapshot(coop)
    response = Api(amal.user).post(
        url(coop, "/transfers"), {"to_member": badr.pk, "shares": shares}
    )
    refused(response, coop, before, 400, "invalid", "shares")


def test_a_transfer_to_an_unknown_member_is_refused_beside_to_member(coop, amal):
    books.paid_shares(amal, 5)
    before = books.snapshot(coop)
    response = Api(amal.user).post(url(coop, "/transfers"), {"to_member": 999999, "shares": 1})
    refused(response, coop, before, 400, "invalid", "to_member")


def test_only_the_office_the_bylaws_name_decides_a_transfer(coop, amal, badr):
    books.paid_shares(amal, 5)
    transfer = actions.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    before = books.snapshot(coop)
    response = Api(badr.user).post(
        url(coop, f"/transfers/{transfer.pk}/decision"), {"approve": True}
    )
    refused(response, coop, before, 403, "forbidden")


def test_a_member_asks_for_shares_back_and_the_treasurer_pays_them(coop, founder, amal):
    books.with_economy(coop, redemption_on_request=True, redemption_delay_months=0)
    books.paid_shares(amal, 3)
    asked = Api(amal.user).post(url(coop, "/redemptions"), {"shares": 2})
    assert asked.status_code == 201, asked.content
    redemption = asked.json()
    assert (redemption["amount"], redemption["state"], redemption["currency"]) == (
        "20.00",
        "pending",
        "EGP",
    )
    assert redemption["member"]["name"] == "Amal"
    pending = Api(amal.user).get(url(coop, "/redemptions"), state="pending").json()
    assert [r["id"] for r in pending] == [redemption["id"]]

    paid = Api(founder).post(url(coop, f"/redemptions/{redemption['id']}/pay"), {})
    assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == "paid" and paid.json()["paid_on"] == books.today().isoformat()
    assert queries.holding(amal).shares == 1


def test_refusing_a_redemption_needs_a_reason(coop, founder, amal):
    books.with_economy(coop, redemption_on_request=True)
    books.paid_shares(amal, 3)
    redemption = actions.request_redemption(by=amal.user, member=amal, shares=1)
    api = Api(founder)
    before = books.snapshot(coop)
    response = api.post(url(coop, f"/redemptions/{redemption.pk}/refuse"), {})
    refused(response, coop, before, 400, "invalid", "reason")
    # Paying before the bylaws' delay is not possible either.
    response = api.post(url(coop, f"/redemptions/{redemption.pk}/pay"), {})
    refused(response, coop, before, 409, "invalid_transition", "paid_on")

    done = api.post(url(coop, f"/redemptions/{redemption.pk}/refuse"), {"reason": "Cash is short"})
    assert done.status_code == 200 and done.json()["state"] == "refused"
    assert done.json()["reason"] == "Cash is short"


def test_a_member_cannot_ask_back_more_shares_than_they_hold(coop, amal):
    books.with_economy(coop, redemption_on_request=True)
    books.paid_shares(amal, 2)
    before = books.snapshot(coop)
    response = Api(amal.user).post(url(coop, "/redemptions"), {"shares": 5})
    refused(response, coop, before, 400, "invalid", "shares")


# --- fiscal periods ----------------------------------------------------------------------------


def test_an_officer_opens_and_closes_a_period_and_members_see_it(coop, founder, amal):
    year = books.today().year - 1
    api = Api(founder)
    opened = api.post(
        url(coop, "/periods"),
        {"name": str(year), "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
    )
    assert opened.status_code == 201, opened.content
    period = opened.json()
    assert period["state"] == "open" and period["closed_at"] is None
    closed = api.post(url(coop, f"/periods/{period['id']}/close"))
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed"
    listed = Api(amal.user).get(url(coop, "/periods")).json()
    assert [(p["name"], p["state"]) for p in listed] == [(str(year), "closed")]
    assert books.ledger_kinds(coop)[-2:] == ["economy.period_opened", "economy.period_closed"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"name": "Overlap", "starts_on": "{y}-06-01", "ends_on": "{y}-06-30"},
            409,
            "conflict",
            "starts_on",
        ),
        (
            {"name": "Backwards", "starts_on": "{y}-06-01", "ends_on": "{y}-05-01"},
            400,
            "invalid",
            "ends_on",
        ),
        ({"name": "", "starts_on": "2001-01-01", "ends_on": "2001-12-31"}, 400, "invalid", "name"),
        (
            {"name": "Bad date", "starts_on": "2001-02-30", "ends_on": "2001-12-31"},
            422,
            "invalid",
            "starts_on",
        ),
        ({"starts_on": "2001-01-01", "ends_on": "2001-12-31"}, 422, "invalid", "name"),
    ],
)
def test_a_wrong_period_is_refused_beside_its_field(body, status, code, field, coop, founder):
    books.current_period(coop)
    year = books.today().year
    body = {k: v.replace("{y}", str(year)) for k, v in body.items()}
    before = books.snapshot(coop)
    refused(Api(founder).post(url(coop, "/periods"), body), coop, before, status, code, field)


def test_a_member_cannot_open_or_close_a_period(coop, amal):
    period = books.last_year(coop)
    before = books.snapshot(coop)
    year = books.today().year - 5
    api = Api(amal.user)
    body = {"name": "Mine", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"}
    refused(api.post(url(coop, "/periods"), body), coop, before, 403, "forbidden")
    refused(api.post(url(coop, f"/periods/{period.pk}/close")), coop, before, 403, "forbidden")


def test_a_period_cannot_close_before_its_last_day(coop, founder):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    response = Api(founder).post(url(coop, f"/periods/{period.pk}/close"))
    refused(response, coop, before, 409, "invalid_transition", "period")


def test_a_period_of_another_cooperative_is_not_found_here(coop, founder):
    other = factories.cooperative()
    period = books.current_period(other)
    response = Api(founder).get(url(coop, f"/periods/{period.pk}/totals"))
    assert_error(response, 404, "not_found")


# --- contributions -----------------------------------------------------------------------------


def test_a_member_logs_hours_and_finds_them_among_their_contributions(coop, amal):
    period = books.current_period(coop)
    api = Api(amal.user)
    logged = api.post(
        url(coop, f"/periods/{period.pk}/hours"),
        {"hours": "7.5", "on": books.today().isoformat(), "note": "Backups"},
    )
    assert logged.status_code == 201, logged.content
    entry = logged.json()
    assert (entry["quantity"], entry["kind"], entry["state"]) == ("7.5", "hours", "pending")
    # A JSON number is taken as the same decimal.
    assert api.post(url(coop, f"/periods/{period.pk}/hours"), {"hours": 1.25}).status_code == 201
    mine = api.get(url(coop, "/contributions/mine"), period=period.pk).json()
    assert [(c["quantity"], c["note"]) for c in mine] == [("7.5", "Backups"), ("1.25", "")]
    assert all(c["member"]["name"] == "Amal" for c in mine)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": "-3"}, "hours"),
        ({"hours": "0"}, "hours"),
        ({"hours": "25"}, "hours"),
        ({"hours": "7.333"}, "hours"),
        ({"hours": "seven"}, "hours"),
        ({"hours": "2", "kind": "sales"}, "kind"),
        ({"hours": "2", "on": "2999-01-01"}, "on"),
    ],
)
def test_wrong_hours_are_refused_beside_the_field_and_nothing_is_logged(body, field, coop, amal):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    response = Api(amal.user).post(url(coop, f"/periods/{period.pk}/hours"), body)
    refused(response, coop, before, 400, "invalid", field)


def test_an_error_in_logging_hours_is_in_arabic_for_an_arabic_reader(coop, amal):
    period = books.current_period(coop)
    amal.user.language = ""
    amal.user.save()
    api = Api(amal.user, HTTP_ACCEPT_LANGUAGE="ar")
    body = assert_error(
        api.post(url(coop, f"/periods/{period.pk}/hours"), {"hours": "-3"}), 400, "invalid", "hours"
    )
    assert ARABIC.search(body["message"]), body["message"]


def test_hours_cannot_be_logged_in_a_closed_period(coop, amal):
    period = closed_year(coop, {amal: "10"})
    before = books.snapshot(coop)
    response = Api(amal.user).post(
        url(coop, f"/periods/{period.pk}/hours"), {"hours": "2", "on": period.ends_on.isoformat()}
    )
    refused(response, coop, before, 409, "invalid_transition", "period")


def test_the_treasurer_approves_pending_hours_and_they_count_for_patronage(coop, founder, amal):
    period = books.current_period(coop)
    logged = actions.log_hours(by=amal.user, period=period, hours="6")
    api = Api(founder)
    pending = api.get(url(coop, "/contributions/pending")).json()
    assert [(c["id"], c["member"]["name"]) for c in pending] == [(logged.pk, "Amal")]
    decided = api.post(url(coop, f"/contributions/{logged.pk}/decision"), {"approve": True})
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert api.get(url(coop, "/contributions/pending")).json() == []

    totals = Api(amal.user).get(url(coop, f"/periods/{period.pk}/totals")).json()
    assert totals["kinds"][0]["code"] == "hours" and totals["kinds"][0]["unit"] == "hours"
    assert [(r["member"]["name"], r["quantities"]) for r in totals["members"]] == [
        ("Amal", {"hours": "6"})
    ]
    assert totals["totals"] == {"hours": "6"}


def test_pending_contributions_are_for_the_treasurer(coop, amal):
    assert_error(Api(amal.user).get(url(coop, "/contributions/pending")), 403, "forbidden")


def test_no_one_approves_their_own_hours(coop, founder):
    period = books.current_period(coop)
    own = actions.log_hours(by=founder, period=period, hours="3")
    before = books.snapshot(coop)
    response = Api(founder).post(url(coop, f"/contributions/{own.pk}/decision"), {"approve": True})
    refused(response, coop, before, 403, "forbidden")


def test_a_dry_run_of_an_import_previews_each_row_and_writes_nothing(coop, founder, amal, badr):
    period = books.current_period(coop)
    csv = f"member,hours,note\n{amal.number},120.5,March\n{badr.number},-4,\n999,3,\n".encode()
    before = books.snapshot(coop)
    response = upload(Api(founder), url(coop, f"/periods/{period.pk}/import"), csv, dry_run="true")
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["ok"] is False and preview["kinds"] == ["hours"]
    first, second, third = preview["rows"]
    assert (first["member"]["name"], first["quantities"], first["errors"]) == (
        "Amal",
        {"hours": "120.5"},
        [],
    )
    assert [(e["row"], e["column"]) for e in second["errors"]] == [(3, "hours")]
    assert third["member"] is None and third["errors"][0]["column"] == "member"
    assert len(preview["errors"]) == 2
    assert books.snapshot(coop) == before


def test_an_import_writes_every_row_approved(coop, founder, amal, badr):
    period = books.current_period(coop)
    csv = f"\ufeffmember,hours\n{amal.number},120.5\n{badr.number},80\n".encode()
    response = upload(Api(founder), url(coop, f"/periods/{period.pk}/import"), csv)
    assert response.status_code == 201, response.content
    assert response.json()["contributions"] == 2
    assert response.json()["totals"] == {"hours": "200.5"}
    assert set(Contribution.objects.filter(period=period).values_list("state", flat=True)) == {
        "approved"
    }
    assert books.ledger_kinds(coop)[-1] == "economy.contributions_imported"


def test_importing_a_file_with_errors_writes_nothing_and_says_where(coop, founder, amal):
    period = books.current_period(coop)
    csv = f"member,hours\n{amal.number},10\n{amal.number},5\n".encode()
    before = books.snapshot(coop)
    response = upload(Api(founder), url(coop, f"/periods/{period.pk}/import"), csv)
    body = refused(response, coop, before, 400, "invalid", "file")
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "member")]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"member,hours\n1,\xff\xfe\n", "invalid"),  # not UTF-8
        (b"", "invalid"),  # empty
        (b'member,hours\n1,"10\n', "invalid"),  # broken quoting
        (b"name,hours\nAmal,10\n", "invalid"),  # no member column
    ],
)
def test_a_bad_csv_is_refused_beside_the_file(content, code, coop, founder):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    response = upload(Api(founder), url(coop, f"/periods/{period.pk}/import"), content)
    refused(response, coop, before, 400, code, "file")


def test_an_import_without_a_file_is_refused(coop, founder):
    period = books.current_period(coop)
    response = Api(founder).client.post(
        f"/api{url(coop, f'/periods/{period.pk}/import')}", {}, **Api(founder).headers
    )
    assert_error(response, 422, "invalid", "file")


def test_a_member_cannot_import_or_preview_contributions(coop, amal):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    csv = f"member,hours\n{amal.number},100\n".encode()
    for params in ({}, {"dry_run": "true"}):
        response = upload(Api(amal.user), url(coop, f"/periods/{period.pk}/import"), csv, **params)
        refused(response, coop, before, 403, "forbidden")


# --- capital accounts ----------------------------------------------------------------------


def test_a_capital_account_shows_each_entry_with_the_running_balance(coop, founder, amal):
    books.with_economy(coop, capital_interest_percent="3")
    period = books.current_period(coop)
    api = Api(founder)
    first = api.post(
        url(coop, f"/members/{amal.pk}/capital-account/entries"),
        {"kind": "interest", "amount": "12.50", "period": period.pk, "memo": "Interest"},
    )
    assert first.status_code == 201, first.content
    assert first.json()["amount"] == "12.50" and first.json()["balance"] == "12.50"
    assert first.json()["period"] == {"id": period.pk, "name": period.name}
    fix = api.post(
        url(coop, f"/members/{amal.pk}/capital-account/entries"),
        {"kind": "correction", "amount": "-2.50", "corrects": first.json()["id"], "memo": "Rate"},
    )
    assert fix.status_code == 201, fix.content

    account = Api(amal.user).get(url(coop, f"/members/{amal.pk}/capital-account")).json()
    assert account["currency"] == "EGP" and account["balance"] == "10.00"
    assert [(e["kind"], e["amount"], e["balance"]) for e in account["entries"]] == [
        ("interest", "12.50", "12.50"),
        ("correction", "-2.50", "10.00"),
    ]
    assert account["entries"][1]["corrects"] == first.json()["id"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"kind": "retained_allocation", "amount": "5"}, 400, "invalid", "kind"),
        ({"kind": "interest", "amount": "-5"}, 400, "invalid", "amount"),
        ({"kind": "interest", "amount": "5", "period": 999999}, 400, "invalid", "period"),
        (
            {"kind": "correction", "amount": "5", "corrects": 999999, "memo": "x"},
            400,
            "invalid",
            "corrects",
        ),
        ({"kind": "payout", "amount": "5"}, 409, "invalid_transition", "kind"),  # not left
        ({"amount": "5"}, 422, "invalid", "kind"),
    ],
)
def test_a_wrong_capital_entry_is_refused_beside_its_field(
    body, status, code, field, coop, founder, amal
):
    books.with_economy(coop, capital_interest_percent="3")
    before = books.snapshot(coop)
    response = Api(founder).post(url(coop, f"/members/{amal.pk}/capital-account/entries"), body)
    refused(response, coop, before, status, code, field)


def test_a_members_capital_account_is_theirs_and_the_treasurers_to_read(coop, amal, badr):
    assert Api(amal.user).get(url(coop, f"/members/{amal.pk}/capital-account")).status_code == 200
    response = Api(badr.user).get(url(coop, f"/members/{amal.pk}/capital-account"))
    assert_error(response, 403, "forbidden")
    before = books.snapshot(coop)
    response = Api(badr.user).post(
        url(coop, f"/members/{amal.pk}/capital-account/entries"),
        {"kind": "interest", "amount": "5"},
    )
    refused(response, coop, before, 403, "forbidden")


def test_a_member_who_has_left_still_reads_their_own_accounts(coop, founder, amal):
    books.paid_shares(amal, 2)
    membership.change_member_status(amal, by=founder, to="withdrawn", reason="Moved away")
    api = Api(amal.user)
    assert api.get(url(coop, f"/members/{amal.pk}/shares")).json()["shares"] == 2
    assert api.get(url(coop, f"/members/{amal.pk}/capital-account")).status_code == 200
    # ...and asks for their shares back, as the bylaws always allow on leaving.
    asked = api.post(url(coop, "/redemptions"), {"shares": 2})
    assert asked.status_code == 201, asked.content
    assert asked.json()["on_leaving"] is True
    # But no longer sees the cooperative's register.
    assert_error(api.get(url(coop, "/shares")), 403, "forbidden")


# --- surplus allocations ---------------------------------------------------------------------


def test_the_treasurer_previews_then_proposes_and_members_read_every_share(
    coop, founder, amal, badr
):
    period = closed_year(coop, {amal: "600", badr: "400"})
    api = Api(founder)
    before = books.snapshot(coop)
    preview = api.post(url(coop, f"/periods/{period.pk}/allocations/preview"), {"surplus": "10000"})
    assert preview.status_code == 200, preview.content
    shown = preview.json()
    assert shown["id"] is None and shown["state"] == "proposed"
    assert (shown["surplus"], shown["reserve"], shown["community"], shown["patronage_pool"]) == (
        "10000.00",
        "3000.00",
        "500.00",
        "6500.00",
    )
    assert [
        (s["member"]["name"], s["dividend"], s["cash"], s["retained"]) for s in shown["shares"]
    ] == [
        ("Amal", "3900.00", "1170.00", "2730.00"),
        ("Badr", "2600.00", "780.00", "1820.00"),
    ]
    assert books.snapshot(coop) == before, "a preview writes nothing"

    proposed = api.post(
        url(coop, f"/periods/{period.pk}/allocations"),
        {
            "surplus": 10000,
            "poll_closes_at": (books.today() + timedelta(days=7)).isoformat() + "T12:00:00Z",
        },
    )
    assert proposed.status_code == 201, proposed.content
    allocation = proposed.json()
    assert allocation["poll"] and allocation["proposed_by"]["number"] == 1
    assert allocation["shares_digest"] == shown["shares_digest"]

    reader = Api(amal.user)
    listed = reader.get(url(coop, f"/periods/{period.pk}/allocations")).json()
    assert [(a["id"], a["state"]) for a in listed] == [(allocation["id"], "proposed")]
    assert "shares" not in listed[0]
    detail = reader.get(url(coop, f"/allocations/{allocation['id']}")).json()
    assert [s["retained"] for s in detail["shares"]] == ["2730.00", "1820.00"]
    assert detail["shares_count"] == 2
    second = reader.get(url(coop, f"/allocations/{allocation['id']}?offset=1&limit=1")).json()
    assert [s["member"]["name"] for s in second["shares"]] == ["Badr"]
    assert second["shares_count"] == 2


def test_an_approved_allocation_is_posted_to_the_capital_accounts(coop, founder, amal, badr):
    books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "600", badr: "400"})
    found = SurplusAllocation.objects.get(
        pk=Api(founder)
        .post(url(coop, f"/periods/{period.pk}/allocations"), {"surplus": "10000"})
        .json()["id"]
    )
    assert found.poll is None
    posted = Api(founder).post(url(coop, f"/allocations/{found.pk}/post"))
    assert posted.status_code == 200, posted.content
    assert posted.json()["state"] == "posted" and posted.json()["posted_on"]
    account = Api(amal.user).get(url(coop, f"/members/{amal.pk}/capital-account")).json()
    assert account["balance"] == "2730.00"
    assert account["entries"][0]["allocation"] == found.pk


def test_an_allocation_the_meeting_is_voting_on_cannot_be_posted(coop, founder, amal):
    period = closed_year(coop, {amal: "10"})
    found = Api(founder).post(url(coop, f"/periods/{period.pk}/allocations"), {"surplus": "100"})
    before = books.snapshot(coop)
    response = Api(founder).post(url(coop, f"/allocations/{found.json()['id']}/post"))
    refused(response, coop, before, 409, "conflict")


def test_withdrawing_an_allocation_needs_a_reason(coop, founder, amal):
    books.with_economy(coop, allocation_needs_poll=False)
    period = closed_year(coop, {amal: "10"})
    found = Api(founder).post(url(coop, f"/periods/{period.pk}/allocations"), {"surplus": "100"})
    path = url(coop, f"/allocations/{found.json()['id']}/withdraw")
    before = books.snapshot(coop)
    refused(Api(founder).post(path, {}), coop, before, 400, "invalid", "reason")
    done = Api(founder).post(path, {"reason": "The surplus figure was wrong"})
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    assert done.json()["reason"] == "The surplus figure was wrong"


@pytest.mark.parametrize(
    ("surplus", "status", "code"),
    [("", 400, "invalid"), ("ten", 400, "invalid"), ("10.001", 400, "invalid")],
)
def test_a_wrong_surplus_is_refused_beside_it(surplus, status, code, coop, founder, amal):
    period = closed_year(coop, {amal: "10"})
    before = books.snapshot(coop)
    response = Api(founder).post(
        url(coop, f"/periods/{period.pk}/allocations"), {"surplus": surplus}
    )
    refused(response, coop, before, status, code, "surplus")


def test_an_open_period_cannot_be_allocated(coop, founder):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    response = Api(founder).post(
        url(coop, f"/periods/{period.pk}/allocations/preview"), {"surplus": "100"}
    )
    refused(response, coop, before, 409, "invalid_transition", "period")


def test_only_the_treasurer_allocates_but_every_member_reads(coop, founder, amal):
    period = closed_year(coop, {amal: "10"})
    before = books.snapshot(coop)
    api = Api(amal.user)
    for path in (f"/periods/{period.pk}/allocations/preview", f"/periods/{period.pk}/allocations"):
        refused(api.post(url(coop, path), {"surplus": "100"}), coop, before, 403, "forbidden")
    assert api.get(url(coop, f"/periods/{period.pk}/allocations")).json() == []
    outsider = Api(factories.person())
    assert_error(outsider.get(url(coop, f"/periods/{period.pk}/allocations")), 403, "forbidden")
    assert_error(api.get(url(coop, "/allocations/999999")), 404, "not_found")


def test_a_member_signed_in_in_the_browser_uses_the_api_too(coop, amal):
    period = books.current_period(coop)
    client = Client()
    client.force_login(amal.user)
    response = client.post(
        f"/api{url(coop, f'/periods/{period.pk}/hours')}",
        {"hours": "2"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api{url(coop, '/contributions/mine')}").json()[0]["quantity"] == "2"


def test_logging_hours_needs_signing_in(coop):
    period = books.current_period(coop)
    before = books.snapshot(coop)
    response = Api().post(url(coop, f"/periods/{period.pk}/hours"), {"hours": "2"})
    refused(response, coop, before, 401, "not_signed_in")
