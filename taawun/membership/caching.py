"""Pages cached under a cooperative's version.

Some pages are read far more often than what they show changes: the member
directory of a large cooperative, a person's dashboard. They are kept in
Django's cache under a key that holds the cooperative's public id and its
``version``. Every change members can see moves the version on, in the same
transaction as the change (every change recorded in the ledger, through
``membership.actions.record``; a member's new name or handle, through
``accounts.signals.profile_changed``), so the next
request misses the cache and renders afresh. Nothing is ever invalidated by
hand.

An entry under an old version can never be asked for again, so it should not
hold memory until the cache culls it: a server process remembers, for each
*family* (what the entry is of: this directory page in this language, this
person's dashboard), the newest key it stored, and deletes the one before
when it stores a newer one. A process therefore holds one entry per family
it serves, however often the versions move on (a busy poll moves them on
with every vote), and its memory levels off once it has served each page.

The version is read from the database with the cooperative itself, which
every such page loads anyway: the cache needs no shared state between
server processes to stay right, so the default per-process memory cache
works, and a shared one (Redis, Memcached) only saves each process its
first render.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar

from django.core.cache import cache
from django.db.models import F

from taawun.membership.models import Cooperative

T = TypeVar("T")

# An entry outlives no change (the key moves on); the timeout only bounds
# how long an unused one holds memory.
TIMEOUT = 3600

# How many families a process remembers the newest key of; past it, the one
# stored longest ago is forgotten (its last entry then ages out of the cache).
FAMILIES = 2_000


class Key(NamedTuple):
    family: str  # what is cached: a page of a directory, a person's cards
    version: str  # the state it was built from

    def __str__(self) -> str:
        return f"{self.family}@{self.version}"


_newest: OrderedDict[str, str] = OrderedDict()
_newest_lock = threading.Lock()


def touch(coop_ids: Iterable[int]) -> None:
    """Move these cooperatives' versions on: what was cached for them is stale."""
    ids = list(coop_ids)
    if ids:
        Cooperative.objects.filter(pk__in=ids).update(version=F("version") + 1)


def key(coop: Cooperative, *parts: Any) -> Key:
    family = ":".join(["taawun", str(coop.public_id), *map(str, parts)])
    return Key(family, str(coop.version))


def person_key(user: Any, memberships: Iterable[Any], *parts: Any) -> Key:
    """A key for what one person sees of all their cooperatives: it moves on
    when any of them changes, or when they join or leave one."""
    state = ",".join(f"{m.coop_public_id}.{m.coop_version}" for m in memberships)
    digest = hashlib.sha256(state.encode()).hexdigest()[:32]
    return Key(":".join(["taawun", "person", str(user.pk), *map(str, parts)]), digest)


def cached(key: Key, build: Callable[[], T]) -> T:
    """The value under ``key``, built and stored on a miss; storing it drops
    this process's entry of the same family under an older version."""
    name = str(key)
    value = cache.get(name)
    if value is None:
        value = build()
        cache.set(name, value, TIMEOUT)
        with _newest_lock:
            older = _newest.pop(key.family, None)
            _newest[key.family] = name
            if len(_newest) > FAMILIES:
                _newest.popitem(last=False)
        if older is not None and older != name:
            cache.delete(older)
    return value


def on_profile_changed(sender: Any, user: Any, **kwargs: Any) -> None:
    from taawun.membership.models import Member

    touch(Member.objects.filter(user=user).values_list("cooperative_id", flat=True))
