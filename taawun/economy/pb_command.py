"""`taawun pb`: decide a participatory budget from a Pabulib file.

No database is opened: anyone can decide a round exported from Taawun (or
taken from pabulib.org) again, and compare with the published result or
with another tool::

    taawun pb --rule mes FILE.pb
    {"rule": "mes", "completion": "add1-greedy", "budget": 100000,
     "funded": ["3", "9", ...], "cost": 88700, "left": 11300}

``funded`` lists the projects in the order they were funded; amounts are
exact (a whole number, or "p/q" when there is a fraction). ``--explain``
adds each project's decision, with the numbers behind it and a sentence in
the reader's language.
"""

from __future__ import annotations

import argparse
import json
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from taawun.economy import budgeting
from taawun.economy.budgeting_errors import BudgetingError

RULES = ("greedy", "mes")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "pb",
        help="decide a participatory budget from a Pabulib .pb file (no database needed)",
        description="Decide a participatory budget from a Pabulib .pb file and print the "
        'projects funded as JSON: {"funded": [project ids], "cost": total, ...}.',
    )
    parser.add_argument(
        "--rule",
        choices=RULES,
        default="mes",
        help="greedy by support, or the Method of Equal Shares (default: mes)",
    )
    parser.add_argument(
        "--completion",
        choices=budgeting.COMPLETIONS,
        default="add1-greedy",
        help="mes only: raise the shares then greedy by support (default), "
        "raise the shares only (Pabulib's equalshares/add1), or none",
    )
    parser.add_argument(
        "--explain", action="store_true", help="add each project's decision and why"
    )
    parser.add_argument("file", help="the Pabulib file")
    return parser


def run(args: argparse.Namespace) -> None:
    from taawun.cli import _, _fail, _setup

    _setup()
    from taawun.economy import pabulib

    try:
        round_ = pabulib.to_round(pabulib.read_file(args.file))
        if args.rule == "greedy":
            outcome = budgeting.greedy(round_)
        else:
            outcome = budgeting.equal_shares(round_, args.completion)
    except OSError as error:
        _fail(_("Cannot read %(file)s: %(reason)s") % {"file": args.file, "reason": error.strerror})
    except BudgetingError as error:
        where = _("line %(line)s: ") % {"line": error.line} if error.line else ""
        _fail(f"{args.file}: {where}{error_message(error)}")
    print(json.dumps(report(outcome, args), ensure_ascii=False))


def error_message(error: BudgetingError) -> str:
    """The error in the reader's language (the pure code gives the English
    template, marked for translation, and its params)."""
    from taawun.cli import _

    try:
        return _(error.template) % error.params if error.params else _(error.template)
    except (KeyError, TypeError, ValueError):
        return error.message


def report(outcome: budgeting.Outcome, args: argparse.Namespace) -> dict[str, Any]:
    full = outcome.to_dict()
    out: dict[str, Any] = {"rule": outcome.rule}
    if outcome.rule == "mes":
        out["completion"] = args.completion
    out.update({key: full[key] for key in ("budget", "funded", "cost", "left")})
    if args.explain:
        for key in ("first_share", "share"):
            if key in full:
                out[key] = full[key]
        out["decisions"] = [
            {**decision.to_dict(), "explanation": explain(decision)}
            for decision in outcome.decisions
        ]
    return out


def amount(value: Fraction) -> str:
    """An amount for people: whole, or to two decimal places."""
    if value.denominator == 1:
        return str(value.numerator)
    cents = Decimal(value.numerator) / Decimal(value.denominator)
    return str(cents.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def explain(decision: budgeting.Decision) -> str:
    """Why a project was or was not funded, in one sentence."""
    from django.utils.translation import gettext, ngettext

    count = decision.supporters
    left = amount(decision.money_left) if decision.money_left is not None else ""
    params = {"count": count, "left": left}
    reason = decision.reason
    if reason == budgeting.FUNDED_BY_SHARES:
        return (
            ngettext(
                "funded: supported by %(count)d voter, whose equal share covered its cost",
                "funded: supported by %(count)d voters, whose equal shares covered its cost",
                count,
            )
            % params
        )
    if reason == budgeting.FUNDED_AT_NO_COST:
        return (
            ngettext(
                "funded: it costs nothing, and %(count)d voter supported it",
                "funded: it costs nothing, and %(count)d voters supported it",
                count,
            )
            % params
        )
    if reason == budgeting.FUNDED_BY_SUPPORT:
        return (
            ngettext(
                "funded: supported by %(count)d voter, and its cost fit in the %(left)s left",
                "funded: supported by %(count)d voters, and its cost fit in the %(left)s left",
                count,
            )
            % params
        )
    if reason == budgeting.FUNDED_BY_COMPLETION:
        return (
            ngettext(
                "funded from the money left over: supported by %(count)d voter, "
                "and its cost fit in the %(left)s left",
                "funded from the money left over: supported by %(count)d voters, "
                "and its cost fit in the %(left)s left",
                count,
            )
            % params
        )
    if reason == budgeting.DID_NOT_FIT:
        return (
            gettext("not funded: it cost more than the %(left)s left when its turn came") % params
        )
    if reason == budgeting.SHARES_SHORT:
        shares = amount(decision.shares_left or Fraction(0))
        if decision.money_left is None:
            return gettext(
                "not funded: its supporters' remaining shares (%(shares)s) could not cover it"
            ) % {"shares": shares}
        return gettext(
            "not funded: its supporters' remaining shares (%(shares)s) could not cover it, "
            "and it did not fit in the %(left)s left"
        ) % {"shares": shares, "left": left}
    return gettext("not funded: nobody supported it")
