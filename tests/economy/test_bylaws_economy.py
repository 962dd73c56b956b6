"""The bylaws' economy settings: checked as a whole like the rest of the
bylaws, given by default to documents written before they existed, and the
treasurer's power to keep the accounts."""

from __future__ import annotations

import copy
import importlib

import pytest
from django.apps import apps as django_apps

from taawun.errors import InvalidInput
from taawun.membership import actions as membership
from taawun.membership.bylaws import (
    POWERS,
    default_bylaws,
    default_economy,
    power_labels,
    validate_bylaws,
)
from taawun.membership.models import Cooperative
from tests import factories

migration = importlib.import_module("taawun.membership.migrations.0004_bylaws_economy")


def with_economy(**changes):  # type: ignore[no-untyped-def]
    doc = default_bylaws()
    doc["economy"].update(changes)
    return doc


def test_the_default_bylaws_count_hours_and_let_the_treasurer_keep_the_accounts():
    doc = validate_bylaws(default_bylaws())
    economy = doc["economy"]
    assert [k["code"] for k in economy["contribution_kinds"]] == ["hours"]
    assert economy["share_transfer_approver"] == "board"
    assert economy["redemption_yearly_limit_percent"] is None
    treasurer = next(o for o in doc["offices"] if o["code"] == "treasurer")
    assert treasurer["powers"] == ["keep_register", "keep_accounts"]
    assert "keep_accounts" in POWERS and power_labels()["keep_accounts"]


def test_bylaws_written_before_the_economy_section_still_validate():
    doc = default_bylaws()
    del doc["economy"]
    assert validate_bylaws(doc)["economy"] == default_economy()


def test_without_a_board_transfers_go_to_the_office_that_amends_the_bylaws():
    doc = default_bylaws()
    del doc["economy"]
    doc["offices"] = [o for o in doc["offices"] if o["code"] != "board"]
    doc["offices"][0]["powers"] += ["assign_offices", "amend_bylaws"]
    assert validate_bylaws(doc)["economy"]["share_transfer_approver"] == "secretary"


def test_weights_and_percentages_are_kept_as_exact_decimal_strings():
    kinds = [
        {"code": "hours", "names": {"en": "Hours"}, "unit": "hours", "weight": "1.5"},
        {"code": "sales", "names": {"ar": "المبيعات"}, "unit": "money", "weight": 2},
    ]
    economy = validate_bylaws(
        with_economy(contribution_kinds=kinds, reserve_percent=40, capital_interest_percent="2.5")
    )["economy"]
    assert [k["weight"] for k in economy["contribution_kinds"]] == ["1.5", "2"]
    assert economy["reserve_percent"] == "40"
    assert economy["capital_interest_percent"] == "2.5"


KIND = {"code": "sales", "names": {"en": "Sales"}, "unit": "money", "weight": "0.01"}


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"contribution_kinds": [dict(KIND, weight="0")]}, "contribution_kinds", "more than zero"),
        ({"contribution_kinds": [dict(KIND, weight="-1")]}, "contribution_kinds", "out of range"),
        ({"contribution_kinds": [dict(KIND, weight=0.1)]}, "contribution_kinds", "number"),
        ({"contribution_kinds": [dict(KIND, unit="apples")]}, "contribution_kinds", "hours or"),
        ({"contribution_kinds": [KIND, KIND]}, "contribution_kinds", "twice"),
        ({"contribution_kinds": [dict(KIND, code="member")]}, "contribution_kinds", "code"),
        ({"contribution_kinds": [dict(KIND, names={})]}, "contribution_kinds", "name"),
        ({"contribution_kinds": [{"code": "sales"}]}, "contribution_kinds", "needs a code"),
        ({"share_transfer_approver": "king"}, "share_transfer_approver", "offices"),
        ({"redemption_delay_months": 121}, "redemption_delay_months", "120 months"),
        ({"redemption_delay_months": "12"}, "redemption_delay_months", "120 months"),
        ({"redemption_yearly_limit_percent": "101"}, "redemption_yearly_limit_percent", "range"),
        ({"redemption_on_request": "yes"}, "redemption_on_request", "true or false"),
        ({"allocation_needs_poll": None}, "allocation_needs_poll", "true or false"),
        ({"reserve_percent": "10", "legal_minimum_reserve_percent": "20"}, "reserve_percent", ""),
        ({"reserve_percent": "90", "community_percent": "20"}, "community_percent", "whole"),
        ({"cash_percent": "10"}, "cash_percent", "minimum"),
        ({"community_percent": "5.001"}, "community_percent", "decimal places"),
        ({"capital_interest_percent": "abc"}, "capital_interest_percent", "number"),
        ({"revolving_years": 51}, "revolving_years", "50 years"),
        ({"colour": "green"}, "economy", "colour"),
    ],
)
def test_a_bad_economy_setting_is_refused_with_its_field(changes, field, fragment):
    with pytest.raises(InvalidInput) as error:
        validate_bylaws(with_economy(**changes))
    assert error.value.field == field
    assert fragment in str(error.value.message)


def test_a_missing_economy_setting_is_named():
    doc = default_bylaws()
    del doc["economy"]["revolving_years"]
    with pytest.raises(InvalidInput, match="revolving_years") as error:
        validate_bylaws(doc)
    assert error.value.field == "economy"


@pytest.mark.django_db
def test_the_office_that_approves_transfers_cannot_be_removed(coop, founder):
    bylaws = copy.deepcopy(coop.bylaws)
    bylaws["offices"] = [o for o in bylaws["offices"] if o["code"] != "board"]
    for office in bylaws["offices"]:
        office["powers"] = [*office["powers"], "assign_offices", "amend_bylaws"]
    before = Cooperative.objects.get(pk=coop.pk).bylaws
    with pytest.raises(InvalidInput) as error:
        membership.amend_bylaws(by=founder, coop=coop, bylaws=bylaws)
    assert error.value.field == "share_transfer_approver"
    assert Cooperative.objects.get(pk=coop.pk).bylaws == before


@pytest.mark.django_db
def test_the_migration_gives_existing_cooperatives_the_economy_and_the_treasurer_its_power(db):
    coop = factories.cooperative()
    old = copy.deepcopy(coop.bylaws)
    del old["economy"]
    for office in old["offices"]:
        office["powers"] = [p for p in office["powers"] if p != "keep_accounts"]
    no_board = factories.cooperative()
    old_no_board = copy.deepcopy(old)
    old_no_board["offices"] = [o for o in old_no_board["offices"] if o["code"] != "board"]
    old_no_board["offices"][0]["powers"] += ["assign_offices", "amend_bylaws"]
    Cooperative.objects.filter(pk=coop.pk).update(bylaws=old)
    Cooperative.objects.filter(pk=no_board.pk).update(bylaws=old_no_board)

    migration.add_economy(django_apps, None)

    coop.refresh_from_db()
    no_board.refresh_from_db()
    assert coop.bylaws == validate_bylaws(default_bylaws())
    assert coop.bylaws["economy"] == default_economy()
    assert no_board.bylaws["economy"]["share_transfer_approver"] == "secretary"
    assert validate_bylaws(no_board.bylaws) == no_board.bylaws
    migration.remove_economy(django_apps, None)
    coop.refresh_from_db()
    assert coop.bylaws == old
