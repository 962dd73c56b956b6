"""Counting a network decision, in which each member cooperative answers as one.

Pure Python, no Django: members (actor URIs) and their answers in, a result
out that anyone can recompute from the network's ledger.

The rules, as the network's settings state them:

- Only answers from ``members`` count; an answer from anyone else changes
  nothing (the network checks membership when an answer arrives, and again
  here, at the close).
- Quorum: the share of members that answered must be at least ``quorum``.
- Threshold: an option carries when its share of the counted answers is
  MORE than ``threshold`` (0.5 means a strict majority). Two options can
  never both carry for a threshold of a half or more, and a tie never
  carries. For a threshold under a half several options could pass it; the
  one with most answers carries only if no other has as many.
- Arithmetic is exact (``Fraction``), so the same answers always give the
  same result on every instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class DecisionResult:
    """What the network announces: the counts per option (in the question's
    order), how many members there were and how many answered, whether the
    quorum was met, and the option that carries (None if none does)."""

    counts: dict[str, int]
    members: int
    answered: int
    quorum: Decimal
    threshold: Decimal
    quorum_met: bool
    winner: str | None

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.answered, self.members) if self.members else Fraction(0)

    @property
    def quorum_percent(self) -> str:
        return percent(self.quorum)

    @property
    def threshold_percent(self) -> str:
        return percent(self.threshold)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (and ledger-ready: no floats; fractions as decimal strings)."""
        return {
            "counts": dict(self.counts),
            "members": self.members,
            "answered": self.answered,
            "quorum": str(self.quorum),
            "threshold": str(self.threshold),
            "quorum_met": self.quorum_met,
            "winner": self.winner,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], options: list[str] | None = None) -> DecisionResult:
        """Read back ``to_dict``'s output. Give the question's ``options`` to
        have the counts in their order (a JSON store may sort keys) and to
        check they are the question's."""
        counts = {str(k): int(v) for k, v in dict(data["counts"]).items()}
        if options is not None:
            if set(counts) != set(options):
                raise ValueError("the counts are not for these options")
            counts = {option: counts[option] for option in options}
        return cls(
            counts=counts,
            members=int(data["members"]),
            answered=int(data["answered"]),
            quorum=Decimal(str(data["quorum"])),
            threshold=Decimal(str(data["threshold"])),
            quorum_met=bool(data["quorum_met"]),
            winner=data.get("winner"),
        )


def percent(share: Decimal) -> str:
    """A share as people read it: Decimal("0.667") -> "66.7"."""
    text = format((share * 100).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def count_network_answers(
    members: set[str],
    answers: Mapping[str, str],
    options: list[str],
    quorum: Decimal,
    threshold: Decimal,
) -> DecisionResult:
    """Count ``answers`` (member URI → chosen option) under the network's rules.

    An answer naming an option the question does not have is not counted
    (the network refuses such answers on arrival; this keeps the count
    honest even if one slipped through)."""
    counts = dict.fromkeys(options, 0)
    answered = 0
    for who, choice in answers.items():
        if who in members and choice in counts:
            counts[choice] += 1
            answered += 1
    quorum_met = bool(members) and Fraction(answered, len(members)) >= Fraction(quorum)
    return DecisionResult(
        counts=counts,
        members=len(members),
        answered=answered,
        quorum=quorum,
        threshold=threshold,
        quorum_met=quorum_met,
        winner=_carrying(counts, answered, Fraction(threshold)) if quorum_met else None,
    )


def _carrying(counts: Mapping[str, int], answered: int, threshold: Fraction) -> str | None:
    if not answered:
        return None
    top = max(counts.values())
    leaders = [option for option, n in counts.items() if n == top]
    if len(leaders) != 1 or Fraction(top, answered) <= threshold:
        return None
    return leaders[0]
