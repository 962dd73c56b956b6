"""Forms of mentoring: asking for a mentor, and the buttons that move a
request on (no fields: only the action's error, if it refuses)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.web.forms import set_choices


class AskForm(forms.Form):
    skill = forms.ChoiceField(label=_("Skill"))
    # No max_length here: the action's rule (and message) is the one rule.
    message = forms.CharField(
        label=_("What you would like help with"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What you know already and what you want to learn. The mentors the "
            "platform proposes read it."
        ),
    )

    def __init__(self, *args: Any, skills: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "skill", [("", _("Choose a skill")), *skills])


class StepForm(forms.Form):
    """Accept, decline, withdraw or end: a button, no fields."""
