"""Forms of the allocation pages: the treasurer's figures and the reasons."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SurplusForm(forms.Form):
    # Text, not a number field: the action parses amounts exactly (and
    # Arabic-Indic digits), and its errors land beside this field.
    surplus = forms.CharField(
        label=_("Net surplus of the period"),
        max_length=40,
        help_text=_(
            "In the cooperative's currency, such as 125000.50; "
            "a loss as a negative amount, such as -3000."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    poll_closes_at = forms.DateTimeField(
        label=_("The members' vote closes at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In your time zone. Leave it empty for two weeks from now."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the allocation withdrawn?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
