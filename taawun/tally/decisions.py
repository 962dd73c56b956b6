"""Decisions on one proposal: yes/no/abstain and consent.

The threshold is exact rational arithmetic: the share of votes in favour is
a ``Fraction`` compared with the required fraction, and the result carries
the numbers so the result page can show the sum.

Thresholds: ``majority`` is *more than* half; ``two_thirds`` and
``three_quarters`` are *at least* that share; ``unanimity`` is every vote in
the base in favour. The base is the votes cast for and against; with
``abstentions_count`` the abstentions join the base (so an abstention weighs
like a vote against). When the base is empty nothing passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from taawun.tally._common import weighted
from taawun.tally.errors import InvalidSettings, gettext_noop
from taawun.tally.results import Arithmetic, ConsentResult, DecisionResult, Round, Threshold
from taawun.tally.validation import CONSENT_CHOICES, YES_NO_CHOICES, check_consent, check_yes_no

THRESHOLDS: dict[str, tuple[Fraction, str]] = {
    "majority": (Fraction(1, 2), ">"),
    "two_thirds": (Fraction(2, 3), ">="),
    "three_quarters": (Fraction(3, 4), ">="),
    "unanimity": (Fraction(1), ">="),
}


@dataclass(frozen=True)
class ConsentVote:
    """One consent ballot; a ``block`` carries its reason."""

    choice: str
    reason: str = ""


def threshold(rule: str, *, abstentions_count: bool = False) -> Threshold:
    if rule not in THRESHOLDS:
        raise InvalidSettings(
            None,
            gettext_noop("unknown threshold “%(threshold)s”; use one of %(thresholds)s"),
            threshold=str(rule),
            thresholds=", ".join(THRESHOLDS),
        )
    required, comparison = THRESHOLDS[rule]
    return Threshold(
        rule=rule, abstentions_count=abstentions_count, required=required, comparison=comparison
    )


def apply_threshold(rule: Threshold, in_favour: int, against: int, abstain: int) -> Arithmetic:
    base = in_favour + against + (abstain if rule.abstentions_count else 0)
    share = Fraction(in_favour, base) if base else None
    if share is None:
        met = False
    elif rule.comparison == ">":
        met = share > rule.required
    else:
        met = share >= rule.required
    return Arithmetic(
        in_favour=in_favour,
        base=base,
        share=share,
        required=rule.required,
        comparison=rule.comparison,
        met=met,
    )


def yes_no(
    votes: Iterable[str],
    *,
    threshold_rule: str = "majority",
    abstentions_count: bool = False,
    weights: Iterable[int] | None = None,
) -> DecisionResult:
    """Count yes / no / abstain votes against a threshold."""
    rule = threshold(threshold_rule, abstentions_count=abstentions_count)
    counts = dict.fromkeys(YES_NO_CHOICES, 0)
    for vote, weight in weighted(votes, weights):
        counts[check_yes_no(vote)] += weight
    arithmetic = apply_threshold(rule, counts["yes"], counts["no"], counts["abstain"])
    return DecisionResult(
        method="yes_no",
        candidates=list(YES_NO_CHOICES),
        seats=1,
        winners=["yes"] if arithmetic.met else [],
        rounds=[Round(number=1, tallies=dict(counts))],
        ballots=sum(counts.values()),
        counts=counts,
        threshold=rule,
        arithmetic=arithmetic,
        passed=arithmetic.met,
    )


def consent(
    votes: Iterable[ConsentVote | str],
    *,
    threshold_rule: str = "majority",
    abstentions_count: bool = False,
    weights: Iterable[int] | None = None,
) -> ConsentResult:
    """Count a consent poll: it passes when no block stands and the threshold is met.

    ``votes`` are :class:`ConsentVote` (or bare choice strings for votes
    without a reason). Checking that each block has a reason is the caller's
    job (:func:`~taawun.tally.validation.check_consent`); the count reports
    every block with its reason, and any block stops the proposal. In the
    threshold, agree is in favour and disagree and block are against.
    """
    rule = threshold(threshold_rule, abstentions_count=abstentions_count)
    counts = dict.fromkeys(CONSENT_CHOICES, 0)
    blocks: list[str] = []
    for vote, weight in weighted(votes, weights):
        ballot = ConsentVote(vote) if isinstance(vote, str) else vote
        if ballot.choice not in CONSENT_CHOICES:
            check_consent(ballot.choice)  # raises UnknownChoice
        counts[ballot.choice] += weight
        if ballot.choice == "block":
            blocks += [ballot.reason.strip()] * weight
    arithmetic = apply_threshold(
        rule, counts["agree"], counts["disagree"] + counts["block"], counts["abstain"]
    )
    passed = arithmetic.met and not blocks
    return ConsentResult(
        method="consent",
        candidates=list(CONSENT_CHOICES),
        seats=1,
        winners=["agree"] if passed else [],
        rounds=[Round(number=1, tallies=dict(counts))],
        ballots=sum(counts.values()),
        counts=counts,
        threshold=rule,
        arithmetic=arithmetic,
        passed=passed,
        blocks=sorted(blocks),
    )
