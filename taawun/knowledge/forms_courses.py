"""Forms of the course pages. They only read what was typed; the actions
check it (a title's length, a lesson's size, the language), so that there is
one rule, and its message lands beside the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.knowledge.models import CONTENT_LANGUAGES, Skill, Visibility


class SkillsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Skill.objects.all(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )


def _language_field(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=[("", _("Choose a language")), *CONTENT_LANGUAGES], required=False
    )


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False)
    language = _language_field(_("Language of the course"))
    summary = forms.CharField(
        label=_("What you will learn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences that help a learner decide whether to take it."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can take it"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    skills = SkillsField(label=_("Skills it teaches (optional)"))

    def __init__(self, *args: Any, with_language: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_language:
            # A course keeps its language; another language is a translation.
            del self.fields["language"]
        if not Skill.objects.exists():
            del self.fields["skills"]


class TranslateForm(forms.Form):
    language = _language_field(_("Language of the translation"))
    title = forms.CharField(label=_("Title in that language"), required=False)
    summary = forms.CharField(
        label=_("What you will learn, in that language"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title of the lesson"), required=False)
    body = forms.CharField(
        label=_("The lesson"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Written in Markdown: ## for a heading, - for a list item, **bold**, "
            "[words](https://…) for a link."
        ),
    )


class ConfirmForm(forms.Form):
    """A button (enrol, mark as done): no fields, only the action's error."""
