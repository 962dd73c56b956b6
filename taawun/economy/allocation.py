"""Surplus allocation: how a closed period's net surplus (or loss) is shared.

Pure Python and numpy, no Django: the web, the API and ``taawun allocate``
all call ``allocate`` and get the same answer to the minor unit.

What the law commonly says (briefly; read your own country's law and your
bylaws, which this code follows through ``AllocationRules``):

- **Indivisible reserve.** Cooperative laws commonly require a share of each
  year's surplus to go to a reserve that is never shared out among members,
  not even when the cooperative is wound up. The legal minimum differs from
  country to country (for example 30 % in Italy, 20 % in Spain's state law)
  and the bylaws may set more: ``reserve_percent`` may not be below
  ``legal_minimum_reserve_percent``.
- **Education and community fund.** Education, training and information are
  the fifth cooperative principle of the International Co-operative
  Alliance; many laws require a fund for them (5 % in Spain's state law),
  often also used for the community (the seventh principle).
- **Patronage dividends.** What is left is returned to the members in
  proportion to what they did with the cooperative in the period (their
  patronage: work, purchases, sales), not to the capital they hold (the
  third principle).
- **Cash and retained shares.** Each dividend is partly paid in cash and
  partly credited to the member's capital account, to be paid out in later
  years. Some tax laws (the United States' rules for cooperatives, for one)
  treat the dividend as the member's income only if at least 20 % of it is
  paid in cash; ``cash_percent`` may not be below ``minimum_cash_percent``.
- **Losses.** Laws commonly let a loss be set against the reserves, the
  compulsory reserve often only up to a limit, and charge the rest to the
  members in proportion to their patronage in the period, as a debit on
  their capital accounts.

The arithmetic, all in whole minor units (see taawun.economy.money):

1. *Patronage.* A member's patronage is ``sum(weight[kind] * quantity[kind])``
   over the kinds the cooperative counts (hours worked, wages, sales or
   revenue brought in, purchases). The weights carry the units: with hours
   weighted 1 and sales weighted 0.01, an hour counts as much as 100 of
   sales. Quantities and weights are exact decimals, so patronage is exact.
2. *A surplus* ``S`` (zero or more):
   ``reserve = ceil(S * reserve_percent / 100)``, then
   ``community = min(ceil(S * community_percent / 100), S - reserve)``, then
   ``patronage_pool = S - reserve - community``. The reserve and the fund
   are rounded up because the law sets them as minimums: rounding down could
   leave them a fraction of a minor unit short.
3. *A loss* ``L = -S``: the reserve is charged
   ``floor(L * loss_reserve_percent / 100)``, and no more than ``reserve_balance``
   when that is given (rounded down because the bylaws set it as the most
   the reserve carries); the community fund is not touched
   (``community = 0``); the rest is the ``patronage_pool``, negative.
4. *Dividends.* The pool is split among members in proportion to patronage
   by the largest-remainder method (``split_largest_remainder``): every
   dividend is the member's exact share rounded down or up, and the minor
   units left over go to the largest remainders, equal remainders in
   ascending order of member key. A loss is split the same way, negated.
5. *Cash and retained.* From a surplus,
   ``cash = ceil(dividend * cash_percent / 100)`` (rounded up, so that no
   member is paid less than the cash share) and
   ``retained = dividend - cash``. A share of a loss is never paid in cash:
   ``cash = 0`` and ``retained = dividend``, a debit on the capital account.

So ``reserve + community + patronage_pool == surplus``,
``sum(dividends) == patronage_pool`` and ``cash + retained == dividend``,
always.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from taawun.economy.errors import (
    BelowMinimum,
    DuplicateMember,
    EmptyInput,
    InvalidPercent,
    InvalidWeight,
    MalformedQuantity,
    MalformedTable,
    MissingMember,
    NegativeQuantity,
    NoPatronage,
    PercentagesOver100,
    UnknownKind,
    gettext_noop,
)
from taawun.economy.money import (
    ARABIC_DIGITS,
    currency_places,
    decimal_parts,
    format_fraction,
    format_scaled,
    split_integers,
    terminating_places,
)

MEMBER_COLUMN = "member"
HUNDRED = Fraction(100)
# Places shown for patronage that no number of decimal places shows exactly
# (a weight of one third): rounded half to even.
PATRONAGE_FALLBACK_PLACES = 6
_INT64_MAX = 2**63 - 1
_POWERS_OF_TEN = np.array([10**n for n in range(19)], dtype=np.uint64)
_SPACE = re.compile(r"[^\S\n]")
_NOT_PLAIN = re.compile(r"[^0-9.\n]")
_TWO_POINTS = re.compile(r"\.[0-9]*\.")


def _number_text(value: Fraction) -> str:
    places = terminating_places(value.denominator)
    return format_fraction(value, places) if places is not None else str(value)


# --- the bylaws settings -------------------------------------------------


# The bylaws settings (taawun.membership.bylaws, section "economy") that
# AllocationRules takes, each a percentage written as a decimal string.
RULE_SETTINGS = (
    "reserve_percent",
    "legal_minimum_reserve_percent",
    "community_percent",
    "cash_percent",
    "minimum_cash_percent",
    "loss_reserve_percent",
)


@dataclass(frozen=True)
class AllocationRules:
    """The bylaws settings an allocation follows, every one a percentage,
    named as in the bylaws' economy section.

    ``reserve_percent`` of a surplus goes to the indivisible reserve, at least
    ``legal_minimum_reserve_percent``; ``community_percent`` to the education
    and community fund; ``cash_percent`` of each dividend is paid in cash, at
    least ``minimum_cash_percent``; ``loss_reserve_percent`` of a loss is
    charged to the reserve, the rest to members. The defaults put nothing
    aside, pay everything in cash, and split a loss half and half.
    """

    reserve_percent: Fraction = Fraction(0)
    legal_minimum_reserve_percent: Fraction = Fraction(0)
    community_percent: Fraction = Fraction(0)
    cash_percent: Fraction = HUNDRED
    minimum_cash_percent: Fraction = Fraction(0)
    loss_reserve_percent: Fraction = Fraction(50)

    def __post_init__(self) -> None:
        for name in RULE_SETTINGS:
            value = Fraction(getattr(self, name))
            object.__setattr__(self, name, value)
            if not 0 <= value <= HUNDRED:
                raise InvalidPercent(
                    gettext_noop("A percentage must be from 0 to 100, not %(value)s."),
                    field=name,
                    value=_number_text(value),
                )
        if self.reserve_percent + self.community_percent > HUNDRED:
            raise PercentagesOver100(
                gettext_noop(
                    "The reserve (%(reserve)s percent) and the community fund "
                    "(%(community)s percent) together are more than the whole surplus."
                ),
                field="community_percent",
                reserve=_number_text(self.reserve_percent),
                community=_number_text(self.community_percent),
            )
        if self.reserve_percent < self.legal_minimum_reserve_percent:
            raise BelowMinimum(
                gettext_noop(
                    "The reserve (%(value)s percent) is below the minimum of "
                    "%(minimum)s percent that the bylaws set."
                ),
                field="reserve_percent",
                value=_number_text(self.reserve_percent),
                minimum=_number_text(self.legal_minimum_reserve_percent),
            )
        if self.cash_percent < self.minimum_cash_percent:
            raise BelowMinimum(
                gettext_noop(
                    "The cash share (%(value)s percent) is below the minimum of "
                    "%(minimum)s percent that the bylaws set."
                ),
                field="cash_percent",
                value=_number_text(self.cash_percent),
                minimum=_number_text(self.minimum_cash_percent),
            )

    @classmethod
    def parse(cls, **settings: str) -> AllocationRules:
        """The rules from decimal strings (the bylaws, a form, the command
        line), each named as the field it fills:
        ``AllocationRules.parse(reserve_percent="30")``, or
        ``AllocationRules.parse(**{k: economy[k] for k in RULE_SETTINGS})``."""
        values: dict[str, Fraction] = {}
        for name, text in settings.items():
            parts = decimal_parts(text)
            if parts is None:
                raise InvalidPercent(
                    gettext_noop(
                        "%(value)s is not a percentage: write a number from 0 to 100, such as 12.5."
                    ),
                    field=name,
                    value=text,
                )
            values[name] = Fraction(parts[0], 10 ** parts[1])
        return cls(**values)


def parse_weights(text: str) -> dict[str, Fraction]:
    """Weights written as ``kind=weight`` pairs separated by commas, such as
    ``hours=1,sales=0.05``."""
    weights: dict[str, Fraction] = {}
    for pair in text.split(","):
        kind, equals, number = (part.strip() for part in pair.partition("="))
        if not kind or not equals:
            raise InvalidWeight(
                gettext_noop(
                    "Write the weights as kind=weight pairs separated by commas, "
                    "such as hours=1,sales=0.05."
                ),
                field="weights",
            )
        if kind in weights:
            raise InvalidWeight(
                gettext_noop("The weight of %(kind)s is given twice."),
                field="weights",
                kind=kind,
            )
        parts = decimal_parts(number)
        if parts is None or parts[0] < 0:
            raise InvalidWeight(
                gettext_noop(
                    "The weight of %(kind)s must be a number of zero or more, not %(value)s."
                ),
                field="weights",
                kind=kind,
                value=number,
            )
        weights[kind] = Fraction(parts[0], 10 ** parts[1])
    return weights


# --- contributions -------------------------------------------------------


def _quantity(value: str | int | Decimal, kind: str, row: int | None) -> tuple[int, int]:
    """A quantity as ``(integer, places)``; an empty cell is zero."""
    parts: tuple[int, int] | None
    if isinstance(value, int) and not isinstance(value, bool):
        parts = value, 0
    elif isinstance(value, Decimal) and value.is_finite():
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        magnitude = int("".join(map(str, digits)) or "0")
        parts = (magnitude * 10**exponent, 0) if exponent >= 0 else (magnitude, -exponent)
        if sign:
            parts = -parts[0], parts[1]
    elif isinstance(value, str):
        parts = decimal_parts(value) if value.strip() else (0, 0)
    else:
        parts = None
    if parts is None:
        raise MalformedQuantity(
            gettext_noop(
                "%(value)s is not a quantity of %(kind)s: write a number of zero or more, "
                "such as 7.5."
            ),
            row=row,
            kind=kind,
            value=str(value),
        )
    if parts[0] < 0:
        raise NegativeQuantity(
            gettext_noop("%(kind)s is %(value)s, but a contribution cannot be negative."),
            row=row,
            kind=kind,
            value=str(value).strip(),
        )
    return parts


def _column(
    cells: Sequence[str | int | Decimal], kind: str, rows: Sequence[int] | None
) -> tuple[npt.NDArray[Any], int]:
    """One kind's quantities as integers of a common scale, and that scale."""
    if cells and isinstance(cells[0], str):
        try:
            fast = _plain_column(cast("Sequence[str]", cells))
        except TypeError:  # not every cell is text: "\n".join refused it
            fast = None
        if fast is not None:
            return fast
    # Cell by cell: for ints and Decimals, and to name the row of a bad cell.
    cache: dict[Any, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        if cell not in cache:
            cache[cell] = _quantity(cell, kind, rows[index] if rows is not None else None)
    places = max((p for _, p in cache.values()), default=0)
    scaled = {key: value * 10 ** (places - p) for key, (value, p) in cache.items()}
    values = [scaled[cell] for cell in cells]
    fits = all(v <= _INT64_MAX for v in scaled.values())
    return np.array(values, dtype=np.int64 if fits else object), places


def _plain_column(cells: Sequence[str]) -> tuple[npt.NDArray[Any], int] | None:
    """The column parsed by numpy in one pass over its bytes if every cell is
    empty or plain digits with at most one decimal point and the scaled
    numbers fit int64, else ``None`` (then ``_column`` reads it cell by cell,
    and names the row of a bad cell). Many times faster than reading the
    cells one by one, which matters at 100,000 members."""
    joined = "\n".join(cells)
    if _SPACE.search(joined):
        joined = "\n".join([cell.strip() for cell in cells])
    if not joined.isascii():
        joined = joined.translate(ARABIC_DIGITS)
    if (
        _NOT_PLAIN.search(joined)
        or _TWO_POINTS.search(joined)
        or joined.startswith(".")
        or joined.endswith(".")
        or "\n." in joined
        or ".\n" in joined
    ):
        return None
    data = np.frombuffer((joined + "\n").encode("ascii"), dtype=np.uint8)
    newline = data == ord("\n")
    ends = np.flatnonzero(newline)  # where each cell ends
    starts = np.zeros_like(ends)
    starts[1:] = ends[:-1] + 1
    cell_of = np.cumsum(newline) - newline  # the cell each byte is in
    points = np.flatnonzero(data == ord("."))
    point_at = ends.copy()  # where each cell's point is, or its end
    point_at[cell_of[points]] = points
    places = int(np.where(point_at < ends, ends - point_at - 1, 0).max())
    if places + int((point_at - starts).max()) > 18:
        return None  # too long for int64: Python's integers, cell by cell
    digits = np.flatnonzero(~newline & (data != ord(".")))
    point = point_at[cell_of[digits]]
    # Scaled to ``places``, a digit before the point is worth
    # 10**(places + its distance to the point - 1), one after it
    # 10**(places - its distance to the point).
    exponent = np.where(digits < point, point - digits - 1 + places, places - (digits - point))
    worth = np.zeros(len(data), dtype=np.uint64)
    worth[digits] = (data[digits] - ord("0")).astype(np.uint64) * _POWERS_OF_TEN[exponent]
    # Each cell's number is the running total at its end less the one at the
    # end of the cell before. The running total may pass 2**64 and wrap, but
    # unsigned arithmetic wraps modulo 2**64 and every number is below 10**18,
    # so the differences are exact.
    total = np.cumsum(worth)[ends]
    before = np.zeros_like(total)
    before[1:] = total[:-1]
    return (total - before).astype(np.int64), places


@dataclass(frozen=True, eq=False)
class Contributions:
    """What each member contributed, of each kind, in the period.

    Member ``members[i]`` contributed ``quantities[i, k] / 10**places[k]`` of
    kind ``kinds[k]``: each kind is kept as whole numbers of its own smallest
    unit (a tenth of an hour, a piastre), int64, or Python ints (numpy object
    arrays) if a quantity is too large for int64. Members are distinct and
    quantities zero or more.
    """

    members: tuple[str, ...]
    kinds: tuple[str, ...]
    quantities: npt.NDArray[Any]
    places: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.members:
            raise EmptyInput(gettext_noop("There are no members to share among."))
        if self.quantities.shape != (len(self.members), len(self.kinds)):
            raise ValueError("quantities must have one row per member and one column per kind")
        if len(self.places) != len(self.kinds) or len(set(self.kinds)) != len(self.kinds):
            raise ValueError("one scale per kind, and distinct kinds")
        distinct = set(self.members)
        if "" in distinct:
            raise MissingMember(gettext_noop("The member cell is empty."))
        if len(distinct) != len(self.members):
            seen: set[str] = set()
            for member in self.members:
                if member in seen:
                    raise DuplicateMember(
                        gettext_noop("%(member)s appears more than once."), member=member
                    )
                seen.add(member)
        if self.quantities.size and (self.quantities < 0).any():
            i, k = (int(n) for n in np.argwhere(self.quantities < 0)[0])
            raise NegativeQuantity(
                gettext_noop("%(kind)s is %(value)s, but a contribution cannot be negative."),
                kind=self.kinds[k],
                value=format_scaled(int(self.quantities[i, k]), self.places[k]),
            )

    @classmethod
    def from_columns(
        cls,
        members: Sequence[str],
        columns: Mapping[str, Sequence[str | int | Decimal]],
        *,
        rows: Sequence[int] | None = None,
    ) -> Contributions:
        """From one sequence of quantities per kind, in the order of
        ``members`` (decimal strings, ints or Decimals; an empty string is
        zero). ``rows[i]`` is the row that member ``i`` came from, for errors."""
        arrays: list[npt.NDArray[Any]] = []
        places: list[int] = []
        for kind, cells in columns.items():
            if len(cells) != len(members):
                raise ValueError("one quantity per member in every column")
            array, scale = _column(cells, kind, rows)
            arrays.append(array)
            places.append(scale)
        if arrays and any(a.dtype == object for a in arrays):
            arrays = [a.astype(object) for a in arrays]
        matrix = np.column_stack(arrays) if arrays else np.zeros((len(members), 0), dtype=np.int64)
        return cls(tuple(members), tuple(columns), matrix, tuple(places))

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Mapping[str, str | int | Decimal]],
        kinds: Sequence[str] | None = None,
    ) -> Contributions:
        """From ``{member: {kind: quantity}}``; a kind a member lacks is zero.
        ``kinds`` fixes the columns (default: every kind that appears)."""
        if kinds is None:
            kinds = sorted({kind for quantities in data.values() for kind in quantities})
        known = set(kinds)
        for quantities in data.values():
            for kind in quantities:
                if kind not in known:
                    raise _unknown_kind(kind, kinds, row=None)
        members = list(data)
        columns = {kind: [data[m].get(kind, 0) for m in members] for kind in kinds}
        return cls.from_columns(members, columns)

    def quantity(self, member: str, kind: str) -> Fraction:
        """How much of ``kind`` ``member`` contributed, exactly."""
        i, k = self.members.index(member), self.kinds.index(kind)
        return Fraction(int(self.quantities[i, k]), 10 ** self.places[k])


def _unknown_kind(kind: str, known: Collection[str], row: int | None) -> UnknownKind:
    return UnknownKind(
        gettext_noop(
            "%(kind)s is not a contribution kind of this cooperative; the kinds are: %(known)s."
        ),
        row=row,
        kind=kind,
        known=", ".join(sorted(known)),
    )


def _blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()


def read_contributions(lines: Iterable[str], kinds: Collection[str] | None = None) -> Contributions:
    """Contributions from CSV text: a ``member`` column and one column per
    contribution kind, one row per member.

    Rows are numbered as a spreadsheet numbers them (the header is row 1) and
    every error names its row. A blank row is skipped, an empty quantity cell
    is zero, and cells are trimmed. With ``kinds``, a column that is not one
    of them is an error.
    """
    reader = csv.reader(lines, skipinitialspace=True)
    records: list[list[str]] = []  # records[i] is row i + 1
    try:
        for record in reader:
            records.append(record)
    except csv.Error:
        raise MalformedTable(
            gettext_noop("This row is not valid CSV: check its quotation marks."),
            row=len(records) + 1,
        ) from None
    if not records or _blank(records[0]):
        raise MalformedTable(
            gettext_noop(
                "The first row must name the columns: member, then one column per "
                "contribution kind."
            ),
            row=1,
        )
    header = [name.strip() for name in records[0]]
    while header and not header[-1]:
        header.pop()
    for number, name in enumerate(header, start=1):
        if not name:
            raise MalformedTable(
                gettext_noop("Column %(number)s has no name."), row=1, number=number
            )
        if header.index(name) != number - 1:
            raise MalformedTable(
                gettext_noop("The column %(column)s appears twice."), row=1, column=name
            )
    if MEMBER_COLUMN not in header:
        raise MalformedTable(
            gettext_noop("There is no %(column)s column."), row=1, column=MEMBER_COLUMN
        )
    kind_names = [name for name in header if name != MEMBER_COLUMN]
    if not kind_names:
        raise MalformedTable(gettext_noop("There is no column for any contribution kind."), row=1)
    if kinds is not None:
        for name in kind_names:
            if name not in kinds:
                raise _unknown_kind(name, kinds, row=1)

    width = len(header)
    member_at = header.index(MEMBER_COLUMN)
    members: list[str] = []
    rows: list[int] = []
    first_row: dict[str, int] = {}
    cells: list[list[str]] = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) != width:
            if _blank(record):
                continue
            if len(record) < width or not _blank(record[width:]):
                raise MalformedTable(
                    gettext_noop(
                        "This row does not have one cell per column of the header "
                        "(cells: %(found)s, columns: %(expected)s)."
                    ),
                    row=number,
                    found=len(record),
                    expected=width,
                )
            del record[width:]  # blank cells past the last column
        member = record[member_at].strip()
        if not member:
            if _blank(record):
                continue
            raise MissingMember(gettext_noop("The member cell is empty."), row=number)
        if member in first_row:
            raise DuplicateMember(
                gettext_noop(
                    "%(member)s already has a row (row %(first)s); give each member one row."
                ),
                row=number,
                member=member,
                first=first_row[member],
            )
        first_row[member] = number
        members.append(member)
        rows.append(number)
        cells.append(record)
    if not members:
        raise EmptyInput(gettext_noop("There are no members to share among."))
    transposed = list(zip(*cells, strict=True))
    columns = {
        name: transposed[index] for index, name in enumerate(header) if name != MEMBER_COLUMN
    }
    return Contributions.from_columns(members, columns, rows=rows)


# --- the allocation ------------------------------------------------------


class MemberShare(NamedTuple):
    """One member's part: ``dividend = cash + retained``, all in minor units
    (negative for a share of a loss); ``patronage`` is exact."""

    member: str
    patronage: Fraction
    dividend: int
    cash: int
    retained: int


@dataclass(frozen=True)
class Allocation:
    """``reserve + community + patronage_pool == surplus`` and the members'
    dividends add up to ``patronage_pool``, all in minor units. Members are in
    the order of the contributions. ``patronage_places`` is the number of
    decimal places that shows every member's patronage exactly, or ``None``
    if none does (a weight of one third)."""

    surplus: int
    reserve: int
    community: int
    patronage_pool: int
    members: tuple[MemberShare, ...]
    patronage_places: int | None = 0

    def to_dict(self, currency: str) -> dict[str, Any]:
        """The allocation with every amount a decimal string in ``currency``,
        as ``taawun allocate`` prints it."""
        money = currency_places(currency)
        places = self.patronage_places

        def patronage(value: Fraction) -> str:
            if places is None:
                return format_fraction(value, PATRONAGE_FALLBACK_PLACES)
            # Exact: the denominator divides 10**places (see allocate).
            return format_scaled(value.numerator * (10**places // value.denominator), places)

        return {
            "surplus": format_scaled(self.surplus, money),
            "reserve": format_scaled(self.reserve, money),
            "community": format_scaled(self.community, money),
            "patronage_pool": format_scaled(self.patronage_pool, money),
            "members": [
                {
                    "member": share.member,
                    "patronage": patronage(share.patronage),
                    "dividend": format_scaled(share.dividend, money),
                    "cash": format_scaled(share.cash, money),
                    "retained": format_scaled(share.retained, money),
                }
                for share in self.members
            ],
        }


def _ceil_percent(amount: int, percent: Fraction) -> int:
    """``ceil(amount * percent / 100)`` for ``amount >= 0``, exactly."""
    return -((-amount * percent.numerator) // (100 * percent.denominator))


def _floor_percent(amount: int, percent: Fraction) -> int:
    return (amount * percent.numerator) // (100 * percent.denominator)


def weighted_patronage(
    contributions: Contributions, weights: Mapping[str, Fraction | Decimal | int] | None = None
) -> tuple[list[int], int]:
    """Every member's patronage as ``(numerators, denominator)``: member ``i``'s
    is exactly ``numerators[i] / denominator``. ``weights`` gives each kind
    its weight (default: 1 for every kind); a kind without one is an error."""
    exact: list[Fraction] = []
    for kind in contributions.kinds:
        if weights is None:
            exact.append(Fraction(1))
            continue
        if kind not in weights:
            raise _unknown_kind(kind, weights, row=None)
        weight = Fraction(weights[kind])
        if weight < 0:
            raise InvalidWeight(
                gettext_noop(
                    "The weight of %(kind)s must be a number of zero or more, not %(value)s."
                ),
                field="weights",
                kind=kind,
                value=_number_text(weight),
            )
        exact.append(weight)
    # patronage = sum(w_k * Q_k / 10**p_k) = sum(Q_k * c_k) / D, with D the
    # lowest common denominator and every c_k a whole number.
    scales = [w.denominator * 10**p for w, p in zip(exact, contributions.places, strict=True)]
    denominator = math.lcm(*scales) if scales else 1
    factors = [w.numerator * (denominator // s) for w, s in zip(exact, scales, strict=True)]
    quantities = contributions.quantities
    if not factors:
        return [0] * len(contributions.members), denominator
    if quantities.dtype == np.int64 and max(factors) <= _INT64_MAX:
        largest = quantities.max(axis=0).tolist()
        # No product or sum in the matrix product exceeds this bound.
        if sum(q * c for q, c in zip(largest, factors, strict=True)) <= _INT64_MAX:
            product = quantities @ np.array(factors, dtype=np.int64)
            return [int(v) for v in product.tolist()], denominator
    product = quantities.astype(object) @ np.array(factors, dtype=object)
    return [int(v) for v in product.tolist()], denominator


def allocate(
    surplus: int,
    contributions: Contributions,
    *,
    weights: Mapping[str, Fraction | Decimal | int] | None = None,
    rules: AllocationRules | None = None,
    reserve_balance: int | None = None,
) -> Allocation:
    """Share ``surplus`` (minor units; negative for a loss) as ``rules`` say,
    the patronage part by weighted patronage (see the module docstring).

    ``reserve_balance`` is what the reserve holds before a loss is charged
    to it (minor units; ``None``: no limit is known); the reserve never
    carries more of a loss than it holds.
    """
    rules = rules or AllocationRules()
    patronage, denominator = weighted_patronage(contributions, weights)
    if surplus >= 0:
        reserve = _ceil_percent(surplus, rules.reserve_percent)
        community = min(_ceil_percent(surplus, rules.community_percent), surplus - reserve)
    else:
        charge = _floor_percent(-surplus, rules.loss_reserve_percent)
        if reserve_balance is not None:
            charge = min(charge, max(reserve_balance, 0))
        reserve, community = -charge, 0
    pool = surplus - reserve - community
    if pool and not any(patronage):
        raise NoPatronage(
            gettext_noop(
                "No member has any patronage in this period, so there is nothing to share "
                "the surplus or the loss by."
            )
        )
    dividends = split_integers(pool, patronage, contributions.members)
    shares = []
    cash_percent = rules.cash_percent
    numerator, divisor = cash_percent.numerator, 100 * cash_percent.denominator
    for member, units, dividend in zip(contributions.members, patronage, dividends, strict=True):
        cash = -((-dividend * numerator) // divisor) if dividend > 0 else 0
        shares.append(
            MemberShare(member, Fraction(units, denominator), dividend, cash, dividend - cash)
        )
    return Allocation(
        surplus=surplus,
        reserve=reserve,
        community=community,
        patronage_pool=pool,
        members=tuple(shares),
        # Places enough to show every member's patronage exactly, no more.
        patronage_places=terminating_places(denominator // math.gcd(denominator, *patronage)),
    )
