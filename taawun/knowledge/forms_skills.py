"""Forms of the skills vocabulary, of a member's own skills, of the
cooperative's skills directory and of its services.

They only read what was typed; the actions check it (names, levels and
lengths have one rule, in ``skill_actions``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.knowledge.models import Level
from taawun.web.forms import set_choices


class SkillNamesForm(forms.Form):
    name_ar = forms.CharField(
        label=_("Name in Arabic"),
        required=False,
        widget=forms.TextInput(attrs={"lang": "ar", "dir": "rtl", "autocomplete": "off"}),
    )
    name_en = forms.CharField(
        label=_("Name in English"),
        required=False,
        widget=forms.TextInput(attrs={"lang": "en", "dir": "ltr", "autocomplete": "off"}),
        help_text=_("Give at least one of the two names; another member can add the other."),
    )

    def names(self) -> dict[str, str]:
        return {"ar": self.cleaned_data["name_ar"], "en": self.cleaned_data["name_en"]}


def level_choices() -> list[tuple[str, Any]]:
    return [(str(value), label) for value, label in Level.choices]


class DeclareSkillForm(forms.Form):
    skill = forms.ChoiceField(label=_("Skill"))
    level = forms.ChoiceField(label=_("Your level"), widget=forms.RadioSelect)
    mentors = forms.BooleanField(label=_("I will mentor others in this"), required=False)

    def __init__(self, *args: Any, skills: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "skill", [("", _("Choose a skill")), *skills])
        set_choices(self, "level", level_choices())


class FindMembersForm(forms.Form):
    """The directory's search, sent by GET: it changes nothing."""

    skill = forms.ChoiceField(label=_("Skill"), required=False)
    level = forms.ChoiceField(label=_("At least at the level"), required=False)
    mentors = forms.BooleanField(label=_("Only those who mentor in it"), required=False)

    def __init__(self, *args: Any, skills: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "skill", [("", _("Any skill (show the counts)")), *skills])
        set_choices(self, "level", [("", _("Any level")), *level_choices()])


class ServiceForm(forms.Form):
    title = forms.CharField(label=_("Service"), required=False)
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the cooperative does for whom, in a few sentences."),
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills it uses (optional)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, skills: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "skills", skills)
