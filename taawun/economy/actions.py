"""Every change to share capital, fiscal periods, contributions and capital
accounts.

Each action checks who may act (an office with the ``keep_accounts`` power;
for transfers of shares, the office the bylaws name) and the input, writes
inside one transaction, and appends what it did to the cooperative's ledger
(``economy.*`` kinds, amounts as decimal strings, members as public ids).
A refusal raises an error of the taawun.errors family, with the field it
concerns, and leaves nothing written.

Rows that change someone's holding lock that member's row first, so two
requests cannot both spend the same shares.
"""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.economy import queries
from taawun.economy.errors import EconomyInputError
from taawun.economy.models import (
    CapitalAccountEntry,
    Contribution,
    FiscalPeriod,
    ShareMovement,
    SharePayment,
    ShareRedemption,
    ShareSubscription,
    ShareTransfer,
)
from taawun.economy.money import (
    currency_places,
    decimal_parts,
    format_amount,
    normalise_digits,
    parse_amount,
)
from taawun.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from taawun.membership import rules
from taawun.membership.actions import record
from taawun.membership.models import Cooperative, Member, localised

S = Member.Status
# Statuses in which a member works for the cooperative and logs hours.
WORKING_STATUSES = (S.ACTIVE, S.PROBATION)
# Statuses of a membership that has ended: its shares are paid back on leaving.
ENDED_STATUSES = (S.WITHDRAWN,)
MAX_HOURS_PER_DAY = Decimal(24)
# Imports: a period's file for a large cooperative fits well within these.
MAX_IMPORT_CHARS = 2_000_000
MAX_IMPORT_ROWS = 20_000
MAX_QUANTITY = Decimal(10) ** 12
HOURS_PLACES = 2


# --- Helpers -------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _translated(error: EconomyInputError) -> str:
    """The message of an error from the pure arithmetic, in the reader's language."""
    template = _(error.template)
    return template % error.params if error.params else template


def _amount(text: Any, coop: Cooperative, field: str) -> int:
    """A decimal string as minor units of the cooperative's currency."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        raise InvalidInput(_("Give the amount as a number, such as 1250.50."), field=field)
    try:
        return parse_amount(str(text), coop.currency, field=field)
    except EconomyInputError as error:
        raise InvalidInput(_translated(error), field=field) from None


def _money(minor: int, coop: Cooperative) -> str:
    return format_amount(minor, coop.currency)


def _count(value: Any, field: str, *, high: int = 1_000_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InvalidInput(
            _("Give a whole number from 1 to %(high)s.") % {"high": f"{high:,}"}, field=field
        )
    return value


def _day(value: date | None, field: str) -> date:
    """``value`` (today if None), refused if it is in the future."""
    day = value if value is not None else _today()
    if day > _today():
        raise InvalidInput(_("This date is in the future."), field=field)
    return day


def _text(value: str, field: str, *, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("Keep this under %(limit)d characters.") % {"limit": limit}, field=field
        )
    return value


def _economy(coop: Cooperative) -> dict[str, Any]:
    economy: dict[str, Any] = coop.bylaws["economy"]
    return economy


def _kinds(coop: Cooperative) -> dict[str, dict[str, Any]]:
    return {kind["code"]: kind for kind in _economy(coop)["contribution_kinds"]}


def _pid(member: Member) -> str:
    return str(member.public_id)


def _lock_coop(coop: Cooperative) -> Cooperative:
    return Cooperative.objects.select_for_update().get(pk=coop.pk)


def _lock_members(*members: Member) -> list[Member]:
    """Lock members' rows, always in id order so that two actions locking the
    same two members cannot deadlock; returned in the order asked."""
    found = {
        m.pk: m
        for m in Member.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .filter(pk__in=[m.pk for m in members])
        .order_by("pk")
    }
    return [found[m.pk] for m in members]


def _same_coop(coop: Cooperative, member: Member, field: str) -> None:
    if member.cooperative_id != coop.pk:
        raise InvalidInput(_("That member belongs to another cooperative."), field=field)


def _require_admitted(member: Member, field: str) -> None:
    if member.number is None:
        raise InvalidInput(_("Only an admitted member has shares and accounts."), field=field)


def _keeper(by: User | None, coop: Cooperative) -> Member:
    return rules.access_officer(by, coop, "keep_accounts")


def _check_period_open(period: FiscalPeriod) -> None:
    if period.state != FiscalPeriod.State.OPEN:
        raise InvalidTransition(
            _("The period %(name)s is closed: nothing in it can change.") % {"name": period.name},
            field="period",
        )


def _lock_period(period: FiscalPeriod) -> FiscalPeriod:
    period = FiscalPeriod.objects.select_for_update().get(pk=period.pk)
    _check_period_open(period)
    return period


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months; the 31st becomes the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- Share capital: subscriptions and payments ---------------------------------------


def subscribe_shares(
    *,
    by: User,
    member: Member,
    shares: int,
    instalments: int = 1,
    on: date | None = None,
    paid_on: date | None = None,
) -> ShareSubscription:
    """A member takes up ``shares`` at today's par value, to pay in
    ``instalments``; with ``paid_on``, paid in full at once on that day."""
    coop = member.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        coop = Cooperative.objects.get(pk=coop.pk)  # the par value as it is now
        member = _lock_members(member)[0]
        if member.status not in rules.MEMBER_STATUSES:
            raise InvalidInput(_("Only a current member can subscribe for shares."), field="member")
        shares = _count(shares, "shares")
        instalments = _count(instalments, "instalments", high=120)
        if paid_on is not None and instalments != 1:
            raise InvalidInput(
                _("Shares paid at once are paid in one instalment."), field="instalments"
            )
        subscribed_on = _day(on, "on")
        if paid_on is not None and paid_on < subscribed_on:
            raise InvalidInput(_("A payment cannot come before the subscription."), field="paid_on")
        price = _amount(coop.bylaws["share_par_value"], coop, "share_par_value")
        subscription = ShareSubscription.objects.create(
            cooperative=coop,
            member=member,
            shares=shares,
            price_per_share=price,
            amount_due=shares * price,
            instalments=instalments,
            subscribed_on=subscribed_on,
            recorded_by=officer,
        )
        record(
            coop,
            "economy.shares_subscribed",
            officer,
            {
                "subscription": subscription.pk,
                "member": _pid(member),
                "shares": shares,
                "price_per_share": _money(price, coop),
                "amount_due": _money(subscription.amount_due, coop),
                "instalments": instalments,
                "on": subscribed_on.isoformat(),
            },
        )
        if paid_on is not None:
            _pay(subscription, officer, subscription.amount_due, _day(paid_on, "paid_on"))
        return subscription


def record_share_payment(
    *, by: User, subscription: ShareSubscription, amount: str, paid_on: date | None = None
) -> SharePayment:
    """Money paid on a subscription; each share fully paid becomes the member's."""
    coop = subscription.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        subscription = ShareSubscription.objects.select_for_update().get(pk=subscription.pk)
        minor = _amount(amount, coop, "amount")
        if minor <= 0:
            raise InvalidInput(_("A payment must be more than zero."), field="amount")
        outstanding = subscription.amount_due - _paid(subscription)
        if minor > outstanding:
            raise InvalidInput(
                _("This is more than is still due on the subscription (%(due)s).")
                % {"due": _money(outstanding, coop)},
                field="amount",
            )
        day = _day(paid_on, "paid_on")
        if day < subscription.subscribed_on:
            raise InvalidInput(_("A payment cannot come before the subscription."), field="paid_on")
        return _pay(subscription, officer, minor, day)


def _paid(subscription: ShareSubscription) -> int:
    total = subscription.payments.aggregate(amount=Sum("amount"))["amount"]
    return total or 0


def _pay(subscription: ShareSubscription, officer: Member, minor: int, day: date) -> SharePayment:
    """Write a payment (the subscription row is locked) and the shares it pays up."""
    coop = subscription.cooperative
    before = _paid(subscription)
    payment = SharePayment.objects.create(
        cooperative=coop,
        subscription=subscription,
        amount=minor,
        paid_on=day,
        recorded_by=officer,
    )
    price = subscription.price_per_share
    # A share is the member's once it is paid in full: instalments that pay
    # part of a share count towards it, and it comes with the payment that
    # completes it.
    paid_up = (before + minor) // price - before // price
    if paid_up:
        ShareMovement.objects.create(
            cooperative=coop,
            member=subscription.member,
            kind=ShareMovement.Kind.PAID_UP,
            shares=paid_up,
            amount=paid_up * price,
            on=day,
            payment=payment,
        )
    record(
        coop,
        "economy.share_payment",
        officer,
        {
            "payment": payment.pk,
            "subscription": subscription.pk,
            "member": _pid(subscription.member),
            "amount": _money(minor, coop),
            "paid_on": day.isoformat(),
            "shares_paid_up": paid_up,
            "outstanding": _money(subscription.amount_due - before - minor, coop),
        },
    )
    return payment


# --- Share capital: transfers --------------------------------------------------------------


def _check_keeps_minimum(member: Member, keeps: int, field: str) -> None:
    minimum = queries.minimum_shares(member)
    if member.status in rules.MEMBER_STATUSES and keeps < minimum:
        raise InvalidInput(
            _(
                "This would leave fewer shares than the membership class %(class)s "
                "requires (%(minimum)s)."
            )
            % {"class": member.class_name, "minimum": minimum},
            field=field,
        )


def request_share_transfer(
    *, by: User, coop: Cooperative, to_member: Member, shares: int, reason: str = ""
) -> ShareTransfer:
    """A member asks to pass some of their paid-up shares to another member."""
    with transaction.atomic():
        coop = Cooperative.objects.get(pk=coop.pk)
        giver = rules.access_member(by, coop)
        approver = _economy(coop)["share_transfer_approver"]
        if approver is None:
            raise InvalidTransition(
                _("The bylaws do not allow shares to be transferred."), field="shares"
            )
        _same_coop(coop, to_member, "to_member")
        giver, to_member = _lock_members(giver, to_member)
        if to_member.pk == giver.pk:
            raise InvalidInput(_("Choose another member to transfer shares to."), field="to_member")
        if to_member.status not in rules.MEMBER_STATUSES:
            raise InvalidInput(
                _("Shares can be transferred only to a current member."), field="to_member"
            )
        shares = _count(shares, "shares")
        free = queries.holding(giver).shares - queries.committed_shares(giver)
        if shares > free:
            raise InvalidInput(
                _("This is more than the paid-up shares you can transfer (%(free)s).")
                % {"free": max(free, 0)},
                field="shares",
            )
        _check_keeps_minimum(giver, free - shares, "shares")
        transfer = ShareTransfer.objects.create(
            cooperative=coop,
            from_member=giver,
            to_member=to_member,
            shares=shares,
            reason=_text(reason, "reason", limit=2000),
        )
        record(
            coop,
            "economy.share_transfer_requested",
            giver,
            {
                "transfer": transfer.pk,
                "from": _pid(giver),
                "to": _pid(to_member),
                "shares": shares,
            },
        )
        return transfer


def _access_transfer_approver(by: User | None, coop: Cooperative) -> Member:
    member = rules.access_member(by, coop)
    office = _economy(coop)["share_transfer_approver"]
    if office is None:
        raise InvalidTransition(_("The bylaws do not allow shares to be transferred."))
    if member.status != S.ACTIVE or office not in member.offices:
        found = coop.office(office)
        raise PermissionDenied(
            _("The bylaws give the decision on transfers of shares to the office of %(office)s.")
            % {"office": localised(found["names"]) if found else office}
        )
    return member


def decide_share_transfer(
    transfer: ShareTransfer, *, by: User, approve: bool, reason: str = ""
) -> ShareTransfer:
    """The office the bylaws name approves a transfer (the shares move) or refuses it."""
    with transaction.atomic():
        coop = Cooperative.objects.get(pk=transfer.cooperative_id)
        decider = _access_transfer_approver(by, coop)
        transfer = ShareTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.state != ShareTransfer.State.REQUESTED:
            raise InvalidTransition(_("This transfer has already been decided."))
        if decider.pk in (transfer.from_member_id, transfer.to_member_id):
            raise PermissionDenied(_("Someone else must decide on a transfer that involves you."))
        reason = _text(reason, "reason", limit=2000)
        if not approve and not reason:
            raise InvalidInput(_("Say why the transfer is refused."), field="reason")
        giver, taker = _lock_members(transfer.from_member, transfer.to_member)
        held = queries.holding(giver)
        moved = 0
        if approve:
            if taker.status not in rules.MEMBER_STATUSES:
                raise InvalidTransition(
                    _("The member who was to receive the shares is no longer a member."),
                    field="to_member",
                )
            # This transfer's own shares are among those committed.
            free = held.shares - queries.committed_shares(giver) + transfer.shares
            if transfer.shares > free:
                raise InvalidTransition(
                    _("The member no longer holds the shares to transfer."), field="shares"
                )
            _check_keeps_minimum(giver, free - transfer.shares, "shares")
            moved = held.value_of(transfer.shares)
            today = _today()
            for member, sign, kind in (
                (giver, -1, ShareMovement.Kind.TRANSFER_OUT),
                (taker, 1, ShareMovement.Kind.TRANSFER_IN),
            ):
                ShareMovement.objects.create(
                    cooperative=coop,
                    member=member,
                    kind=kind,
                    shares=sign * transfer.shares,
                    amount=sign * moved,
                    on=today,
                    transfer=transfer,
                )
        transfer.state = ShareTransfer.State.APPROVED if approve else ShareTransfer.State.REFUSED
        transfer.decided_by = decider
        transfer.decided_at = timezone.now()
        if reason:
            transfer.reason = reason
        transfer.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        data: dict[str, Any] = {
            "transfer": transfer.pk,
            "from": _pid(giver),
            "to": _pid(taker),
            "shares": transfer.shares,
        }
        if approve:
            data["amount"] = _money(moved, coop)
        record(
            coop,
            "economy.share_transfer_approved" if approve else "economy.share_transfer_refused",
            decider,
            data,
        )
        return transfer


# --- Share capital: redemptions ---------------------------------------------------------


def request_redemption(
    *, by: User, member: Member, shares: int, on: date | None = None
) -> ShareRedemption:
    """Shares asked back: by a member who has left (or an officer for them),
    or, where the bylaws allow it, by a member who stays, down to their
    class's minimum. The bylaws set when they are paid (the delay) and how
    much may be paid back in a year (the limit)."""
    with transaction.atomic():
        coop = _lock_coop(member.cooperative)  # serialises the yearly limit
        member = _lock_members(member)[0]
        holds = (*rules.MEMBER_STATUSES, *ENDED_STATUSES)
        own = rules.membership_of(by, coop)
        if own is not None and own.pk == member.pk and member.status in holds:
            requester = own  # a member who left still asks for their own money back
        else:
            requester = _keeper(by, coop)
        _require_admitted(member, "member")
        if member.status not in holds:
            raise InvalidInput(_("This membership holds no shares to pay back."), field="member")
        economy = _economy(coop)
        leaving = member.status in ENDED_STATUSES
        if not leaving and not economy["redemption_on_request"]:
            raise InvalidTransition(
                _("The bylaws pay shares back only when a member leaves the cooperative."),
                field="shares",
            )
        shares = _count(shares, "shares")
        held = queries.holding(member)
        free = held.shares - queries.committed_shares(member)
        if shares > free:
            raise InvalidInput(
                _("This is more than the paid-up shares that can be paid back (%(free)s).")
                % {"free": max(free, 0)},
                field="shares",
            )
        _check_keeps_minimum(member, free - shares, "shares")
        requested_on = _day(on, "on")
        due_on = add_months(requested_on, economy["redemption_delay_months"])
        amount = held.value_of(shares)
        limit = economy["redemption_yearly_limit_percent"]
        if limit is not None:
            # The limit is a share of the capital as it stands when asked,
            # counted over the calendar year in which the money is due.
            ceiling = queries.share_capital(coop) * int(Decimal(limit) * 100) // 10_000
            left = ceiling - queries.redeemed_in_year(coop, due_on.year)
            if amount > left:
                raise InvalidInput(
                    _(
                        "The bylaws limit what is paid back for shares in %(year)s to "
                        "%(percent)s%% of the share capital; %(left)s of it is left."
                    )
                    % {"year": due_on.year, "percent": limit, "left": _money(max(left, 0), coop)},
                    field="shares",
                )
        redemption = ShareRedemption.objects.create(
            cooperative=coop,
            member=member,
            shares=shares,
            amount=amount,
            on_leaving=leaving,
            requested_on=requested_on,
            due_on=due_on,
            requested_by=requester,
        )
        record(
            coop,
            "economy.redemption_requested",
            requester,
            {
                "redemption": redemption.pk,
                "member": _pid(member),
                "shares": shares,
                "amount": _money(amount, coop),
                "on_leaving": leaving,
                "requested_on": requested_on.isoformat(),
                "due_on": due_on.isoformat(),
            },
        )
        return redemption


def _lock_pending_redemption(redemption: ShareRedemption) -> ShareRedemption:
    redemption = ShareRedemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.state != ShareRedemption.State.PENDING:
        raise InvalidTransition(_("This redemption has already been paid or refused."))
    return redemption


def pay_redemption(
    redemption: ShareRedemption, *, by: User, paid_on: date | None = None
) -> ShareRedemption:
    """Pay the shares back once the bylaws' delay has passed; they leave the register."""
    coop = redemption.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        member = _lock_members(redemption.member)[0]
        redemption = _lock_pending_redemption(redemption)
        day = _day(paid_on, "paid_on")
        if day < redemption.due_on:
            raise InvalidTransition(
                _("The bylaws delay this payment until %(date)s.")
                % {"date": date_format(redemption.due_on)},
                field="paid_on",
            )
        held = queries.holding(member)
        if held.shares < redemption.shares:
            raise InvalidTransition(
                _("The member no longer holds the shares to pay back."), field="shares"
            )
        # Fixed now, at the paid-in value of the shares as they stand.
        redemption.amount = held.value_of(redemption.shares)
        redemption.state = ShareRedemption.State.PAID
        redemption.decided_by = officer
        redemption.paid_on = day
        redemption.save(update_fields=["amount", "state", "decided_by", "paid_on"])
        ShareMovement.objects.create(
            cooperative=coop,
            member=member,
            kind=ShareMovement.Kind.REDEMPTION,
            shares=-redemption.shares,
            amount=-redemption.amount,
            on=day,
            redemption=redemption,
        )
        record(
            coop,
            "economy.redemption_paid",
            officer,
            {
                "redemption": redemption.pk,
                "member": _pid(member),
                "shares": redemption.shares,
                "amount": _money(redemption.amount, coop),
                "paid_on": day.isoformat(),
            },
        )
        return redemption


def refuse_redemption(redemption: ShareRedemption, *, by: User, reason: str) -> ShareRedemption:
    """Refuse a redemption the bylaws let the cooperative refuse; the reason is required."""
    coop = redemption.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        redemption = _lock_pending_redemption(redemption)
        reason = _text(reason, "reason", limit=2000)
        if not reason:
            raise InvalidInput(_("Say why the redemption is refused."), field="reason")
        redemption.state = ShareRedemption.State.REFUSED
        redemption.decided_by = officer
        redemption.reason = reason
        redemption.save(update_fields=["state", "decided_by", "reason"])
        record(
            coop,
            "economy.redemption_refused",
            officer,
            {"redemption": redemption.pk, "member": _pid(redemption.member)},
        )
        return redemption


# --- Fiscal periods -------------------------------------------------------------------------


def open_period(
    *, by: User, coop: Cooperative, name: str, starts_on: date, ends_on: date
) -> FiscalPeriod:
    """Open a period of the books; periods of one cooperative never overlap."""
    with transaction.atomic():
        officer = _keeper(by, coop)
        coop = _lock_coop(coop)  # two overlapping periods cannot be opened at once
        name = _text(name, "name", limit=100)
        if not name:
            raise InvalidInput(_("Give the period a name, such as 2025."), field="name")
        if ends_on < starts_on:
            raise InvalidInput(_("A period cannot end before it starts."), field="ends_on")
        if (ends_on - starts_on).days > 731:
            raise InvalidInput(_("A period can last at most two years."), field="ends_on")
        clash = queries.overlapping_period(coop, starts_on, ends_on)
        if clash is not None:
            raise Conflict(
                _("This period overlaps the period %(name)s.") % {"name": clash.name},
                field="starts_on",
            )
        try:
            with transaction.atomic():
                period = FiscalPeriod.objects.create(
                    cooperative=coop,
                    name=name,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    opened_by=officer,
                )
        except IntegrityError:
            raise Conflict(_("There is already a period with this name."), field="name") from None
        record(
            coop,
            "economy.period_opened",
            officer,
            {
                "period": period.pk,
                "name": name,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
        return period


def close_period(period: FiscalPeriod, *, by: User) -> FiscalPeriod:
    """Close a period once it has ended and no contribution waits for a
    decision; from then on nothing in it changes, and the ledger keeps a
    digest of its totals for the allocation to share by."""
    coop = period.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        period = _lock_period(period)
        if _today() <= period.ends_on:
            raise InvalidTransition(
                _("A period can be closed only after its last day (%(date)s).")
                % {"date": date_format(period.ends_on)},
                field="period",
            )
        # Closing with contributions undecided would freeze them undecided:
        # the officers decide each one first, so nobody's work is dropped
        # without a decision they can see.
        if queries.pending_contributions(period):
            raise InvalidTransition(
                _(
                    "Some contributions in this period are still waiting for approval: "
                    "approve or reject them before closing it."
                ),
                field="period",
            )
        period.state = FiscalPeriod.State.CLOSED
        period.closed_by = officer
        period.closed_at = timezone.now()
        period.save(update_fields=["state", "closed_by", "closed_at"])
        totals: dict[str, Decimal] = {}
        for total in queries.period_totals(period):
            totals[total.kind] = totals.get(total.kind, Decimal(0)) + total.quantity
        record(
            coop,
            "economy.period_closed",
            officer,
            {
                "period": period.pk,
                "name": period.name,
                "totals": {kind: str(quantity) for kind, quantity in sorted(totals.items())},
                "digest": queries.period_digest(period),
            },
        )
        return period


# --- Contributions -----------------------------------------------------------------------------


def _quantity(text: Any, unit: str, coop: Cooperative, field: str) -> Decimal:
    """A positive quantity of ``unit``: hours to the hundredth, money to the
    currency's minor unit."""
    if isinstance(text, Decimal):
        text = format(text, "f")
    parts = decimal_parts(str(text)) if isinstance(text, str | int) else None
    if parts is None or isinstance(text, bool):
        raise InvalidInput(_("Give the quantity as a number, such as 7.5."), field=field)
    value, places = parts
    if value <= 0:
        raise InvalidInput(_("A contribution must be more than zero."), field=field)
    allowed = HOURS_PLACES if unit == "hours" else currency_places(coop.currency)
    number = Decimal(value).scaleb(-places)
    if places > allowed and number != number.quantize(Decimal(1).scaleb(-allowed)):
        if unit == "hours":
            message = _("Give hours to the hundredth at most, such as 7.25.")
        else:
            message = _("This amount is finer than the currency's smallest unit.")
        raise InvalidInput(message, field=field)
    if number >= MAX_QUANTITY:
        raise InvalidInput(_("This quantity is too large."), field=field)
    return number


def log_hours(
    *,
    by: User,
    period: FiscalPeriod,
    hours: str,
    on: date | None = None,
    note: str = "",
    kind: str | None = None,
) -> Contribution:
    """A member logs hours they worked, for an officer to approve."""
    coop = period.cooperative
    with transaction.atomic():
        member = rules.access_member(by, coop)
        if member.status not in WORKING_STATUSES:
            raise PermissionDenied(_("Only an active member can log hours."))
        period = _lock_period(period)
        hour_kinds = [k["code"] for k in _kinds(coop).values() if k["unit"] == "hours"]
        code = kind if kind is not None else next(iter(hour_kinds), "")
        if code not in hour_kinds:
            raise InvalidInput(
                _("The bylaws count no contribution of this kind in hours."), field="kind"
            )
        quantity = _quantity(hours, "hours", coop, "hours")
        if quantity > MAX_HOURS_PER_DAY:
            raise InvalidInput(_("One entry can be at most 24 hours."), field="hours")
        day = _day(on, "on")
        if not period.starts_on <= day <= period.ends_on:
            raise InvalidInput(
                _("This day is not in the period %(name)s.") % {"name": period.name}, field="on"
            )
        member = _lock_members(member)[0]  # two logs for one day, one at a time
        if queries.hours_logged_on(member, day) + quantity > MAX_HOURS_PER_DAY:
            raise InvalidInput(
                _("With this entry, the hours logged for %(date)s would be more than 24.")
                % {"date": date_format(day)},
                field="hours",
            )
        return Contribution.objects.create(
            cooperative=coop,
            period=period,
            member=member,
            kind=code,
            quantity=quantity,
            on=day,
            note=_text(note, "note", limit=500),
            source=Contribution.Source.MANUAL,
            logged_by=member,
        )


def decide_contribution(
    contribution: Contribution, *, by: User, approve: bool, reason: str = ""
) -> Contribution:
    """An officer approves logged hours (they then count for patronage) or rejects them."""
    coop = contribution.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        _lock_period(contribution.period)
        contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
        if contribution.state != Contribution.State.PENDING:
            raise InvalidTransition(_("This contribution has already been decided."))
        if contribution.member_id == officer.pk:
            raise PermissionDenied(_("Another officer must decide on your own contribution."))
        contribution.state = Contribution.State.APPROVED if approve else Contribution.State.REJECTED
        contribution.decided_by = officer
        contribution.decided_at = timezone.now()
        contribution.reason = _text(reason, "reason", limit=500)
        contribution.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        record(
            coop,
            "economy.contribution_approved" if approve else "economy.contribution_rejected",
            officer,
            {
                "contribution": contribution.pk,
                "period": contribution.period_id,
                "member": _pid(contribution.member),
                "kind": contribution.kind,
                "quantity": str(contribution.quantity),
            },
        )
        return contribution


@dataclass
class RowError:
    """One problem in an uploaded file: its row (the header is row 1, as a
    spreadsheet counts), the column it is in (if one), and what is wrong."""

    row: int
    column: str | None
    message: str


@dataclass
class ImportRow:
    row: int
    number: str
    member: Member | None
    quantities: dict[str, Decimal]
    note: str
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportPreview:
    """What an import would write, row by row, with every problem found."""

    period: FiscalPeriod
    kinds: list[str]
    rows: list[ImportRow]
    problems: list[RowError]  # about the file as a whole (its header, its size)

    @property
    def errors(self) -> list[RowError]:
        return [*self.problems, *(e for row in self.rows for e in row.errors)]

    @property
    def ok(self) -> bool:
        return not self.errors and any(row.quantities for row in self.rows)

    @property
    def totals(self) -> dict[str, Decimal]:
        sums = dict.fromkeys(self.kinds, Decimal(0))
        for row in self.rows:
            for kind, quantity in row.quantities.items():
                sums[kind] += quantity
        return sums


def _read_import(period: FiscalPeriod, csv_text: str) -> ImportPreview:
    coop = period.cooperative
    kinds = _kinds(coop)
    preview = ImportPreview(period, [], [], [])
    if len(csv_text) > MAX_IMPORT_CHARS:
        preview.problems.append(RowError(1, None, _("This file is too large to import.")))
        return preview
    text = csv_text.removeprefix("\ufeff")  # spreadsheets often start with a byte-order mark
    reader = csv.reader(io.StringIO(text), strict=True)
    records: list[tuple[int, list[str]]] = []
    row_number = 0  # rows as a spreadsheet counts them, a cell's line breaks included
    try:
        for raw in reader:
            row_number += 1
            if any(cell.strip() for cell in raw):
                records.append((row_number, [cell.strip() for cell in raw]))
    except csv.Error:
        preview.problems.append(
            RowError(
                row_number + 1, None, _("This row is not valid CSV: check its quotation marks.")
            )
        )
        return preview
    if not records:
        preview.problems.append(RowError(1, None, _("The file is empty.")))
        return preview
    header_row, header = records[0]
    while header and not header[-1]:
        header.pop()
    problems = preview.problems
    if header_row != 1 or "member" not in header:
        problems.append(
            RowError(
                1,
                None,
                _(
                    "The first row must name the columns: member, then one column per "
                    "contribution kind, and note if you like."
                ),
            )
        )
        return preview
    for name in header:
        if header.count(name) > 1:
            problems.append(
                RowError(1, name, _("The column %(column)s appears twice.") % {"column": name})
            )
        elif name not in ("member", "note") and name not in kinds:
            problems.append(
                RowError(
                    1,
                    name,
                    _(
                        "%(kind)s is not a contribution kind of this cooperative; "
                        "the kinds are: %(known)s."
                    )
                    % {"kind": name, "known": ", ".join(sorted(kinds))},
                )
            )
    preview.kinds = [name for name in header if name in kinds]
    if not preview.kinds and not problems:
        problems.append(RowError(1, None, _("There is no column for any contribution kind.")))
    if len(records) - 1 > MAX_IMPORT_ROWS:
        problems.append(
            RowError(
                1,
                None,
                _("A file can have at most %(rows)s rows.") % {"rows": f"{MAX_IMPORT_ROWS:,}"},
            )
        )
    if problems:
        return preview

    members = {
        str(m.number): m
        for m in Member.objects.filter(cooperative=coop, number__isnull=False).select_related(
            "user"
        )
    }
    first_row: dict[str, int] = {}
    width = len(header)
    for number, cells_in_order in records[1:]:
        cells = dict(zip(header, cells_in_order, strict=False))
        member_cell = normalise_digits(cells.get("member", "")).lstrip("#")
        row = ImportRow(number, member_cell, members.get(member_cell), {}, cells.get("note", ""))
        preview.rows.append(row)
        if len(cells_in_order) > width and any(cells_in_order[width:]):
            row.errors.append(
                RowError(number, None, _("This row has more cells than the header has columns."))
            )
        if not member_cell:
            row.errors.append(RowError(number, "member", _("The member number is missing.")))
        elif row.member is None:
            row.errors.append(
                RowError(
                    number,
                    "member",
                    _("There is no member number %(number)s in this cooperative.")
                    % {"number": member_cell},
                )
            )
        elif member_cell in first_row:
            row.errors.append(
                RowError(
                    number,
                    "member",
                    _("%(member)s already has a row (row %(first)s); give each member one row.")
                    % {"member": member_cell, "first": first_row[member_cell]},
                )
            )
        else:
            first_row[member_cell] = number
        if len(row.note) > 500:
            row.errors.append(
                RowError(
                    number, "note", _("Keep this under %(limit)d characters.") % {"limit": 500}
                )
            )
        for kind in preview.kinds:
            cell = cells.get(kind, "")
            if not cell:
                continue  # an empty cell: nothing of this kind
            try:
                parts = decimal_parts(cell)
                if parts is not None and parts[0] == 0:
                    continue  # zero: nothing of this kind either
                row.quantities[kind] = _quantity(cell, kinds[kind]["unit"], coop, kind)
            except InvalidInput as error:
                row.errors.append(RowError(number, kind, str(error.message)))
    return preview


def preview_contribution_import(*, by: User, period: FiscalPeriod, csv_text: str) -> ImportPreview:
    """Read a contributions file without writing anything: each row with the
    member it names and its quantities, and every error by row and column.

    The file has a ``member`` column (the member number), one column per
    contribution kind of the bylaws, and optionally ``note``; one row per
    member, an empty or zero cell meaning nothing of that kind. It is the
    same file ``taawun allocate`` reads and the period's totals export writes.
    """
    _keeper(by, period.cooperative)
    period = FiscalPeriod.objects.select_related("cooperative").get(pk=period.pk)
    _check_period_open(period)
    return _read_import(period, csv_text)


def import_contributions(*, by: User, period: FiscalPeriod, csv_text: str) -> list[Contribution]:
    """Write every contribution of a file, approved (an officer imports them
    from the cooperative's own records), or nothing if any row has an error."""
    coop = period.cooperative
    with transaction.atomic():
        officer = _keeper(by, coop)
        period = _lock_period(period)
        preview = _read_import(period, csv_text)
        if preview.errors:
            raise InvalidInput(
                _("The file has errors (see the preview); nothing was imported."), field="file"
            )
        if not preview.ok:
            raise InvalidInput(_("The file has no contribution to import."), field="file")
        now = timezone.now()
        created = Contribution.objects.bulk_create(
            [
                Contribution(
                    cooperative=coop,
                    period=period,
                    member=row.member,
                    kind=kind,
                    quantity=quantity,
                    note=row.note,
                    state=Contribution.State.APPROVED,
                    source=Contribution.Source.IMPORT,
                    logged_by=officer,
                    logged_at=now,
                    decided_by=officer,
                    decided_at=now,
                )
                for row in preview.rows
                for kind, quantity in row.quantities.items()
                if row.member is not None
            ]
        )
        # As stored (three places), so that a file imported into an empty
        # period has the digest the period's totals will have when it closes.
        rows = [
            [_pid(row.member), kind, str(quantity.quantize(Decimal("0.001")))]
            for row in preview.rows
            for kind, quantity in row.quantities.items()
            if row.member is not None
        ]
        record(
            coop,
            "economy.contributions_imported",
            officer,
            {
                "period": period.pk,
                "contributions": len(created),
                "totals": {kind: str(q) for kind, q in preview.totals.items()},
                "digest": queries.rows_digest(rows),
            },
        )
        return created


# --- Member capital accounts ------------------------------------------------------------


# Kinds an officer enters by hand; retained allocations and loss charges are
# written by the allocation of a period's surplus or loss.
MANUAL_CAPITAL_KINDS = (
    CapitalAccountEntry.Kind.INTEREST,
    CapitalAccountEntry.Kind.REVOLVING_REDEMPTION,
    CapitalAccountEntry.Kind.PAYOUT,
    CapitalAccountEntry.Kind.CORRECTION,
)


def add_capital_entry(
    *,
    by: User,
    member: Member,
    kind: str,
    amount: str,
    on: date | None = None,
    memo: str = "",
    period: FiscalPeriod | None = None,
    corrects: CapitalAccountEntry | None = None,
) -> CapitalAccountEntry:
    """An entry in a member's capital account: interest the bylaws give,
    retained allocations paid back by revolving, the payout when a member
    leaves, or a correction of an earlier entry (the old entry stays).

    ``amount`` is what is credited (interest) or paid (revolving, payout),
    as a positive decimal; a correction gives its signed effect."""
    coop = member.cooperative
    K = CapitalAccountEntry.Kind
    with transaction.atomic():
        officer = _keeper(by, coop)
        member = _lock_members(member)[0]
        _require_admitted(member, "member")
        if kind not in MANUAL_CAPITAL_KINDS:
            raise InvalidInput(
                _(
                    "Retained allocations and loss charges come from the allocation of a "
                    "period; enter interest, revolving, a payout or a correction here."
                ),
                field="kind",
            )
        minor = _amount(amount, coop, "amount")
        if kind == K.CORRECTION:
            if minor == 0:
                raise InvalidInput(_("A correction cannot be zero."), field="amount")
        elif minor <= 0:
            raise InvalidInput(_("Give the amount as a positive number."), field="amount")
        day = _day(on, "on")
        memo = _text(memo, "memo", limit=500)
        if period is not None and period.cooperative_id != coop.pk:
            raise InvalidInput(_("That period belongs to another cooperative."), field="period")
        economy = _economy(coop)
        balance = queries.capital_balance(member)
        if kind == K.INTEREST and Decimal(economy["capital_interest_percent"]) == 0:
            raise InvalidInput(_("The bylaws pay no interest on capital accounts."), field="kind")
        if kind == K.REVOLVING_REDEMPTION:
            years = economy["revolving_years"]
            if years == 0:
                raise InvalidInput(
                    _("The bylaws do not pay retained allocations back by revolving."),
                    field="kind",
                )
            due = min(queries.revolvable(member, on=day, years=years), balance)
            if minor > due:
                raise InvalidInput(
                    _(
                        "Only %(amount)s of this member's retained allocations are "
                        "%(years)s years old or more and not yet paid back."
                    )
                    % {"amount": _money(max(due, 0), coop), "years": years},
                    field="amount",
                )
        if kind == K.PAYOUT:
            if member.status not in ENDED_STATUSES:
                raise InvalidTransition(
                    _("A capital account is paid out when the member leaves."), field="kind"
                )
            if minor > balance:
                raise InvalidInput(
                    _("This is more than the balance of the account (%(balance)s).")
                    % {"balance": _money(balance, coop)},
                    field="amount",
                )
        if kind == K.CORRECTION:
            if corrects is None or corrects.member_id != member.pk:
                raise InvalidInput(
                    _("Choose the entry of this member's account that this corrects."),
                    field="corrects",
                )
            if not memo:
                raise InvalidInput(_("Say what the correction is for."), field="memo")
        elif corrects is not None:
            raise InvalidInput(_("Only a correction corrects another entry."), field="corrects")
        signed = minor if kind in (K.INTEREST, K.CORRECTION) else -minor
        entry = CapitalAccountEntry.objects.create(
            cooperative=coop,
            member=member,
            kind=kind,
            amount=signed,
            on=day,
            period=period,
            memo=memo,
            corrects=corrects,
            recorded_by=officer,
        )
        record(
            coop,
            "economy.capital_entry",
            officer,
            {
                "entry": entry.pk,
                "member": _pid(member),
                "kind": kind,
                "amount": _money(signed, coop),
                "on": day.isoformat(),
                "period": period.pk if period is not None else None,
                "corrects": corrects.pk if corrects is not None else None,
                "balance": _money(balance + signed, coop),
            },
        )
        return entry
