"""Share capital, fiscal periods, contributions and member capital accounts.

Money is a whole number of the cooperative's currency's minor unit
(piastres, fils, cents) in a BigIntegerField, never a float; see
taawun.economy.money for the way in and out. Every row names its
cooperative, so that one cooperative's books are read with one filter.

What a member holds is never stored as a running figure that could drift:
it is the sum of their ``ShareMovement`` rows (see queries.holdings), each
written by the action that moved the shares, in the same transaction.
Movements and capital account entries are append-only: a mistake is put
right by a new row, never by editing an old one.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taawun.membership.models import Cooperative, Member


class AppendOnly(models.Model):
    """A row that, once written, is never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} rows are append-only")


# --- Share capital -----------------------------------------------------------------


class ShareSubscription(models.Model):
    """A member takes up shares at the par value of the day, to pay at once
    or in instalments; the shares are theirs as they are paid up."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_subscriptions"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="subscriptions")
    shares = models.PositiveIntegerField(_("shares"))
    # The par value when subscribed: a later change of the bylaws does not
    # change what this member agreed to pay.
    price_per_share = models.BigIntegerField(_("price per share"))
    amount_due = models.BigIntegerField(_("amount due"))
    instalments = models.PositiveSmallIntegerField(_("instalments planned"), default=1)
    subscribed_on = models.DateField(_("subscribed on"))
    recorded_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("share subscription")
        verbose_name_plural = _("share subscriptions")
        ordering: ClassVar = ["subscribed_on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="subscription_shares_positive"),
            models.CheckConstraint(
                condition=Q(price_per_share__gt=0), name="subscription_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_due=F("shares") * F("price_per_share")),
                name="subscription_amount_is_shares_times_price",
            ),
            models.CheckConstraint(
                condition=Q(instalments__gte=1, instalments__lte=120),
                name="subscription_instalments_1_to_120",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shares} shares for member {self.member_id}"


class SharePayment(AppendOnly):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_payments"
    )
    subscription = models.ForeignKey(
        ShareSubscription, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("share payment")
        verbose_name_plural = _("share payments")
        ordering: ClassVar = ["paid_on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="share_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"payment {self.pk} on subscription {self.subscription_id}"


class ShareTransfer(models.Model):
    """A member asks to pass shares to another member; the office the bylaws
    name approves or refuses, and only an approved transfer moves shares."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_transfers"
    )
    from_member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers_out")
    to_member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers_in")
    shares = models.PositiveIntegerField(_("shares"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("share transfer")
        verbose_name_plural = _("share transfers")
        ordering: ClassVar = ["requested_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="transfer_shares_positive"),
            models.CheckConstraint(
                condition=~Q(from_member=F("to_member")), name="transfer_between_two_members"
            ),
            models.CheckConstraint(
                condition=Q(state="requested", decided_by__isnull=True, decided_at__isnull=True)
                | (
                    Q(state__in=["approved", "refused"])
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="transfer_decided_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shares} shares {self.from_member_id}→{self.to_member_id}"


class ShareRedemption(models.Model):
    """Shares a member gives back for their money: asked for, then paid once
    the bylaws' delay has passed (or refused). The shares stay the member's
    until paid; while pending they cannot be transferred or asked for twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        PAID = "paid", _("paid")
        REFUSED = "refused", _("refused")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_redemptions"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    shares = models.PositiveIntegerField(_("shares"))
    # What the shares are worth at the member's paid-in value: estimated
    # when asked for, and fixed when paid.
    amount = models.BigIntegerField(_("amount"))
    on_leaving = models.BooleanField(_("on leaving the cooperative"), default=False)
    requested_on = models.DateField(_("requested on"))
    due_on = models.DateField(_("due on"))
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("share redemption")
        verbose_name_plural = _("share redemptions")
        ordering: ClassVar = ["requested_on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="redemption_shares_positive"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="redemption_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("requested_on")), name="redemption_due_after_request"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True, paid_on__isnull=True)
                | Q(state="paid", decided_by__isnull=False, paid_on__isnull=False)
                | Q(state="refused", decided_by__isnull=False, paid_on__isnull=True),
                name="redemption_state_consistent",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["cooperative", "state", "due_on"], name="redemption_by_due"),
        ]

    def __str__(self) -> str:
        return f"redemption of {self.shares} shares by member {self.member_id}"


class ShareMovement(AppendOnly):
    """Paid-up shares coming to or leaving a member: the share register is
    the sum of these. Each points at what moved it."""

    class Kind(models.TextChoices):
        PAID_UP = "paid_up", _("shares paid up")
        TRANSFER_IN = "transfer_in", _("transferred in")
        TRANSFER_OUT = "transfer_out", _("transferred out")
        REDEMPTION = "redemption", _("redeemed")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_movements"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="share_movements")
    kind = models.CharField(_("movement"), max_length=12, choices=Kind.choices)
    # Signed: positive into the member's holding, negative out of it.
    shares = models.IntegerField(_("shares"))
    amount = models.BigIntegerField(_("amount"))
    on = models.DateField(_("date"))
    payment = models.OneToOneField(
        SharePayment, null=True, blank=True, on_delete=models.PROTECT, related_name="movement"
    )
    transfer = models.ForeignKey(
        ShareTransfer, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    redemption = models.OneToOneField(
        ShareRedemption, null=True, blank=True, on_delete=models.PROTECT, related_name="movement"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("share movement")
        verbose_name_plural = _("share movements")
        ordering: ClassVar = ["on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["paid_up", "transfer_in"], shares__gt=0, amount__gte=0)
                    | Q(kind__in=["transfer_out", "redemption"], shares__lt=0, amount__lte=0)
                ),
                name="movement_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="paid_up",
                        payment__isnull=False,
                        transfer__isnull=True,
                        redemption__isnull=True,
                    )
                    | Q(
                        kind__in=["transfer_in", "transfer_out"],
                        payment__isnull=True,
                        transfer__isnull=False,
                        redemption__isnull=True,
                    )
                    | Q(
                        kind="redemption",
                        payment__isnull=True,
                        transfer__isnull=True,
                        redemption__isnull=False,
                    )
                ),
                name="movement_points_at_its_cause",
            ),
            models.UniqueConstraint(fields=["transfer", "kind"], name="one_movement_per_side"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["cooperative", "member"], name="movement_by_member"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.shares} for member {self.member_id}"


# --- Fiscal periods and contributions -----------------------------------------------------


class FiscalPeriod(models.Model):
    """A span of the cooperative's books (usually a year). Contributions are
    logged in an open period; once closed, nothing in it changes."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="fiscal_periods"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(_("state"), max_length=6, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fiscal period")
        verbose_name_plural = _("fiscal periods")
        ordering: ClassVar = ["-starts_on", "-id"]
        # That two periods of one cooperative never overlap is checked by
        # open_period under a lock on the cooperative: SQLite cannot express
        # it, and PostgreSQL only as an exclusion constraint (btree_gist).
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="period_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True, closed_by__isnull=True)
                | Q(state="closed", closed_at__isnull=False, closed_by__isnull=False),
                name="period_closed_by_someone",
            ),
            models.UniqueConstraint(fields=["cooperative", "name"], name="period_name_unique"),
            models.UniqueConstraint(
                fields=["cooperative", "starts_on"], name="period_start_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Contribution(models.Model):
    """Patronage: what a member did with the cooperative in a period (hours
    worked, wages, sales brought in, purchases), of a kind the bylaws name."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    class Source(models.TextChoices):
        MANUAL = "manual", _("logged by the member")
        IMPORT = "import", _("imported")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="contributions"
    )
    period = models.ForeignKey(FiscalPeriod, on_delete=models.PROTECT, related_name="contributions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contributions")
    # A code from the bylaws' economy.contribution_kinds.
    kind = models.CharField(_("kind"), max_length=30)
    # Hours to the hundredth (a quarter hour is 0.25); money to the currency's
    # minor unit (three places at most, as for the dinar's fils).
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
    on = models.DateField(_("date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    source = models.CharField(_("source"), max_length=6, choices=Source.choices)
    logged_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering: ClassVar = ["logged_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="contribution_positive"),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (
                    Q(state__in=["approved", "rejected"])
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="contribution_decided_by_someone",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["period", "state", "member"], name="contribution_by_period"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.kind} by member {self.member_id}"


# --- Member capital accounts ----------------------------------------------------------


class CapitalAccountEntry(AppendOnly):
    """One line of a member's capital account: what the cooperative owes the
    member beyond their shares (retained patronage dividends, interest), and
    what was paid out or charged against it."""

    class Kind(models.TextChoices):
        RETAINED_ALLOCATION = "retained_allocation", _("retained allocation")
        INTEREST = "interest", _("interest")
        REVOLVING_REDEMPTION = "revolving_redemption", _("revolving redemption")
        LOSS_CHARGE = "loss_charge", _("loss charge")
        PAYOUT = "payout", _("payout on exit")
        CORRECTION = "correction", _("correction")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="capital_entries"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="capital_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Signed: positive credits the member, negative debits them.
    amount = models.BigIntegerField(_("amount"))
    on = models.DateField(_("date"))
    # The period the entry concerns (the year an allocation or interest is for).
    period = models.ForeignKey(
        FiscalPeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="capital_entries",
    )
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    # The allocation that credited (retained share) or charged (loss) it.
    allocation = models.ForeignKey(
        "SurplusAllocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="capital_entries",
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    recorded_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("capital account entry")
        verbose_name_plural = _("capital account entries")
        ordering: ClassVar = ["on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["retained_allocation", "interest"], amount__gt=0)
                    | Q(kind__in=["revolving_redemption", "loss_charge", "payout"], amount__lt=0)
                    | (Q(kind="correction") & ~Q(amount=0))
                ),
                name="capital_entry_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="correction", corrects__isnull=False)
                | (~Q(kind="correction") & Q(corrects__isnull=True)),
                name="correction_points_at_what_it_corrects",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["member", "on"], name="capital_entry_by_member"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} for member {self.member_id}"


# --- Surplus allocation --------------------------------------------------------------


class SurplusAllocation(models.Model):
    """How a closed period's net surplus (or loss) is shared: proposed by the
    treasurer as computed by taawun.economy.allocation, approved (by a poll of
    the general meeting where the bylaws ask for one) and then posted to the
    capital accounts and the ledger in one transaction.

    The figures are frozen when proposed: the period is closed, so its
    contributions cannot change, and the rules and weights the bylaws gave
    then are stored here, so a later amendment does not change what members
    voted on. A withdrawn proposal makes room for a new one.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed, waiting for approval")
        POSTED = "posted", _("approved and posted")
        WITHDRAWN = "withdrawn", _("withdrawn")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="allocations"
    )
    period = models.ForeignKey(FiscalPeriod, on_delete=models.PROTECT, related_name="allocations")
    state = models.CharField(
        _("state"), max_length=9, choices=State.choices, default=State.PROPOSED
    )
    # All in minor units: reserve + community + patronage_pool == surplus.
    surplus = models.BigIntegerField(_("net surplus"))
    reserve = models.BigIntegerField(_("indivisible reserve"))
    community = models.BigIntegerField(_("education and community fund"))
    patronage_pool = models.BigIntegerField(_("patronage dividends"))
    cash_total = models.BigIntegerField(_("paid in cash"))
    retained_total = models.BigIntegerField(_("retained in capital accounts"))
    # The bylaws' percentages and the kinds' weights used, as decimal strings.
    rules = models.JSONField(default=dict)
    weights = models.JSONField(default=dict)
    # Decimal places that show every member's patronage exactly (null: none).
    patronage_places = models.PositiveSmallIntegerField(null=True, blank=True)
    # SHA-256 of the period's contribution totals (queries.period_digest) and
    # of the members' shares: what was proposed is what is posted.
    contributions_digest = models.CharField(max_length=64)
    shares_digest = models.CharField(max_length=64)
    poll = models.OneToOneField(
        "governance.Poll",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocation",
    )
    proposed_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("surplus allocation")
        verbose_name_plural = _("surplus allocations")
        ordering: ClassVar = ["-proposed_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(surplus=F("reserve") + F("community") + F("patronage_pool")),
                name="allocation_parts_make_the_whole",
            ),
            models.CheckConstraint(
                condition=Q(patronage_pool=F("cash_total") + F("retained_total")),
                name="allocation_cash_and_retained_make_the_pool",
            ),
            models.CheckConstraint(
                condition=Q(state="proposed", decided_by__isnull=True, posted_on__isnull=True)
                | Q(state="posted", decided_at__isnull=False, posted_on__isnull=False)
                | Q(state="withdrawn", decided_by__isnull=False, posted_on__isnull=True),
                name="allocation_state_consistent",
            ),
            # A period is allocated once: one allocation proposed or posted.
            models.UniqueConstraint(
                fields=["period"],
                condition=~Q(state="withdrawn"),
                name="one_live_allocation_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"allocation of period {self.period_id}"

    @property
    def is_loss(self) -> bool:
        return self.surplus < 0


class AllocationShare(models.Model):
    """One member's part of an allocation, frozen with it: what the notice of
    allocation shows and what posting credits (or, for a loss, charges)."""

    allocation = models.ForeignKey(
        SurplusAllocation, on_delete=models.CASCADE, related_name="shares"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="allocation_shares")
    # Exact weighted patronage, as a decimal string (or a fraction "n/d" when
    # no number of decimal places shows it exactly).
    patronage = models.CharField(_("patronage"), max_length=80)
    dividend = models.BigIntegerField(_("dividend"))
    cash = models.BigIntegerField(_("cash"))
    retained = models.BigIntegerField(_("retained"))

    class Meta:
        verbose_name = _("allocation share")
        verbose_name_plural = _("allocation shares")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["allocation", "member"], name="one_share_per_member"),
            models.CheckConstraint(
                condition=Q(dividend=F("cash") + F("retained")),
                name="share_cash_and_retained_make_the_dividend",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dividend} for member {self.member_id}"


# --- Participatory budgeting ----------------------------------------------------------


class BudgetingRound(models.Model):
    """A fund the members share out among projects they propose and vote on
    (docs/participatory-budgeting.md). It runs proposing → voting → closed;
    at the close the rule the cooperative chose (taawun.economy.budgeting)
    decides, and its outcome, with a decision for every project, is frozen
    in ``result``.

    A round imported from a Pabulib file with its votes is a *record*
    (``source = pabulib``): its ballots are the file's, under the file's
    voter ids, and belong to no member; it is counted when imported.
    """

    class BallotKind(models.TextChoices):
        APPROVAL = "approval", _("approval: members tick the projects they support")
        POINTS = "points", _("points: members spread points over the projects")

    class Rule(models.TextChoices):
        GREEDY = "greedy", _("greedy by support, within the fund")
        EQUAL_SHARES = "mes", _("the Method of Equal Shares (proportional)")

    class State(models.TextChoices):
        PROPOSING = "proposing", _("members propose projects")
        VOTING = "voting", _("members vote")
        CLOSED = "closed", _("closed and counted")

    class Source(models.TextChoices):
        MEMBERS = "members", _("run by the members")
        PABULIB = "pabulib", _("imported from a Pabulib file, with its votes")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="budgeting_rounds"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    # Minor units of the cooperative's currency.
    fund = models.BigIntegerField(_("fund"))
    ballot_kind = models.CharField(_("ballot"), max_length=8, choices=BallotKind.choices)
    points_per_voter = models.PositiveIntegerField(_("points per voter"), null=True, blank=True)
    rule = models.CharField(_("rule"), max_length=6, choices=Rule.choices)
    state = models.CharField(
        _("state"), max_length=9, choices=State.choices, default=State.PROPOSING
    )
    source = models.CharField(
        _("source"), max_length=7, choices=Source.choices, default=Source.MEMBERS
    )
    # The META of an imported file beyond what the fields above hold
    # (country, unit, dates...), written back when the round is exported.
    meta = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    voting_opened_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voting_opened_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # budgeting.Outcome.to_dict() (amounts exact, in whole units of the
    # currency), with the completion used and the number of voters.
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("budgeting round")
        verbose_name_plural = _("budgeting rounds")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(fund__gt=0), name="pb_fund_positive"),
            models.CheckConstraint(
                condition=Q(ballot_kind="approval", points_per_voter__isnull=True)
                | Q(ballot_kind="points", points_per_voter__gte=1),
                name="pb_points_only_for_points_ballots",
            ),
            models.CheckConstraint(
                condition=Q(state="closed", closed_at__isnull=False, result__isnull=False)
                | (~Q(state="closed") & Q(closed_at__isnull=True, result__isnull=True)),
                name="pb_closed_with_a_result",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("economy:pb_round", args=[self.cooperative.slug, self.pk])

    @property
    def is_record(self) -> bool:
        return self.source == self.Source.PABULIB


class BudgetingProject(models.Model):
    """A project proposed for a round's fund, with what it costs."""

    round = models.ForeignKey(BudgetingRound, on_delete=models.PROTECT, related_name="projects")
    # The project's id for the rule and in Pabulib files: 1, 2, 3... in the
    # order proposed, or the file's own project_id. Ties are broken by it
    # after the cost (budgeting.tie_key).
    code = models.CharField(_("project id"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    cost = models.BigIntegerField(_("cost"))  # minor units
    proposed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("budgeting project")
        verbose_name_plural = _("budgeting projects")
        ordering: ClassVar = ["round", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="pb_cost_not_negative"),
            models.UniqueConstraint(fields=["round", "code"], name="pb_project_code_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class BudgetingBallot(models.Model):
    """One voter's ballot in a round: named (``member``), one per member,
    replaced as a whole while voting is open; or, in an imported record
    round, the file's ballot under its ``voter_id``."""

    round = models.ForeignKey(BudgetingRound, on_delete=models.PROTECT, related_name="ballots")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voter_id = models.CharField(_("voter id"), max_length=64, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("budgeting ballot")
        verbose_name_plural = _("budgeting ballots")
        ordering: ClassVar = ["round", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["round", "member"],
                condition=Q(member__isnull=False),
                name="pb_one_ballot_per_member",
            ),
            models.UniqueConstraint(
                fields=["round", "voter_id"],
                condition=Q(member__isnull=True),
                name="pb_one_ballot_per_voter_id",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False, voter_id="")
                | Q(member__isnull=True) & ~Q(voter_id=""),
                name="pb_ballot_of_a_member_or_a_file_voter",
            ),
        ]

    def __str__(self) -> str:
        return f"ballot {self.pk} in round {self.round_id}"


class BudgetingSupport(models.Model):
    """A ballot's support for one project: 1 for an approval, or the points given."""

    ballot = models.ForeignKey(BudgetingBallot, on_delete=models.CASCADE, related_name="supports")
    project = models.ForeignKey(BudgetingProject, on_delete=models.PROTECT, related_name="supports")
    points = models.PositiveIntegerField(_("points"))

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        ordering: ClassVar = ["ballot", "project"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(points__gt=0), name="pb_support_positive"),
            models.UniqueConstraint(fields=["ballot", "project"], name="pb_one_support_each"),
        ]

    def __str__(self) -> str:
        return f"{self.points} for project {self.project_id}"
