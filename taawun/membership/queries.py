"""Reads that several places need: pages, the API, the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.membership.models import Cooperative, Member
from taawun.membership.rules import MEMBER_STATUSES


def directory(coop: Cooperative, search: str = "") -> QuerySet[Member]:
    """Members as other members see them: current members, by number."""
    members = (
        Member.objects.filter(cooperative=coop, status__in=MEMBER_STATUSES)
        .select_related("user")
        .only(
            "id",
            "number",
            "membership_class",
            "status",
            "offices",
            "cooperative_id",
            "user__name",
            "user__email",
        )
        .order_by("number")
    )
    search = search.strip()[:100]
    if search:
        members = members.filter(Q(user__name__icontains=search))
    return members


def register(coop: Cooperative) -> QuerySet[Member]:
    """The member register: everyone ever admitted, with their dates."""
    return (
        Member.objects.filter(cooperative=coop, number__isnull=False)
        .select_related("user")
        .order_by("number")
    )


def applications(coop: Cooperative) -> QuerySet[Member]:
    return (
        Member.objects.filter(cooperative=coop, status=Member.Status.APPLICANT)
        .select_related("user")
        .order_by("applied_at", "id")
    )


def memberships_of(user: Any) -> QuerySet[Member]:
    return (
        Member.objects.filter(user=user)
        .exclude(status=Member.Status.REJECTED)
        .select_related("cooperative")
        .order_by("cooperative__slug")
    )


def get_cooperative(slug: str) -> Cooperative:
    coop = Cooperative.objects.filter(slug=slug).first()
    if coop is None:
        raise NotFound(_("There is no cooperative called “%(slug)s”.") % {"slug": slug[:60]})
    return coop


def get_member(coop: Cooperative, member_id: int) -> Member:
    member = (
        Member.objects.select_related("user", "cooperative")
        .filter(cooperative=coop, pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound(_("There is no such member in this cooperative."))
    return member


def attach_cooperative(members: Iterable[Member], coop: Cooperative) -> list[Member]:
    """Rows of one cooperative share its object, so that showing each row's
    class and office names (from the bylaws) costs no query per row."""
    rows = list(members)
    for member in rows:
        member.cooperative = coop
    return rows
