"""From ballots to a result a member can check: the counts, the quorum and
threshold arithmetic, and the winners.

The counting itself is :mod:`taawun.tally`'s, for every kind of poll, so
that a poll on the site and a recount of its bulletin board (``taawun tally
recount``) run the same code as ``taawun tally`` on a ballot file. This
module turns a poll's stored ballots (options by position) into the
library's input (options by name), and its result into what the result page
shows.

The weight of a ballot is the vote weight of the voter's class on the frozen
roll (1 unless the bylaws say otherwise). Quorum counts members who took
part (abstentions included); thresholds count weighted votes. Ties that the
method's own rule does not settle are broken by lot, drawn from ``seed``
(the ledger head at the close), which anyone can recompute: see
:func:`taawun.tally.draw_lot`.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil
from typing import Any

from django.utils import translation

from taawun import tally
from taawun.governance.models import Poll

# Votes in favour needed out of a base of n (the page shows this number; the
# decision itself is taawun.tally's exact comparison, which agrees).
NEEDED = {
    "majority": lambda base: base // 2 + 1,
    "two_thirds": lambda base: ceil(Fraction(2, 3) * base),
    "three_quarters": lambda base: ceil(Fraction(3, 4) * base),
    "unanimity": lambda base: base,
}
# The meeting-time answers as stored, and as the library names them.
MEETING_ANSWERS = {"yes": "yes", "maybe": "if_need_be", "no": "no"}


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


def _threshold(poll: Poll, decided: Any, yes: int, no: int, abstain: int) -> dict[str, Any]:
    from taawun.membership.bylaws import threshold_labels

    name = poll.settings["threshold"]
    arithmetic = decided.arithmetic
    # The stored result is the same whoever closes the poll and in whatever
    # language (its digest goes to the ledger, and `taawun tally recount`
    # compares it): the label is kept in English, and pages translate the
    # threshold by its ``name``.
    with translation.override("en"):
        label = str(threshold_labels()[name])
    return {
        "name": name,
        "label": label,
        "for": yes,
        "against": no,
        "abstain": abstain,
        "base": arithmetic.base,
        "needed": NEEDED[name](arithmetic.base),
        "met": arithmetic.met,
    }


def _decision(poll: Poll, choices: list[tuple[dict[str, Any], int]]) -> dict[str, Any]:
    weights = [weight for _choice, weight in choices]
    rule = {
        "threshold_rule": poll.settings["threshold"],
        "abstentions_count": bool(poll.settings.get("abstentions_count")),
        "weights": weights,
    }
    if poll.kind == "consent":
        votes = [tally.ConsentVote(c["position"], c.get("reason", "")) for c, _w in choices]
        decided: Any = tally.consent(votes, **rule)
        counts = decided.counts
        yes, no = counts["agree"], counts["disagree"] + counts["block"]
    else:
        decided = tally.yes_no([c["answer"] for c, _w in choices], **rule)
        counts = decided.counts
        yes, no = counts["yes"], counts["no"]
    return {
        "threshold": _threshold(poll, decided, yes, no, counts["abstain"]),
        "blocks": counts.get("block", 0),
        "met": decided.arithmetic.met,
        "rows": [{"label": o, "value": counts[o]} for o in poll.options],
    }


def _choice(poll: Poll, choices: list[tuple[dict[str, Any], int]], seed: str) -> Any:
    """The one-round kinds and meeting time, counted by the library."""
    options, settings = poll.options, poll.settings
    weights = [weight for _choice, weight in choices]
    picked = [choice for choice, _weight in choices]
    if poll.kind == "plurality":
        return tally.plurality(
            options, [options[c["option"]] for c in picked], weights=weights, seed=seed
        )
    if poll.kind == "approval":
        return tally.approval(
            options,
            [[options[i] for i in c["options"]] for c in picked],
            max_approvals=settings.get("max_approvals"),
            weights=weights,
            seed=seed,
        )
    if poll.kind == "score":
        return tally.score(
            options,
            [{options[int(i)]: s for i, s in c["scores"].items()} for c in picked],
            minimum=settings["score_min"],
            maximum=settings["score_max"],
            weights=weights,
            seed=seed,
        )
    if poll.kind == "dots":
        return tally.dot_vote(
            options,
            [{options[int(i)]: d for i, d in c["dots"].items()} for c in picked],
            dots=settings["dots"],
            weights=weights,
            seed=seed,
        )
    return tally.meeting_time(
        options,
        [{options[int(i)]: MEETING_ANSWERS[a] for i, a in c["slots"].items()} for c in picked],
        weights=weights,
        seed=seed,
    )


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
        decided = _decision(poll, choices)
        result.update(
            threshold=decided["threshold"],
            blocks=decided["blocks"],
            rows=decided["rows"],
            passed=bool(result["quorum"]["reached"] and decided["met"] and not decided["blocks"]),
        )
        return result
    if kind in ("irv", "stv", "schulze"):
        from taawun.governance.ranked import count_ranked

        result.update(count_ranked(poll, choices, seed=seed))
        return _with_lots(result)
    counted = _choice(poll, choices, seed)
    winners = counted.winners if ballots else []
    if kind == "meeting":
        answers = counted.answers
        rows = [
            {
                "label": o,
                "value": answers[o]["yes"],
                "maybe": answers[o]["if_need_be"],
                "winner": o in winners,
            }
            for o in options
        ]
    else:
        rows = [{"label": o, "value": counted.totals[o], "winner": o in winners} for o in options]
        if kind == "score":
            for row in rows:
                row["mean"] = counted.means_rounded[row["label"]]
    detail = counted.to_dict()
    result.update(
        winners=winners,
        rows=rows,
        tie_breaks=detail.get("tie_breaks", []) if ballots else [],
    )
    return _with_lots(result)


def _with_lots(result: dict[str, Any]) -> dict[str, Any]:
    result["lot_drawn"] = any(tie.get("rule") == "lot" for tie in result["tie_breaks"])
    return result
