"""Forms of the economy's bylaws settings: the percentages and rules as one
form, the contribution kinds as rows. The bylaws check the whole document
(membership.bylaws.validate_economy); these forms only carry the text."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.membership.bylaws import CONTRIBUTION_UNITS
from taawun.web.forms import set_choices

PERCENT_HELP = _("A percentage from 0 to 100, such as 12.5.")
NO_TRANSFERS = ""


def _percent(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        required=required,
        help_text=PERCENT_HELP,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class EconomySettingsForm(forms.Form):
    """Field names are the bylaws' own, so that their errors land beside them."""

    reserve_percent = _percent(_("Share of a surplus put in the indivisible reserve"))
    legal_minimum_reserve_percent = _percent(_("Legal minimum for the reserve"))
    community_percent = _percent(_("Share of a surplus put in the education and community fund"))
    cash_percent = _percent(_("Share of each patronage dividend paid in cash"))
    minimum_cash_percent = _percent(_("Minimum share of a dividend paid in cash"))
    loss_reserve_percent = _percent(_("Share of a loss charged to the reserve"))
    allocation_needs_poll = forms.BooleanField(
        label=_("The members approve each allocation by a vote"), required=False
    )
    capital_interest_percent = _percent(_("Yearly interest on capital accounts (0 for none)"))
    revolving_years = forms.IntegerField(
        label=_("Retained allocations are paid back after (years, 0 for only on leaving)"),
        min_value=0,
        max_value=50,
    )
    share_transfer_approver = forms.ChoiceField(
        label=_("Transfers of shares between members are approved by"), required=False
    )
    redemption_delay_months = forms.IntegerField(
        label=_("Shares are paid back this many months after they are asked for"),
        min_value=0,
        max_value=120,
    )
    redemption_yearly_limit_percent = _percent(
        _("At most this share of the capital paid back in a year (empty for no limit)"),
        required=False,
    )
    redemption_on_request = forms.BooleanField(
        label=_("Members who stay may ask for shares above their class's minimum back"),
        required=False,
    )

    def __init__(self, *args: Any, offices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "share_transfer_approver",
            [(NO_TRANSFERS, _("nobody: the bylaws allow no transfers")), *offices],
        )


class KindRowForm(forms.Form):
    """One kind of contribution; a row left without a code is ignored."""

    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        required=False,
        help_text=_("Lowercase letters, digits or _, e.g. sales; the column name in imports."),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=100, required=False)
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=100, required=False)
    unit = forms.ChoiceField(label=_("Counted in"), required=False)
    weight = forms.CharField(
        label=_("Weight in the patronage formula"),
        max_length=20,
        required=False,
        help_text=_(
            "How much one unit counts: with hours 1 and sales 0.01, an hour counts as 100 of sales."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {"hours": _("hours"), "money": _("money (the cooperative's currency)")}
        set_choices(self, "unit", [(u, names[u]) for u in CONTRIBUTION_UNITS])


KindFormSet = forms.formset_factory(KindRowForm, extra=1, can_delete=True, max_num=20)
