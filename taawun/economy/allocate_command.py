"""`taawun allocate`: share a surplus (or a loss) from a contributions file.

No database is opened: the file and the options are everything, and the
arithmetic is taawun.economy.allocation, the same code the web uses, so
that a treasurer (or any member) can check an allocation by hand.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

EPILOG = """\
CONTRIBUTIONS.csv has a `member` column and one column per contribution kind
(hours, wages, sales, purchases...), one row per member; an empty cell is
zero. Percentages are of the surplus (--reserve, --community), of each
dividend (--cash) or of a loss (--loss-reserve). Prints the allocation as
JSON, every amount a decimal string; exit 1 on bad input, naming the row."""


# The option that sets each field an error can name.
OPTIONS = {
    "surplus": "--surplus",
    "currency": "--currency",
    "weights": "--weights",
    "reserve_percent": "--reserve",
    "legal_minimum_reserve_percent": "--legal-minimum-reserve",
    "community_percent": "--community",
    "cash_percent": "--cash",
    "minimum_cash_percent": "--minimum-cash",
    "loss_reserve_percent": "--loss-reserve",
}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "allocate",
        help="share a surplus or a loss by patronage, from a CSV file (no database)",
        description="Share a period's net surplus (or loss) as the bylaws say: the reserve, "
        "the education and community fund, and patronage dividends in cash and retained.",
        epilog=EPILOG,
    )
    parser.add_argument("contributions", metavar="CONTRIBUTIONS.csv")
    parser.add_argument(
        "--surplus", required=True, metavar="AMOUNT", help="the net surplus; negative for a loss"
    )
    parser.add_argument("--currency", required=True, metavar="CODE", help="ISO 4217 code, e.g. EGP")
    parser.add_argument(
        "--reserve", default="0", metavar="PCT", help="to the indivisible reserve (default 0)"
    )
    parser.add_argument(
        "--legal-minimum-reserve",
        default="0",
        metavar="PCT",
        help="the least the reserve may be, by law or bylaws (default 0)",
    )
    parser.add_argument(
        "--community",
        default="0",
        metavar="PCT",
        help="to the education and community fund (default 0)",
    )
    parser.add_argument(
        "--cash", default="100", metavar="PCT", help="of each dividend paid in cash (default 100)"
    )
    parser.add_argument(
        "--minimum-cash",
        default="0",
        metavar="PCT",
        help="the least the cash share may be, e.g. 20 (default 0)",
    )
    parser.add_argument(
        "--loss-reserve",
        default="50",
        metavar="PCT",
        help="of a loss charged to the reserve; the rest to members (default 50)",
    )
    parser.add_argument(
        "--weights",
        metavar="KIND=W,...",
        help="each kind's weight in patronage, e.g. hours=1,sales=0.01 (default: 1 each)",
    )
    return parser


def run(args: argparse.Namespace) -> None:
    from taawun.cli import _, _fail, _setup

    _setup()
    from django.utils.translation import gettext

    from taawun.economy.allocation import (
        AllocationRules,
        allocate,
        parse_weights,
        read_contributions,
    )
    from taawun.economy.errors import EconomyInputError
    from taawun.economy.money import currency_places, parse_amount

    currency = args.currency.strip().upper()
    try:
        currency_places(currency)
        surplus = parse_amount(args.surplus, currency, field="surplus")
        rules = AllocationRules.parse(
            reserve_percent=args.reserve,
            legal_minimum_reserve_percent=args.legal_minimum_reserve,
            community_percent=args.community,
            cash_percent=args.cash,
            minimum_cash_percent=args.minimum_cash,
            loss_reserve_percent=args.loss_reserve,
        )
        weights = parse_weights(args.weights) if args.weights is not None else None
        with open(args.contributions, encoding="utf-8-sig", newline="") as handle:
            contributions = read_contributions(handle, kinds=weights)
        allocation = allocate(surplus, contributions, weights=weights, rules=rules)
    except OSError as error:
        _fail(
            _("Cannot read %(file)s: %(reason)s")
            % {"file": args.contributions, "reason": error.strerror}
        )
    except UnicodeDecodeError:
        _fail(_("%(file)s is not UTF-8 text.") % {"file": args.contributions})
    except EconomyInputError as error:
        message = (
            gettext(error.template) % error.params if error.params else gettext(error.template)
        )
        if error.row is not None:
            message = _("%(file)s, row %(row)s: %(message)s") % {
                "file": args.contributions,
                "row": error.row,
                "message": message,
            }
        elif error.field is not None:
            message = f"{OPTIONS.get(error.field, error.field)}: {message}"
        _fail(message)
    print(json.dumps(allocation.to_dict(currency), ensure_ascii=False, indent=2))
