from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class CoopOut(Schema):
    slug: str
    name: str
    names: dict[str, str]
    country: str
    currency: str
    languages: list[str]
    members: int | None = None


class CoopDetailOut(CoopOut):
    bylaws: dict[str, Any]
    ledger_head: str
    ledger_length: int


class CoopIn(Schema):
    slug: str
    names: dict[str, str]
    country: str
    currency: str
    languages: list[str]
    bylaws: dict[str, Any] | None = None


class MemberOut(Schema):
    id: int
    number: int | None
    name: str
    handle: str | None = Field(None, description="How members mention this one: @handle.")
    membership_class: str
    status: str
    offices: list[str]


class RegisterEntryOut(MemberOut):
    email: str
    applied_at: datetime
    admitted_at: datetime | None
    ended_at: datetime | None


class ApplicationOut(Schema):
    id: int
    name: str
    membership_class: str
    status: str
    statement: str
    applied_at: datetime


class ApplyIn(Schema):
    membership_class: str
    statement: str = ""


class ReasonIn(Schema):
    reason: str = ""


class StatusIn(Schema):
    to: str
    reason: str = ""


class OfficesIn(Schema):
    offices: list[str]


class InviteIn(Schema):
    email: str
    membership_class: str


class InvitationOut(Schema):
    id: int
    email: str
    membership_class: str
    expires_at: datetime


class LedgerEntryOut(Schema):
    coop: str
    seq: int
    at: str
    kind: str
    actor: str | None
    data: dict[str, Any]
    prev: str
    hash: str


class LedgerHeadOut(Schema):
    seq: int
    hash: str


class TokenIn(Schema):
    email: str
    password: str
    name: str = "script"
    code: str = Field(
        "",
        description="For an account with two-factor sign-in: the code from the "
        "authenticator app, or one of the recovery codes.",
    )


class TokenOut(Schema):
    token: str
    name: str


class MembershipOut(Schema):
    coop: str
    id: int
    number: int | None
    status: str
    membership_class: str
    offices: list[str]
    powers: list[str]


class MeOut(Schema):
    email: str
    name: str
    handle: str | None
    language: str
    memberships: list[MembershipOut]
