"""Who may deliberate and decide, and which poll settings the bylaws allow."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from taawun.errors import InvalidInput, PermissionDenied
from taawun.membership import rules as membership_rules
from taawun.membership.bylaws import THRESHOLDS
from taawun.membership.models import Cooperative, Member

RANKED = ("irv", "stv", "schulze")
FIXED_OPTIONS = {
    "consent": ["agree", "abstain", "disagree", "block"],
    "yes_no": ["yes", "no", "abstain"],
}
MAX_OPTIONS = 50


def access_participant(user: Any, coop: Cooperative) -> Member:
    """Active members (and those on probation) start discussions and polls."""
    member = membership_rules.access_member(user, coop)
    if member.status not in (Member.Status.ACTIVE, Member.Status.PROBATION):
        raise PermissionDenied(_("Only members in good standing can take part in decisions."))
    return member


def can_manage_poll(member: Member, poll_creator_id: int | None) -> bool:
    """The poll's author, or an officer who can change statuses (the secretary)."""
    return member.pk == poll_creator_id or membership_rules.has_power(member, "change_status")


def _bool(settings: dict[str, Any], key: str, default: bool) -> bool:
    value = settings.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInput(_("%(name)s must be true or false.") % {"name": key}, field=key)
    return value


def _int(settings: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = settings.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(name)s must be a whole number.") % {"name": key}, field=key
        ) from None
    if isinstance(value, bool) or not low <= number <= high:
        raise InvalidInput(
            _("%(name)s must be from %(low)d to %(high)d.")
            % {"name": key, "low": low, "high": high},
            field=key,
        )
    return number


def check_options(kind: str, options: list[Any]) -> list[str]:
    if kind in FIXED_OPTIONS:
        return list(FIXED_OPTIONS[kind])
    if not isinstance(options, list):
        raise InvalidInput(_("List the options, one per line."), field="options")
    cleaned = [str(o).strip() for o in options if str(o).strip()]
    if len(cleaned) < 2:
        raise InvalidInput(_("Give at least two options."), field="options")
    if len(cleaned) > MAX_OPTIONS:
        raise InvalidInput(_("Give at most 50 options."), field="options")
    if any(len(o) > 200 for o in cleaned):
        raise InvalidInput(_("Keep each option under 200 characters."), field="options")
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput(_("Two options are the same."), field="options")
    return cleaned


def check_settings(
    coop: Cooperative, kind: str, options: list[str], settings: dict[str, Any]
) -> dict[str, Any]:
    """Settings for one poll, inside what the cooperative's bylaws allow."""
    if not isinstance(settings, dict):
        raise InvalidInput(_("The poll settings are not in the expected form."))
    bylaws = coop.bylaws
    voting = [c["code"] for c in bylaws["membership_classes"] if c["may_vote"]]
    out: dict[str, Any] = {"secret": _bool(settings, "secret", False)}
    out["reveal"] = settings.get("reveal", "after_close")
    if out["reveal"] not in ("after_close", "live"):
        raise InvalidInput(_("Votes are shown live or after the close."), field="reveal")
    if out["secret"]:
        out["reveal"] = "after_close"
    try:
        quorum = Decimal(str(settings.get("quorum_percent", bylaws["quorum_percent"])))
    except InvalidOperation:
        raise InvalidInput(_("The quorum must be a number."), field="quorum_percent") from None
    if not quorum.is_finite() or not 0 <= quorum <= 100:
        raise InvalidInput(_("The quorum must be from 0 to 100%."), field="quorum_percent")
    out["quorum_percent"] = str(quorum)
    classes = settings.get("classes", voting)
    if not isinstance(classes, list) or not classes or any(c not in voting for c in classes):
        raise InvalidInput(
            _("Only membership classes that may vote under the bylaws can be on the roll."),
            field="classes",
        )
    out["classes"] = [c for c in voting if c in classes]
    out["early_close"] = _bool(settings, "early_close", False)
    out["proxies"] = _bool(settings, "proxies", False)
    if out["proxies"] and (out["secret"] or not bylaws["proxy_limit"]):
        raise InvalidInput(
            _("Proxies are possible only in named polls, and only where the bylaws allow them."),
            field="proxies",
        )
    if kind in ("consent", "yes_no"):
        out["threshold"] = settings.get("threshold", bylaws["threshold"])
        if out["threshold"] not in THRESHOLDS:
            raise InvalidInput(_("Unknown threshold."), field="threshold")
        out["abstentions_count"] = _bool(settings, "abstentions_count", False)
    if kind == "approval":
        out["max_approvals"] = _int(settings, "max_approvals", len(options), 1, len(options))
    if kind == "score":
        out["score_min"] = _int(settings, "score_min", 0, 0, 10)
        out["score_max"] = _int(settings, "score_max", 5, out["score_min"] + 1, 100)
    if kind == "dots":
        out["dots"] = _int(settings, "dots", 10, 1, 1000)
    if kind == "stv":
        out["seats"] = _int(settings, "seats", 1, 1, max(1, len(options) - 1))
        out["rule"] = settings.get("rule", "scottish")
        if out["rule"] not in ("scottish", "meek"):
            raise InvalidInput(_("The counting rule is Scottish STV or Meek."), field="rule")
    return out


def check_deadline(
    coop: Cooperative, closes_at: datetime, *, opening_at: datetime | None = None
) -> datetime:
    start = opening_at or timezone.now()
    shortest = timedelta(hours=coop.bylaws["min_voting_hours"])
    if closes_at - start < shortest:
        raise InvalidInput(
            _("The bylaws ask for a voting period of at least %(hours)d hours.")
            % {"hours": coop.bylaws["min_voting_hours"]},
            field="closes_at",
        )
    if closes_at - start > timedelta(days=366):
        raise InvalidInput(_("A poll can run for at most a year."), field="closes_at")
    return closes_at
