"""The search form: what to look for and, optionally, where.

The words are never refused here (any length, any character): the search
reads them (see taawun.knowledge.search.query) and says how.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.knowledge.models import CONTENT_LANGUAGES, SearchDocument


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Everything")), *SearchDocument.Kind.choices],
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Every language")), *CONTENT_LANGUAGES],
    )
    coop = forms.ChoiceField(label=_("Cooperative"), required=False)
