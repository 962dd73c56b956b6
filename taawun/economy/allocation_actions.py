"""Allocating a closed period's surplus (or loss): preview, proposal,
approval and posting.

1. *Preview* (``preview_allocation``): the treasurer (an office with the
   ``keep_accounts`` power) enters the period's net surplus, or a loss as a
   negative amount; the platform computes the allocation with
   ``taawun.economy.allocation.allocate`` from the period's approved
   contributions and the bylaws' economy settings. Nothing is written.
2. *Proposal* (``propose_allocation``): the same figures, frozen with the
   rules and weights used and the digest of the contributions; where the
   bylaws say the general meeting approves allocations
   (``allocation_needs_poll``), a yes/no poll of the members opens with it.
3. *Posting* (``post_allocation``): once approved — the poll closed and
   passed, or, where the bylaws ask for no poll, by the treasurer — each
   member's retained share is credited to their capital account (a loss
   share charged), the allocation is marked posted and the ledger records
   the totals and the digests, all in one transaction.
4. *Withdrawal* (``withdraw_allocation``): a proposal the meeting turned
   down, or that was wrong, is withdrawn, with a reason, so that a new one
   can be proposed. A posted allocation is never undone: it is put right
   by capital account corrections.

A period is allocated once: at most one allocation of it is proposed or
posted at a time (a database constraint, checked first for a clear error).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.economy import allocation, queries
from taawun.economy.actions import (
    _amount,
    _keeper,
    _lock_coop,
    _money,
    _text,
    _translated,
)
from taawun.economy.allocation import RULE_SETTINGS, AllocationRules, Contributions
from taawun.economy.errors import EconomyInputError
from taawun.economy.models import (
    AllocationShare,
    CapitalAccountEntry,
    FiscalPeriod,
    SurplusAllocation,
)
from taawun.economy.money import format_fraction, format_scaled, terminating_places
from taawun.errors import Conflict, InvalidInput, InvalidTransition
from taawun.governance.models import Poll
from taawun.ledger import queries as ledger_queries
from taawun.membership.actions import record
from taawun.membership.models import Cooperative

State = SurplusAllocation.State
# How long the members vote on an allocation when the treasurer gives no date.
DEFAULT_VOTING_DAYS = 14
BATCH = 5000


def allocation_rules(coop: Cooperative) -> AllocationRules:
    """The bylaws' percentages, as the arithmetic takes them."""
    economy = coop.bylaws["economy"]
    try:
        return AllocationRules.parse(**{name: str(economy[name]) for name in RULE_SETTINGS})
    except EconomyInputError as error:
        raise InvalidInput(_translated(error), field="surplus") from None


def allocation_weights(coop: Cooperative) -> dict[str, Fraction]:
    """Each contribution kind's weight in the patronage formula."""
    return {
        kind["code"]: Fraction(Decimal(str(kind["weight"])))
        for kind in coop.bylaws["economy"]["contribution_kinds"]
    }


def reserve_balance(coop: Cooperative) -> int:
    """What the indivisible reserve holds from posted allocations (minor
    units): every surplus's reserve part, less every loss it carried."""
    total = SurplusAllocation.objects.filter(cooperative=coop, state=State.POSTED).aggregate(
        total=Sum("reserve")
    )["total"]
    return int(total or 0)


def _fraction_text(value: Fraction) -> str:
    """A weight as a decimal string when one shows it exactly, else "n/d"."""
    places = terminating_places(value.denominator)
    if places is None:
        return f"{value.numerator}/{value.denominator}"
    return format_fraction(value, places)


def _patronage_text(value: Fraction, places: int | None) -> str:
    if places is None:
        return f"{value.numerator}/{value.denominator}"
    return format_scaled(value.numerator * (10**places // value.denominator), places)


def _shares_digest(rows: list[tuple[str, str, int, int, int]]) -> str:
    """SHA-256 of the JSON list of ``[member public id, patronage, dividend,
    cash, retained]``, joined by hand for speed: the text json.dumps writes,
    as none of these needs escaping."""
    text = "[" + ",".join(f'["{m}","{p}",{d},{c},{r}]' for m, p, d, c, r in rows) + "]"
    return hashlib.sha256(text.encode()).hexdigest()


# One member's part as computed: (member id, patronage, dividend, cash, retained).
ShareRow = tuple[int, str, int, int, int]


def _contributions(
    rows: list[tuple[int, int | None, str, int]], names: dict[int, str], kinds: list[str]
) -> tuple[Contributions, list[int]]:
    """The period's totals as the arithmetic takes them (whole thousandths,
    members in the order of the rows), and the member ids in that order."""
    order: dict[int, int] = {}
    for member_id, _number, _kind, _total in rows:
        order.setdefault(member_id, len(order))
    column = {kind: n for n, kind in enumerate(kinds)}
    largest = max(total for *_, total in rows)
    dtype: Any = np.int64 if largest < 2**62 else object
    matrix = np.zeros((len(order), len(kinds)), dtype=dtype)
    for member_id, _number, kind, total in rows:
        matrix[order[member_id], column[kind]] += total
    members = list(order)
    found = Contributions(
        members=tuple(names[m] for m in members),
        kinds=tuple(kinds),
        quantities=matrix,
        places=(3,) * len(kinds),
    )
    return found, members


def _compute(
    coop: Cooperative, period: FiscalPeriod, surplus: int
) -> tuple[SurplusAllocation, list[ShareRow]]:
    """The allocation of ``period`` as the bylaws say, unsaved, and its
    members' shares."""
    rows = queries.period_thousandths(period)
    if not rows:
        raise InvalidInput(
            _(
                "No contributions were approved in %(name)s, so there is no patronage to "
                "share the surplus or the loss by."
            )
            % {"name": period.name},
            field="surplus",
        )
    names = queries.public_ids(coop.pk, {row[0] for row in rows})
    digest = queries.thousandths_digest(rows, names)
    _check_closed_digest(period, digest)
    weights = allocation_weights(coop)
    kinds = list(weights)
    kinds += sorted({row[2] for row in rows} - set(kinds))
    rules = allocation_rules(coop)
    try:
        contributions, member_ids = _contributions(rows, names, kinds)
        result = allocation.allocate(
            surplus,
            contributions,
            weights=weights,
            rules=rules,
            reserve_balance=reserve_balance(coop) if surplus < 0 else None,
        )
    except EconomyInputError as error:
        raise InvalidInput(_translated(error), field="surplus") from None
    places = result.patronage_places
    shares: list[ShareRow] = [
        (
            member_id,
            _patronage_text(share.patronage, places),
            share.dividend,
            share.cash,
            share.retained,
        )
        for member_id, share in zip(member_ids, result.members, strict=True)
    ]
    economy = coop.bylaws["economy"]
    found = SurplusAllocation(
        cooperative=coop,
        period=period,
        surplus=result.surplus,
        reserve=result.reserve,
        community=result.community,
        patronage_pool=result.patronage_pool,
        cash_total=sum(row[3] for row in shares),
        retained_total=sum(row[4] for row in shares),
        rules={
            **{name: str(economy[name]) for name in RULE_SETTINGS},
            "allocation_needs_poll": bool(economy.get("allocation_needs_poll")),
        },
        weights={kind: _fraction_text(weights[kind]) for kind in weights},
        patronage_places=places,
        contributions_digest=digest,
        shares_digest=_shares_digest([(names[row[0]], *row[1:]) for row in shares]),
    )
    return found, shares


def _check_closed_digest(period: FiscalPeriod, digest: str) -> None:
    """The contributions read now must be those the ledger recorded when the
    period closed: nothing can change a closed period through the actions,
    so a difference means the books were changed behind them."""
    entries = ledger_queries.entries(str(period.cooperative.public_id)).filter(
        kind="economy.period_closed"
    )
    for data in entries.values_list("data", flat=True):
        closed = json.loads(data)
        if closed.get("period") == period.pk and closed.get("digest") != digest:
            raise Conflict(
                _(
                    "The contributions of %(name)s are not those recorded in the ledger when "
                    "it closed: the books were changed outside Taawun, and nothing can be "
                    "allocated until that is put right."
                )
                % {"name": period.name},
                field="surplus",
            )


def _closed_period_of(coop: Cooperative, period: FiscalPeriod) -> FiscalPeriod:
    period = FiscalPeriod.objects.select_for_update().get(pk=period.pk)
    if period.cooperative_id != coop.pk:
        raise InvalidInput(_("That period belongs to another cooperative."), field="period")
    if period.is_open:
        raise InvalidTransition(
            _(
                "The period %(name)s is still open: close it before allocating its surplus, "
                "so that its contributions can no longer change."
            )
            % {"name": period.name},
            field="period",
        )
    return period


def _check_not_allocated(period: FiscalPeriod) -> None:
    live = SurplusAllocation.objects.filter(period=period).exclude(state=State.WITHDRAWN).first()
    if live is None:
        return
    if live.state == State.POSTED:
        message = _("The surplus of %(name)s is already allocated and posted.")
    else:
        message = _(
            "An allocation of %(name)s is already proposed: approve it, or withdraw it "
            "before proposing another."
        )
    raise Conflict(message % {"name": period.name}, field="surplus")


def _surplus(text: Any, coop: Cooperative) -> int:
    if isinstance(text, str) and not text.strip():
        raise InvalidInput(
            _("Give the period's net surplus, or a loss as a negative amount."), field="surplus"
        )
    return _amount(text, coop, "surplus")


def preview_allocation(*, by: User, period: FiscalPeriod, surplus: str) -> SurplusAllocation:
    """The allocation ``surplus`` would make, unsaved (its shares in
    ``preview_shares``): what the treasurer checks before proposing it."""
    coop = Cooperative.objects.get(pk=period.cooperative_id)
    with transaction.atomic():
        _keeper(by, coop)
        period = _closed_period_of(coop, period)
        _check_not_allocated(period)
        found, shares = _compute(coop, period, _surplus(surplus, coop))
        found.preview_shares = [  # type: ignore[attr-defined]
            AllocationShare(
                member_id=member_id,
                patronage=patronage,
                dividend=dividend,
                cash=cash,
                retained=kept,
            )
            for member_id, patronage, dividend, cash, kept in shares
        ]
        return found


def _allocation_poll(
    allocation_: SurplusAllocation, members: int, by: User, closes_at: datetime | None
) -> Poll:
    from taawun.governance import actions as governance

    coop = allocation_.cooperative
    money = coop.currency
    description = _(
        "The treasurer proposes to allocate the net result of %(period)s, "
        "%(surplus)s %(currency)s, as the bylaws say: %(reserve)s to the indivisible "
        "reserve, %(community)s to the "
        "education and community fund and %(pool)s in patronage dividends to %(members)s "
        "members (%(cash)s in cash, %(retained)s retained in their capital accounts). "
        "Each member's notice of allocation shows their patronage and their share."
    ) % {
        "period": allocation_.period.name,
        "surplus": _money(allocation_.surplus, coop),
        "currency": money,
        "reserve": _money(allocation_.reserve, coop),
        "community": _money(allocation_.community, coop),
        "pool": _money(allocation_.patronage_pool, coop),
        "members": members,
        "cash": _money(allocation_.cash_total, coop),
        "retained": _money(allocation_.retained_total, coop),
    }
    poll = governance.create_poll(
        by=by,
        coop=coop,
        kind="yes_no",
        title=_("Approve the allocation of %(period)s?") % {"period": allocation_.period.name},
        description=description,
        closes_at=closes_at or timezone.now() + timedelta(days=DEFAULT_VOTING_DAYS),
    )
    return governance.open_poll(poll, by=by)


def propose_allocation(
    *,
    by: User,
    period: FiscalPeriod,
    surplus: str,
    poll_closes_at: datetime | None = None,
) -> SurplusAllocation:
    """Freeze the allocation of ``surplus`` for approval; where the bylaws
    ask for the general meeting's approval, open its poll (closing at
    ``poll_closes_at``, or in DEFAULT_VOTING_DAYS days)."""
    coop = Cooperative.objects.get(pk=period.cooperative_id)
    try:
        with transaction.atomic():
            coop = _lock_coop(coop)
            officer = _keeper(by, coop)
            period = _closed_period_of(coop, period)
            _check_not_allocated(period)
            found, shares = _compute(coop, period, _surplus(surplus, coop))
            found.proposed_by = officer
            if found.rules["allocation_needs_poll"]:
                found.poll = _allocation_poll(found, len(shares), by, poll_closes_at)
            found.save()
            _insert_shares(found, shares)
            record(
                coop,
                "economy.allocation_proposed",
                officer,
                _ledger_figures(found, len(shares)),
            )
            return found
    except IntegrityError:
        # Two proposals of the same period at once: the constraint kept one.
        _check_not_allocated(period)
        raise


def _column(meta: Any, name: str) -> str:
    """A model field's column, quoted for the database."""
    return str(connection.ops.quote_name(meta.get_field(name).column))


def _insert_shares(found: SurplusAllocation, shares: list[ShareRow]) -> None:
    """Write the members' shares with one prepared statement: a hundred
    thousand model objects would cost more than the arithmetic itself."""
    meta = AllocationShare._meta
    names = ("allocation", "member", "patronage", "dividend", "cash", "retained")
    columns = ", ".join(_column(meta, name) for name in names)
    table = connection.ops.quote_name(meta.db_table)
    # Only the model's own table and column names are put in the text.
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a round trip per row.
            copy_sql = f"COPY {table} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in shares:
                    copy.write_row((found.pk, *row))
            return
        for start in range(0, len(shares), BATCH):
            cursor.executemany(sql, [(found.pk, *row) for row in shares[start : start + BATCH]])


def _ledger_figures(found: SurplusAllocation, members: int) -> dict[str, Any]:
    coop = found.cooperative
    return {
        "allocation": found.pk,
        "period": found.period.name,
        "surplus": _money(found.surplus, coop),
        "reserve": _money(found.reserve, coop),
        "community": _money(found.community, coop),
        "patronage_pool": _money(found.patronage_pool, coop),
        "cash": _money(found.cash_total, coop),
        "retained": _money(found.retained_total, coop),
        "members": members,
        "rules": found.rules,
        "weights": found.weights,
        "contributions_digest": found.contributions_digest,
        "shares_digest": found.shares_digest,
        "poll": str(found.poll.public_id) if found.poll else None,
    }


def _lock_proposed(found: SurplusAllocation) -> SurplusAllocation:
    found = (
        SurplusAllocation.objects.select_for_update(of=("self",))
        .select_related("cooperative", "period", "poll")
        .get(pk=found.pk)
    )
    if found.state != State.PROPOSED:
        raise InvalidTransition(
            _("This allocation is %(state)s: only a proposed allocation can change.")
            % {"state": found.get_state_display()}
        )
    return found


def _check_approved(found: SurplusAllocation) -> None:
    """Refuse to post what the general meeting has not approved."""
    needs_poll = found.rules.get("allocation_needs_poll") or found.cooperative.bylaws[
        "economy"
    ].get("allocation_needs_poll")
    poll = found.poll
    if poll is None:
        if needs_poll:
            raise Conflict(
                _(
                    "The bylaws ask the general meeting to approve an allocation by a poll, "
                    "and this one has none: withdraw it and propose it again."
                )
            )
        return
    if poll.state != Poll.State.CLOSED:
        raise Conflict(
            _(
                "The members are still voting on this allocation: it can be posted once "
                "the poll has closed, if it passes."
            )
        )
    if not (poll.result or {}).get("passed"):
        raise Conflict(
            _(
                "The general meeting did not approve this allocation: withdraw it, and "
                "propose another if needed."
            )
        )


def post_allocation(found: SurplusAllocation, *, by: User) -> SurplusAllocation:
    """Post an approved allocation: credit each member's retained share to
    their capital account (charge a loss share), in one transaction."""
    with transaction.atomic():
        coop = _lock_coop(found.cooperative)
        officer = _keeper(by, coop)
        found = _lock_proposed(found)
        _check_approved(found)
        _check_closed_digest(found.period, found.contributions_digest)
        today = timezone.localdate()
        memo = _("Allocation of %(period)s") % {"period": found.period.name}
        written = _credit_capital_accounts(found, officer, today, memo)
        found.state = State.POSTED
        found.decided_by = officer
        found.decided_at = timezone.now()
        found.posted_on = today
        found.save()
        figures = _ledger_figures(found, found.shares.count())
        figures["capital_entries"] = written
        record(coop, "economy.allocation_posted", officer, figures)
        return found


def _credit_capital_accounts(found: SurplusAllocation, officer: Any, today: date, memo: str) -> int:
    """One capital account entry per member with a retained share (a credit)
    or a share of a loss (a charge), written by the database from the frozen
    shares in one statement; returns how many."""
    entry, share = CapitalAccountEntry._meta, AllocationShare._meta
    q = connection.ops.quote_name
    column = _column
    names = ("cooperative", "member", "kind", "amount", "on", "period", "memo", "allocation")
    targets = ", ".join(column(entry, n) for n in (*names, "recorded_by", "recorded_at"))
    retained = column(share, "retained")
    # Only the models' own table and column names are put in the text.
    sql = (
        f"INSERT INTO {q(entry.db_table)} ({targets}) "  # noqa: S608
        f"SELECT %s, {column(share, 'member')}, "
        f"CASE WHEN {retained} > 0 THEN %s ELSE %s END, {retained}, %s, %s, %s, %s, %s, %s "
        f"FROM {q(share.db_table)} "
        f"WHERE {column(share, 'allocation')} = %s AND {retained} <> 0 "
        f"ORDER BY {column(share, 'id')}"
    )
    ops = connection.ops
    params = [
        found.cooperative_id,
        CapitalAccountEntry.Kind.RETAINED_ALLOCATION.value,
        CapitalAccountEntry.Kind.LOSS_CHARGE.value,
        ops.adapt_datefield_value(today),
        found.period_id,
        memo,
        found.pk,
        officer.pk,
        ops.adapt_datetimefield_value(timezone.now()),
        found.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def withdraw_allocation(found: SurplusAllocation, *, by: User, reason: str) -> SurplusAllocation:
    """Withdraw a proposal (turned down, or wrong), so that the period can be
    allocated anew. Not while its poll is open: the members are voting."""
    with transaction.atomic():
        coop = _lock_coop(found.cooperative)
        officer = _keeper(by, coop)
        found = _lock_proposed(found)
        why = _text(reason, "reason", limit=500)
        if not why:
            raise InvalidInput(_("Say why the allocation is withdrawn."), field="reason")
        if found.poll is not None and found.poll.state == Poll.State.OPEN:
            raise Conflict(
                _(
                    "The members are still voting on this allocation: close the poll "
                    "before withdrawing it."
                ),
                field="reason",
            )
        found.state = State.WITHDRAWN
        found.decided_by = officer
        found.decided_at = timezone.now()
        found.reason = why
        found.save()
        record(
            coop,
            "economy.allocation_withdrawn",
            officer,
            {"allocation": found.pk, "period": found.period.name, "reason": why},
        )
        return found
