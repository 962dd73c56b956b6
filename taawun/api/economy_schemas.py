"""Shapes of the economy API's requests and answers.

Amounts of money are decimal strings in the cooperative's currency (its
minor unit's places: "1250.50" Egyptian pounds, "12.345" Kuwaiti dinars),
always next to the currency code; quantities of contributions are decimal
strings too ("7.5" hours). Going in, a JSON number is taken as the same
decimal written as text, and Arabic-Indic digits are read as ASCII ones.

A body's keys have the names of the fields an error names, so that an
error's ``field`` is the key to correct. Members are referred to by the id
the membership API uses (``/coops/{slug}/members/{id}``); answers also give
their public id, as the ledger names them, their number and their name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from taawun.api.schemas import ErrorOut

MONEY = "A decimal string in the cooperative's currency, such as 1250.50."


class EconomyDecimalsIn(Schema):
    """A body with amounts or quantities: numbers are read as decimal text."""

    model_config = ConfigDict(coerce_numbers_to_str=True)


# --- what answers are made of ------------------------------------------------------


class EconomyMemberRef(Schema):
    id: int = Field(description="The member's id, as in /coops/{slug}/members/{id}.")
    public_id: str = Field(description="The member's public id, as the ledger names them.")
    number: int | None
    name: str


class FiscalPeriodRef(Schema):
    id: int
    name: str


# --- share capital -----------------------------------------------------------------


class ShareRegisterRowOut(Schema):
    member: EconomyMemberRef
    membership_class: str
    status: str
    shares: int = Field(description="Paid-up shares held.")
    capital: str = Field(description="What the paid-up shares stand for. " + MONEY)
    minimum_shares: int
    below_minimum: bool
    subscribed: int = Field(description="Shares ever subscribed.")
    amount_due: str
    amount_paid: str
    outstanding: str
    pending_redemption: int = Field(description="Shares asked back and not yet paid.")


class ShareRegisterOut(Schema):
    currency: str
    share_capital: str
    members: list[ShareRegisterRowOut]


class ShareSubscriptionOut(Schema):
    id: int
    member: EconomyMemberRef
    currency: str
    shares: int
    price_per_share: str
    amount_due: str
    paid: str
    outstanding: str
    instalments: int
    subscribed_on: date


class SharePaymentOut(Schema):
    id: int
    subscription: int
    currency: str
    amount: str
    paid_on: date
    shares_paid_up: int = Field(description="Shares this payment made the member's.")
    outstanding: str = Field(description="Still due on the subscription after this payment.")


class ShareMovementOut(Schema):
    on: date
    kind: str
    shares: int
    amount: str
    shares_after: int
    amount_after: str


class ShareTransferOut(Schema):
    id: int
    from_member: EconomyMemberRef
    to_member: EconomyMemberRef
    shares: int
    state: str
    requested_at: datetime
    decided_by: EconomyMemberRef | None
    decided_at: datetime | None
    reason: str


class ShareRedemptionOut(Schema):
    id: int
    member: EconomyMemberRef
    currency: str
    shares: int
    amount: str = Field(description="Estimated when asked for, fixed when paid. " + MONEY)
    on_leaving: bool
    requested_on: date
    due_on: date
    state: str
    paid_on: date | None
    reason: str


class ShareStatementOut(Schema):
    member: EconomyMemberRef
    currency: str
    shares: int
    capital: str
    subscriptions: list[ShareSubscriptionOut]
    movements: list[ShareMovementOut]
    pending_redemptions: list[ShareRedemptionOut]
    pending_transfers: list[ShareTransferOut]


class ShareSubscribeIn(Schema):
    member: int = Field(description="The id of the member who takes up the shares.")
    shares: int
    instalments: int = 1
    on: date | None = Field(None, description="The day of the subscription; today if left out.")
    paid_on: date | None = Field(None, description="If given, paid in full at once on that day.")


class SharePaymentIn(EconomyDecimalsIn):
    amount: str = Field(description=MONEY)
    paid_on: date | None = Field(None, description="Today if left out.")


class ShareTransferIn(Schema):
    to_member: int = Field(description="The id of the member who is to receive the shares.")
    shares: int
    reason: str = ""


class EconomyDecisionIn(Schema):
    approve: bool
    reason: str = ""


class ShareRedemptionIn(Schema):
    member: int | None = Field(
        None, description="Whose shares (an officer asking for a member); yours if left out."
    )
    shares: int
    on: date | None = Field(None, description="The day it is asked for; today if left out.")


class ShareRedemptionPayIn(Schema):
    paid_on: date | None = Field(None, description="Today if left out.")


class RedemptionRefusalIn(Schema):
    reason: str = Field("", description="Required: why the redemption is refused.")


# --- fiscal periods and contributions -------------------------------------------------------


class FiscalPeriodOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date
    state: str
    opened_at: datetime
    closed_at: datetime | None


class FiscalPeriodIn(Schema):
    name: str
    starts_on: date
    ends_on: date


class ContributionKindOut(Schema):
    code: str
    name: str
    unit: str = Field(description="hours, or money (in the cooperative's currency).")
    weight: str


class PatronageRowOut(Schema):
    member: EconomyMemberRef
    quantities: dict[str, str] = Field(description="By kind; a kind left out is zero.")


class PatronageOut(Schema):
    period: FiscalPeriodOut
    currency: str
    kinds: list[ContributionKindOut]
    members: list[PatronageRowOut]
    totals: dict[str, str]


class ContributionOut(Schema):
    id: int
    period: FiscalPeriodRef
    member: EconomyMemberRef
    kind: str
    quantity: str
    on: date | None
    note: str
    state: str
    source: str
    logged_at: datetime
    decided_at: datetime | None
    reason: str


class LoggedHoursIn(EconomyDecimalsIn):
    hours: str = Field(description="Hours to the hundredth, such as 7.25.")
    on: date | None = Field(None, description="The day worked; today if left out.")
    note: str = ""
    kind: str | None = Field(None, description="A contribution kind counted in hours.")


class ImportRowErrorOut(Schema):
    row: int = Field(description="The row as a spreadsheet counts it: the header is row 1.")
    column: str | None
    message: str


class ContributionImportRowOut(Schema):
    row: int
    number: str = Field(description="The member number as the file gives it.")
    member: EconomyMemberRef | None
    quantities: dict[str, str]
    note: str
    errors: list[ImportRowErrorOut]


class ContributionImportPreviewOut(Schema):
    ok: bool = Field(description="Whether importing the file would write it.")
    period: FiscalPeriodRef
    kinds: list[str]
    rows: list[ContributionImportRowOut]
    problems: list[ImportRowErrorOut] = Field(description="About the file as a whole.")
    errors: list[ImportRowErrorOut] = Field(description="Every problem, the file's and the rows'.")
    totals: dict[str, str]


class ContributionImportOut(Schema):
    period: FiscalPeriodRef
    contributions: int
    totals: dict[str, str]


class ContributionImportErrorOut(ErrorOut):
    errors: list[ImportRowErrorOut] = Field(
        default_factory=list, description="When the file has errors, each by row and column."
    )


# --- capital accounts -----------------------------------------------------------------------


class CapitalEntryOut(Schema):
    id: int
    on: date
    kind: str
    amount: str = Field(description="Signed: a credit is positive. " + MONEY)
    balance: str | None = Field(description="The account's balance after this entry.")
    period: FiscalPeriodRef | None
    memo: str
    corrects: int | None
    allocation: int | None


class CapitalAccountOut(Schema):
    member: EconomyMemberRef
    currency: str
    balance: str
    entries: list[CapitalEntryOut]


class CapitalEntryIn(EconomyDecimalsIn):
    kind: str = Field(description="interest, revolving_redemption, payout or correction.")
    amount: str = Field(
        description="What is credited or paid, positive; a correction's signed effect. " + MONEY
    )
    on: date | None = Field(None, description="Today if left out.")
    memo: str = ""
    period: int | None = Field(None, description="The id of the period the entry concerns.")
    corrects: int | None = Field(None, description="The id of the entry a correction corrects.")


# --- surplus allocations ---------------------------------------------------------------------


class AllocationShareOut(Schema):
    member: EconomyMemberRef
    patronage: str = Field(description="Weighted patronage, exact: a decimal or n/d.")
    dividend: str
    cash: str
    retained: str


class SurplusAllocationOut(Schema):
    id: int | None = Field(description="None for a preview, which is not saved.")
    period: FiscalPeriodRef
    state: str
    currency: str
    surplus: str = Field(description="Net surplus; a loss is negative. " + MONEY)
    reserve: str
    community: str
    patronage_pool: str
    cash_total: str
    retained_total: str
    rules: dict[str, Any]
    weights: dict[str, Any]
    patronage_places: int | None
    contributions_digest: str
    shares_digest: str
    poll: str | None = Field(description="The public id of the members' poll, if any.")
    proposed_by: EconomyMemberRef | None
    proposed_at: datetime | None
    decided_at: datetime | None
    posted_on: date | None
    reason: str


class SurplusAllocationDetailOut(SurplusAllocationOut):
    shares: list[AllocationShareOut]
    shares_count: int = Field(description="How many members have a share, in all.")


class AllocationSurplusIn(EconomyDecimalsIn):
    surplus: str = Field(description="The period's net surplus, a loss negative. " + MONEY)


class AllocationProposeIn(AllocationSurplusIn):
    poll_closes_at: datetime | None = Field(
        None, description="When the members' poll closes, where the bylaws ask for one."
    )


class AllocationWithdrawIn(Schema):
    reason: str = Field("", description="Required: why the proposal is withdrawn.")
