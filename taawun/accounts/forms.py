from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from taawun.web.forms import set_choices


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )
        self.fields["password"].label = _("Password")


class SettingsForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    handle = forms.CharField(
        label=_("Handle"),
        max_length=31,
        help_text=_(
            "Members mention you in discussions by writing @ and your handle: "
            "2 to 30 Latin letters, digits or underscores."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("ar", "العربية"), ("en", "English")]
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
        set_choices(self, "time_zone", [(z, z) for z in zones])


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What the token is for.")
    )
