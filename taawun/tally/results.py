"""What a tally returns: the outcome and the explanation, round by round.

Every result is a dataclass with ``to_dict()`` and ``to_json()``; the JSON is
what the CLI prints and what the result page explains. Numbers keep their
exact type until the JSON edge: whole votes are ``int``, fixed-point STV
values are ``Decimal`` (written as decimal strings such as ``"1234.56789"``),
shares and thresholds are ``Fraction`` (written as ``"7/10"``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

Number = int | Decimal


def jsonable(value: Any) -> Any:
    """Turn a result (or any part of one) into plain JSON types.

    Dataclass fields whose default is ``None`` are left out while they are
    ``None`` (a Meek round has keep values, a Scottish round does not); a
    trailing underscore in a field name is dropped (``from_`` -> ``"from"``).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None and f.default is None:
                continue
            out[f.name.rstrip("_")] = jsonable(item)
        return out
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} into a tally result")


@dataclass
class Lot:
    """A lot drawn from the caller's seed, so that anyone can draw it again.

    Each tied name gets ``key = sha256(seed + "\\n" + context + "\\n" + name)``
    (UTF-8, hex digest); ``order`` lists the names by ascending key, and the
    first name in ``order`` is the one the lot picks.
    """

    seed: str
    context: str
    keys: dict[str, str]
    order: list[str]
    method: str = "sha256(seed + '\\n' + context + '\\n' + name), lowest key first"


@dataclass
class TieBreak:
    """How one tie was resolved.

    ``rule`` is ``"earlier_round"`` (the method's own rule: look back at the
    most recent earlier round in which the tied candidates' votes differed;
    ``earlier_round`` names it) or ``"lot"`` (``lot`` says how it was drawn).
    """

    round: int
    purpose: str
    tied: list[str]
    rule: str
    chosen: str
    earlier_round: int | None = None
    lot: Lot | None = None


@dataclass
class Transfer:
    """Ballots moved in one round: whose, why, to whom, and what was lost."""

    from_: str
    kind: str  # "surplus" or "exclusion"
    to: Mapping[str, Number]
    non_transferable: Number
    loss: Number | None = None  # fixed-point truncation lost in this transfer
    surplus: Number | None = None  # a surplus transfer's A and B ...
    total: Number | None = None  # ... so each transfer value can be recomputed


@dataclass
class Round:
    """One round (a "stage" in the Scottish rules).

    ``tallies`` are the votes at the end of the round, ``elected`` and
    ``excluded`` what the round decided, ``transferred`` the ballots it moved.
    ``exhausted`` (and ``residue``, the truncation loss of fixed-point STV) are
    running totals, so that in every round the tallies plus ``exhausted``
    plus ``residue`` add up to the valid poll.
    """

    number: int
    tallies: Mapping[str, Number]
    elected: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    transferred: Transfer | None = None
    exhausted: Number = 0
    residue: Number | None = None
    quota: Number | None = None
    keep_values: dict[str, Decimal] | None = None
    note: str | None = None


@dataclass
class TallyResult:
    """The fields every poll kind shares."""

    method: str
    candidates: list[str]
    seats: int
    winners: list[str]
    rounds: list[Round] = field(default_factory=list)
    quota: Number | None = None
    tie_breaks: list[TieBreak] = field(default_factory=list)
    ballots: int = 0  # ballots counted (weights added up)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = jsonable(self)
        result.setdefault("quota", None)
        return result

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


@dataclass
class StvResult(TallyResult):
    rules: str = "scottish"
    precision: int = 5  # decimal places of the fixed-point arithmetic
    exhausted: Number = 0
    residue: Number = 0


@dataclass
class SchulzeResult(TallyResult):
    # pairwise[a][b]: ballots that rank a above b; strongest_paths[a][b]: the
    # strength (winning votes) of the strongest path from a to b.
    pairwise: dict[str, dict[str, int]] = field(default_factory=dict)
    strongest_paths: dict[str, dict[str, int]] = field(default_factory=dict)
    ranking: list[list[str]] = field(default_factory=list)  # tiers, best first


@dataclass
class CountResult(TallyResult):
    """Plurality, approval and dot votes: one count, totals per candidate."""

    totals: dict[str, int] = field(default_factory=dict)


@dataclass
class ScoreResult(CountResult):
    means: dict[str, Fraction | None] = field(default_factory=dict)
    means_rounded: dict[str, str | None] = field(default_factory=dict)
    scored_by: dict[str, int] = field(default_factory=dict)
    minimum: int = 0
    maximum: int = 5


@dataclass
class Threshold:
    """A decision rule: ``share`` of the ``base`` must reach ``required``."""

    rule: str  # majority, two_thirds, three_quarters, unanimity
    abstentions_count: bool
    required: Fraction
    comparison: str  # ">" (more than) or ">=" (at least)


@dataclass
class Arithmetic:
    """The sum shown on the result page: in_favour / base compared to required."""

    in_favour: int
    base: int
    share: Fraction | None  # None when nobody voted in the base
    required: Fraction
    comparison: str
    met: bool


@dataclass
class DecisionResult(TallyResult):
    """Yes/no and consent polls."""

    counts: dict[str, int] = field(default_factory=dict)
    threshold: Threshold | None = None
    arithmetic: Arithmetic | None = None
    passed: bool = False


@dataclass
class ConsentResult(DecisionResult):
    blocks: list[str] = field(default_factory=list)  # the reason of each standing block


@dataclass
class MeetingTimeResult(TallyResult):
    # answers[slot] = {"yes": n, "if_need_be": n, "no": n}
    answers: dict[str, dict[str, int]] = field(default_factory=dict)
    ranking: list[str] = field(default_factory=list)
