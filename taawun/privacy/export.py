"""Everything the instance holds about one person, as one JSON document.

Every row of every table that points at the person (their account) or at one
of their memberships is in a named section below. ``SECTIONS`` is checked
against the models themselves (tests/privacy/test_export.py): a new foreign
key to the account or to a membership fails that test until it is exported
here or left out in ``LEFT_OUT`` with the reason.

What is never written: secrets (password hash, token digests, private keys,
two-factor keys), and other people's names or emails. Other members appear
only by their opaque member id, as in the ledger.

Secret ballots are not linked to the person anywhere, and this export does
not link them either: it lists the secret polls the person voted in (the
voter mark), never what they voted; their receipts are theirs to keep.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.economy import queries as economy
from taawun.membership.models import Member

FORMAT = "taawun-member-data/1"


@dataclass(frozen=True)
class Section:
    """One kind of row: the model, the fields that point at the person (or
    at one of their memberships), and the fields never written."""

    key: str
    model: str
    person: tuple[str, ...]
    omit: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("api_tokens", "accounts.ApiToken", ("user",), omit=("digest",)),
    Section("register_changes_made", "membership.MembershipEvent", ("by",)),
    # The invitee's address is theirs, not the inviting officer's.
    Section(
        "invitations", "membership.Invitation", ("invited_by", "used_by"), omit=("email", "digest")
    ),
    Section("discussions", "governance.Discussion", ("author",)),
    Section("comments", "governance.Comment", ("author",)),
    Section("proposals", "governance.Proposal", ("author",)),
    Section("meetings_created", "governance.Meeting", ("created_by",)),
    Section("polls", "governance.Poll", ("subject", "created_by"), omit=("result",)),
    Section("voter_rolls", "governance.RollEntry", ("member",)),
    Section("named_ballots", "governance.Ballot", ("voter", "cast_by")),
    Section("secret_polls_voted_in", "governance.VoterMark", ("member",), omit=("id",)),
    Section("proxies", "governance.Proxy", ("grantor", "holder")),
    Section("outcomes_recorded", "governance.Outcome", ("author",)),
    Section("share_subscriptions", "economy.ShareSubscription", ("member", "recorded_by")),
    Section("share_payments_recorded", "economy.SharePayment", ("recorded_by",)),
    Section("share_transfers", "economy.ShareTransfer", ("from_member", "to_member", "decided_by")),
    Section(
        "share_redemptions", "economy.ShareRedemption", ("member", "requested_by", "decided_by")
    ),
    Section("share_movements", "economy.ShareMovement", ("member",)),
    Section("fiscal_periods", "economy.FiscalPeriod", ("opened_by", "closed_by")),
    Section("contributions", "economy.Contribution", ("member", "logged_by", "decided_by")),
    Section("capital_account", "economy.CapitalAccountEntry", ("member", "recorded_by")),
    Section("allocations_handled", "economy.SurplusAllocation", ("proposed_by", "decided_by")),
    Section("allocation_shares", "economy.AllocationShare", ("member",)),
    Section(
        "budgeting_rounds",
        "economy.BudgetingRound",
        ("created_by", "voting_opened_by", "closed_by"),
    ),
    Section("budgeting_projects", "economy.BudgetingProject", ("proposed_by",)),
    Section("budgeting_ballots", "economy.BudgetingBallot", ("member",)),
    Section("skills_added_to_vocabulary", "knowledge.Skill", ("created_by",)),
    Section("skills", "knowledge.PersonSkill", ("user",)),
    Section("articles", "knowledge.Article", ("author",)),
    Section("article_revisions", "knowledge.ArticleRevision", ("author",)),
    Section("article_comments", "knowledge.ArticleComment", ("author",)),
    Section("calls", "knowledge.Call", ("created_by",)),
    Section("call_responses", "knowledge.CallResponse", ("user",)),
    Section("courses", "knowledge.Course", ("created_by",)),
    Section("enrolments", "knowledge.Enrolment", ("user",)),
    Section("mentoring", "knowledge.Mentorship", ("learner", "mentor")),
    Section("events", "knowledge.Event", ("created_by",)),
    Section(
        "federation_actor",
        "federation.Actor",
        ("user",),
        omit=("private_key_pem", "public_key_pem", "data"),
    ),
    Section("network_decisions_opened", "federation.NetworkDecision", ("opened_by",)),
    Section("network_answers_given", "federation.CoopAnswer", ("answered_by",)),
)

# Pointers at the person that are in the export in another form.
LEFT_OUT: dict[tuple[str, str], str] = {
    ("membership.Member", "user"): "the memberships section, with their history",
    ("membership.MembershipEvent", "member"): "each membership's history",
}

# Fields of two-factor devices (django-otp) that are secrets.
DEVICE_SECRETS = ("key", "token", "throttling_failure_timestamp", "throttling_failure_count")


def device_models() -> list[type[models.Model]]:
    """The two-factor device models, when django-otp is installed."""
    if not apps.is_installed("django_otp"):
        return []
    from django_otp.models import Device

    return [m for m in apps.get_models() if issubclass(m, Device)]


def pointers(registry: Any = apps) -> set[tuple[str, str]]:
    """Every (model, field) in the project that points at an account or a membership."""
    found = set()
    for model in registry.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in (User, Member):
                found.add((model._meta.label, field.name))
    return found


def covered() -> set[tuple[str, str]]:
    """The pointers this export follows (sections, devices, and LEFT_OUT)."""
    done = {(s.model, name) for s in SECTIONS for name in s.person}
    done |= {(m._meta.label, "user") for m in device_models()}
    return done | set(LEFT_OUT)


# --- Values ------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON can hold it: money and times as strings, ids as text."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, models.Model):
        return reference(value)
    return str(value)


def reference(obj: models.Model) -> Any:
    """How the export names a related row: its slug, its public id, else its number.

    A member is named by their opaque id only (as in the ledger), never by name."""
    for attribute in ("slug", "public_id"):
        if hasattr(obj, attribute):
            return plain(getattr(obj, attribute))
    return obj.pk


def row(obj: models.Model, omit: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in omit or field.name == "password":
            continue
        if field.is_relation:
            related = getattr(obj, field.name)
            data[field.name] = None if related is None else reference(related)
        else:
            data[field.name] = plain(getattr(obj, field.attname))
    for field in obj._meta.many_to_many:
        if field.name not in omit:
            data[field.name] = [reference(r) for r in getattr(obj, field.name).all()]
    return data


def _rows(section: Section, user: User, member_ids: list[int]) -> Iterator[dict[str, Any]]:
    model = apps.get_model(section.model)
    match = Q()
    for name in section.person:
        target = model._meta.get_field(name).related_model
        match |= Q(**{name: user}) if target is User else Q(**{f"{name}__in": member_ids})
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    query = model._default_manager.filter(match).select_related(*relations).order_by("pk")
    for obj in query:
        yield row(obj, section.omit)


# --- The document ----------------------------------------------------------------


def _membership(member: Member) -> dict[str, Any]:
    data = row(member)
    data["cooperative_name"] = member.cooperative.name
    data["class_name"] = member.class_name
    data["office_names"] = member.office_names
    data["history"] = [row(event) for event in member.events.select_related("by").order_by("pk")]
    held = economy.holding(member)
    data["shares_held"] = held.shares
    data["share_capital_paid"] = held.amount
    data["capital_account_balance"] = economy.capital_balance(member)
    data["currency"] = member.cooperative.currency
    return data


def account(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "handle": user.handle,
        "language": user.language,
        "time_zone": user.time_zone,
        "date_joined": plain(user.date_joined),
        "last_login": plain(user.last_login),
        "is_active": user.is_active,
    }


def export_person(user: User) -> dict[str, Any]:
    """All of it, in the person's own language for the explanations."""
    members = list(
        Member.objects.filter(user=user).select_related("cooperative").order_by("applied_at", "pk")
    )
    member_ids = [m.pk for m in members]
    with translation.override(user.language or None):
        document: dict[str, Any] = {
            "format": FORMAT,
            "exported_at": plain(timezone.now()),
            "about": _(
                "Everything this Taawun server holds about you. Other members appear "
                "only by their opaque member id. Amounts are in the currency's minor unit."
            ),
            "secret_ballots": _(
                "What you voted in a secret poll is stored apart from who voted, with "
                "nothing to join them, so it cannot be listed here: only the polls you "
                "voted in. Your receipts find your ballots on each poll's bulletin board."
            ),
            "account": account(user),
            "memberships": [_membership(m) for m in members],
        }
        for section in SECTIONS:
            document[section.key] = list(_rows(section, user, member_ids))
        document["two_factor_devices"] = [
            {"type": model._meta.label, **row(device, DEVICE_SECRETS)}
            for model in device_models()
            for device in model._default_manager.filter(user=user).order_by("pk")
        ]
    return document
