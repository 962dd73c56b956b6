"""Errors raised by the economy's pure arithmetic for input it cannot use.

Like taawun.tally, the arithmetic imports nothing from Django, so it cannot
translate: each error carries a stable ``code``, its English ``template``
(marked with ``gettext_noop`` so that makemessages extracts it) and the
``params`` that fill it. A caller with translations shows
``gettext(error.template) % error.params``; ``message`` is the filled English
sentence, for logs and tests.

``row`` names the row of an uploaded table (a CSV file: the header is row 1,
as a spreadsheet counts) and ``field`` the setting or form field the error
belongs to (``reserve``, ``surplus``, ``weights``...), so that the web shows
it beside that field; either is ``None`` when it does not apply.
"""

from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogues (Django's makemessages
    looks for this name) without importing Django: the caller translates."""
    return message


class EconomyInputError(ValueError):
    """Input the economy's arithmetic cannot use; the base of this family."""

    code = "economy_input"

    def __init__(
        self,
        template: str,
        *,
        row: int | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.template = template
        self.params = params
        self.row = row
        self.field = field
        self.message = template % params if params else template
        super().__init__(f"row {row}: {self.message}" if row is not None else self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "row": self.row,
            "field": self.field,
            "params": self.params,
        }


# --- money ---------------------------------------------------------------


class UnknownCurrency(EconomyInputError):
    code = "unknown_currency"


class MalformedAmount(EconomyInputError):
    """Not an amount of money at all (letters, two decimal points, an exponent)."""

    code = "malformed_amount"


class TooPrecise(EconomyInputError):
    """An amount finer than the currency's minor unit (12.345 pounds)."""

    code = "too_precise"


class NothingToSplitBy(EconomyInputError):
    """A non-zero amount to share among parts whose weights are all zero."""

    code = "nothing_to_split_by"


# --- settings ------------------------------------------------------------


class InvalidPercent(EconomyInputError):
    """A percentage that is not a number, or not from 0 to 100."""

    code = "invalid_percent"


class PercentagesOver100(EconomyInputError):
    code = "percentages_over_100"


class BelowMinimum(EconomyInputError):
    """A percentage below the minimum the bylaws (or the law) set for it."""

    code = "below_minimum"


class InvalidWeight(EconomyInputError):
    code = "invalid_weight"


# --- contributions -------------------------------------------------------


class EmptyInput(EconomyInputError):
    code = "empty_input"


class MalformedTable(EconomyInputError):
    """A table (CSV) that cannot be read as one: missing or duplicate
    columns, a row with the wrong number of cells, broken quoting."""

    code = "malformed_table"


class MissingMember(EconomyInputError):
    code = "missing_member"


class DuplicateMember(EconomyInputError):
    code = "duplicate_member"


class UnknownKind(EconomyInputError):
    """A contribution kind the cooperative has not configured."""

    code = "unknown_kind"


class MalformedQuantity(EconomyInputError):
    code = "malformed_quantity"


class NegativeQuantity(EconomyInputError):
    code = "negative_quantity"


class NoPatronage(EconomyInputError):
    """A surplus or a loss to share by patronage when nobody has any."""

    code = "no_patronage"
