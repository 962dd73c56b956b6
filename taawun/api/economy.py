"""The economy API: share capital, fiscal periods, contributions, capital
accounts and surplus allocations, over the same actions as the web.

Every path is under ``/coops/{slug}/economy/``. Every change is one action
of taawun.economy.actions (or allocation_actions), which checks who may act
and the input and leaves nothing written when it refuses; reads check
membership here with taawun.membership.rules. Amounts are decimal strings in
the cooperative's currency, given with its code (see economy_schemas).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from taawun.accounts.rules import signed_in
from taawun.api.economy_schemas import (
    AllocationProposeIn,
    AllocationSurplusIn,
    AllocationWithdrawIn,
    CapitalAccountOut,
    CapitalEntryIn,
    CapitalEntryOut,
    ContributionImportErrorOut,
    ContributionImportOut,
    ContributionImportPreviewOut,
    ContributionOut,
    EconomyDecisionIn,
    FiscalPeriodIn,
    FiscalPeriodOut,
    LoggedHoursIn,
    PatronageOut,
    RedemptionRefusalIn,
    SharePaymentIn,
    SharePaymentOut,
    ShareRedemptionIn,
    ShareRedemptionOut,
    ShareRedemptionPayIn,
    ShareRegisterOut,
    ShareStatementOut,
    ShareSubscribeIn,
    ShareSubscriptionOut,
    ShareTransferIn,
    ShareTransferOut,
    SurplusAllocationDetailOut,
    SurplusAllocationOut,
)
from taawun.api.schemas import ErrorOut
from taawun.economy import actions
from taawun.economy import queries as books
from taawun.economy.actions import MAX_IMPORT_CHARS, ImportPreview, RowError
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
from taawun.economy.money import format_amount
from taawun.errors import InvalidInput, NotFound
from taawun.membership import queries, rules
from taawun.membership.models import Cooperative, Member, localised

router = Router(tags=["economy"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
P = "/coops/{slug}/economy"
KEEP_ACCOUNTS = "keep_accounts"


# --- Reading requests ------------------------------------------------------------------


def _member_in(coop: Cooperative, member_id: int, field: str) -> Member:
    """A member named in a request body, or an error beside that field."""
    found = (
        Member.objects.select_related("user", "cooperative")
        .filter(cooperative=coop, pk=member_id)
        .first()
    )
    if found is None:
        raise InvalidInput(_("There is no such member in this cooperative."), field=field)
    return found


def _period(coop: Cooperative, period_id: int) -> FiscalPeriod:
    found = FiscalPeriod.objects.filter(cooperative=coop, pk=period_id).first()
    if found is None:
        raise NotFound(_("There is no such period in this cooperative."))
    found.cooperative = coop
    return found


def _period_in(coop: Cooperative, period_id: int | None) -> FiscalPeriod | None:
    if period_id is None:
        return None
    found = FiscalPeriod.objects.filter(cooperative=coop, pk=period_id).first()
    if found is None:
        raise InvalidInput(_("There is no such period in this cooperative."), field="period")
    return found


def _subscription(coop: Cooperative, subscription_id: int) -> ShareSubscription:
    found = (
        ShareSubscription.objects.select_related("member__user")
        .filter(cooperative=coop, pk=subscription_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such subscription in this cooperative."))
    found.cooperative = coop
    return found


def _transfer(coop: Cooperative, transfer_id: int) -> ShareTransfer:
    found = ShareTransfer.objects.filter(cooperative=coop, pk=transfer_id).first()
    if found is None:
        raise NotFound(_("There is no such transfer in this cooperative."))
    return found


def _redemption(coop: Cooperative, redemption_id: int) -> ShareRedemption:
    found = (
        ShareRedemption.objects.select_related("member")
        .filter(cooperative=coop, pk=redemption_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such redemption in this cooperative."))
    found.cooperative = coop
    return found


def _contribution(coop: Cooperative, contribution_id: int) -> Contribution:
    found = (
        Contribution.objects.select_related("period", "member")
        .filter(cooperative=coop, pk=contribution_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such contribution in this cooperative."))
    found.cooperative = coop
    return found


def _allocation(coop: Cooperative, allocation_id: int) -> SurplusAllocation:
    found = (
        SurplusAllocation.objects.select_related("period", "poll", "proposed_by__user")
        .filter(cooperative=coop, pk=allocation_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such allocation in this cooperative."))
    found.cooperative = coop
    return found


def _statement_member(request: HttpRequest, coop: Cooperative, member_id: int) -> Member:
    """The member whose statement is asked for, if the reader may see it: the
    member themself (also after leaving: they are still owed their capital)
    or an officer who keeps the accounts."""
    own = rules.membership_of(request.user, coop)
    if own is not None and own.pk == member_id and own.number is not None:
        own.cooperative = coop
        return own
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    return queries.get_member(coop, member_id)


def _limits(offset: int, limit: int, high: int = 2000) -> tuple[int, int]:
    offset, limit = max(offset, 0), min(max(limit, 1), high)
    return offset, offset + limit


# --- Writing answers ---------------------------------------------------------------------


def _money(minor: int, coop: Cooperative) -> str:
    return format_amount(minor, coop.currency)


def _quantity(quantity: Decimal) -> str:
    """``7.500`` as ``7.5``, ``100.000`` as ``100``: a quantity as people write it."""
    return format(quantity.normalize(), "f")


def _ref(member: Member) -> dict[str, Any]:
    return {
        "id": member.pk,
        "public_id": str(member.public_id),
        "number": member.number,
        "name": member.user.name,
    }


def _members(ids: Iterable[int | None]) -> dict[int, Member]:
    """Members by id, with their names, in one query."""
    wanted = {pk for pk in ids if pk is not None}
    return {m.pk: m for m in Member.objects.select_related("user").filter(pk__in=wanted)}


def _period_ref(period: FiscalPeriod) -> dict[str, Any]:
    return {"id": period.pk, "name": period.name}


def _period_out(period: FiscalPeriod) -> dict[str, Any]:
    return {
        "id": period.pk,
        "name": period.name,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "state": period.state,
        "opened_at": period.opened_at,
        "closed_at": period.closed_at,
    }


def _subscription_out(subscription: ShareSubscription, paid: int) -> dict[str, Any]:
    coop = subscription.cooperative
    return {
        "id": subscription.pk,
        "member": _ref(subscription.member),
        "currency": coop.currency,
        "shares": subscription.shares,
        "price_per_share": _money(subscription.price_per_share, coop),
        "amount_due": _money(subscription.amount_due, coop),
        "paid": _money(paid, coop),
        "outstanding": _money(subscription.amount_due - paid, coop),
        "instalments": subscription.instalments,
        "subscribed_on": subscription.subscribed_on,
    }


def _paid_on(subscription: ShareSubscription) -> int:
    total = subscription.payments.aggregate(amount=Sum("amount"))["amount"]
    return int(total or 0)


def _transfer_out(transfer: ShareTransfer, members: dict[int, Member]) -> dict[str, Any]:
    decided_by = members.get(transfer.decided_by_id) if transfer.decided_by_id else None
    return {
        "id": transfer.pk,
        "from_member": _ref(members[transfer.from_member_id]),
        "to_member": _ref(members[transfer.to_member_id]),
        "shares": transfer.shares,
        "state": transfer.state,
        "requested_at": transfer.requested_at,
        "decided_by": _ref(decided_by) if decided_by else None,
        "decided_at": transfer.decided_at,
        "reason": transfer.reason,
    }


def _transfers_out(transfers: list[ShareTransfer]) -> list[dict[str, Any]]:
    members = _members(
        pk for t in transfers for pk in (t.from_member_id, t.to_member_id, t.decided_by_id)
    )
    return [_transfer_out(t, members) for t in transfers]


def _redemption_out(
    redemption: ShareRedemption, member: Member, coop: Cooperative
) -> dict[str, Any]:
    return {
        "id": redemption.pk,
        "member": _ref(member),
        "currency": coop.currency,
        "shares": redemption.shares,
        "amount": _money(redemption.amount, coop),
        "on_leaving": redemption.on_leaving,
        "requested_on": redemption.requested_on,
        "due_on": redemption.due_on,
        "state": redemption.state,
        "paid_on": redemption.paid_on,
        "reason": redemption.reason,
    }


def _contributions_out(found: Iterable[Contribution]) -> list[dict[str, Any]]:
    rows = list(found)
    members = _members(c.member_id for c in rows)
    return [
        {
            "id": c.pk,
            "period": _period_ref(c.period),
            "member": _ref(members[c.member_id]),
            "kind": c.kind,
            "quantity": _quantity(c.quantity),
            "on": c.on,
            "note": c.note,
            "state": c.state,
            "source": c.source,
            "logged_at": c.logged_at,
            "decided_at": c.decided_at,
            "reason": c.reason,
        }
        for c in rows
    ]


def _row_errors(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors]


def _preview_out(preview: ImportPreview) -> dict[str, Any]:
    return {
        "ok": preview.ok,
        "period": _period_ref(preview.period),
        "kinds": preview.kinds,
        "rows": [
            {
                "row": row.row,
                "number": row.number,
                "member": _ref(row.member) if row.member is not None else None,
                "quantities": {kind: _quantity(q) for kind, q in row.quantities.items()},
                "note": row.note,
                "errors": _row_errors(row.errors),
            }
            for row in preview.rows
        ],
        "problems": _row_errors(preview.problems),
        "errors": _row_errors(preview.errors),
        "totals": {kind: _quantity(q) for kind, q in preview.totals.items()},
    }


def _capital_entry_out(
    entry: CapitalAccountEntry, balance: int | None, periods: dict[int, FiscalPeriod]
) -> dict[str, Any]:
    coop = entry.cooperative
    period = periods.get(entry.period_id) if entry.period_id else None
    return {
        "id": entry.pk,
        "on": entry.on,
        "kind": entry.kind,
        "amount": _money(entry.amount, coop),
        "balance": _money(balance, coop) if balance is not None else None,
        "period": _period_ref(period) if period else None,
        "memo": entry.memo,
        "corrects": entry.corrects_id,
        "allocation": entry.allocation_id,
    }


def _allocation_out(
    found: SurplusAllocation, *, with_shares: bool, window: tuple[int, int] | None = None
) -> dict[str, Any]:
    coop = found.cooperative
    saved = found.pk is not None
    proposer = found.proposed_by if found.proposed_by_id else None
    out: dict[str, Any] = {
        "id": found.pk,
        "period": _period_ref(found.period),
        "state": found.state,
        "currency": coop.currency,
        "surplus": _money(found.surplus, coop),
        "reserve": _money(found.reserve, coop),
        "community": _money(found.community, coop),
        "patronage_pool": _money(found.patronage_pool, coop),
        "cash_total": _money(found.cash_total, coop),
        "retained_total": _money(found.retained_total, coop),
        "rules": found.rules,
        "weights": found.weights,
        "patronage_places": found.patronage_places,
        "contributions_digest": found.contributions_digest,
        "shares_digest": found.shares_digest,
        "poll": str(found.poll.public_id) if found.poll_id and found.poll else None,
        "proposed_by": _ref(proposer) if proposer is not None else None,
        "proposed_at": found.proposed_at if saved else None,
        "decided_at": found.decided_at,
        "posted_on": found.posted_on,
        "reason": found.reason,
    }
    if with_shares:
        if saved:
            start, end = window or (0, None)
            ordered = found.shares.order_by("member__number", "member_id")
            shares: list[AllocationShare] = list(ordered[start:end])
            out["shares_count"] = found.shares.count()
        else:
            shares = list(found.preview_shares)  # type: ignore[attr-defined]
            out["shares_count"] = len(shares)
        members = _members(s.member_id for s in shares)
        shares.sort(key=lambda s: (members[s.member_id].number or 0, s.member_id))
        out["shares"] = [
            {
                "member": _ref(members[s.member_id]),
                "patronage": s.patronage,
                "dividend": _money(s.dividend, coop),
                "cash": _money(s.cash, coop),
                "retained": _money(s.retained, coop),
            }
            for s in shares
        ]
    return out


# --- Share capital ---------------------------------------------------------------------------


@router.get(P + "/shares", response={200: ShareRegisterOut, **ERRORS})
def share_register(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The share register (members): every current member's paid-up shares,
    and former members who still hold shares or are owed them."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    return {
        "currency": coop.currency,
        "share_capital": _money(books.share_capital(coop), coop),
        "members": [
            {
                "member": _ref(row.member),
                "membership_class": row.member.membership_class,
                "status": row.member.status,
                "shares": row.shares,
                "capital": _money(row.capital, coop),
                "minimum_shares": row.minimum,
                "below_minimum": row.below_minimum,
                "subscribed": row.subscribed,
                "amount_due": _money(row.amount_due, coop),
                "amount_paid": _money(row.amount_paid, coop),
                "outstanding": _money(row.outstanding, coop),
                "pending_redemption": row.pending_redemption,
            }
            for row in books.register(coop)
        ],
    }


@router.get(P + "/members/{member_id}/shares", response={200: ShareStatementOut, **ERRORS})
def share_statement(request: HttpRequest, slug: str, member_id: int) -> dict[str, Any]:
    """A member's share statement: subscriptions, every movement with the
    holding after it, and what is pending (the member, or an officer who
    keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    member = _statement_member(request, coop, member_id)
    statement = books.share_statement(member)
    for line in statement.subscriptions:
        line.subscription.member = member
        line.subscription.cooperative = coop
    held = statement.holding
    return {
        "member": _ref(member),
        "currency": coop.currency,
        "shares": held.shares,
        "capital": _money(held.amount, coop),
        "subscriptions": [
            _subscription_out(s.subscription, s.paid) for s in statement.subscriptions
        ],
        "movements": [
            {
                "on": line.movement.on,
                "kind": line.movement.kind,
                "shares": line.movement.shares,
                "amount": _money(line.movement.amount, coop),
                "shares_after": line.shares_after,
                "amount_after": _money(line.amount_after, coop),
            }
            for line in statement.lines
        ],
        "pending_redemptions": [
            _redemption_out(r, member, coop) for r in statement.pending_redemptions
        ],
        "pending_transfers": _transfers_out(statement.pending_transfers),
    }


@router.post(P + "/subscriptions", response={201: ShareSubscriptionOut, **ERRORS})
def subscribe(request: HttpRequest, slug: str, payload: ShareSubscribeIn) -> Status[dict[str, Any]]:
    """Record a member's subscription for shares, at today's par value; with
    ``paid_on``, paid in full at once (an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    subscription = actions.subscribe_shares(
        by=signed_in(request),
        member=_member_in(coop, payload.member, "member"),
        shares=payload.shares,
        instalments=payload.instalments,
        on=payload.on,
        paid_on=payload.paid_on,
    )
    return Status(201, _subscription_out(subscription, _paid_on(subscription)))


@router.post(
    P + "/subscriptions/{subscription_id}/payments", response={201: SharePaymentOut, **ERRORS}
)
def pay_subscription(
    request: HttpRequest, slug: str, subscription_id: int, payload: SharePaymentIn
) -> Status[dict[str, Any]]:
    """Record money paid on a subscription; each share it pays in full
    becomes the member's (an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    subscription = _subscription(coop, subscription_id)
    payment: SharePayment = actions.record_share_payment(
        by=signed_in(request),
        subscription=subscription,
        amount=payload.amount,
        paid_on=payload.paid_on,
    )
    paid_up = ShareMovement.objects.filter(payment=payment).values_list("shares", flat=True)
    return Status(
        201,
        {
            "id": payment.pk,
            "subscription": subscription.pk,
            "currency": coop.currency,
            "amount": _money(payment.amount, coop),
            "paid_on": payment.paid_on,
            "shares_paid_up": paid_up.first() or 0,
            "outstanding": _money(subscription.amount_due - _paid_on(subscription), coop),
        },
    )


@router.get(P + "/transfers", response={200: list[ShareTransferOut], **ERRORS})
def list_transfers(
    request: HttpRequest,
    slug: str,
    state: Literal["requested", "approved", "refused"] | None = None,
    offset: int = 0,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Transfers of shares between members, newest first (members: the
    ledger shows them to every member too)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    found = ShareTransfer.objects.filter(cooperative=coop).order_by("-requested_at", "-id")
    if state is not None:
        found = found.filter(state=state)
    start, end = _limits(offset, limit)
    return _transfers_out(list(found[start:end]))


@router.post(P + "/transfers", response={201: ShareTransferOut, **ERRORS})
def request_transfer(
    request: HttpRequest, slug: str, payload: ShareTransferIn
) -> Status[dict[str, Any]]:
    """Ask to pass some of your paid-up shares to another member; the office
    the bylaws name decides."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    transfer = actions.request_share_transfer(
        by=signed_in(request),
        coop=coop,
        to_member=_member_in(coop, payload.to_member, "to_member"),
        shares=payload.shares,
        reason=payload.reason,
    )
    return Status(201, _transfers_out([transfer])[0])


@router.post(P + "/transfers/{transfer_id}/decision", response={200: ShareTransferOut, **ERRORS})
def decide_transfer(
    request: HttpRequest, slug: str, transfer_id: int, payload: EconomyDecisionIn
) -> dict[str, Any]:
    """Approve a transfer (the shares move) or refuse it (the office the
    bylaws name for transfers, which is not a party to it)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    transfer = actions.decide_share_transfer(
        _transfer(coop, transfer_id),
        by=signed_in(request),
        approve=payload.approve,
        reason=payload.reason,
    )
    return _transfers_out([transfer])[0]


@router.get(P + "/redemptions", response={200: list[ShareRedemptionOut], **ERRORS})
def list_redemptions(
    request: HttpRequest,
    slug: str,
    state: Literal["pending", "paid", "refused"] | None = None,
    offset: int = 0,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Shares asked back, by the day they are due (members: the ledger shows
    them to every member too)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    found = ShareRedemption.objects.filter(cooperative=coop).order_by("due_on", "id")
    if state is not None:
        found = found.filter(state=state)
    start, end = _limits(offset, limit)
    rows = list(found[start:end])
    members = _members(r.member_id for r in rows)
    return [_redemption_out(r, members[r.member_id], coop) for r in rows]


@router.post(P + "/redemptions", response={201: ShareRedemptionOut, **ERRORS})
def request_redemption(
    request: HttpRequest, slug: str, payload: ShareRedemptionIn
) -> Status[dict[str, Any]]:
    """Ask for shares back: your own (also after leaving the cooperative), or
    a member's as an officer who keeps the accounts. The bylaws set when they
    are paid and how much is paid back in a year."""
    coop = queries.get_cooperative(slug)
    own = rules.membership_of(request.user, coop)
    if payload.member is None or (own is not None and payload.member == own.pk):
        member = own if own is not None else rules.access_member(request.user, coop)
        member.cooperative = coop
    else:
        rules.access_member(request.user, coop)
        member = _member_in(coop, payload.member, "member")
    redemption = actions.request_redemption(
        by=signed_in(request), member=member, shares=payload.shares, on=payload.on
    )
    return Status(201, _redemption_out(redemption, member, coop))


@router.post(P + "/redemptions/{redemption_id}/pay", response={200: ShareRedemptionOut, **ERRORS})
def pay_redemption(
    request: HttpRequest, slug: str, redemption_id: int, payload: ShareRedemptionPayIn
) -> dict[str, Any]:
    """Pay shares back once the bylaws' delay has passed; they leave the
    register (an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    redemption = actions.pay_redemption(
        _redemption(coop, redemption_id), by=signed_in(request), paid_on=payload.paid_on
    )
    return _redemption_out(redemption, _members([redemption.member_id])[redemption.member_id], coop)


@router.post(
    P + "/redemptions/{redemption_id}/refuse", response={200: ShareRedemptionOut, **ERRORS}
)
def refuse_redemption(
    request: HttpRequest, slug: str, redemption_id: int, payload: RedemptionRefusalIn
) -> dict[str, Any]:
    """Refuse a redemption, saying why (an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    redemption = actions.refuse_redemption(
        _redemption(coop, redemption_id), by=signed_in(request), reason=payload.reason
    )
    return _redemption_out(redemption, _members([redemption.member_id])[redemption.member_id], coop)


# --- Fiscal periods and contributions ---------------------------------------------------------


@router.get(P + "/periods", response={200: list[FiscalPeriodOut], **ERRORS})
def list_periods(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The cooperative's fiscal periods, the latest first (members)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    return [_period_out(p) for p in FiscalPeriod.objects.filter(cooperative=coop)]


@router.post(P + "/periods", response={201: FiscalPeriodOut, **ERRORS})
def open_period(request: HttpRequest, slug: str, payload: FiscalPeriodIn) -> Status[dict[str, Any]]:
    """Open a period of the books; it may not overlap another (an officer
    who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    period = actions.open_period(
        by=signed_in(request),
        coop=coop,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, _period_out(period))


@router.post(P + "/periods/{period_id}/close", response={200: FiscalPeriodOut, **ERRORS})
def close_period(request: HttpRequest, slug: str, period_id: int) -> dict[str, Any]:
    """Close a period after its last day, once no contribution in it waits
    for a decision; nothing in it changes afterwards (an officer who keeps
    the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    period = actions.close_period(_period(coop, period_id), by=signed_in(request))
    return _period_out(period)


@router.get(P + "/periods/{period_id}/totals", response={200: PatronageOut, **ERRORS})
def patronage_totals(request: HttpRequest, slug: str, period_id: int) -> dict[str, Any]:
    """Each member's approved contributions in the period, by kind: the
    patronage an allocation of the period shares by (members)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    period = _period(coop, period_id)
    totals = books.period_totals(period)
    members = _members(t.member_id for t in totals)
    by_member: dict[int, dict[str, str]] = {}
    sums: dict[str, Decimal] = {}
    for total in totals:
        by_member.setdefault(total.member_id, {})[total.kind] = _quantity(total.quantity)
        sums[total.kind] = sums.get(total.kind, Decimal(0)) + total.quantity
    return {
        "period": _period_out(period),
        "currency": coop.currency,
        "kinds": [
            {
                "code": kind["code"],
                "name": localised(kind["names"]),
                "unit": kind["unit"],
                "weight": str(kind["weight"]),
            }
            for kind in coop.bylaws["economy"]["contribution_kinds"]
        ],
        "members": [
            {"member": _ref(members[pk]), "quantities": quantities}
            for pk, quantities in by_member.items()
        ],
        "totals": {kind: _quantity(quantity) for kind, quantity in sums.items()},
    }


@router.post(P + "/periods/{period_id}/hours", response={201: ContributionOut, **ERRORS})
def log_hours(
    request: HttpRequest, slug: str, period_id: int, payload: LoggedHoursIn
) -> Status[dict[str, Any]]:
    """Log hours you worked, for an officer to approve (an active member)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    contribution = actions.log_hours(
        by=signed_in(request),
        period=_period(coop, period_id),
        hours=payload.hours,
        on=payload.on,
        note=payload.note,
        kind=payload.kind,
    )
    return Status(201, _contributions_out([contribution])[0])


@router.get(P + "/contributions/mine", response={200: list[ContributionOut], **ERRORS})
def my_contributions(
    request: HttpRequest, slug: str, period: int | None = None, offset: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """Your own contributions, logged or imported, in the order they were
    recorded; ``period`` keeps those of one period."""
    coop = queries.get_cooperative(slug)
    own = rules.membership_of(request.user, coop)
    if own is None or own.number is None:
        own = rules.access_member(request.user, coop)
    found = Contribution.objects.filter(member=own).select_related("period")
    if period is not None:
        found = found.filter(period=_period(coop, period))
    start, end = _limits(offset, limit)
    return _contributions_out(found.order_by("logged_at", "id")[start:end])


@router.get(P + "/contributions/pending", response={200: list[ContributionOut], **ERRORS})
def pending_contributions(
    request: HttpRequest, slug: str, period: int | None = None, offset: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """Logged hours waiting for a decision, oldest first (an officer who
    keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    found = Contribution.objects.filter(
        cooperative=coop, state=Contribution.State.PENDING
    ).select_related("period")
    if period is not None:
        found = found.filter(period=_period(coop, period))
    start, end = _limits(offset, limit)
    return _contributions_out(found.order_by("logged_at", "id")[start:end])


@router.post(
    P + "/contributions/{contribution_id}/decision", response={200: ContributionOut, **ERRORS}
)
def decide_contribution(
    request: HttpRequest, slug: str, contribution_id: int, payload: EconomyDecisionIn
) -> dict[str, Any]:
    """Approve logged hours (they count for patronage) or reject them (an
    officer who keeps the accounts, not on their own hours)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    contribution = actions.decide_contribution(
        _contribution(coop, contribution_id),
        by=signed_in(request),
        approve=payload.approve,
        reason=payload.reason,
    )
    return _contributions_out([contribution])[0]


def _csv_text(file: UploadedFile) -> str:
    # Four bytes a character at most in UTF-8: a larger file cannot be within
    # the import's limit, and is refused before it is read into memory.
    if file.size is not None and file.size > 4 * MAX_IMPORT_CHARS:
        raise InvalidInput(_("This file is too large to import."), field="file")
    try:
        return file.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text."), field="file") from None


@router.post(
    P + "/periods/{period_id}/import",
    response={
        200: ContributionImportPreviewOut,
        201: ContributionImportOut,
        **ERRORS,
        400: ContributionImportErrorOut,
    },
)
def import_contributions(
    request: HttpRequest,
    slug: str,
    period_id: int,
    file: File[UploadedFile],
    dry_run: bool = False,
) -> Any:
    """Import a period's contributions from a CSV file (multipart, field
    ``file``): a ``member`` column with member numbers, one column per
    contribution kind, ``note`` if you like. With ``dry_run=true``, the
    preview row by row and nothing written; without it, every row imported
    (approved) or, if any row has an error, nothing, and the errors by row
    and column (an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    period = _period(coop, period_id)
    csv_text = _csv_text(file)
    if dry_run:
        preview = actions.preview_contribution_import(
            by=signed_in(request), period=period, csv_text=csv_text
        )
        return Status(200, _preview_out(preview))
    try:
        created = actions.import_contributions(
            by=signed_in(request), period=period, csv_text=csv_text
        )
    except InvalidInput as error:
        if error.field != "file":
            raise
        # The import wrote nothing; read the file again to say where it is wrong.
        preview = actions.preview_contribution_import(
            by=signed_in(request), period=period, csv_text=csv_text
        )
        return Status(
            400,
            {**error.as_dict(), "errors": _row_errors(preview.errors)},
        )
    totals: dict[str, Decimal] = {}
    for contribution in created:
        totals[contribution.kind] = totals.get(contribution.kind, Decimal(0)) + Decimal(
            contribution.quantity
        )
    return Status(
        201,
        {
            "period": _period_ref(period),
            "contributions": len(created),
            "totals": {kind: _quantity(q) for kind, q in totals.items()},
        },
    )


# --- Capital accounts ----------------------------------------------------------------------


@router.get(P + "/members/{member_id}/capital-account", response={200: CapitalAccountOut, **ERRORS})
def capital_account(request: HttpRequest, slug: str, member_id: int) -> dict[str, Any]:
    """A member's capital account, every entry with the balance after it
    (the member, or an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    member = _statement_member(request, coop, member_id)
    lines = books.capital_statement(member)
    periods = {p.pk: p for p in FiscalPeriod.objects.filter(cooperative=coop)}
    for line in lines:
        line.entry.cooperative = coop
    return {
        "member": _ref(member),
        "currency": coop.currency,
        "balance": _money(lines[-1].balance if lines else 0, coop),
        "entries": [_capital_entry_out(line.entry, line.balance, periods) for line in lines],
    }


@router.post(
    P + "/members/{member_id}/capital-account/entries",
    response={201: CapitalEntryOut, **ERRORS},
)
def add_capital_entry(
    request: HttpRequest, slug: str, member_id: int, payload: CapitalEntryIn
) -> Status[dict[str, Any]]:
    """Enter interest, a revolving redemption, the payout on leaving, or a
    correction of an earlier entry (an officer who keeps the accounts)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    member = queries.get_member(coop, member_id)
    corrects = None
    if payload.corrects is not None:
        corrects = CapitalAccountEntry.objects.filter(cooperative=coop, pk=payload.corrects).first()
        if corrects is None:
            raise InvalidInput(
                _("Choose the entry of this member's account that this corrects."),
                field="corrects",
            )
    period = _period_in(coop, payload.period)
    entry = actions.add_capital_entry(
        by=signed_in(request),
        member=member,
        kind=payload.kind,
        amount=payload.amount,
        on=payload.on,
        memo=payload.memo,
        period=period,
        corrects=corrects,
    )
    entry.cooperative = coop
    return Status(
        201,
        _capital_entry_out(entry, books.capital_balance(member), {p.pk: p for p in [period] if p}),
    )


# --- Surplus allocations ---------------------------------------------------------------------
# The actions live in taawun.economy.allocation_actions, imported where they
# are called.


@router.get(
    P + "/periods/{period_id}/allocations", response={200: list[SurplusAllocationOut], **ERRORS}
)
def period_allocations(request: HttpRequest, slug: str, period_id: int) -> list[dict[str, Any]]:
    """Every allocation of the period's surplus, withdrawn ones too, newest
    first (members: the allocation is the cooperative's to see)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    period = _period(coop, period_id)
    found = SurplusAllocation.objects.filter(period=period).select_related(
        "poll", "proposed_by__user"
    )
    out = []
    for allocation in found:
        allocation.cooperative = coop
        allocation.period = period
        out.append(_allocation_out(allocation, with_shares=False))
    return out


@router.get(
    P + "/allocations/{allocation_id}", response={200: SurplusAllocationDetailOut, **ERRORS}
)
def get_allocation(
    request: HttpRequest, slug: str, allocation_id: int, offset: int = 0, limit: int = 2000
) -> dict[str, Any]:
    """An allocation with its members' shares: their patronage, dividend,
    cash and retained parts (members), by member number, ``limit`` at a time
    (at most 2,000) from ``offset``; ``shares_count`` says how many there are."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    window = _limits(offset, limit)
    return _allocation_out(_allocation(coop, allocation_id), with_shares=True, window=window)


@router.post(
    P + "/periods/{period_id}/allocations/preview",
    response={200: SurplusAllocationDetailOut, **ERRORS},
)
def preview_allocation(
    request: HttpRequest, slug: str, period_id: int, payload: AllocationSurplusIn
) -> dict[str, Any]:
    """What allocating ``surplus`` (a loss negative) of a closed period would
    give, computed by the bylaws; nothing is saved (an officer who keeps the
    accounts)."""
    from taawun.economy import allocation_actions

    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    found = allocation_actions.preview_allocation(
        by=signed_in(request), period=_period(coop, period_id), surplus=payload.surplus
    )
    found.cooperative = coop
    return _allocation_out(found, with_shares=True)


@router.post(
    P + "/periods/{period_id}/allocations",
    response={201: SurplusAllocationDetailOut, **ERRORS},
)
def propose_allocation(
    request: HttpRequest, slug: str, period_id: int, payload: AllocationProposeIn
) -> Status[dict[str, Any]]:
    """Propose the allocation of a closed period's surplus; where the bylaws
    ask the general meeting to approve it, its poll opens (an officer who
    keeps the accounts)."""
    from taawun.economy import allocation_actions

    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    found = allocation_actions.propose_allocation(
        by=signed_in(request),
        period=_period(coop, period_id),
        surplus=payload.surplus,
        poll_closes_at=payload.poll_closes_at,
    )
    return Status(201, get_allocation(request, slug, found.pk))


@router.post(
    P + "/allocations/{allocation_id}/post", response={200: SurplusAllocationDetailOut, **ERRORS}
)
def post_allocation(request: HttpRequest, slug: str, allocation_id: int) -> dict[str, Any]:
    """Post an approved allocation: the retained shares are credited to the
    capital accounts (a loss charged) (an officer who keeps the accounts)."""
    from taawun.economy import allocation_actions

    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    found = allocation_actions.post_allocation(
        _allocation(coop, allocation_id), by=signed_in(request)
    )
    return get_allocation(request, slug, found.pk)


@router.post(
    P + "/allocations/{allocation_id}/withdraw",
    response={200: SurplusAllocationDetailOut, **ERRORS},
)
def withdraw_allocation(
    request: HttpRequest, slug: str, allocation_id: int, payload: AllocationWithdrawIn
) -> dict[str, Any]:
    """Withdraw a proposal, saying why, so that the period can be allocated
    anew (an officer who keeps the accounts)."""
    from taawun.economy import allocation_actions

    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    found = allocation_actions.withdraw_allocation(
        _allocation(coop, allocation_id), by=signed_in(request), reason=payload.reason
    )
    return get_allocation(request, slug, found.pk)
