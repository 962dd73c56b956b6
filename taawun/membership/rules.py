"""Who may do what in a cooperative: every permission rule, in one place.

A member sees their cooperative's private things (directory, ledger); an
applicant, a former member and an outsider do not. An officer may do what
the bylaws give their office, and nothing more; a suspended officer holds no
powers while suspended.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from taawun.errors import NotSignedIn, PermissionDenied
from taawun.membership.bylaws import power_labels
from taawun.membership.models import Cooperative, Member
from taawun.prepared import PreparedQuery

# Statuses in which a person is a member and sees the cooperative's own pages.
MEMBER_STATUSES = (Member.Status.PROBATION, Member.Status.ACTIVE, Member.Status.SUSPENDED)


# Compiled once per process (taawun.prepared): nearly every page of a
# cooperative asks it. At most one row, as there is one membership each.
_MEMBERSHIP: PreparedQuery[Member] = PreparedQuery(
    lambda coop_id, user_id: Member.objects.filter(cooperative_id=coop_id, user_id=user_id)[:1],
    int,
    int,
)


def membership_of(user: Any, coop: Cooperative) -> Member | None:
    if user is None or not user.is_authenticated:
        return None
    found = _MEMBERSHIP(coop.pk, user.pk)
    if not found:
        return None
    # The cooperative is the one asked about, as a related manager would
    # give it: reading the member's offices from its bylaws asks nothing more.
    found[0].cooperative = coop
    return found[0]


def is_member(member: Member | None) -> bool:
    return member is not None and member.status in MEMBER_STATUSES


def powers_of(member: Member | None) -> set[str]:
    if member is None or member.status != Member.Status.ACTIVE:
        return set()
    granted: set[str] = set()
    for code in member.offices:
        office = member.cooperative.office(code)
        if office:
            granted.update(office["powers"])
    return granted


def has_power(member: Member | None, power: str) -> bool:
    return power in powers_of(member)


def access_member(user: Any, coop: Cooperative) -> Member:
    """The signed-in user's membership, or an error saying why there is none."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    return require_member(membership_of(user, coop))


def require_member(member: Member | None) -> Member:
    """``member`` if it is a current membership, or the error saying it is not."""
    if not is_member(member):
        raise PermissionDenied(_("Only members of this cooperative can see this."))
    assert member is not None
    return member


def access_officer(user: Any, coop: Cooperative, power: str) -> Member:
    """The user's membership if their office gives them ``power``."""
    member = access_member(user, coop)
    if not has_power(member, power):
        raise PermissionDenied(
            _("Your office does not give you the power to %(power)s.")
            % {"power": power_labels()[power]}
        )
    return member
