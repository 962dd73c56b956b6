"""Who may read and change what in the knowledge commons.

What a cooperative writes is read by its members, by the members of every
cooperative in a network it belongs to, or by everyone, as its
``visibility`` says. A member of the cooperative writes and edits its
articles, courses and calls (a knowledge base is kept together); anyone
signed in who can read an article may comment on it, and anyone signed in
may take a course they can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.knowledge.models import Visibility
from taawun.membership import networks
from taawun.membership.models import Member
from taawun.membership.rules import MEMBER_STATUSES


@dataclass(frozen=True)
class ReaderScope:
    """The cooperatives whose private and network-wide things a reader sees."""

    own: frozenset[int] = field(default_factory=frozenset)
    network: frozenset[int] = field(default_factory=frozenset)

    def can_read(self, visibility: str, cooperative_id: int | None) -> bool:
        if visibility == Visibility.PUBLIC:
            return True
        if visibility == Visibility.NETWORK:
            return cooperative_id in self.network
        return cooperative_id in self.own

    def q(self, prefix: str = "") -> Q:
        """A filter on a model with ``visibility`` and ``cooperative``
        (``prefix`` reaches them through a relation, e.g. ``"article__"``)."""
        return (
            Q(**{f"{prefix}visibility": Visibility.PUBLIC})
            | Q(
                **{f"{prefix}visibility": Visibility.COOPERATIVE},
                **{f"{prefix}cooperative_id__in": self.own},
            )
            | Q(
                **{f"{prefix}visibility": Visibility.NETWORK},
                **{f"{prefix}cooperative_id__in": self.network},
            )
        )


def reader_scope(user: Any) -> ReaderScope:
    """What ``user`` (None or anonymous: a visitor) may read beyond the public."""
    if user is None or not user.is_authenticated:
        return ReaderScope()
    own = frozenset(
        Member.objects.filter(user=user, status__in=MEMBER_STATUSES).values_list(
            "cooperative_id", flat=True
        )
    )
    return ReaderScope(own=own, network=frozenset(networks.neighbours(own)))


def require_readable(scope: ReaderScope, visibility: str, cooperative_id: int) -> None:
    """Raise NotFound (not "forbidden": whether it exists is not told either)."""
    if not scope.can_read(visibility, cooperative_id):
        raise NotFound(_("We could not find what you asked for."))
