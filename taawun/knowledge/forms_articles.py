"""Forms of the knowledge-base pages. They only read what was typed; the
actions check it (length limits, tags, languages), so that a page, the API
and the demo follow one rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.knowledge.models import CONTENT_LANGUAGES, Skill, Visibility
from taawun.web.forms import set_choices

TEXT_HINT = _(
    "In Markdown: **bold**, *italic*, lists, tables, code between ``` lines, "
    "[links](https://example.org) and images by address ![description](https://example.org/a.png)."
)


def skill_choices(skills: Iterable[Skill]) -> list[tuple[str, str]]:
    return sorted(((str(s.pk), s.name) for s in skills), key=lambda c: c[1].casefold())


class ArticleForm(forms.Form):
    """Writing an article, or editing it (then with ``summary``, without ``language``)."""

    title = forms.CharField(
        label=_("Title"),
        error_messages={"required": _("Give the article a title.")},
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    language = forms.ChoiceField(label=_("Language of the article"), choices=CONTENT_LANGUAGES)
    body = forms.CharField(
        label=_("Text"),
        help_text=TEXT_HINT,
        strip=False,
        error_messages={"required": _("Write the text of the article.")},
        widget=forms.Textarea(attrs={"rows": 16, "dir": "auto"}),
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    tags = forms.CharField(
        label=_("Tags (optional)"),
        required=False,
        help_text=_("Separated by commas, such as: meetings, backups. At most 10."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills it teaches or needs (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("What you changed (optional)"),
        required=False,
        help_text=_("A few words for the history, such as: fixed the backup command."),
    )

    def __init__(self, *args: Any, skills: Iterable[Skill], editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "skills", skill_choices(skills))
        if not self.fields["skills"].choices:  # type: ignore[attr-defined]
            del self.fields["skills"]
        if editing:
            del self.fields["language"]
        else:
            del self.fields["summary"]


class TranslationForm(forms.Form):
    """The same article in another language: its title and text in it."""

    language = forms.ChoiceField(
        label=_("Language of the translation"),
        error_messages={"invalid_choice": _("Choose a language the article is not yet in.")},
    )
    title = ArticleForm.base_fields["title"]
    body = ArticleForm.base_fields["body"]
    visibility = ArticleForm.base_fields["visibility"]

    def __init__(self, *args: Any, languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "language", [("", _("Choose a language")), *languages])


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        help_text=_("In Markdown, as the article."),
        error_messages={"required": _("Write your comment.")},
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )


class CompareForm(forms.Form):
    """Two revisions to compare (sent by GET, so the comparison has an address)."""

    older = forms.TypedChoiceField(label=_("From revision"), coerce=int)
    newer = forms.TypedChoiceField(label=_("To revision"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(n), str(n)) for n in numbers]
        set_choices(self, "older", choices)
        set_choices(self, "newer", choices)


class ConfirmForm(forms.Form):
    """A confirmation step: no fields, only the action's error if it refuses."""


class FilterForm(forms.Form):
    """Narrow the list of articles (sent by GET). Choices are what the
    reader's articles use; an unknown value is ignored, not an error."""

    tag = forms.ChoiceField(label=_("Tag"), required=False)
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(
        self,
        *args: Any,
        tags: list[str],
        skills: list[Skill],
        languages: set[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _("Any"))
        set_choices(self, "tag", [anything, *((t, t) for t in tags)])
        set_choices(self, "skill", [anything, *((s.slug, s.name) for s in skills)])
        set_choices(
            self, "language", [anything, *((c, n) for c, n in CONTENT_LANGUAGES if c in languages)]
        )

    def chosen(self) -> dict[str, str]:
        """The filters given that are among the choices (an invalid field is
        left out of ``cleaned_data``)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
