"""Test data made through the real actions, so every rule applies."""

from __future__ import annotations

import itertools
from typing import Any

from taawun.accounts.models import User
from taawun.membership import actions
from taawun.membership.models import Cooperative, Member

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def person(name: str | None = None, *, email: str | None = None, language: str = "en") -> User:
    n = next(_counter)
    return User.objects.create_user(
        email or f"person{n}@example.org",
        PASSWORD,
        name=name or f"Person {n}",
        language=language,
    )


def cooperative(
    founder: User | None = None, *, slug: str | None = None, **bylaws_changes: Any
) -> Cooperative:
    from taawun.membership.bylaws import default_bylaws

    founder = founder or person("Founder")
    bylaws = default_bylaws()
    bylaws.update(bylaws_changes)
    return actions.create_cooperative(
        founder=founder,
        slug=slug or f"coop-{next(_counter)}",
        names={"en": "Test Cooperative", "ar": "تعاونية الاختبار"},
        country="EG",
        currency="EGP",
        languages=["ar", "en"],
        bylaws=bylaws,
    )


def founder_of(coop: Cooperative) -> User:
    return coop.members.get(number=1).user


def member(
    coop: Cooperative,
    user: User | None = None,
    *,
    membership_class: str = "worker",
    offices: list[str] | None = None,
) -> Member:
    """An admitted member (applied, then admitted by the founder)."""
    user = user or person()
    applied = actions.apply_for_membership(user=user, coop=coop, membership_class=membership_class)
    admitted = actions.admit_member(applied, by=founder_of(coop))
    if offices:
        admitted = actions.set_offices(admitted, by=founder_of(coop), offices=offices)
    return admitted


def applicant(coop: Cooperative, user: User | None = None) -> Member:
    return actions.apply_for_membership(
        user=user or person(), coop=coop, membership_class="worker", statement="Hello"
    )
