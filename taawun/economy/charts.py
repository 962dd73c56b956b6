"""Server-drawn SVG charts for the economy's pages: amounts become bar
lengths here, so a page needs no script, and the template always puts the
same figures in a table beside the chart (``economy/chart.html``).

Amounts may be negative (a loss, a debit): bars then grow from a zero line
the other way. Lengths are in units of the SVG's viewBox, WIDTH wide (the
chart scales to the page keeping its proportions, so a bar is as thick on
a phone as it is long), rounded to a tenth; a non-zero amount is drawn at
least a little, so that it is never mistaken for zero. Coordinates are
strings, so that the template never localises them ("65,9" is not SVG).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

BAR_HEIGHT = 24
GAP = 8
WIDTH = Decimal(400)
SMALLEST = Decimal(1)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the amount as the table shows it (formatted, with its currency)
    x: str
    width: str
    y: int
    negative: bool
    highlight: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    height: int
    bar_height: int
    zero: str  # where the zero line is ("" for none: no amount is negative)
    width: int
    label_heading: str
    value_heading: str


def _length(value: int, span: int) -> Decimal:
    if value == 0 or span == 0:
        return Decimal(0)
    length = (Decimal(abs(value)) / span * WIDTH).quantize(TENTH, ROUND_HALF_EVEN)
    return max(length, SMALLEST)


def bar_chart(
    rows: Iterable[tuple[str, int, str]],
    *,
    title: str,
    label_heading: str,
    value_heading: str,
    highlight: Iterable[str] = (),
) -> BarChart | None:
    """One horizontal bar per ``(label, amount, shown)``, in the order given;
    ``amount`` is a whole number (minor units, shares, hundredths of an hour...), ``shown``
    its text for the table. ``None`` when there is nothing to draw."""
    rows = list(rows)
    if not rows:
        return None
    marked = set(highlight)
    top = max(max(amount for _, amount, _ in rows), 0)
    bottom = min(min(amount for _, amount, _ in rows), 0)
    span = top - bottom
    zero = _length(-bottom, span) if bottom else Decimal(0)
    bars = []
    for n, (label, amount, shown) in enumerate(rows):
        length = _length(amount, span)
        bars.append(
            Bar(
                label=label,
                shown=shown,
                x=str(zero - length if amount < 0 else zero),
                width=str(length),
                y=n * (BAR_HEIGHT + GAP),
                negative=amount < 0,
                highlight=label in marked,
            )
        )
    return BarChart(
        title=title,
        bars=tuple(bars),
        height=len(bars) * (BAR_HEIGHT + GAP) - GAP,
        bar_height=BAR_HEIGHT,
        zero=str(zero) if bottom else "",
        width=int(WIDTH),
        label_heading=label_heading,
        value_heading=value_heading,
    )
