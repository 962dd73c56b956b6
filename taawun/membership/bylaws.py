"""The bylaws settings of a cooperative, validated as a whole.

Bylaws are stored as one JSON document on the cooperative so that a change is
one reviewable, hashable unit (its digest goes into the ledger). This module
checks such a document and fills in nothing silently: a document either is
valid as a whole or is refused with the first problem found. The one
exception is the ``economy`` section, added after cooperatives had bylaws:
a document without it gets the defaults (``default_economy``), so that
documents written before it still validate; a document with it is checked
like the rest.
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
POWERS = (
    "admit",
    "invite",
    "keep_register",
    "keep_accounts",
    "change_status",
    "assign_offices",
    "amend_bylaws",
)
THRESHOLDS = ("majority", "two_thirds", "three_quarters", "unanimity")
ADMISSION = ("officers", "poll")
# What a contribution kind is counted in: hours of work, or money in the
# cooperative's currency (wages, sales brought in, purchases).
CONTRIBUTION_UNITS = ("hours", "money")
ECONOMY_PERCENTS = (
    "reserve_percent",
    "legal_minimum_reserve_percent",
    "community_percent",
    "cash_percent",
    "minimum_cash_percent",
    "loss_reserve_percent",
    "capital_interest_percent",
)


def power_labels() -> dict[str, str]:
    return {
        "admit": _("admit and reject applicants"),
        "invite": _("invite people to join"),
        "keep_register": _("keep the member register"),
        "keep_accounts": _("keep the accounts (share capital, contributions, capital accounts)"),
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
                "powers": ["keep_register", "keep_accounts"],
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
        "economy": default_economy(),
    }


def default_economy(offices: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The economy settings a cooperative starts with (and that bylaws written
    before the section existed are given).

    Transfers of shares are decided by the board, or, in bylaws without a
    board, by the first office that may amend the bylaws (some office always
    may). Patronage counts hours worked; the other kinds (wages, sales,
    purchases) are the cooperative's to add, with weights only it can choose.
    """
    approver = "board"
    if offices is not None and not any(o["code"] == "board" for o in offices):
        approver = next(o["code"] for o in offices if "amend_bylaws" in o["powers"])
    return {
        # Kinds of patronage, each weighted in the patronage formula.
        "contribution_kinds": [
            {
                "code": "hours",
                "names": {"en": "Hours worked", "ar": "ساعات العمل"},
                "unit": "hours",
                "weight": "1",
            },
        ],
        # The office that approves transfers of shares between members;
        # None: the bylaws allow no transfers.
        "share_transfer_approver": approver,
        # Shares are paid back this many months after a redemption is asked for.
        "redemption_delay_months": 12,
        # At most this percentage of the share capital paid back in a calendar
        # year; None: no yearly limit.
        "redemption_yearly_limit_percent": None,
        # Whether a member who stays may ask for shares above their class's
        # minimum back (a member who leaves always may).
        "redemption_on_request": False,
        # How a surplus is allocated (taawun.economy.allocation).
        "reserve_percent": "30",
        "legal_minimum_reserve_percent": "0",
        "community_percent": "5",
        "cash_percent": "30",
        "minimum_cash_percent": "20",
        # Of a loss, the share charged to the reserve; the rest is charged to
        # the members' capital accounts by patronage.
        "loss_reserve_percent": "50",
        "allocation_needs_poll": True,
        # Interest on capital accounts, a percentage a year; "0": none.
        "capital_interest_percent": "0",
        # Retained allocations are paid back after this many years; 0: never
        # as a rule (only on exit).
        "revolving_years": 0,
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
    missing = known - set(doc) - {"economy"}
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
        "economy": validate_economy(
            doc["economy"] if "economy" in doc else default_economy(norm_offices),
            offices=norm_offices,
        ),
    }


def _whole(value: Any, field: str, message: str, *, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InvalidInput(message, field=field)
    return value


def _percent(value: Any, field: str, what: str) -> str:
    try:
        return _decimal(value, what, low=Decimal(0), high=Decimal(100), places=2)
    except InvalidInput as error:
        raise InvalidInput(error.message, field=field) from None


def economy_labels() -> dict[str, str]:
    return {
        "reserve_percent": _("The share of a surplus put in the reserve"),
        "legal_minimum_reserve_percent": _("The legal minimum for the reserve"),
        "community_percent": _("The share of a surplus put in the community fund"),
        "cash_percent": _("The share of a patronage dividend paid in cash"),
        "minimum_cash_percent": _("The minimum share of a dividend paid in cash"),
        "loss_reserve_percent": _("The share of a loss charged to the reserve"),
        "capital_interest_percent": _("The interest rate on capital accounts"),
        "redemption_yearly_limit_percent": _("The yearly limit on redemptions"),
    }


def validate_economy(section: Any, *, offices: list[dict[str, Any]]) -> dict[str, Any]:
    """The normalised economy section, or InvalidInput naming the setting."""
    if not isinstance(section, dict):
        raise InvalidInput(_("The economy settings must be a JSON object."), field="economy")
    known = set(default_economy())
    unknown = set(section) - known
    if unknown:
        raise InvalidInput(
            _("Unknown economy setting: %(name)s.") % {"name": ", ".join(sorted(unknown))},
            field="economy",
        )
    missing = known - set(section)
    if missing:
        raise InvalidInput(
            _("Missing economy setting: %(name)s.") % {"name": ", ".join(sorted(missing))},
            field="economy",
        )

    kinds = section["contribution_kinds"]
    if not isinstance(kinds, list) or len(kinds) > 20:
        raise InvalidInput(
            _("The contribution kinds must be a list of at most 20."), field="contribution_kinds"
        )
    norm_kinds = []
    seen: set[str] = set()
    for item in kinds:
        if not isinstance(item, dict) or set(item) != {"code", "names", "unit", "weight"}:
            raise InvalidInput(
                _("Each contribution kind needs a code, names, a unit and a weight."),
                field="contribution_kinds",
            )
        code = item["code"]
        if not isinstance(code, str) or not CODE_RE.match(code) or code == "member":
            raise InvalidInput(
                _("A contribution kind code must be 2 to 30 lowercase letters, digits or _."),
                field="contribution_kinds",
            )
        if code in seen:
            raise InvalidInput(
                _("Contribution kind %(code)s appears twice.") % {"code": code},
                field="contribution_kinds",
            )
        seen.add(code)
        if item["unit"] not in CONTRIBUTION_UNITS:
            raise InvalidInput(
                _("The unit of contribution kind %(code)s must be hours or money.")
                % {"code": code},
                field="contribution_kinds",
            )
        weight = item["weight"]
        try:
            weight = _decimal(
                weight if isinstance(weight, str | int) and not isinstance(weight, bool) else "",
                _("The weight of %(code)s") % {"code": code},
                low=Decimal(0),
                high=Decimal(1_000_000),
                places=6,
            )
        except InvalidInput as error:
            raise InvalidInput(error.message, field="contribution_kinds") from None
        if Decimal(weight) == 0:
            raise InvalidInput(
                _("The weight of %(code)s must be more than zero.") % {"code": code},
                field="contribution_kinds",
            )
        try:
            names = _names(item["names"], code)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="contribution_kinds") from None
        norm_kinds.append({"code": code, "names": names, "unit": item["unit"], "weight": weight})

    approver = section["share_transfer_approver"]
    if approver is not None and not any(o["code"] == approver for o in offices):
        raise InvalidInput(
            _("Transfers of shares must be approved by one of the offices in the bylaws."),
            field="share_transfer_approver",
        )
    delay = _whole(
        section["redemption_delay_months"],
        "redemption_delay_months",
        _("The delay before shares are paid back must be from 0 to 120 months."),
        high=120,
    )
    labels = economy_labels()
    limit = section["redemption_yearly_limit_percent"]
    if limit is not None:
        limit = _percent(
            limit, "redemption_yearly_limit_percent", labels["redemption_yearly_limit_percent"]
        )
    if not isinstance(section["redemption_on_request"], bool):
        raise InvalidInput(
            _("Whether members may ask for shares back must be true or false."),
            field="redemption_on_request",
        )
    if not isinstance(section["allocation_needs_poll"], bool):
        raise InvalidInput(
            _("Whether an allocation needs a poll must be true or false."),
            field="allocation_needs_poll",
        )
    percents = {name: _percent(section[name], name, labels[name]) for name in ECONOMY_PERCENTS}
    number = {name: Decimal(value) for name, value in percents.items()}
    if number["reserve_percent"] < number["legal_minimum_reserve_percent"]:
        raise InvalidInput(
            _("The reserve cannot be below its legal minimum."), field="reserve_percent"
        )
    if number["reserve_percent"] + number["community_percent"] > 100:
        raise InvalidInput(
            _(
                "The reserve and the community fund together cannot take more than "
                "the whole surplus."
            ),
            field="community_percent",
        )
    if number["cash_percent"] < number["minimum_cash_percent"]:
        raise InvalidInput(
            _("The share paid in cash cannot be below its minimum."), field="cash_percent"
        )
    revolving = _whole(
        section["revolving_years"],
        "revolving_years",
        _("The revolving period must be from 0 to 50 years."),
        high=50,
    )
    return {
        "contribution_kinds": norm_kinds,
        "share_transfer_approver": approver,
        "redemption_delay_months": delay,
        "redemption_yearly_limit_percent": limit,
        "redemption_on_request": section["redemption_on_request"],
        "reserve_percent": percents["reserve_percent"],
        "legal_minimum_reserve_percent": percents["legal_minimum_reserve_percent"],
        "community_percent": percents["community_percent"],
        "cash_percent": percents["cash_percent"],
        "minimum_cash_percent": percents["minimum_cash_percent"],
        "loss_reserve_percent": percents["loss_reserve_percent"],
        "allocation_needs_poll": section["allocation_needs_poll"],
        "capital_interest_percent": percents["capital_interest_percent"],
        "revolving_years": revolving,
    }


def bylaws_digest(doc: dict[str, Any]) -> str:
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
