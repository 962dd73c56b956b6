"""Reads of the economy that pages, the API, the CLI and the actions share.

Amounts are integers in the currency's minor unit; ``money.format_amount``
writes them out. What a member holds is always summed from the share
movements, never read from a stored total.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import BigIntegerField, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Round

from taawun.csvfiles import csv_safe
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
from taawun.economy.money import format_amount
from taawun.membership.models import Cooperative, Member
from taawun.membership.rules import MEMBER_STATUSES

# --- Holdings ----------------------------------------------------------------------


class Holding(NamedTuple):
    """Paid-up shares a member holds, and the capital they stand for."""

    shares: int
    amount: int

    def value_of(self, shares: int) -> int:
        """What ``shares`` of this holding are worth at the member's paid-in
        value per share, rounded down, so that the shares left keep the odd
        minor units and giving back the whole holding gives back all of it."""
        if shares >= self.shares:
            return self.amount
        return self.amount * shares // self.shares


def holding(member: Member) -> Holding:
    totals = ShareMovement.objects.filter(member=member).aggregate(
        shares=Sum("shares"), amount=Sum("amount")
    )
    return Holding(totals["shares"] or 0, totals["amount"] or 0)


def holdings(coop: Cooperative) -> dict[int, Holding]:
    """Every member's holding, by member id (members without movements left out)."""
    rows = (
        ShareMovement.objects.filter(cooperative=coop)
        .values("member")
        .annotate(shares=Sum("shares"), amount=Sum("amount"))
        .order_by()
    )
    return {row["member"]: Holding(row["shares"], row["amount"]) for row in rows}


def share_capital(coop: Cooperative) -> int:
    """The paid-up share capital: every movement's amount, summed."""
    total = ShareMovement.objects.filter(cooperative=coop).aggregate(amount=Sum("amount"))
    return total["amount"] or 0


def committed_shares(member: Member) -> int:
    """Shares a member has promised away but still holds: asked to transfer,
    or asked back, and not yet decided."""
    out = ShareTransfer.objects.filter(
        from_member=member, state=ShareTransfer.State.REQUESTED
    ).aggregate(n=Sum("shares"))["n"]
    back = ShareRedemption.objects.filter(
        member=member, state=ShareRedemption.State.PENDING
    ).aggregate(n=Sum("shares"))["n"]
    return (out or 0) + (back or 0)


def redeemed_in_year(coop: Cooperative, year: int) -> int:
    """What redemptions due in ``year`` pay back or will (pending and paid)."""
    total = ShareRedemption.objects.filter(
        cooperative=coop,
        due_on__year=year,
        state__in=[ShareRedemption.State.PENDING, ShareRedemption.State.PAID],
    ).aggregate(amount=Sum("amount"))
    return total["amount"] or 0


def minimum_shares(member: Member) -> int:
    found = member.cooperative.membership_class(member.membership_class)
    return found["min_shares"] if found else 0


# --- The share register --------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    member: Member
    shares: int  # paid up
    capital: int  # what the paid-up shares stand for
    subscribed: int  # shares ever subscribed
    amount_due: int  # on every subscription
    amount_paid: int  # on every subscription
    pending_redemption: int  # shares asked back, not yet paid
    minimum: int  # what the member's class requires

    @property
    def outstanding(self) -> int:
        return self.amount_due - self.amount_paid

    @property
    def below_minimum(self) -> bool:
        return self.member.status in MEMBER_STATUSES and self.shares < self.minimum


def _sums(rows: QuerySet[Any, Any], key: str) -> dict[int, int]:
    """``{row[key]: row["n"]}`` from a grouped ``values(key).annotate(n=...)``."""
    return {row[key]: row["n"] or 0 for row in rows.order_by()}


def register(coop: Cooperative) -> list[RegisterRow]:
    """The share register: every current member, and every former member who
    still holds shares or is owed them, by member number. Five grouped
    queries, whatever the number of members."""
    held = holdings(coop)
    subscriptions = ShareSubscription.objects.filter(cooperative=coop).values("member")
    subscribed = _sums(subscriptions.annotate(n=Sum("shares")), "member")
    due = _sums(subscriptions.annotate(n=Sum("amount_due")), "member")
    paid = _sums(
        SharePayment.objects.filter(cooperative=coop)
        .values("subscription__member")
        .annotate(n=Sum("amount")),
        "subscription__member",
    )
    pending = _sums(
        ShareRedemption.objects.filter(cooperative=coop, state=ShareRedemption.State.PENDING)
        .values("member")
        .annotate(n=Sum("shares")),
        "member",
    )
    involved = set(held) | set(subscribed) | set(pending)
    members = (
        Member.objects.filter(cooperative=coop, number__isnull=False)
        .filter(Q(status__in=MEMBER_STATUSES) | Q(pk__in=involved))
        .select_related("user")
        .order_by("number")
    )
    rows = []
    for member in members:
        member.cooperative = coop
        holding_ = held.get(member.pk, Holding(0, 0))
        rows.append(
            RegisterRow(
                member=member,
                shares=holding_.shares,
                capital=holding_.amount,
                subscribed=subscribed.get(member.pk, 0),
                amount_due=due.get(member.pk, 0),
                amount_paid=paid.get(member.pk, 0),
                pending_redemption=pending.get(member.pk, 0),
                minimum=minimum_shares(member),
            )
        )
    return rows


REGISTER_COLUMNS = [
    "number",
    "name",
    "class",
    "status",
    "shares",
    "capital",
    "minimum_shares",
    "subscribed",
    "amount_due",
    "amount_paid",
    "outstanding",
    "pending_redemption",
]


def register_csv_rows(coop: Cooperative) -> Iterator[list[str]]:
    """The share register as CSV rows, the header first; amounts as decimal
    strings in the cooperative's currency."""
    yield REGISTER_COLUMNS
    money = coop.currency
    for row in register(coop):
        yield [
            str(row.member.number),
            csv_safe(row.member.user.name),
            row.member.membership_class,
            row.member.status,
            str(row.shares),
            format_amount(row.capital, money),
            str(row.minimum),
            str(row.subscribed),
            format_amount(row.amount_due, money),
            format_amount(row.amount_paid, money),
            format_amount(row.outstanding, money),
            str(row.pending_redemption),
        ]


# --- A member's share statement -----------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionLine:
    subscription: ShareSubscription
    paid: int

    @property
    def outstanding(self) -> int:
        return self.subscription.amount_due - self.paid


@dataclass(frozen=True)
class MovementLine:
    movement: ShareMovement
    shares_after: int
    amount_after: int


@dataclass(frozen=True)
class ShareStatement:
    member: Member
    subscriptions: list[SubscriptionLine]
    lines: list[MovementLine]
    pending_redemptions: list[ShareRedemption]
    pending_transfers: list[ShareTransfer] = field(default_factory=list)

    @property
    def holding(self) -> Holding:
        if not self.lines:
            return Holding(0, 0)
        return Holding(self.lines[-1].shares_after, self.lines[-1].amount_after)


def share_statement(member: Member) -> ShareStatement:
    """Subscriptions with what is paid on each, and every movement of the
    member's shares with the holding after it."""
    subscriptions = list(
        ShareSubscription.objects.filter(member=member)
        .annotate(paid=Sum("payments__amount"))
        .order_by("subscribed_on", "id")
    )
    lines = []
    shares = amount = 0
    for movement in ShareMovement.objects.filter(member=member).order_by("on", "id"):
        shares += movement.shares
        amount += movement.amount
        lines.append(MovementLine(movement, shares, amount))
    return ShareStatement(
        member=member,
        subscriptions=[SubscriptionLine(s, s.paid or 0) for s in subscriptions],
        lines=lines,
        pending_redemptions=list(
            ShareRedemption.objects.filter(member=member, state=ShareRedemption.State.PENDING)
        ),
        pending_transfers=list(
            ShareTransfer.objects.filter(
                Q(from_member=member) | Q(to_member=member),
                state=ShareTransfer.State.REQUESTED,
            )
        ),
    )


def share_statement_csv_rows(member: Member) -> Iterator[list[str]]:
    yield ["date", "movement", "shares", "amount", "shares_after", "amount_after"]
    money = member.cooperative.currency
    for line in share_statement(member).lines:
        yield [
            line.movement.on.isoformat(),
            line.movement.kind,
            str(line.movement.shares),
            format_amount(line.movement.amount, money),
            str(line.shares_after),
            format_amount(line.amount_after, money),
        ]


# --- Capital accounts ----------------------------------------------------------------------


@dataclass(frozen=True)
class CapitalLine:
    entry: CapitalAccountEntry
    balance: int


def capital_balance(member: Member, *, on: date | None = None) -> int:
    entries = CapitalAccountEntry.objects.filter(member=member)
    if on is not None:
        entries = entries.filter(on__lte=on)
    return entries.aggregate(amount=Sum("amount"))["amount"] or 0


def capital_statement(member: Member) -> list[CapitalLine]:
    """Every entry of the member's capital account, by date, with the balance after it."""
    lines = []
    balance = 0
    for entry in CapitalAccountEntry.objects.filter(member=member).order_by("on", "id"):
        balance += entry.amount
        lines.append(CapitalLine(entry, balance))
    return lines


def revolvable(member: Member, *, on: date, years: int) -> int:
    """Retained allocations at least ``years`` old on ``on``, less what has
    already been paid back by revolving: what revolving may still pay."""
    try:
        cutoff = on.replace(year=on.year - years)
    except ValueError:  # 29 February, and the year ``years`` back has none
        cutoff = on.replace(year=on.year - years, day=28)
    entries = CapitalAccountEntry.objects.filter(member=member)
    old = entries.filter(
        kind=CapitalAccountEntry.Kind.RETAINED_ALLOCATION, on__lte=cutoff
    ).aggregate(amount=Sum("amount"))["amount"]
    revolved = entries.filter(kind=CapitalAccountEntry.Kind.REVOLVING_REDEMPTION).aggregate(
        amount=Sum("amount")
    )["amount"]
    return max(0, (old or 0) + (revolved or 0))


def capital_statement_csv_rows(member: Member) -> Iterator[list[str]]:
    yield ["date", "kind", "amount", "balance", "period", "memo", "corrects"]
    money = member.cooperative.currency
    periods = dict(
        FiscalPeriod.objects.filter(cooperative_id=member.cooperative_id).values_list("pk", "name")
    )
    for line in capital_statement(member):
        entry = line.entry
        yield [
            entry.on.isoformat(),
            entry.kind,
            format_amount(entry.amount, money),
            format_amount(line.balance, money),
            csv_safe(periods.get(entry.period_id, "")) if entry.period_id else "",
            csv_safe(entry.memo),
            str(entry.corrects_id or ""),
        ]


# --- Contributions -----------------------------------------------------------------------


class ContributionTotal(NamedTuple):
    member_id: int
    member_public_id: str
    number: int | None  # every member with contributions has one; typed as the column is
    kind: str
    quantity: Decimal


# Quantities have three decimal places (Contribution.quantity), so a sum of
# them in thousandths is a whole number.
QUANTITY_SCALE = 1000


def period_thousandths(period: FiscalPeriod) -> list[tuple[int, int | None, str, int]]:
    """Approved contributions of the period summed per member and kind, as
    ``(member id, member number, kind, whole thousandths)``, by member number
    then kind.

    Summed by the database, exactly, as whole thousandths: SQLite keeps a
    decimal column as a binary float, so SUM(quantity) could be a fraction of
    a thousandth off, but each value (at most 15 digits) times 1000, rounded,
    is its exact whole number of thousandths, and a sum of integers is exact.
    The rows are read from a plain cursor: a large period has hundreds of
    thousands of them, and Django's per-row conversion would double the time.
    """
    thousandths = Cast(Round(F("quantity") * QUANTITY_SCALE), BigIntegerField())
    query = (
        Contribution.objects.filter(period=period, state=Contribution.State.APPROVED)
        .values("member", "member__number", "kind")
        .annotate(total=Sum(thousandths))
        .values_list("member", "member__number", "kind", "total")
        .order_by("member__number", "kind")
    )
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(m, n, k, int(t)) for m, n, k, t in cursor.fetchall()]


def public_ids(coop_id: int, member_ids: set[int]) -> dict[int, str]:
    """Members' public ids as text, read once per member."""
    members = Member.objects.filter(cooperative_id=coop_id)
    found = {pk: str(public_id) for pk, public_id in members.values_list("pk", "public_id")}
    strays = member_ids - found.keys()
    if strays:  # members of another cooperative: not written by the actions, but read alike
        others = Member.objects.filter(pk__in=strays).values_list("pk", "public_id")
        found.update((pk, str(public_id)) for pk, public_id in others)
    return found


def thousandths_text(value: int) -> str:
    """Whole thousandths as the decimal a three-place column shows: 7500 is "7.500"."""
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), QUANTITY_SCALE)
    return f"{sign}{whole}.{part:03d}"


def period_totals(period: FiscalPeriod) -> list[ContributionTotal]:
    """Approved contributions of the period, summed per member and kind, by
    member number then kind (see period_thousandths): what the allocation of
    the period reads."""
    rows = period_thousandths(period)
    names = public_ids(period.cooperative_id, {row[0] for row in rows})
    return [
        ContributionTotal(member, names[member], number, kind, Decimal(total).scaleb(-3))
        for member, number, kind, total in rows
    ]


def patronage_quantities(period: FiscalPeriod) -> dict[str, dict[str, Decimal]]:
    """``{member public id: {kind: quantity}}`` for the period, as
    ``allocation.Contributions.from_dict`` takes it."""
    found: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for total in period_totals(period):
        found[total.member_public_id][total.kind] = total.quantity
    return dict(found)


def rows_digest(rows: list[list[str]]) -> str:
    """SHA-256 of ``[member public id, kind, quantity]`` rows, sorted, as
    compact JSON: what the ledger keeps of a set of contributions."""
    text = json.dumps(sorted(rows), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def period_digest(period: FiscalPeriod) -> str:
    """The digest of the period's totals, so that the ledger pins what an
    allocation of the period shares by."""
    rows = period_thousandths(period)
    return thousandths_digest(rows, public_ids(period.cooperative_id, {row[0] for row in rows}))


def thousandths_digest(rows: list[tuple[int, int | None, str, int]], names: dict[int, str]) -> str:
    """rows_digest of period_thousandths rows, the quantities written as
    Decimal writes a three-place sum ("7.500").

    The JSON text is joined by hand, for speed on a large period: it is the
    text json.dumps writes, because public ids, kind codes (lower-case
    letters, digits and _) and quantities need no escaping in JSON."""
    items = sorted((names[m], kind, thousandths_text(total)) for m, _, kind, total in rows)
    text = "[" + ",".join(f'["{p}","{k}","{q}"]' for p, k, q in items) + "]"
    return hashlib.sha256(text.encode()).hexdigest()


def period_totals_csv_rows(period: FiscalPeriod) -> Iterator[list[str]]:
    """The period's totals as the contributions file that the import and
    ``taawun allocate`` read: a member column (the member number), then one
    column per kind of the bylaws; an empty cell is zero."""
    kinds = [k["code"] for k in period.cooperative.bylaws["economy"]["contribution_kinds"]]
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for total in period_totals(period):
        found[total.number or 0][total.kind] = total.quantity
        if total.kind not in kinds:  # a kind the bylaws have since dropped
            kinds.append(total.kind)
    yield ["member", *kinds]
    for number in sorted(found):
        yield [str(number), *(_plain(found[number].get(kind)) for kind in kinds)]


def _plain(quantity: Decimal | None) -> str:
    """A quantity without trailing zeros (``7.500`` is ``7.5``), or empty."""
    if quantity is None:
        return ""
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def pending_contributions(period: FiscalPeriod) -> int:
    return Contribution.objects.filter(period=period, state=Contribution.State.PENDING).count()


def hours_logged_on(member: Member, day: date) -> Decimal:
    """Hours the member has logged for ``day`` and that are not rejected."""
    quantities = (
        Contribution.objects.filter(member=member, on=day, source=Contribution.Source.MANUAL)
        .exclude(state=Contribution.State.REJECTED)
        .values_list("quantity", flat=True)
    )
    return sum(quantities, Decimal(0))


def overlapping_period(coop: Cooperative, starts_on: date, ends_on: date) -> FiscalPeriod | None:
    return (
        FiscalPeriod.objects.filter(
            cooperative=coop, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .order_by("starts_on")
        .first()
    )


# --- Pages: share capital ------------------------------------------------------------


@dataclass(frozen=True)
class RegisterTotals:
    """The foot of the share register: what the rows add up to."""

    holders: int  # members holding at least one paid-up share
    shares: int
    capital: int
    outstanding: int  # still to be paid on subscriptions
    below_minimum: int  # current members holding fewer shares than their class requires


def register_totals(rows: list[RegisterRow]) -> RegisterTotals:
    return RegisterTotals(
        holders=sum(1 for row in rows if row.shares > 0),
        shares=sum(row.shares for row in rows),
        capital=sum(row.capital for row in rows),
        outstanding=sum(row.outstanding for row in rows),
        below_minimum=sum(1 for row in rows if row.below_minimum),
    )


def top_holders(rows: list[RegisterRow], limit: int) -> list[RegisterRow]:
    """The ``limit`` largest holdings, largest first, ties by member number;
    members holding no paid-up share are left out."""
    held = [row for row in rows if row.shares > 0]
    held.sort(key=lambda row: (-row.shares, row.member.number or 0))
    return held[:limit]


def transfer_approver(coop: Cooperative) -> dict[str, Any] | None:
    """The office the bylaws give the decision on transfers of shares to, or
    ``None`` when the bylaws allow no transfers."""
    code = coop.bylaws["economy"]["share_transfer_approver"]
    return coop.office(code) if code is not None else None


def decides_transfers(member: Member | None) -> bool:
    """Whether ``member`` may decide transfers of shares: an active member who
    holds the office the bylaws name (the rule decide_share_transfer applies)."""
    if member is None or member.status != Member.Status.ACTIVE:
        return False
    code = member.cooperative.bylaws["economy"]["share_transfer_approver"]
    return code is not None and code in member.offices


@dataclass(frozen=True)
class SharePosition:
    """What a member holds and how much of it they may still pass on or ask back."""

    holding: Holding
    committed: int  # promised in transfers or redemptions not yet decided
    minimum: int  # what the member's class requires while they stay a member
    is_current: bool

    @property
    def free(self) -> int:
        return max(self.holding.shares - self.committed, 0)

    @property
    def available(self) -> int:
        """Shares a request may name: free ones, less the class's minimum
        for a member who stays (the rule the transfer and redemption actions apply)."""
        kept = self.minimum if self.is_current else 0
        return max(self.free - kept, 0)


def share_position(member: Member) -> SharePosition:
    return SharePosition(
        holding=holding(member),
        committed=committed_shares(member),
        minimum=minimum_shares(member),
        is_current=member.status in MEMBER_STATUSES,
    )


def member_by_number(coop: Cooperative, number: int) -> Member | None:
    return (
        Member.objects.filter(cooperative=coop, number=number)
        .select_related("user", "cooperative")
        .first()
    )


def pending_transfers(coop: Cooperative) -> list[ShareTransfer]:
    """Transfers waiting for a decision, oldest first."""
    return list(
        ShareTransfer.objects.filter(cooperative=coop, state=ShareTransfer.State.REQUESTED)
        .select_related("from_member__user", "to_member__user")
        .order_by("requested_at", "id")
    )


def pending_redemptions(coop: Cooperative) -> list[ShareRedemption]:
    """Redemptions waiting to be paid or refused, the soonest due first."""
    return list(
        ShareRedemption.objects.filter(cooperative=coop, state=ShareRedemption.State.PENDING)
        .select_related("member__user")
        .order_by("due_on", "id")
    )


def find_transfer(coop: Cooperative, transfer_id: int) -> ShareTransfer | None:
    return (
        ShareTransfer.objects.filter(cooperative=coop, pk=transfer_id)
        .select_related("from_member__user", "to_member__user", "decided_by__user")
        .first()
    )


def find_redemption(coop: Cooperative, redemption_id: int) -> ShareRedemption | None:
    return (
        ShareRedemption.objects.filter(cooperative=coop, pk=redemption_id)
        .select_related("member__user", "decided_by__user")
        .first()
    )


def find_subscription(coop: Cooperative, subscription_id: int) -> SubscriptionLine | None:
    """A subscription of ``coop`` with what has been paid on it."""
    found = (
        ShareSubscription.objects.filter(cooperative=coop, pk=subscription_id)
        .select_related("member__user")
        .annotate(paid=Sum("payments__amount"))
        .first()
    )
    return SubscriptionLine(found, found.paid or 0) if found is not None else None


# --- Pages: periods, contributions, capital accounts ---------------------------------


def find_period(coop: Cooperative, period_id: int) -> FiscalPeriod | None:
    return (
        FiscalPeriod.objects.filter(cooperative=coop, pk=period_id)
        .select_related("cooperative", "opened_by__user", "closed_by__user")
        .first()
    )


def periods_of(coop: Cooperative) -> list[FiscalPeriod]:
    """Every period of the cooperative, the latest first."""
    return list(FiscalPeriod.objects.filter(cooperative=coop).order_by("-starts_on", "-id"))


def open_periods(coop: Cooperative) -> list[FiscalPeriod]:
    """The periods contributions can still be logged in, the latest first."""
    return [period for period in periods_of(coop) if period.is_open]


def member_contributions(member: Member) -> QuerySet[Contribution]:
    """What a member has logged or had imported, the latest first."""
    return (
        Contribution.objects.filter(member=member)
        .select_related("period")
        .order_by("-logged_at", "-id")
    )


def waiting_contributions(coop: Cooperative) -> list[Contribution]:
    """Contributions waiting for an officer's decision, oldest first."""
    return list(
        Contribution.objects.filter(cooperative=coop, state=Contribution.State.PENDING)
        .select_related("member__user", "period")
        .order_by("logged_at", "id")
    )


def find_contribution(coop: Cooperative, contribution_id: int) -> Contribution | None:
    return (
        Contribution.objects.filter(cooperative=coop, pk=contribution_id)
        .select_related("member__user", "period", "cooperative")
        .first()
    )


def members_by_id(coop: Cooperative, ids: set[int]) -> dict[int, Member]:
    found = Member.objects.filter(cooperative=coop, pk__in=ids).select_related("user")
    return {member.pk: member for member in found}


def capital_balances(coop: Cooperative) -> list[tuple[Member, int]]:
    """Every admitted member who is current or has a capital account entry,
    by member number, with their balance: two queries."""
    balances = _sums(
        CapitalAccountEntry.objects.filter(cooperative=coop)
        .values("member")
        .annotate(n=Sum("amount")),
        "member",
    )
    members = (
        Member.objects.filter(cooperative=coop, number__isnull=False)
        .filter(Q(status__in=MEMBER_STATUSES) | Q(pk__in=list(balances)))
        .select_related("user")
        .order_by("number")
    )
    return [(member, balances.get(member.pk, 0)) for member in members]
