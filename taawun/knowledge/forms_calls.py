"""Forms of the calls for collaboration. They only read what was typed; the
actions check it, so that there is one rule and its message lands beside
the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.economy.forms_contributions import DayField
from taawun.knowledge.models import Call, Level, Skill, Visibility

# Skill and level pairs the form offers (the action takes up to MAX_NEEDS).
NEED_ROWS = 5


class CallForm(forms.Form):
    title = forms.CharField(
        label=_("What the project is, in a few words"),
        required=False,
        help_text=_("Such as: Community Wi-Fi for a village school."),
    )
    body = forms.CharField(
        label=_("About the project"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What it is, who it is for and what help it needs. Written in Markdown: "
            "- for a list item, **bold**, [words](https://…) for a link."
        ),
    )
    starts_on = DayField(label=_("Starts on (optional)"), required=False)
    ends_on = DayField(label=_("Ends on (optional)"), required=False)
    terms = forms.ChoiceField(
        label=_("Paid or volunteer"), choices=Call.Terms.choices, widget=forms.RadioSelect
    )
    visibility = forms.ChoiceField(
        label=_("Who can see the call"),
        choices=Visibility.choices,
        initial=Visibility.NETWORK,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = sorted(
            ((str(skill.pk), skill.name) for skill in Skill.objects.all()),
            key=lambda choice: choice[1].casefold(),
        )
        skills: list[tuple[str, Any]] = [("", _("none")), *named]
        for n in range(1, NEED_ROWS + 1):
            self.fields[f"skill_{n}"] = forms.ChoiceField(
                label=_("Skill needed (%(n)s)") % {"n": n}, choices=skills, required=False
            )
            self.fields[f"level_{n}"] = forms.TypedChoiceField(
                label=_("At least at level (%(n)s)") % {"n": n},
                choices=Level.choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=Level.INTERMEDIATE,
            )
        self.fields["skill_1"].help_text = _(
            "The skills the project needs, each with the least level that will do."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, NEED_ROWS + 1):
            if data.get(f"skill_{n}") and data.get(f"level_{n}") is None:
                self.add_error(f"level_{n}", _("Choose the least level that will do."))
        return data

    def needs(self) -> list[tuple[Skill, int]]:
        """The chosen skills with their levels, in the order given."""
        data = self.cleaned_data
        chosen = [
            (int(data[f"skill_{n}"]), data[f"level_{n}"])
            for n in range(1, NEED_ROWS + 1)
            if data.get(f"skill_{n}")
        ]
        skills = Skill.objects.in_bulk([skill for skill, _level in chosen])
        return [(skills[skill], level) for skill, level in chosen if skill in skills]

    @classmethod
    def initial_for(cls, call: Call) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": call.title,
            "body": call.body,
            "starts_on": call.starts_on,
            "ends_on": call.ends_on,
            "terms": call.terms,
            "visibility": call.visibility,
        }
        for n, need in enumerate(call.needs.order_by("pk"), start=1):
            initial[f"skill_{n}"] = str(need.skill_id)
            initial[f"level_{n}"] = need.level
        return initial


class ResponseForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you can bring to the project, and how the cooperative can reach you."),
    )


class ConfirmForm(forms.Form):
    """A button (close the call): no fields, only the action's error."""
