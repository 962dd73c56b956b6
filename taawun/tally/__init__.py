"""Vote counting: pure functions from ballots to an explained result.

Nothing here imports Django or another Taawun app, so that anyone can
recount a published bulletin board with this package alone. Each function
takes the ballots and the poll's settings and returns a result dataclass
(see :mod:`taawun.tally.results`) with the winners, the round-by-round
explanation and every tie-break, and a ``to_json()`` for the CLI and the
result page.
"""

from taawun.tally.ballots import RankedBallots
from taawun.tally.choice import approval, dot_vote, plurality, score
from taawun.tally.condorcet import condorcet_winner, pairwise_matrix, schulze
from taawun.tally.counting import count_ballot_file
from taawun.tally.decisions import THRESHOLDS, ConsentVote, consent, yes_no
from taawun.tally.errors import (
    BlockWithoutReason,
    DuplicateChoice,
    DuplicateRanking,
    EqualRankingsUnsupported,
    InvalidSettings,
    InvalidWeight,
    MalformedFile,
    NegativeDots,
    ScoreOutOfRange,
    TallyInputError,
    TooManyApprovals,
    UnknownCandidate,
    UnknownChoice,
    WrongDotTotal,
)
from taawun.tally.formats import BallotFile, read_ballot_file, read_blt, read_json, read_preflib
from taawun.tally.irv import instant_runoff
from taawun.tally.meeting import meeting_time
from taawun.tally.results import (
    Arithmetic,
    ConsentResult,
    CountResult,
    DecisionResult,
    Lot,
    MeetingTimeResult,
    Round,
    SchulzeResult,
    ScoreResult,
    StvResult,
    TallyResult,
    Threshold,
    TieBreak,
    Transfer,
)
from taawun.tally.stv import meek_stv, scottish_stv, single_transferable_vote
from taawun.tally.ties import draw_lot
from taawun.tally.validation import (
    check_approvals,
    check_availability,
    check_choice,
    check_consent,
    check_dots,
    check_ranking,
    check_scores,
    check_yes_no,
)

__all__ = [
    "THRESHOLDS",
    "Arithmetic",
    "BallotFile",
    "BlockWithoutReason",
    "ConsentResult",
    "ConsentVote",
    "CountResult",
    "DecisionResult",
    "DuplicateChoice",
    "DuplicateRanking",
    "EqualRankingsUnsupported",
    "InvalidSettings",
    "InvalidWeight",
    "Lot",
    "MalformedFile",
    "MeetingTimeResult",
    "NegativeDots",
    "RankedBallots",
    "Round",
    "SchulzeResult",
    "ScoreOutOfRange",
    "ScoreResult",
    "StvResult",
    "TallyInputError",
    "TallyResult",
    "Threshold",
    "TieBreak",
    "TooManyApprovals",
    "Transfer",
    "UnknownCandidate",
    "UnknownChoice",
    "WrongDotTotal",
    "approval",
    "check_approvals",
    "check_availability",
    "check_choice",
    "check_consent",
    "check_dots",
    "check_ranking",
    "check_scores",
    "check_yes_no",
    "condorcet_winner",
    "consent",
    "count_ballot_file",
    "dot_vote",
    "draw_lot",
    "instant_runoff",
    "meek_stv",
    "meeting_time",
    "pairwise_matrix",
    "plurality",
    "read_ballot_file",
    "read_blt",
    "read_json",
    "read_preflib",
    "schulze",
    "score",
    "scottish_stv",
    "single_transferable_vote",
    "yes_no",
]
