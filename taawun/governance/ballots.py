"""What a valid choice looks like for each kind of poll.

Each checker takes what the voter sent (from a form or the API) and returns
the normalised choice, or raises InvalidInput with a message for the voter.
Options are referred to by their position in ``poll.options``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.errors import InvalidInput

CONSENT_POSITIONS = ("agree", "abstain", "disagree", "block")
YES_NO_ANSWERS = ("yes", "no", "abstain")
MEETING_ANSWERS = ("yes", "maybe", "no")


def _index(value: Any, options: list[str]) -> int:
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("That is not one of the choices."), field="choice") from None
    if not 0 <= index < len(options) or isinstance(value, bool):
        raise InvalidInput(_("That is not one of the choices."), field="choice")
    return index


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidInput(_("Enter a whole number."), field="choice")
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number."), field="choice") from None


def check_choice(
    kind: str, options: list[str], settings: dict[str, Any], raw: Any
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(_("The vote is not in the expected form."), field="choice")
    checker = CHECKERS.get(kind)
    if checker is None:
        raise InvalidInput(_("Unknown kind of poll."), field="kind")
    return checker(options, settings, raw)


def _consent(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    position = raw.get("position")
    if position not in CONSENT_POSITIONS:
        raise InvalidInput(_("Choose agree, abstain, disagree or block."), field="choice")
    reason = str(raw.get("reason") or "").strip()
    if position == "block" and not reason:
        raise InvalidInput(
            _("A block stops the proposal, so it needs a reason the others can answer."),
            field="reason",
        )
    if len(reason) > 2000:
        raise InvalidInput(_("Keep the reason under 2,000 characters."), field="reason")
    return {"position": position, "reason": reason}


def _yes_no(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    answer = raw.get("answer")
    if answer not in YES_NO_ANSWERS:
        raise InvalidInput(_("Choose yes, no or abstain."), field="choice")
    return {"answer": answer}


def _plurality(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    if raw.get("option") in (None, ""):
        raise InvalidInput(_("Choose one option."), field="choice")
    return {"option": _index(raw.get("option"), options)}


def _approval(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    chosen = raw.get("options") or []
    if not isinstance(chosen, list):
        raise InvalidInput(_("The vote is not in the expected form."), field="choice")
    picked = sorted({_index(value, options) for value in chosen})
    if len(picked) != len(chosen):
        raise InvalidInput(_("Each option can be approved only once."), field="choice")
    limit = int(settings.get("max_approvals", len(options)))
    if len(picked) > limit:
        raise InvalidInput(
            ngettext(
                "You may approve at most %(n)d option.",
                "You may approve at most %(n)d options.",
                limit,
            )
            % {"n": limit},
            field="choice",
        )
    if not picked:
        raise InvalidInput(_("Approve at least one option."), field="choice")
    return {"options": picked}


def _score(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    scores = raw.get("scores")
    low, high = int(settings.get("score_min", 0)), int(settings.get("score_max", 5))
    if not isinstance(scores, dict) or len(scores) != len(options):
        raise InvalidInput(_("Give every option a score."), field="choice")
    result: dict[str, int] = {}
    for key, value in scores.items():
        index = _index(key, options)
        score = _whole(value)
        if not low <= score <= high:
            raise InvalidInput(
                _("Each score must be from %(low)d to %(high)d.") % {"low": low, "high": high},
                field="choice",
            )
        result[str(index)] = score
    if len(result) != len(options):
        raise InvalidInput(_("Give every option a score."), field="choice")
    return {"scores": dict(sorted(result.items(), key=lambda kv: int(kv[0])))}


def _dots(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    dots = raw.get("dots")
    budget = int(settings.get("dots", 10))
    if not isinstance(dots, dict):
        raise InvalidInput(_("The vote is not in the expected form."), field="choice")
    result: dict[str, int] = {}
    for key, value in dots.items():
        index = _index(key, options)
        count = _whole(value)
        if count < 0:
            raise InvalidInput(_("Dots cannot be negative."), field="choice")
        if count:
            result[str(index)] = result.get(str(index), 0) + count
    spent = sum(result.values())
    if spent != budget:
        raise InvalidInput(
            ngettext(
                "Spread exactly %(n)d dot; you placed %(placed)d.",
                "Spread exactly %(n)d dots; you placed %(placed)d.",
                budget,
            )
            % {"n": budget, "placed": spent},
            field="choice",
        )
    return {"dots": dict(sorted(result.items(), key=lambda kv: int(kv[0])))}


def _ranking(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    ranking = raw.get("ranking")
    if not isinstance(ranking, list) or not ranking:
        raise InvalidInput(_("Rank at least one option."), field="choice")
    indexes = [_index(value, options) for value in ranking]
    if len(set(indexes)) != len(indexes):
        raise InvalidInput(_("Each option can be ranked only once."), field="choice")
    return {"ranking": indexes}


def ranking_from_positions(positions: dict[int, Any]) -> list[int]:
    """A form gives each option a rank number (1 = first); blank means unranked.

    Works without JavaScript or dragging: the voter types or picks numbers.
    Two options with the same number are refused; gaps are fine (ranks 1, 3
    and 7 mean first, second and third).
    """
    ranked: list[tuple[int, int]] = []
    for index, value in positions.items():
        if value in (None, ""):
            continue
        rank = _whole(value)
        if rank < 1:
            raise InvalidInput(_("Ranks start at 1."), field="choice")
        ranked.append((rank, index))
    ranks = [rank for rank, _i in ranked]
    if len(set(ranks)) != len(ranks):
        raise InvalidInput(
            _("Two options have the same rank; give each a different number."), field="choice"
        )
    return [index for _rank, index in sorted(ranked)]


def _meeting(options: list[str], settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    slots = raw.get("slots")
    if not isinstance(slots, dict) or len(slots) != len(options):
        raise InvalidInput(_("Answer for every time."), field="choice")
    result: dict[str, str] = {}
    for key, value in slots.items():
        if value not in MEETING_ANSWERS:
            raise InvalidInput(_("Answer yes, if need be, or no for every time."), field="choice")
        result[str(_index(key, options))] = value
    if len(result) != len(options):
        raise InvalidInput(_("Answer for every time."), field="choice")
    return {"slots": dict(sorted(result.items(), key=lambda kv: int(kv[0])))}


CHECKERS = {
    "consent": _consent,
    "yes_no": _yes_no,
    "plurality": _plurality,
    "approval": _approval,
    "score": _score,
    "dots": _dots,
    "irv": _ranking,
    "stv": _ranking,
    "schulze": _ranking,
    "meeting": _meeting,
}
