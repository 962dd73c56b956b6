"""Reads that several places need: pages, the API, the CLI."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.markdown import mentioned
from taawun.membership.models import Cooperative, Member
from taawun.membership.rules import MEMBER_STATUSES
from taawun.prepared import PreparedQuery


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
            "user__handle",
        )
        .order_by("number")
    )
    search = search.strip()[:100]
    if search:
        members = members.filter(Q(user__name__icontains=search))
    return members


def directory_page(coop: Cooperative, number: int, per_page: int, *, search: str = "") -> Page:
    """One page of the directory, its members' ids read first from the
    ``(cooperative, number)`` index and only those rows fetched whole: a deep
    page costs the same as the first (an OFFSET over whole joined rows makes
    PostgreSQL read and sort both tables)."""
    members = directory(coop, search)
    paginator = Paginator(members, per_page)
    number = paginator.get_page(number).number if paginator.count else 1
    start = (number - 1) * per_page
    ids = list(members.values_list("pk", flat=True)[start : start + per_page])
    rows = attach_cooperative(members.filter(pk__in=ids), coop)
    return Page(rows, number, paginator)


def page_number(raw: str | None) -> int:
    """A page number from a query string; anything that is not one is page 1."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


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


class MembershipVersion(NamedTuple):
    member_id: int
    coop_public_id: uuid.UUID
    coop_version: int


# Compiled once per process: every signed-in visit to the dashboard reads it.
_VERSIONS: PreparedQuery[tuple[int, uuid.UUID, int]] = PreparedQuery(
    lambda user_id: (
        Member.objects.filter(user_id=user_id)
        .exclude(status=Member.Status.REJECTED)
        .order_by("pk")
        .values_list("pk", "cooperative__public_id", "cooperative__version")
    ),
    int,
)


def membership_versions(user: Any) -> list[MembershipVersion]:
    """A person's memberships as the cache sees them: enough to tell whether
    anything they would be shown has changed, in one narrow query."""
    return [MembershipVersion(*row) for row in _VERSIONS(user.pk)]


# Compiled once per process: most pages of a cooperative start with it.
_COOPERATIVE: PreparedQuery[Cooperative] = PreparedQuery(
    lambda slug: Cooperative.objects.filter(slug=slug)[:1], str
)


def get_cooperative(slug: str) -> Cooperative:
    found = _COOPERATIVE(slug)
    if not found:
        raise NotFound(_("There is no cooperative called “%(slug)s”.") % {"slug": slug[:60]})
    return found[0]


# Compiled once per process: most pages of a cooperative start with it
# (taawun.prepared). At most one row, as there is one membership each.
_MEMBERSHIP: PreparedQuery[Member] = PreparedQuery(
    lambda slug, user_id: Member.objects.select_related("cooperative").filter(
        cooperative__slug=slug, user_id=user_id
    )[:1],
    str,
    int,
)


def cooperative_as(slug: str, user: Any) -> tuple[Cooperative, Member | None]:
    """The cooperative and the signed-in person's membership of it: one query
    when they have one, as on most pages a member opens."""
    if user is not None and user.is_authenticated:
        found = _MEMBERSHIP(slug, user.pk)
        if found:
            return found[0].cooperative, found[0]
    return get_cooperative(slug), None


def members_by_handle(coop: Cooperative, handles: Iterable[str]) -> dict[str, Member]:
    """The current members of ``coop`` who hold these handles (lower case)."""
    wanted = {h.lower() for h in handles}
    if not wanted:
        return {}
    found = Member.objects.filter(
        cooperative=coop, status__in=MEMBER_STATUSES, user__handle__in=wanted
    ).select_related("user", "cooperative")
    return {m.user.handle: m for m in found if m.user.handle}


def mention_pages(coop: Cooperative, texts: Iterable[str]) -> dict[str, str]:
    """For the ``@handle`` mentions in ``texts``, each member's page: one query."""
    handles: set[str] = set()
    for text in texts:
        handles |= mentioned(text)
    return {
        handle: reverse("membership:member", args=[coop.slug, member.pk])
        for handle, member in members_by_handle(coop, handles).items()
    }


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
