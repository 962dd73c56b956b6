"""Count a ballot file with the method its poll kind calls for."""

from __future__ import annotations

from taawun.tally.choice import approval, dot_vote, plurality, score
from taawun.tally.condorcet import schulze
from taawun.tally.decisions import ConsentVote, consent, yes_no
from taawun.tally.errors import InvalidSettings, gettext_noop
from taawun.tally.formats import BallotFile
from taawun.tally.irv import instant_runoff
from taawun.tally.meeting import meeting_time
from taawun.tally.results import TallyResult
from taawun.tally.stv import meek_stv, scottish_stv

RANKED_METHODS = ("irv", "stv", "meek", "schulze")


def count_ballot_file(
    ballot_file: BallotFile, *, method: str | None = None, seed: str = ""
) -> TallyResult:
    """Count ``ballot_file``.

    Ranked ballots are counted by ``method`` (``irv``, ``stv`` for the
    Scottish rules, ``meek`` or ``schulze``); without one, by IRV for one seat
    and Scottish STV for several. Other kinds have one method each, named
    like the kind.
    """
    kind = ballot_file.kind
    seats = ballot_file.seats or 1
    options = ballot_file.options
    if kind == "ranked":
        ranked = ballot_file.ranked
        if ranked is None:
            raise InvalidSettings(None, gettext_noop("the file holds no ranked ballots"))
        chosen = method or ("irv" if seats == 1 else "stv")
        if chosen == "irv":
            if seats != 1:
                raise InvalidSettings(
                    None, gettext_noop("instant runoff fills one seat; use stv for more")
                )
            return instant_runoff(ranked, seed=seed)
        if chosen == "stv":
            return scottish_stv(ranked, seats, seed=seed)
        if chosen == "meek":
            return meek_stv(ranked, seats, seed=seed)
        if chosen == "schulze":
            return schulze(ranked, seats=seats, seed=seed)
        raise InvalidSettings(
            None,
            gettext_noop("ranked ballots are counted by %(methods)s, not “%(method)s”"),
            methods=", ".join(RANKED_METHODS),
            method=str(chosen),
        )
    if method is not None and method != kind:
        raise InvalidSettings(
            None,
            gettext_noop("a %(kind)s poll is counted by %(kind)s, not “%(method)s”"),
            kind=kind,
            method=str(method),
        )
    names = ballot_file.candidates
    ballots = ballot_file.ballots
    weights = ballot_file.weights
    if kind == "plurality":
        return plurality(names, ballots, seats=seats, weights=weights, seed=seed)
    if kind == "approval":
        return approval(
            names,
            ballots,
            max_approvals=options.get("max_approvals"),
            seats=seats,
            weights=weights,
            seed=seed,
        )
    if kind == "score":
        return score(
            names,
            ballots,
            minimum=options.get("minimum", 0),
            maximum=options.get("maximum", 5),
            seats=seats,
            weights=weights,
            seed=seed,
        )
    if kind == "dot":
        return dot_vote(
            names, ballots, dots=options["dots"], seats=seats, weights=weights, seed=seed
        )
    if kind == "yes_no":
        return yes_no(
            ballots,
            threshold_rule=options.get("threshold", "majority"),
            abstentions_count=options.get("abstentions_count", False),
            weights=weights,
        )
    if kind == "consent":
        return consent(
            [ConsentVote(choice, reason) for choice, reason in ballots],
            threshold_rule=options.get("threshold", "majority"),
            abstentions_count=options.get("abstentions_count", False),
            weights=weights,
        )
    if kind == "meeting_time":
        return meeting_time(names, ballots, weights=weights, seed=seed)
    raise InvalidSettings(None, gettext_noop("unknown poll kind “%(kind)s”"), kind=str(kind))
