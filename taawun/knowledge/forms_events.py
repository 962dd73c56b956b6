"""Forms of events. They only read what was typed; the actions check it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taawun.economy.money import normalise_digits
from taawun.knowledge.models import CONTENT_LANGUAGES, Event, Visibility


class WhenField(forms.DateTimeField):
    """A date and time typed in the reader's time zone, as the browser's
    picker sends it (2026-12-05T18:30) or by hand."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = normalise_digits(value)
        return super().to_python(value)


class EventForm(forms.Form):
    title = forms.CharField(
        label=_("What the event is, in a few words"),
        required=False,
        help_text=_("Such as: Open workshop on community networks."),
    )
    language = forms.ChoiceField(label=_("Language of the event"), choices=CONTENT_LANGUAGES)
    starts_at = WhenField(label=_("Starts at"), required=False, help_text=_("In your time zone."))
    ends_at = WhenField(label=_("Ends at (optional)"), required=False)
    place = forms.CharField(
        label=_("Place"),
        required=False,
        help_text=_("An address people can find, or leave empty for an online event."),
    )
    online_url = forms.CharField(
        label=_("Online address (optional)"),
        required=False,
        help_text=_("The link to join, starting with https://."),
    )
    body = forms.CharField(
        label=_("About the event"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Who it is for, what to bring, how to take part. Written in Markdown."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see the event"),
        choices=Visibility.choices,
        initial=Visibility.NETWORK,
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        return {
            "title": event.title,
            "language": event.language,
            "starts_at": timezone.localtime(event.starts_at),
            "ends_at": timezone.localtime(event.ends_at) if event.ends_at else None,
            "place": event.place,
            "online_url": event.online_url,
            "body": event.body,
            "visibility": event.visibility,
        }
