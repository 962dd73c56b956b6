"""Bylaws settings are checked as a whole; a bad document is refused with a reason."""

from __future__ import annotations

import copy

import pytest

from taawun.errors import InvalidInput
from taawun.membership.bylaws import bylaws_digest, default_bylaws, validate_bylaws


def changed(**changes):  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(default_bylaws())
    doc.update(changes)
    return doc


def test_default_bylaws_are_valid_and_keep_their_meaning():
    doc = validate_bylaws(default_bylaws())
    assert [c["code"] for c in doc["membership_classes"]] == ["worker", "user", "supporter"]
    assert doc["quorum_percent"] == "50"
    assert doc["admission"] == "officers"


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"quorum_percent": "101"}, "out of range"),
        ({"quorum_percent": "abc"}, "must be a number"),
        ({"threshold": "most"}, "Unknown threshold"),
        ({"probation_days": -1}, "probation"),
        ({"probation_days": True}, "probation"),
        ({"admission": "lottery"}, "Admission"),
        ({"share_par_value": "0"}, "out of range"),
        ({"share_par_value": "10.001"}, "decimal places"),
        ({"membership_classes": []}, "at least one membership class"),
        ({"offices": []}, "at least one office"),
        ({"min_voting_hours": 10_000}, "voting period"),
        ({"proxy_limit": 11}, "proxies"),
        ({"vote_weights": {"emperor": 2}}, "Vote weights"),
        ({"vote_weights": {"worker": -1}}, "Vote weights"),
    ],
)
def test_a_bad_setting_is_refused_with_its_reason(changes, fragment):
    with pytest.raises(InvalidInput) as error:
        validate_bylaws(changed(**changes))
    assert fragment in str(error.value.message)


def test_unknown_and_missing_settings_are_named():
    doc = changed(colour="green")
    with pytest.raises(InvalidInput, match="colour"):
        validate_bylaws(doc)
    doc = default_bylaws()
    del doc["threshold"]
    with pytest.raises(InvalidInput, match="threshold"):
        validate_bylaws(doc)


def test_a_membership_class_cannot_appear_twice():
    doc = default_bylaws()
    doc["membership_classes"].append(dict(doc["membership_classes"][0]))
    with pytest.raises(InvalidInput, match="twice"):
        validate_bylaws(doc)


def test_an_office_cannot_hold_an_unknown_power():
    doc = default_bylaws()
    doc["offices"][0]["powers"].append("sell_the_building")
    with pytest.raises(InvalidInput, match="unknown power"):
        validate_bylaws(doc)


def test_bylaws_that_leave_nobody_able_to_amend_them_are_refused():
    doc = default_bylaws()
    for office in doc["offices"]:
        office["powers"] = [p for p in office["powers"] if p != "amend_bylaws"]
    with pytest.raises(InvalidInput, match="amend"):
        validate_bylaws(doc)


def test_admission_by_officers_needs_an_office_that_admits():
    doc = default_bylaws()
    for office in doc["offices"]:
        office["powers"] = [p for p in office["powers"] if p != "admit"]
    with pytest.raises(InvalidInput, match="admit"):
        validate_bylaws(doc)
    doc["admission"] = "poll"
    assert validate_bylaws(doc)["admission"] == "poll"


def test_three_decimal_currencies_allow_three_places_in_the_par_value():
    assert validate_bylaws(changed(share_par_value="20.125"), currency_places=3)
    with pytest.raises(InvalidInput):
        validate_bylaws(changed(share_par_value="20.5"), currency_places=0)


def test_the_digest_changes_with_any_setting_and_not_with_key_order():
    doc = validate_bylaws(default_bylaws())
    reordered = dict(reversed(list(doc.items())))
    assert bylaws_digest(doc) == bylaws_digest(reordered)
    assert bylaws_digest(doc) != bylaws_digest(dict(doc, quorum_percent="51"))
