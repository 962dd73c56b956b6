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


def _code_field(label: Any, help_text: Any = "", *, digits_only: bool = False) -> forms.CharField:
    attrs = {
        "autocomplete": "one-time-code",
        "autocapitalize": "off",
        "spellcheck": "false",
        "dir": "ltr",
        "size": "12",
    }
    if digits_only:
        attrs["inputmode"] = "numeric"
    return forms.CharField(
        label=label, max_length=40, help_text=help_text, widget=forms.TextInput(attrs=attrs)
    )


class TwoFactorCodeForm(forms.Form):
    """The second step of signing in."""

    code = _code_field(
        _("Code"),
        _("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


class ConfirmAppForm(forms.Form):
    """Setting up: the code the app shows proves it holds the secret."""

    code = _code_field(
        _("Code from the app"),
        _("Enter the 6-digit code that your app now shows for this account."),
        digits_only=True,
    )


class AppCodeForm(forms.Form):
    code = _code_field(_("Code from your app"), digits_only=True)


class TurnOffForm(forms.Form):
    proof = forms.CharField(
        label=_("Your password or a code from your app"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
