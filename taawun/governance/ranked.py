"""Ranked polls (IRV, STV, Schulze), counted by taawun.tally."""

from __future__ import annotations

from typing import Any

from taawun.governance.models import Poll
from taawun.tally import (
    RankedBallots,
    instant_runoff,
    schulze,
    single_transferable_vote,
)


def count_ranked(
    poll: Poll, choices: list[tuple[dict[str, Any], int]], *, seed: str
) -> dict[str, Any]:
    options = poll.options
    ballots = RankedBallots.from_rankings(
        options,
        [[options[i] for i in choice["ranking"]] for choice, _weight in choices],
        weights=[weight for _choice, weight in choices],
    )
    if poll.kind == "irv":
        tally = instant_runoff(ballots, seed=seed)
    elif poll.kind == "stv":
        tally = single_transferable_vote(
            ballots, poll.settings["seats"], rules=poll.settings["rule"], seed=seed
        )
    else:
        tally = schulze(ballots, seed=seed)
    detail = tally.to_dict()
    winners = list(detail.get("winners", []))
    first = (detail.get("rounds") or [{}])[0].get("tallies", {})
    rows = (
        [{"label": o, "value": str(first.get(o, 0)), "winner": o in winners} for o in options]
        if first
        else []
    )
    return {
        "winners": winners if choices else [],
        "rounds": detail.get("rounds", []),
        "tie_breaks": detail.get("tie_breaks", []),
        "rows": rows,
        "tally": detail,
    }
