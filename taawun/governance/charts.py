"""Server-drawn bar charts: numbers become SVG widths here, so a page needs
no script, and the same figures are always in a table beside the chart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

BAR_HEIGHT = 28
GAP = 10
WIDTH = 100  # the SVG viewBox is in percent of the width


def bars(result: dict[str, Any] | None) -> dict[str, Any] | None:
    rows = (result or {}).get("rows") or []
    if not rows:
        return None
    values = [Decimal(str(row["value"])) for row in rows]
    top = max(values) or Decimal(1)
    drawn = []
    for n, (row, value) in enumerate(zip(rows, values, strict=True)):
        share = (value / top * WIDTH).quantize(Decimal("0.1"))
        drawn.append(
            {
                "label": row["label"],
                "value": row["value"],
                # Strings, so that the template never localises them: an
                # Arabic page would write "65,9", which is not SVG.
                "width": str(share),
                "y": n * (BAR_HEIGHT + GAP),
                "text_y": str(n * (BAR_HEIGHT + GAP) + BAR_HEIGHT * 0.68),
                "winner": row.get("winner", False),
            }
        )
    return {"rows": drawn, "height": len(rows) * (BAR_HEIGHT + GAP), "bar": BAR_HEIGHT}
