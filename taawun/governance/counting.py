"""From ballots to a result a member can check: the counts, the quorum and
threshold arithmetic, and the winners.

The weight of a ballot is the vote weight of the voter's class on the frozen
roll (1 unless the bylaws say otherwise). Quorum counts members who took
part (abstentions included); thresholds count weighted votes. Ties that no
rule settles are broken by lot, drawn from ``seed`` (the ledger head at the
close), which anyone can recompute: options are ordered by
SHA-256(seed + "\\n" + option).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from fractions import Fraction
from math import ceil
from typing import Any

from taawun.governance.models import Poll

NEEDED = {
    "majority": lambda base: base // 2 + 1,
    "two_thirds": lambda base: ceil(Fraction(2, 3) * base),
    "three_quarters": lambda base: ceil(Fraction(3, 4) * base),
    "unanimity": lambda base: base,
}


def lot_order(options: list[str], seed: str) -> list[str]:
    return sorted(options, key=lambda o: hashlib.sha256(f"{seed}\n{o}".encode()).hexdigest())


def quorum(poll: Poll, turnout: int) -> dict[str, Any]:
    percent = Fraction(poll.settings["quorum_percent"])
    required = ceil(poll.roll_size * percent / 100)
    return {
        "roll": poll.roll_size,
        "turnout": turnout,
        "percent": poll.settings["quorum_percent"],
        "required": required,
        "reached": turnout >= required,
    }


def _threshold(poll: Poll, yes: int, no: int, abstain: int) -> dict[str, Any]:
    from taawun.membership.bylaws import threshold_labels

    name = poll.settings["threshold"]
    base = yes + no + (abstain if poll.settings.get("abstentions_count") else 0)
    needed = NEEDED[name](base)
    return {
        "name": name,
        "label": str(threshold_labels()[name]),
        "for": yes,
        "against": no,
        "abstain": abstain,
        "base": base,
        "needed": needed,
        "met": base > 0 and yes >= needed,
    }


def _top(totals: dict[str, Any], options: list[str], seed: str) -> tuple[list[str], list[str]]:
    """The option(s) with the highest total; a tie is broken by lot."""
    best = max(totals.values(), default=0)
    tied = [o for o in options if totals[o] == best]
    if len(tied) > 1:
        return [lot_order(tied, seed)[0]], tied
    return tied, []


def count(poll: Poll, ballots: list[dict[str, Any]], *, seed: str) -> dict[str, Any]:
    options, kind = poll.options, poll.kind
    result: dict[str, Any] = {
        "kind": kind,
        "ballots": len(ballots),
        "weight": sum(b["weight"] for b in ballots),
        "quorum": quorum(poll, len(ballots)),
        "seed": seed,
        "winners": [],
        "passed": None,
        "tie_breaks": [],
    }
    choices = [(b["choice"], b["weight"]) for b in ballots]
    if kind in ("consent", "yes_no"):
        key = "position" if kind == "consent" else "answer"
        totals = dict.fromkeys(options, 0)
        for choice, weight in choices:
            totals[choice[key]] += weight
        yes = totals["agree" if kind == "consent" else "yes"]
        no = totals["disagree"] + totals.get("block", 0) if kind == "consent" else totals["no"]
        threshold = _threshold(poll, yes, no, totals["abstain"])
        result["threshold"] = threshold
        result["blocks"] = totals.get("block", 0)
        result["passed"] = bool(
            result["quorum"]["reached"] and threshold["met"] and not result["blocks"]
        )
        result["rows"] = [{"label": o, "value": totals[o]} for o in options]
        return result
    if kind in ("irv", "stv", "schulze"):
        from taawun.governance.ranked import count_ranked

        result.update(count_ranked(poll, choices, seed=seed))
        return result
    if kind == "meeting":
        slots = _slot_totals(options, choices)
        # Most "yes", then most "if need be".
        order = {o: (slots[o]["yes"], slots[o]["maybe"]) for o in options}
        winners, tied = _top(order, options, seed)
        result["rows"] = [
            {
                "label": o,
                "value": slots[o]["yes"],
                "maybe": slots[o]["maybe"],
                "winner": o in winners,
            }
            for o in options
        ]
    else:
        totals = _totals(kind, options, choices)
        winners, tied = _top(totals, options, seed)
        result["rows"] = [{"label": o, "value": totals[o], "winner": o in winners} for o in options]
        if kind == "score":
            weight = result["weight"] or 1
            for row in result["rows"]:
                row["mean"] = str((Decimal(row["value"]) / weight).quantize(Decimal("0.01")))
    if ballots:
        result["winners"] = winners
        if tied:
            result["tie_breaks"] = [{"tied": tied, "by": "lot", "order": lot_order(tied, seed)}]
    return result


def _slot_totals(
    options: list[str], choices: list[tuple[dict[str, Any], int]]
) -> dict[str, dict[str, int]]:
    slots = {o: {"yes": 0, "maybe": 0, "no": 0} for o in options}
    for choice, weight in choices:
        for index, answer in choice["slots"].items():
            slots[options[int(index)]][answer] += weight
    return slots


def _totals(
    kind: str, options: list[str], choices: list[tuple[dict[str, Any], int]]
) -> dict[str, int]:
    totals = dict.fromkeys(options, 0)
    for choice, weight in choices:
        if kind == "plurality":
            totals[options[choice["option"]]] += weight
        elif kind == "approval":
            for index in choice["options"]:
                totals[options[index]] += weight
        elif kind == "score":
            for index, score in choice["scores"].items():
                totals[options[int(index)]] += score * weight
        elif kind == "dots":
            for index, dots in choice["dots"].items():
                totals[options[int(index)]] += dots * weight
    return totals
