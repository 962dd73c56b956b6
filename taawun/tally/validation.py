"""Checks for a single ballot, for the web to run before it stores one.

Each check returns the ballot in a clean form or raises a
:class:`~taawun.tally.errors.TallyInputError` subclass whose ``code`` is
stable, so that the web shows a translated message next to the field. The
tally functions run the same checks, so a ballot that passes here always
counts, and one that fails is never silently dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from taawun.tally.errors import (
    BlockWithoutReason,
    DuplicateChoice,
    DuplicateRanking,
    EqualRankingsUnsupported,
    InvalidSettings,
    NegativeDots,
    ScoreOutOfRange,
    TooManyApprovals,
    UnknownCandidate,
    UnknownChoice,
    WrongDotTotal,
    gettext_noop,
)

YES_NO_CHOICES = ("yes", "no", "abstain")
CONSENT_CHOICES = ("agree", "abstain", "disagree", "block")
AVAILABILITY_ANSWERS = ("yes", "if_need_be", "no")


def _known(candidates: Collection[str], name: object) -> str:
    if not isinstance(name, str) or name not in candidates:
        raise UnknownCandidate(
            None, gettext_noop("unknown candidate “%(candidate)s”"), candidate=str(name)
        )
    return name


def check_ranking(
    candidates: Collection[str],
    ranking: Sequence[str | Collection[str]],
    *,
    allow_equal: bool = False,
) -> list[str | list[str]]:
    """A ranking: known candidates, each at most once.

    An item may be a collection of names ranked equal when ``allow_equal``
    (only Condorcet methods count those). An empty ranking is a blank ballot.
    """
    seen: set[str] = set()
    clean: list[str | list[str]] = []
    for item in ranking:
        group = [item] if isinstance(item, str) else list(item)
        if len(group) > 1 and not allow_equal:
            raise EqualRankingsUnsupported(
                None, gettext_noop("candidates cannot be ranked equal in this poll")
            )
        for name in group:
            _known(candidates, name)
            if name in seen:
                raise DuplicateRanking(
                    None, gettext_noop("%(candidate)s is ranked more than once"), candidate=name
                )
            seen.add(name)
        if group:
            clean.append(group[0] if len(group) == 1 else group)
    return clean


def check_choice(candidates: Collection[str], choice: str | None) -> str | None:
    """A single choice (plurality); ``None`` is a blank ballot."""
    return None if choice is None else _known(candidates, choice)


def check_approvals(
    candidates: Collection[str], approvals: Iterable[str], *, max_approvals: int | None = None
) -> list[str]:
    """Approvals: known candidates, each once, at most ``max_approvals`` of them."""
    chosen: list[str] = []
    for name in approvals:
        _known(candidates, name)
        if name in chosen:
            raise DuplicateChoice(
                None, gettext_noop("%(candidate)s is approved more than once"), candidate=name
            )
        chosen.append(name)
    if max_approvals is not None and len(chosen) > max_approvals:
        raise TooManyApprovals(
            None,
            gettext_noop("at most %(limit)d candidates may be approved, not %(given)d"),
            limit=max_approvals,
            given=len(chosen),
        )
    return chosen


def check_score_range(minimum: int, maximum: int) -> None:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (minimum, maximum)):
        raise InvalidSettings(None, gettext_noop("a score range is made of whole numbers"))
    if minimum >= maximum:
        raise InvalidSettings(None, gettext_noop("the lowest score must be below the highest"))


def check_scores(
    candidates: Collection[str], scores: Mapping[str, int], *, minimum: int, maximum: int
) -> dict[str, int]:
    """Scores: known candidates, each a whole number from ``minimum`` to ``maximum``."""
    clean: dict[str, int] = {}
    for name, value in scores.items():
        _known(candidates, name)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise ScoreOutOfRange(
                None,
                gettext_noop(
                    "the score for %(candidate)s must be a whole number "
                    "from %(minimum)d to %(maximum)d"
                ),
                candidate=name,
                minimum=minimum,
                maximum=maximum,
            )
        clean[name] = value
    return clean


def check_dots(
    candidates: Collection[str], dots: Mapping[str, int], *, total: int
) -> dict[str, int]:
    """Dots: known candidates, none negative, exactly ``total`` dots spread."""
    clean: dict[str, int] = {}
    for name, value in dots.items():
        _known(candidates, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise NegativeDots(
                None,
                gettext_noop("the dots on %(candidate)s must be a whole number, 0 or more"),
                candidate=name,
            )
        if value:
            clean[name] = value
    spread = sum(clean.values())
    if spread != total:
        raise WrongDotTotal(
            None,
            gettext_noop("exactly %(total)d dots must be spread, not %(given)d"),
            total=total,
            given=spread,
        )
    return clean


def check_yes_no(choice: str) -> str:
    if choice not in YES_NO_CHOICES:
        raise UnknownChoice(
            None,
            gettext_noop("a yes/no vote is yes, no or abstain, not “%(choice)s”"),
            choice=str(choice),
        )
    return choice


def check_consent(choice: str, reason: str = "") -> tuple[str, str]:
    """A consent vote; a block must give its reason."""
    if choice not in CONSENT_CHOICES:
        raise UnknownChoice(
            None,
            gettext_noop("a consent vote is agree, abstain, disagree or block, not “%(choice)s”"),
            choice=str(choice),
        )
    if choice == "block" and not (reason or "").strip():
        raise BlockWithoutReason(None, gettext_noop("a block must give its reason"))
    return choice, (reason or "").strip()


def check_availability(slots: Collection[str], answers: Mapping[str, str]) -> dict[str, str]:
    """Meeting-time answers: known slots, each yes, if_need_be or no."""
    clean: dict[str, str] = {}
    for slot, answer in answers.items():
        if slot not in slots:
            raise UnknownCandidate(
                None, gettext_noop("unknown time slot “%(candidate)s”"), candidate=str(slot)
            )
        if answer not in AVAILABILITY_ANSWERS:
            raise UnknownChoice(
                None,
                gettext_noop("the answer for %(slot)s is yes, if_need_be or no, not “%(answer)s”"),
                slot=slot,
                answer=str(answer),
            )
        clean[slot] = answer
    return clean
