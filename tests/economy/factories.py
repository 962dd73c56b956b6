"""Economy test data made through the real actions, and what a refusal must
leave untouched."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django.utils import timezone

from taawun.economy import actions
from taawun.economy.models import (
    AllocationShare,
    CapitalAccountEntry,
    Contribution,
    FiscalPeriod,
    ShareMovement,
    SharePayment,
    ShareRedemption,
    ShareSubscription,
    ShareTransfer,
    SurplusAllocation,
)
from taawun.ledger import queries as ledger_queries
from taawun.membership import actions as membership
from taawun.membership.models import Cooperative, Member
from tests import factories


def today() -> date:
    return timezone.localdate()


def with_economy(coop: Cooperative, **changes: Any) -> Cooperative:
    """Amend the bylaws' economy settings, as the founder (who holds every office)."""
    bylaws = copy.deepcopy(coop.bylaws)
    bylaws["economy"].update(changes)
    return membership.amend_bylaws(by=factories.founder_of(coop), coop=coop, bylaws=bylaws)


def paid_shares(member: Member, shares: int) -> ShareSubscription:
    """``shares`` subscribed and paid in full today, recorded by the founder."""
    return actions.subscribe_shares(
        by=factories.founder_of(member.cooperative),
        member=member,
        shares=shares,
        paid_on=today(),
    )


def current_period(coop: Cooperative) -> FiscalPeriod:
    """This calendar year, open."""
    year = today().year
    return actions.open_period(
        by=factories.founder_of(coop),
        coop=coop,
        name=str(year),
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
    )


def last_year(coop: Cooperative) -> FiscalPeriod:
    """Last calendar year, still open: over, so it can be closed."""
    year = today().year - 1
    return actions.open_period(
        by=factories.founder_of(coop),
        coop=coop,
        name=str(year),
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
    )


def ledger_kinds(coop: Cooperative) -> list[str]:
    entries = ledger_queries.entries(str(coop.public_id)).order_by("seq")
    return list(entries.values_list("kind", flat=True))


def last_entry_data(coop: Cooperative) -> dict[str, Any]:
    import json

    entry = ledger_queries.entries(str(coop.public_id)).order_by("-seq").first()
    assert entry is not None
    data: dict[str, Any] = json.loads(entry.data)
    return data


def snapshot(coop: Cooperative) -> tuple[object, ...]:
    """Everything an economy action could write, to show a refusal wrote nothing."""
    models = (
        ShareSubscription,
        SharePayment,
        ShareTransfer,
        ShareRedemption,
        ShareMovement,
        FiscalPeriod,
        Contribution,
        CapitalAccountEntry,
        SurplusAllocation,
    )
    return (
        *(list(m.objects.filter(cooperative=coop).order_by("pk").values()) for m in models),
        list(AllocationShare.objects.filter(allocation__cooperative=coop).values()),
        ledger_queries.head(str(coop.public_id)).seq,
    )
