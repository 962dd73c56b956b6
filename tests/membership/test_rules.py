"""One test per permission rule: who may see and do what in a cooperative."""

from __future__ import annotations

import pytest

from taawun.errors import NotSignedIn, PermissionDenied
from taawun.membership import actions, rules
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_member_sees_the_private_pages(coop):
    member = factories.member(coop)
    assert rules.access_member(member.user, coop) == member


def test_an_outsider_does_not(coop):
    with pytest.raises(PermissionDenied):
        rules.access_member(factories.person(), coop)


def test_an_applicant_does_not(coop):
    applicant = factories.applicant(coop)
    with pytest.raises(PermissionDenied):
        rules.access_member(applicant.user, coop)


def test_a_visitor_is_asked_to_sign_in(coop):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotSignedIn):
        rules.access_member(AnonymousUser(), coop)


def test_a_former_member_does_not(coop):
    member = factories.member(coop)
    actions.withdraw_membership(member, by=member.user)
    with pytest.raises(PermissionDenied):
        rules.access_member(member.user, coop)


def test_a_suspended_member_still_reads_but_holds_no_powers(coop, founder):
    secretary = factories.member(coop, offices=["secretary"])
    actions.change_member_status(secretary, by=founder, to="suspended")
    assert rules.access_member(secretary.user, coop)
    with pytest.raises(PermissionDenied):
        rules.access_officer(secretary.user, coop, "admit")


def test_a_member_of_another_cooperative_is_an_outsider_here(coop):
    other = factories.cooperative()
    with pytest.raises(PermissionDenied):
        rules.access_member(factories.founder_of(other), coop)


@pytest.mark.parametrize(
    ("office", "power", "allowed"),
    [
        ("secretary", "admit", True),
        ("secretary", "invite", True),
        ("secretary", "keep_register", True),
        ("secretary", "change_status", True),
        ("secretary", "assign_offices", False),
        ("secretary", "amend_bylaws", False),
        ("treasurer", "keep_register", True),
        ("treasurer", "admit", False),
        ("treasurer", "invite", False),
        ("board", "admit", True),
        ("board", "assign_offices", True),
        ("board", "amend_bylaws", True),
        ("board", "invite", False),
        ("board", "keep_register", False),
    ],
)
def test_an_office_gives_exactly_the_powers_the_bylaws_list(coop, office, power, allowed):
    officer = factories.member(coop, offices=[office])
    if allowed:
        assert rules.access_officer(officer.user, coop, power) == officer
    else:
        with pytest.raises(PermissionDenied):
            rules.access_officer(officer.user, coop, power)


def test_a_member_without_office_holds_no_power(coop):
    member = factories.member(coop)
    assert rules.powers_of(member) == set()
