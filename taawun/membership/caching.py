"""Pages cached under a cooperative's version.

Some pages are read far more often than what they show changes: the member
directory of a large cooperative, a person's dashboard. They are kept in
Django's cache under a key that holds the cooperative's public id and its
``version``. Every change members can see moves the version on, in the same
transaction as the change (every change recorded in the ledger, through
``membership.actions.record``; a member's new name or handle, through
``accounts.signals.profile_changed``), so the next
request misses the cache and renders afresh. Nothing is ever invalidated by
hand, and an entry under an old version simply ages out of the cache.

The version is read from the database with the cooperative itself, which
every such page loads anyway: the cache needs no shared state between
server processes to stay right, so the default per-process memory cache
works, and a shared one (Redis, Memcached) only saves each process its
first render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import F

from taawun.membership.models import Cooperative

T = TypeVar("T")

# An entry outlives no change (the key moves on); the timeout only bounds
# how long an unused one holds memory.
TIMEOUT = 3600


def touch(coop_ids: Iterable[int]) -> None:
    """Move these cooperatives' versions on: what was cached for them is stale."""
    ids = list(coop_ids)
    if ids:
        Cooperative.objects.filter(pk__in=ids).update(version=F("version") + 1)


def key(coop: Cooperative, *parts: Any) -> str:
    return ":".join(["taawun", str(coop.public_id), str(coop.version), *map(str, parts)])


def person_key(user: Any, memberships: Iterable[Any], *parts: Any) -> str:
    """A key for what one person sees of all their cooperatives: it moves on
    when any of them changes, or when they join or leave one."""
    state = ",".join(f"{m.coop_public_id}.{m.coop_version}" for m in memberships)
    digest = hashlib.sha256(state.encode()).hexdigest()[:32]
    return ":".join(["taawun", "person", str(user.pk), digest, *map(str, parts)])


def cached(key: str, build: Callable[[], T]) -> T:
    """The value under ``key``, built and stored on a miss."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value


def on_profile_changed(sender: Any, user: Any, **kwargs: Any) -> None:
    from taawun.membership.models import Member

    touch(Member.objects.filter(user=user).values_list("cooperative_id", flat=True))
