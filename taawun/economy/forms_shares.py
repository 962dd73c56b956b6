"""Forms of the share capital pages. They only read what was typed (a member
number, a whole number, a date); every rule of the bylaws is the actions'
to apply, and run_action puts their errors beside these same fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.economy import queries
from taawun.economy.money import normalise_digits
from taawun.membership.models import Cooperative, Member

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON = forms.Textarea(attrs={"rows": 3})


class WholeNumberField(forms.IntegerField):
    """A whole number, typed with Western or Arabic-Indic digits; its range
    is the action's to check (so its error names the range the bylaws allow)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = normalise_digits(value)
        result: int | None = super().to_python(value)
        return result


class MemberNumberField(WholeNumberField):
    """A member of the cooperative, named by the number the share register shows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The member number, as the share register shows it."))
        super().__init__(*args, **kwargs)


class MemberNumberForm(forms.Form):
    """A form with member number fields, read into members of ``coop``."""

    member_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, coop: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.coop = coop

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for name in self.member_fields:
            number = data.get(name)
            if number is None:
                continue
            member: Member | None = queries.member_by_number(self.coop, number)
            if member is None:
                self.add_error(
                    name,
                    _("There is no member number %(number)s in this cooperative.")
                    % {"number": number},
                )
            else:
                data[name] = member
        return data


class SubscribeForm(MemberNumberForm):
    """An officer records shares a member takes up."""

    member_fields = ("member",)
    ONCE = "once"
    INSTALMENTS = "instalments"

    member = MemberNumberField(label=_("Member number"))
    shares = WholeNumberField(label=_("Number of shares"))
    payment = forms.ChoiceField(
        label=_("How are the shares paid?"),
        widget=forms.RadioSelect,
        choices=[
            (ONCE, _("In full, at once")),
            (INSTALMENTS, _("In instalments, recorded as they are paid")),
        ],
    )
    paid_on = forms.DateField(
        label=_("Paid on"),
        required=False,
        widget=DATE,
        help_text=_("For shares paid at once: the day the money came in. Empty means today."),
    )
    instalments = WholeNumberField(
        label=_("Number of instalments"),
        required=False,
        help_text=_("For shares paid in instalments: how many are planned (1 to 120)."),
    )
    on = forms.DateField(
        label=_("Subscribed on"),
        required=False,
        widget=DATE,
        help_text=_("Empty means today."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("payment") == self.INSTALMENTS and data.get("instalments") is None:
            self.add_error("instalments", _("Say in how many instalments the shares are paid."))
        return data


class PaymentForm(forms.Form):
    """An officer records an instalment paid on a subscription."""

    amount = forms.CharField(
        label=_("Amount paid"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    paid_on = forms.DateField(
        label=_("Paid on"), required=False, widget=DATE, help_text=_("Empty means today.")
    )


class TransferForm(MemberNumberForm):
    """A member asks to pass shares to another member."""

    member_fields = ("to_member",)

    to_member = MemberNumberField(label=_("Member number of the member who receives the shares"))
    shares = WholeNumberField(label=_("Number of shares"))
    reason = forms.CharField(
        label=_("Note for the decision (optional)"),
        required=False,
        max_length=2000,
        widget=REASON,
    )


class RedemptionForm(MemberNumberForm):
    """Shares asked back: by the member, or by an officer for a member."""

    member_fields = ("member",)

    member = MemberNumberField(
        label=_("Member number"),
        required=False,
        help_text=_(
            "For an officer asking on behalf of a member (one who has left, for example). "
            "Empty means your own shares."
        ),
    )
    shares = WholeNumberField(label=_("Number of shares to pay back"))

    def __init__(self, *args: Any, for_others: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not for_others:
            del self.fields["member"]


class TransferDecisionForm(forms.Form):
    APPROVE = "approve"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve the transfer")), (REFUSE, _("Refuse the transfer"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=REASON,
        help_text=_("Required when refusing: the member is told why."),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        # The member who asked is owed an explanation of a refusal.
        if data.get("decision") == self.REFUSE and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the transfer is refused."))
        return data


class RedemptionDecisionForm(forms.Form):
    PAY = "pay"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(PAY, _("Pay the shares back")), (REFUSE, _("Refuse the redemption"))],
    )
    paid_on = forms.DateField(
        label=_("Paid on"),
        required=False,
        widget=DATE,
        help_text=_("When paying: the day the money was paid. Empty means today."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=REASON,
        help_text=_("Required when refusing: the member is told why."),
    )
