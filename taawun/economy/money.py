"""Exact money: amounts as whole numbers of the currency's minor unit.

An amount of 1,250.50 Egyptian pounds is the integer 125050 (piastres); 12.345
Kuwaiti dinars is 12345 (fils); 1,000 yen is 1000. Every sum and every split is
integer arithmetic, so nothing is ever lost to rounding unnoticed: a split
always adds up to exactly what was split. Decimal strings are the way in and
out (``parse_amount`` and ``format_amount``), never floats.

How a split rounds (``split_largest_remainder``), the rule that the whole
allocation relies on:

1. each part first gets the whole minor units of its exact share,
   ``total * weight / sum(weights)`` rounded down;
2. the minor units still left over (fewer than the number of parts) go one
   each to the parts with the largest remainders (the largest fractions cut
   off in step 1);
3. parts whose remainders are equal are served in ascending order of their
   keys (Python's order: numbers by value, text by Unicode code point), so
   that the same input always gives the same split, whatever order it came in.

So each part is its exact share rounded down or up, never further from it
than one minor unit, and a part with weight zero gets nothing. A negative
total (a loss) is split as its magnitude and every part negated: the same
members carry the extra minor unit of a loss as would receive it of a surplus.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, TypeVar

import numpy as np

from taawun.currencies import MINOR_UNITS
from taawun.economy.errors import (
    InvalidWeight,
    MalformedAmount,
    NothingToSplitBy,
    TooPrecise,
    UnknownCurrency,
    gettext_noop,
)

# Digits as many Arabic keyboards and spreadsheets type them (Arabic-Indic and
# Persian forms) and the Arabic decimal separator, read as ASCII.
ARABIC_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},  # ARABIC-INDIC DIGITS
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # EXTENDED ARABIC-INDIC DIGITS
        "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
    }
)
# A plain decimal: an optional sign, digits, and an optional point followed by
# digits. No exponent, no grouping separators, no bare point (".5" or "5.").
_DECIMAL = re.compile(r"([+-]?)([0-9]{1,30})(?:\.([0-9]{1,30}))?")


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Comparable)

_INT64_MAX = 2**63 - 1


def normalise_digits(text: str) -> str:
    """``text`` stripped, with Arabic-Indic digits and decimal point as ASCII."""
    return text.strip().translate(ARABIC_DIGITS)


def decimal_parts(text: str) -> tuple[int, int] | None:
    """Read a plain decimal exactly: ``"-12.50"`` is ``(-1250, 2)``, the value
    being ``integer / 10**places``; ``None`` if ``text`` is not one."""
    match = _DECIMAL.fullmatch(normalise_digits(text))
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    fraction = fraction or ""
    value = int(whole + fraction)
    return (-value if sign == "-" else value), len(fraction)


def currency_places(currency: str) -> int:
    """The number of decimal places of ``currency``'s minor unit (ISO 4217)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(
            gettext_noop(
                "%(currency)s is not a currency that Taawun knows; give its ISO 4217 code, "
                "such as EGP."
            ),
            field="currency",
            currency=currency,
        ) from None


def parse_amount(text: str, currency: str, *, field: str | None = None) -> int:
    """The amount ``text`` (a decimal string such as ``"-1250.5"``) in minor
    units of ``currency``. Trailing zeros beyond the minor unit are accepted
    (``"3.100"`` pounds); anything finer than the minor unit is refused."""
    places = currency_places(currency)
    parts = decimal_parts(text)
    if parts is None:
        raise MalformedAmount(
            gettext_noop(
                "%(value)s is not an amount of money: write digits with at most one "
                "decimal point, such as 1250.50."
            ),
            field=field,
            value=text,
        )
    value, given = parts
    if given <= places:
        return value * 10 ** (places - given)
    scale = 10 ** (given - places)
    if value % scale:
        raise TooPrecise(
            gettext_noop("%(value)s is finer than the smallest unit of %(currency)s (%(unit)s)."),
            field=field,
            value=text,
            currency=currency,
            unit=format_scaled(1, places),
        )
    return value // scale


def format_scaled(value: int, places: int) -> str:
    """``value / 10**places`` as a decimal string with exactly ``places`` places."""
    sign = "-" if value < 0 else ""
    if places == 0:
        return f"{sign}{abs(value)}"
    whole, fraction = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}"


def format_amount(minor: int, currency: str) -> str:
    """An amount in minor units as a decimal string with the currency's places:
    ``format_amount(-125050, "EGP") == "-1250.50"``."""
    return format_scaled(minor, currency_places(currency))


def terminating_places(denominator: int) -> int | None:
    """The fewest decimal places that show every multiple of ``1/denominator``
    exactly, or ``None`` if it has none (a third, a seventh)."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def format_fraction(value: Fraction, places: int) -> str:
    """``value`` as a decimal string with ``places`` places; exact when the
    value has no more places, otherwise rounded half to even."""
    return format_scaled(round(value * 10**places), places)


def integer_weights(weights: Sequence[int | Fraction | Decimal]) -> list[int]:
    """Whole numbers in the same proportions as ``weights`` (which must be zero
    or more): each multiplied by the lowest common denominator."""
    exact = [Fraction(weight) for weight in weights]
    for weight in exact:
        if weight < 0:
            raise InvalidWeight(
                gettext_noop("A weight must be zero or more, not %(value)s."),
                field="weights",
                value=str(weight),
            )
    scale = math.lcm(*(weight.denominator for weight in exact)) if exact else 1
    return [weight.numerator * (scale // weight.denominator) for weight in exact]


def split_largest_remainder(
    total: int, weights: Sequence[int | Fraction | Decimal], keys: Sequence[K]
) -> list[int]:
    """Split ``total`` (minor units; negative for a loss) into integer parts in
    proportion to ``weights``, with ``keys[i]`` naming part ``i``.

    The parts add up to exactly ``total``; the rounding and the order for
    ties are the ones in this module's docstring. Weights are ints,
    Fractions or Decimals, zero or more; all zero is allowed only for a total of zero.
    Keys must be distinct and comparable with each other.
    """
    if len(weights) != len(keys):
        raise ValueError("one key per weight")
    return split_integers(total, integer_weights(weights), keys)


def split_integers(total: int, weights: Sequence[int], keys: Sequence[K]) -> list[int]:
    """``split_largest_remainder`` for weights that are already non-negative
    ints (no checks on them: the caller has made them)."""
    if len(set(keys)) != len(keys):
        raise ValueError("the keys of a split must be distinct")
    whole = sum(weights)
    if whole == 0:
        if total == 0:
            return [0] * len(weights)
        raise NothingToSplitBy(
            gettext_noop("There is nothing to share the amount by: every weight is zero.")
        )
    magnitude = abs(total)
    pairs = [divmod(magnitude * weight, whole) for weight in weights]
    parts = [part for part, _ in pairs]
    leftover = magnitude - sum(parts)
    if leftover:
        remainders = [remainder for _, remainder in pairs]
        for i in _largest_remainders(remainders, keys, leftover, whole):
            parts[i] += 1
    return [-part for part in parts] if total < 0 else parts


def _largest_remainders(
    remainders: list[int], keys: Sequence[K], count: int, whole: int
) -> list[int]:
    """The indices of the ``count`` largest remainders, equal ones in
    ascending order of key. Fewer units are left over than there are non-zero
    remainders, so a part whose share was already whole (weight zero
    included) is never picked."""
    if whole > _INT64_MAX:
        order = sorted(
            (i for i, remainder in enumerate(remainders) if remainder),
            key=lambda i: (-remainders[i], keys[i]),
        )
        return order[:count]
    # The same, in numpy when the remainders (all below ``whole``) fit int64:
    # the count-th largest remainder is the threshold; all above it are in,
    # and the first of those equal to it by key fill the places left.
    values = np.array(remainders, dtype=np.int64)
    threshold = np.partition(values, len(values) - count)[len(values) - count]
    above = np.flatnonzero(values > threshold).tolist()
    tied = sorted(np.flatnonzero(values == threshold).tolist(), key=keys.__getitem__)
    return above + tied[: count - len(above)]
