"""Forms of the periods, contributions and capital account pages.

They only read what was typed; the actions check it (amounts and hours are
passed on as text, so that the actions' own parsing, which accepts
Arabic-Indic digits, is the one rule).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from taawun.economy.models import CapitalAccountEntry, FiscalPeriod
from taawun.economy.money import normalise_digits
from taawun.web.forms import set_choices

# A contributions file: the action reads at most 2,000,000 characters; at
# most as many bytes keeps the confirmation (which sends the text back) under
# Django's limit on a request's form data (2.5 MB).
MAX_IMPORT_BYTES = 2_000_000


class DayField(forms.DateField):
    """A date, typed as the browser's date picker sends it (2025-03-31) or by
    hand, in Arabic-Indic digits too."""

    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str):
            value = normalise_digits(value)
        return super().to_python(value)


class PeriodForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Usually the year, such as 2025.")
    )
    starts_on = DayField(label=_("First day"))
    ends_on = DayField(label=_("Last day"))


class ConfirmForm(forms.Form):
    """A confirmation step: no fields, only the action's error if it refuses."""


class PeriodChoiceField(forms.ChoiceField):
    """Offers the open periods, but takes any period of the cooperative, so
    that a period closed since the form was shown gets the action's own
    error ("closed: nothing in it can change") rather than a bare "not a
    valid choice"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known: set[str] = set()

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.known or super().valid_value(value)


class HoursForm(forms.Form):
    period = PeriodChoiceField(label=_("Period"))
    kind = forms.ChoiceField(label=_("Kind of work"))
    on = DayField(label=_("Date worked"))
    hours = forms.CharField(
        label=_("Hours"),
        max_length=20,
        help_text=_("Such as 7.5 for seven and a half hours; Arabic digits are fine."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        help_text=_("What you worked on, for the officer who approves it."),
    )

    def __init__(
        self,
        *args: Any,
        periods: list[FiscalPeriod],
        all_periods: list[FiscalPeriod],
        kinds: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "period", [(str(p.pk), p.name) for p in periods])
        field = self.fields["period"]
        assert isinstance(field, PeriodChoiceField)
        field.known = {str(p.pk) for p in all_periods}
        set_choices(self, "kind", kinds)
        if len(kinds) <= 1:
            # One kind of hours (the usual bylaws): nothing to choose.
            del self.fields["kind"]


class DecisionForm(forms.Form):
    """An officer's decision on one waiting contribution (one form per row)."""

    reason = forms.CharField(
        label=_("Reason (shown to the member)"),
        required=False,
        max_length=500,
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_("Saved from a spreadsheet as CSV (UTF-8), at most 2 MB."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    csv_text = forms.CharField(
        label=_("Or paste the CSV text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "ltr", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile | None = data.get("file")
        pasted: str = data.get("csv_text") or ""
        if upload is not None and pasted.strip():
            self.add_error("csv_text", _("Give either a file or pasted text, not both."))
        elif upload is not None:
            data["text"] = self._read(upload)
        elif pasted.strip():
            if len(pasted.encode()) > MAX_IMPORT_BYTES:
                self.add_error("csv_text", _("This text is too large: at most 2 MB."))
            data["text"] = pasted
        elif not self.has_error("file"):
            self.add_error("csv_text", _("Choose a CSV file or paste its text."))
        if "text" in data:
            data["text"] = normalised_text(data["text"])
        return data

    def _read(self, upload: UploadedFile) -> str:
        if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", _("This file is too large: at most 2 MB."))
            return ""
        try:
            return upload.read(MAX_IMPORT_BYTES + 1).decode("utf-8")
        except UnicodeDecodeError:
            self.add_error(
                "file",
                _(
                    "This file is not UTF-8 text. In your spreadsheet, save it as "
                    "“CSV UTF-8” and try again."
                ),
            )
            return ""


def normalised_text(text: str) -> str:
    """Line ends as ``\\n``: a browser sends every line end of a form's text
    back as ``\\r\\n``, and the confirmation must read the text previewed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ConfirmImportForm(forms.Form):
    """The previewed text, sent back as it was shown, and its digest: what is
    imported is exactly what was previewed."""

    csv_text = forms.CharField(widget=forms.HiddenInput, strip=False)
    digest = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = normalised_text(data.get("csv_text", ""))
        if text_digest(text) != data.get("digest"):
            raise forms.ValidationError(
                _("The file changed after the preview: upload it and preview it again.")
            )
        data["text"] = text
        return data


def capital_kind_choices(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    labels = dict(CapitalAccountEntry.Kind.choices)
    return [(kind, str(labels[kind])) for kind in kinds]


class CapitalEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of entry"), widget=forms.RadioSelect)
    amount = forms.CharField(
        label=_("Amount"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    on = DayField(label=_("Date"))
    period = forms.ChoiceField(label=_("Period it concerns (optional)"), required=False)
    corrects = forms.ChoiceField(label=_("Entry it corrects (for a correction)"), required=False)
    memo = forms.CharField(
        label=_("Memo"),
        required=False,
        max_length=500,
        help_text=_("Required for a correction: say what it puts right."),
    )

    def __init__(
        self,
        *args: Any,
        currency: str,
        kinds: list[tuple[str, str]],
        periods: list[tuple[str, str]],
        entries: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "kind", kinds)
        set_choices(self, "period", [("", _("None")), *periods])
        set_choices(self, "corrects", [("", _("None")), *entries])
        self.fields["amount"].help_text = _(
            "In %(currency)s, such as 1250.50. Interest, revolving and a payout are "
            "positive; a correction is negative when it takes money off the account."
        ) % {"currency": currency}
