"""``{{ amount|minor:coop.currency }}``: an amount in minor units as the
decimal the currency writes (``125050|minor:"EGP"`` is ``1250.50``)."""

from __future__ import annotations

from django import template

from taawun.economy.money import format_amount

register = template.Library()


@register.filter
def minor(value: int | None, currency: str) -> str:
    if value is None:
        return ""
    return format_amount(int(value), currency)
