"""Who may act for whom in the network, in one place.

- A cooperative speaks in the network (follows another, asks to join a
  network, answers a network's question) through its officers: those whose
  office keeps the register or amends the bylaws (by default the secretary,
  the treasurer and the board).
- A network hosted here is coordinated by those same officers of its member
  cooperatives on this instance: they accept or refuse cooperatives that ask
  to join, remove a member, and open and close network decisions.
- The instance's block and allow lists are kept by its administrators
  (staff accounts).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from taawun.errors import NotSignedIn, PermissionDenied
from taawun.membership.models import Cooperative, Member, Network
from taawun.membership.rules import MEMBER_STATUSES, access_member, powers_of

REPRESENT_POWERS = frozenset({"keep_register", "amend_bylaws"})


def represents(member: Member | None) -> bool:
    return bool(powers_of(member) & REPRESENT_POWERS)


def access_representative(user: Any, coop: Cooperative) -> Member:
    """The user's membership if they may speak for ``coop`` in the network."""
    member = access_member(user, coop)
    if not represents(member):
        raise PermissionDenied(
            _("Only the cooperative's officers can speak for it in the network.")
        )
    return member


def coordinators(network: Network) -> list[Member]:
    members = Member.objects.filter(
        cooperative__network_memberships__network=network, status=Member.Status.ACTIVE
    ).select_related("cooperative", "user")
    return [member for member in members if represents(member)]


def can_coordinate(user: Any, network: Network) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return any(member.user_id == user.pk for member in coordinators(network))


def reads_network(user: Any, network: Network) -> bool:
    """Members of the network's cooperatives on this server read its own
    pages (its decisions)."""
    if user is None or not user.is_authenticated:
        return False
    return Member.objects.filter(
        user_id=user.pk,
        status__in=MEMBER_STATUSES,
        cooperative__network_memberships__network=network,
    ).exists()


def access_coordinator(user: Any, network: Network) -> None:
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    if not can_coordinate(user, network):
        raise PermissionDenied(_("Only the network's coordinators can do this."))


def access_instance_admin(user: Any) -> None:
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    if not user.is_staff:
        raise PermissionDenied(_("Only the administrators of this server can do this."))
