"""Numpy helpers shared by the ranked methods: move ballots, add up votes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def sum_by(
    candidates: npt.NDArray[np.integer], amounts: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """Add up ``amounts`` per candidate index, exactly (integers, no floats)."""
    totals = np.zeros(n, dtype=np.int64)
    np.add.at(totals, candidates, amounts)
    return totals


def advance(
    prefs: npt.NDArray[np.int16],
    pointer: npt.NDArray[np.intp],
    rows: npt.NDArray[np.intp],
    continuing: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """Move each of ``rows`` on to its next preference for a continuing candidate.

    Updates ``pointer`` in place and returns the new candidate of each row,
    or ``-1`` for a row with no further continuing preference (exhausted).
    """
    width = prefs.shape[1]
    position = pointer[rows] + 1
    result = np.full(rows.shape[0], -1, dtype=np.int64)
    active = np.arange(rows.shape[0])
    while active.size:
        at = position[active]
        inside = at < width
        active, at = active[inside], at[inside]
        if not active.size:
            break
        candidate = prefs[rows[active], at].astype(np.int64)
        ranked = candidate >= 0
        active, at, candidate = active[ranked], at[ranked], candidate[ranked]
        found = continuing[candidate]
        result[active[found]] = candidate[found]
        active = active[~found]
        position[active] += 1
    pointer[rows] = np.minimum(position, width)
    return result
