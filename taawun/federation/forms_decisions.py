"""Forms of network decisions. They only read what was typed; the actions
in ``decisions`` check it, so that each rule has one message, shown beside
its field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.web.forms import set_choices

# The format a datetime-local field shows (and sends back): to the minute, as
# a closing time is given; with seconds the browser adds a field for them.
LOCAL_TIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("Question"), required=False)
    body = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: *emphasis*, **strong**, lists with -, links as [text](https://…)."),
    )
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("From 2 to 10. Each member cooperative chooses one."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        widget=LOCAL_TIME,
        help_text=_("In your time zone."),
    )
    quorum_percent = forms.DecimalField(
        label=_("Quorum (percentage of member cooperatives; empty for the network's setting)"),
        required=False,
    )
    threshold_percent = forms.DecimalField(
        label=_(
            "Threshold (an option carries with more than this percentage of the answers; "
            "empty for the network's setting)"
        ),
        required=False,
    )

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines()]

    def share(self, name: str) -> Decimal | None:
        """A percentage typed in the form as the fraction the action takes."""
        value = self.cleaned_data.get(f"{name}_percent")
        return None if value is None else value / 100


class AnswerForm(forms.Form):
    choice = forms.ChoiceField(label=_("Our cooperative's answer"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, options: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "choice", [(option, option) for option in options])


class InternalPollForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=_("The members' poll closes at"),
        widget=LOCAL_TIME,
        help_text=_("In your time zone; before the network's question closes."),
    )


class ConfirmForm(forms.Form):
    """A button with nothing to type (errors go on the form as a whole)."""
