"""Reads of surplus allocations that the pages, the API and the notices share.

A member's patronage is stored with their share of an allocation, exactly;
the total patronage is ``sum(weight[kind] * total[kind])`` over the kinds,
which equals the sum of every member's patronage (the formula is linear)
and is read with one grouped query rather than one row per member.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import BigIntegerField, F, QuerySet, Sum
from django.db.models.functions import Cast, Round

from taawun.economy.models import (
    AllocationShare,
    Contribution,
    FiscalPeriod,
    SurplusAllocation,
)
from taawun.economy.money import format_amount, format_fraction, terminating_places
from taawun.economy.queries import QUANTITY_SCALE, csv_safe
from taawun.errors import NotFound
from taawun.membership.models import Cooperative, Member, localised

# Places shown for a share of the pool that no number of places shows exactly.
PERCENT_PLACES = 4


def allocations(coop: Cooperative) -> QuerySet[SurplusAllocation]:
    return SurplusAllocation.objects.filter(cooperative=coop).select_related("period", "poll")


def get_allocation(coop: Cooperative, allocation_id: int) -> SurplusAllocation:
    found = allocations(coop).filter(pk=allocation_id).first()
    if found is None:
        raise NotFound()
    return found


def live_allocation(period: FiscalPeriod) -> SurplusAllocation | None:
    """The period's allocation that is proposed or posted, if any."""
    return (
        SurplusAllocation.objects.filter(period=period)
        .exclude(state=SurplusAllocation.State.WITHDRAWN)
        .first()
    )


def kind_totals(period: FiscalPeriod) -> dict[str, Decimal]:
    """The period's approved contributions summed per kind, exactly."""
    thousandths = Cast(Round(F("quantity") * QUANTITY_SCALE), BigIntegerField())
    rows = (
        Contribution.objects.filter(period=period, state=Contribution.State.APPROVED)
        .values("kind")
        .annotate(total=Sum(thousandths))
        .values_list("kind", "total")
        .order_by("kind")
    )
    return {kind: Decimal(total).scaleb(-3) for kind, total in rows}


def member_quantities(period: FiscalPeriod, member: Member) -> dict[str, Decimal]:
    """What one member contributed in the period, per kind (approved only)."""
    found: dict[str, Decimal] = {}
    rows = Contribution.objects.filter(
        period=period, member=member, state=Contribution.State.APPROVED
    ).values_list("kind", "quantity")
    for kind, quantity in rows:
        found[kind] = found.get(kind, Decimal(0)) + quantity
    return found


def parse_exact(text: str) -> Fraction:
    """A stored patronage or weight ("12.5", or "1/3") as an exact number."""
    return Fraction(text)


def exact_text(value: Fraction) -> str:
    places = terminating_places(value.denominator)
    if places is None:
        return format_fraction(value, PERCENT_PLACES)
    return format_fraction(value, places)


def total_patronage(found: SurplusAllocation) -> Fraction:
    weights = {kind: parse_exact(w) for kind, w in found.weights.items()}
    return sum(
        (
            weights.get(kind, Fraction(0)) * Fraction(q)
            for kind, q in kind_totals(found.period).items()
        ),
        Fraction(0),
    )


def kind_names(coop: Cooperative) -> dict[str, str]:
    return {
        kind["code"]: localised(kind["names"])
        for kind in coop.bylaws["economy"]["contribution_kinds"]
    }


@dataclass(frozen=True)
class NoticeLine:
    kind: str
    name: str
    quantity: Decimal
    weight: str
    weighted: str


@dataclass(frozen=True)
class Notice:
    """What a member's notice of allocation shows: their contributions, the
    formula with the numbers in it, and what they receive."""

    allocation: SurplusAllocation
    member: Member
    share: AllocationShare | None
    lines: list[NoticeLine]
    patronage: str
    total_patronage: str
    percent_of_pool: str
    money: dict[str, str]


def notice(found: SurplusAllocation, member: Member) -> Notice:
    coop = found.cooperative
    share = AllocationShare.objects.filter(allocation=found, member=member).first()
    names = kind_names(coop)
    quantities = member_quantities(found.period, member)
    lines = []
    for kind, weight_text in found.weights.items():
        quantity = quantities.get(kind, Decimal(0))
        weight = parse_exact(weight_text)
        lines.append(
            NoticeLine(
                kind=kind,
                name=names.get(kind, kind),
                quantity=quantity,
                weight=weight_text,
                weighted=exact_text(weight * Fraction(quantity)),
            )
        )
    total = total_patronage(found)
    mine = parse_exact(share.patronage) if share else Fraction(0)
    percent = mine / total * 100 if total else Fraction(0)

    def money(value: int) -> str:
        return format_amount(value, coop.currency)

    return Notice(
        allocation=found,
        member=member,
        share=share,
        lines=lines,
        patronage=exact_text(mine),
        total_patronage=exact_text(total),
        percent_of_pool=format_fraction(percent, PERCENT_PLACES).rstrip("0").rstrip("."),
        money={
            "surplus": money(found.surplus),
            "reserve": money(found.reserve),
            "community": money(found.community),
            "pool": money(found.patronage_pool),
            "dividend": money(share.dividend if share else 0),
            "cash": money(share.cash if share else 0),
            "retained": money(share.retained if share else 0),
        },
    )


def shares(found: SurplusAllocation) -> QuerySet[AllocationShare]:
    """The members' shares, largest dividend first (for a loss, the largest charge)."""
    order = "dividend" if found.surplus < 0 else "-dividend"
    return (
        AllocationShare.objects.filter(allocation=found)
        .select_related("member__user")
        .order_by(order, "member__number")
    )


def shares_csv_rows(found: SurplusAllocation) -> Iterator[list[str]]:
    coop = found.cooperative
    yield ["member", "name", "patronage", "dividend", "cash", "retained", "currency"]
    rows = (
        AllocationShare.objects.filter(allocation=found)
        .order_by("member__number")
        .values_list(
            "member__number", "member__user__name", "patronage", "dividend", "cash", "retained"
        )
    )
    for number, name, patronage, dividend, cash, retained in rows.iterator(chunk_size=5000):
        yield [
            str(number or ""),
            csv_safe(name or ""),
            patronage,
            format_amount(dividend, coop.currency),
            format_amount(cash, coop.currency),
            format_amount(retained, coop.currency),
            coop.currency,
        ]


def figures(found: SurplusAllocation) -> dict[str, Any]:
    """The allocation's totals as text in its currency, for pages."""
    currency = found.cooperative.currency
    return {
        name: format_amount(getattr(found, name), currency)
        for name in (
            "surplus",
            "reserve",
            "community",
            "patronage_pool",
            "cash_total",
            "retained_total",
        )
    }
