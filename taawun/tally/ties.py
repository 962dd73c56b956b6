"""Resolving ties: the method's own rule first, then a lot anyone can redraw.

Lots are drawn from a ``seed`` string that the caller supplies. Choose one
that nobody can know before the poll closes (for example the hash of the
published bulletin board), so that a lot cannot be steered; the result
records the seed and every key, so that anyone can check the draw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from taawun.tally.results import Lot, TieBreak


def draw_lot(seed: str, context: str, tied: Sequence[str]) -> Lot:
    """Order ``tied`` by ``sha256(seed + "\\n" + context + "\\n" + name)``."""
    keys = {
        name: hashlib.sha256(f"{seed}\n{context}\n{name}".encode()).hexdigest() for name in tied
    }
    order = sorted(keys, key=lambda name: (keys[name], name))
    return Lot(seed=seed, context=context, keys=keys, order=order)


class TieBreaker:
    """Picks one of several tied candidates and records how.

    ``history`` holds the votes of every candidate at the end of each earlier
    round (oldest first). The look-back rule is the Scottish one (rules 49(2)
    and 51(2) of the Scottish Local Government Elections Order 2007): go to the
    most recent earlier round in which the tied candidates had unequal votes
    and take the lowest (or highest); if several are still level there, go on
    looking back among those. A lot decides only when they were level in every
    round.
    """

    def __init__(self, method: str, candidates: Sequence[str], seed: str) -> None:
        self.method = method
        self.candidates = list(candidates)
        self.seed = seed
        self.records: list[TieBreak] = []

    def pick(
        self,
        tied: Sequence[int],
        *,
        round_number: int,
        purpose: str,
        lowest: bool,
        history: Sequence[Sequence[int]] = (),
    ) -> int:
        """Return the candidate index picked from ``tied`` (which must be non-empty)."""
        if len(tied) == 1:
            return tied[0]
        names = [self.candidates[c] for c in tied]
        remaining = list(tied)
        for back in range(len(history) - 1, -1, -1):
            votes = history[back]
            values = [votes[c] for c in remaining]
            if len(set(values)) == 1:
                continue
            extreme = min(values) if lowest else max(values)
            remaining = [c for c, v in zip(remaining, values, strict=True) if v == extreme]
            if len(remaining) == 1:
                chosen = remaining[0]
                self.records.append(
                    TieBreak(
                        round=round_number,
                        purpose=purpose,
                        tied=names,
                        rule="earlier_round",
                        chosen=self.candidates[chosen],
                        earlier_round=back + 1,
                    )
                )
                return chosen
        return self.lot(remaining, round_number=round_number, purpose=purpose, tied_names=names)

    def lot(
        self,
        tied: Sequence[int],
        *,
        round_number: int,
        purpose: str,
        tied_names: Sequence[str] | None = None,
    ) -> int:
        """Draw one of ``tied`` by lot and record the draw."""
        names = [self.candidates[c] for c in tied]
        context = f"{self.method}/round {round_number}/{purpose}/{','.join(sorted(names))}"
        lot = draw_lot(self.seed, context, names)
        chosen_name = lot.order[0]
        self.records.append(
            TieBreak(
                round=round_number,
                purpose=purpose,
                tied=list(tied_names) if tied_names is not None else names,
                rule="lot",
                chosen=chosen_name,
                lot=lot,
            )
        )
        return tied[names.index(chosen_name)]

    def order(
        self,
        group: Sequence[int],
        *,
        round_number: int,
        purpose: str,
        lowest: bool,
        history: Sequence[Sequence[int]] = (),
        limit: int | None = None,
    ) -> list[int]:
        """Put a group of tied candidates in order by picking one after another
        (only the first ``limit`` of them, when given)."""
        rest = list(group)
        ordered: list[int] = []
        wanted = len(rest) if limit is None else min(limit, len(rest))
        while len(ordered) < wanted:
            chosen = self.pick(
                rest, round_number=round_number, purpose=purpose, lowest=lowest, history=history
            )
            ordered.append(chosen)
            rest.remove(chosen)
        return ordered
