"""Errors raised by the tally library for input it cannot count.

The library imports nothing from Django, so it cannot translate: each error
carries a stable ``code`` and its ``params``, and the web (or the API) maps
the code to a translated message. ``message`` is a plain English sentence
for logs, the CLI and tests. ``line`` names the line of a ballot file that is
wrong, or is ``None`` when the error is not about a file.
"""

from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogues (Django's makemessages
    looks for this name) without importing Django: the caller translates."""
    return message


def _fill(template: str, params: dict[str, Any]) -> str:
    try:
        return template % params if params else template
    except (KeyError, TypeError, ValueError):  # not a template: a finished message
        return template


class TallyInputError(ValueError):
    """Input that cannot be counted; the base of every error in this package.

    ``template`` is the English message with ``%(name)s`` placeholders filled
    from ``params``; a caller with translations shows
    ``gettext(error.template) % error.params``.
    """

    code = "tally_input"

    def __init__(self, line: int | None, message: str, **params: Any) -> None:
        self.line = line
        self.template = message
        self.message = _fill(message, params)
        self.params = params
        text = self.message
        super().__init__(f"line {line}: {text}" if line is not None else text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "params": self.params,
        }


class MalformedFile(TallyInputError):
    code = "malformed_file"


class InvalidSettings(TallyInputError):
    """The poll's settings (seats, threshold, range...) make no sense."""

    code = "invalid_settings"


class InvalidWeight(TallyInputError):
    """A ballot weight that is not a whole number of ballots."""

    code = "invalid_weight"


class UnknownCandidate(TallyInputError):
    code = "unknown_candidate"


class UnknownChoice(TallyInputError):
    """A choice that the poll kind does not offer (e.g. "maybe" in a yes/no poll)."""

    code = "unknown_choice"


class DuplicateRanking(TallyInputError):
    code = "duplicate_ranking"


class EqualRankingsUnsupported(TallyInputError):
    """Two candidates ranked equal, given to a method that needs a strict order."""

    code = "equal_rankings_unsupported"


class DuplicateChoice(TallyInputError):
    code = "duplicate_choice"


class TooManyApprovals(TallyInputError):
    code = "too_many_approvals"


class ScoreOutOfRange(TallyInputError):
    code = "score_out_of_range"


class NegativeDots(TallyInputError):
    code = "negative_dots"


class WrongDotTotal(TallyInputError):
    code = "wrong_dot_total"


class BlockWithoutReason(TallyInputError):
    code = "block_without_reason"
