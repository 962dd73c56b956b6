"""The bylaws settings of a cooperative, validated as a whole.

Bylaws are stored as one JSON document on the cooperative so that a change is
one reviewable, hashable unit (its digest goes into the ledger). This module
checks such a document and fills in nothing silently: a document either is
valid as a whole or is refused with the first problem found.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from taawun.errors import InvalidInput

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")

# What an office may do. The bylaws give each office a subset of these.
POWERS = ("admit", "invite", "keep_register", "change_status", "assign_offices", "amend_bylaws")
THRESHOLDS = ("majority", "two_thirds", "three_quarters", "unanimity")
ADMISSION = ("officers", "poll")


def power_labels() -> dict[str, str]:
    return {
        "admit": _("admit and reject applicants"),
        "invite": _("invite people to join"),
        "keep_register": _("keep the member register"),
        "change_status": _("suspend, reinstate and end memberships"),
        "assign_offices": _("assign offices"),
        "amend_bylaws": _("amend the bylaws settings"),
    }


def threshold_labels() -> dict[str, str]:
    return {
        "majority": _("simple majority (more than half)"),
        "two_thirds": _("two thirds"),
        "three_quarters": _("three quarters"),
        "unanimity": _("unanimity"),
    }


def default_bylaws() -> dict[str, Any]:
    """Sensible defaults for a worker cooperative, in Arabic and English."""
    return {
        "membership_classes": [
            {
                "code": "worker",
                "names": {"en": "Worker member", "ar": "عضو عامل"},
                "may_vote": True,
                "min_shares": 1,
            },
            {
                "code": "user",
                "names": {"en": "User member", "ar": "عضو مستخدم"},
                "may_vote": True,
                "min_shares": 1,
            },
            {
                "code": "supporter",
                "names": {"en": "Supporter", "ar": "عضو داعم"},
                "may_vote": False,
                "min_shares": 0,
            },
        ],
        "offices": [
            {
                "code": "secretary",
                "names": {"en": "Secretary", "ar": "أمين السر"},
                "powers": ["admit", "invite", "keep_register", "change_status"],
            },
            {
                "code": "treasurer",
                "names": {"en": "Treasurer", "ar": "أمين الصندوق"},
                "powers": ["keep_register"],
            },
            {
                "code": "board",
                "names": {"en": "Board member", "ar": "عضو مجلس الإدارة"},
                "powers": ["admit", "change_status", "assign_offices", "amend_bylaws"],
            },
        ],
        "quorum_percent": "50",
        "threshold": "majority",
        "share_par_value": "10.00",
        "probation_days": 0,
        "admission": "officers",
        # Governance: the shortest a poll may run, how many proxies one member
        # may hold (0: none), and each class's vote weight ({}: one member, one vote).
        "min_voting_hours": 24,
        "proxy_limit": 0,
        "vote_weights": {},
    }


def _names(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise InvalidInput(_("%(where)s needs a name in at least one language.") % {"where": where})
    for lang, name in value.items():
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
            raise InvalidInput(_("%(where)s has a name in an unknown language.") % {"where": where})
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise InvalidInput(_("%(where)s has an empty or over-long name.") % {"where": where})
    return {lang: name.strip() for lang, name in value.items()}


def _decimal(value: Any, what: str, *, low: Decimal, high: Decimal | None, places: int) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%(what)s must be a number.") % {"what": what}) from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        raise InvalidInput(_("%(what)s is out of range.") % {"what": what})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise InvalidInput(_("%(what)s has too many decimal places.") % {"what": what})
    return str(number)


def validate_bylaws(doc: Any, *, currency_places: int = 2) -> dict[str, Any]:
    """Return the normalised bylaws, or raise InvalidInput naming the problem."""
    if not isinstance(doc, dict):
        raise InvalidInput(_("The bylaws settings must be a JSON object."))
    known = set(default_bylaws())
    unknown = set(doc) - known
    if unknown:
        raise InvalidInput(
            _("Unknown bylaws setting: %(name)s.") % {"name": ", ".join(sorted(unknown))}
        )
    missing = known - set(doc)
    if missing:
        raise InvalidInput(
            _("Missing bylaws setting: %(name)s.") % {"name": ", ".join(sorted(missing))}
        )

    classes = doc["membership_classes"]
    if not isinstance(classes, list) or not classes:
        raise InvalidInput(_("The bylaws need at least one membership class."))
    seen: set[str] = set()
    norm_classes = []
    for item in classes:
        if not isinstance(item, dict) or set(item) != {"code", "names", "may_vote", "min_shares"}:
            raise InvalidInput(
                _("Each membership class needs a code, names, may_vote and min_shares.")
            )
        code = item["code"]
        if not isinstance(code, str) or not CODE_RE.match(code):
            raise InvalidInput(
                _("A membership class code must be 2 to 30 lowercase letters, digits or _.")
            )
        if code in seen:
            raise InvalidInput(_("Membership class %(code)s appears twice.") % {"code": code})
        seen.add(code)
        if not isinstance(item["may_vote"], bool):
            raise InvalidInput(_("may_vote must be true or false."))
        min_shares = item["min_shares"]
        if (
            isinstance(min_shares, bool)
            or not isinstance(min_shares, int)
            or not (0 <= min_shares <= 1_000_000)
        ):
            raise InvalidInput(_("min_shares must be a whole number from 0 to 1,000,000."))
        norm_classes.append(
            {
                "code": code,
                "names": _names(item["names"], code),
                "may_vote": item["may_vote"],
                "min_shares": min_shares,
            }
        )

    offices = doc["offices"]
    if not isinstance(offices, list) or not offices:
        raise InvalidInput(_("The bylaws need at least one office."))
    seen = set()
    norm_offices = []
    for item in offices:
        if not isinstance(item, dict) or set(item) != {"code", "names", "powers"}:
            raise InvalidInput(_("Each office needs a code, names and powers."))
        code = item["code"]
        if not isinstance(code, str) or not CODE_RE.match(code):
            raise InvalidInput(_("An office code must be 2 to 30 lowercase letters, digits or _."))
        if code in seen:
            raise InvalidInput(_("Office %(code)s appears twice.") % {"code": code})
        seen.add(code)
        powers = item["powers"]
        if not isinstance(powers, list) or any(p not in POWERS for p in powers):
            raise InvalidInput(_("Office %(code)s has an unknown power.") % {"code": code})
        norm_offices.append(
            {
                "code": code,
                "names": _names(item["names"], code),
                "powers": [p for p in POWERS if p in powers],
            }
        )
    granted = {p for office in norm_offices for p in office["powers"]}
    for needed in ("assign_offices", "amend_bylaws"):
        if needed not in granted:
            raise InvalidInput(
                _("Some office must hold the power to %(power)s, or nobody could.")
                % {"power": power_labels()[needed]}
            )

    if doc["threshold"] not in THRESHOLDS:
        raise InvalidInput(_("Unknown threshold."))
    if doc["admission"] not in ADMISSION:
        raise InvalidInput(_("Admission must be decided by officers or by a poll."))
    probation = doc["probation_days"]
    if isinstance(probation, bool) or not isinstance(probation, int) or not 0 <= probation <= 730:
        raise InvalidInput(_("The probation period must be from 0 to 730 days."))
    if doc["admission"] == "officers" and "admit" not in granted:
        raise InvalidInput(
            _("Admission is by officers, so some office must hold the power to admit.")
        )

    hours = doc["min_voting_hours"]
    if isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= 24 * 90:
        raise InvalidInput(_("The minimum voting period must be from 0 to 2,160 hours."))
    proxies = doc["proxy_limit"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or not 0 <= proxies <= 10:
        raise InvalidInput(_("A member may hold from 0 to 10 proxies."))
    weights = doc["vote_weights"]
    class_codes = {c["code"] for c in norm_classes}
    if not isinstance(weights, dict) or any(
        code not in class_codes
        or isinstance(w, bool)
        or not isinstance(w, int)
        or not 0 <= w <= 1000
        for code, w in weights.items()
    ):
        raise InvalidInput(
            _("Vote weights must name membership classes and be whole numbers from 0 to 1,000.")
        )

    return {
        "membership_classes": norm_classes,
        "offices": norm_offices,
        "quorum_percent": _decimal(
            doc["quorum_percent"], _("The quorum"), low=Decimal(0), high=Decimal(100), places=2
        ),
        "threshold": doc["threshold"],
        "share_par_value": _decimal(
            doc["share_par_value"],
            _("The share par value"),
            low=Decimal("0.01"),
            high=Decimal("1000000000"),
            places=currency_places,
        ),
        "probation_days": probation,
        "admission": doc["admission"],
        "min_voting_hours": hours,
        "proxy_limit": proxies,
        "vote_weights": {code: weights[code] for code in sorted(weights)},
    }


def bylaws_digest(doc: dict[str, Any]) -> str:
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
