"""Errors of participatory budgeting's pure code (taawun.economy.budgeting
and taawun.economy.pabulib) for input it cannot use.

Like taawun.tally, this code imports nothing from Django, so it cannot
translate: each error carries a stable ``code`` (for scripts and the API),
its English ``template`` (marked with ``gettext_noop`` so that makemessages
extracts it) and the ``params`` that fill it. A caller with translations
shows ``gettext(error.template) % error.params``; ``message`` is the filled
English sentence, for logs and tests. ``line`` is the line of a Pabulib file
the error is about (the first line is 1), or ``None``.
"""

from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogues (Django's makemessages
    looks for this name) without importing Django: the caller translates."""
    return message


class BudgetingError(ValueError):
    """A round of participatory budgeting that cannot be decided as given."""

    def __init__(self, code: str, template: str, line: int | None = None, **params: Any) -> None:
        self.code = code
        self.template = template
        self.params = params
        self.line = line
        self.message = template % params if params else template
        super().__init__(f"line {line}: {self.message}" if line is not None else self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "params": self.params,
        }


class PabulibError(BudgetingError):
    """A Pabulib file that does not follow the format; ``line`` says where."""
