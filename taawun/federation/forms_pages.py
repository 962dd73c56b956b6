"""Forms of the network pages: the directory's search by skill, a handle to
follow or to ask to join, a coordinator's answer to a request, the instance's
block and allow lists, and the filter of what came from the network."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.federation.models import RemoteObject

# ``@name@domain`` (the leading @ optional), as people write a handle; the
# domain may carry a port. What the name and domain may hold is for the
# server that answers WebFinger to say; this only refuses what cannot be one.
HANDLE = re.compile(r"^@?(?P<name>[^@\s/]{1,100})@(?P<domain>[^@\s/]{1,253})$")


def normalise_handle(text: str) -> str | None:
    """``@name@domain`` for a handle as typed (spaces around it, no leading
    @, an upper-case domain), or None if ``text`` is not a handle."""
    found = HANDLE.match(text.strip())
    if found is None:
        return None
    return f"@{found['name']}@{found['domain'].lower()}"


class SkillSearchForm(forms.Form):
    skill = forms.CharField(
        label=_("Skill"),
        max_length=100,
        required=False,
        help_text=_("In Arabic or English, or its short name: for example Python or الشبكات."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )


# A handle is Latin letters whatever the page's direction; no spelling fixes.
HANDLE_ATTRS = {
    "autocomplete": "off",
    "spellcheck": "false",
    "dir": "ltr",
    "autocapitalize": "none",
}


class HandleForm(forms.Form):
    handle = forms.CharField(label=_("Handle"), max_length=360)

    def clean_handle(self) -> str:
        handle = normalise_handle(self.cleaned_data["handle"])
        if handle is None:
            raise forms.ValidationError(
                _("Write the handle as @name@server, for example @tech-coop@example.org.")
            )
        return handle


class FollowForm(HandleForm):
    prefix = "follow"
    handle = forms.CharField(
        label=_("Handle of the cooperative"),
        max_length=360,
        help_text=_("For example @tech-coop@example.org."),
        widget=forms.TextInput(attrs=HANDLE_ATTRS),
    )


class JoinForm(HandleForm):
    prefix = "join"
    handle = forms.CharField(
        label=_("Handle of the network"),
        max_length=360,
        help_text=_("For example @arab-tech@example.org."),
        widget=forms.TextInput(attrs=HANDLE_ATTRS),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])


class BlockForm(forms.Form):
    prefix = "block"
    domain = forms.CharField(
        label=_("Domain"),
        max_length=255,
        help_text=_("Its subdomains are blocked too."),
        widget=forms.TextInput(attrs={"dir": "ltr", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("For the other administrators: why this server is blocked."),
    )


class AllowForm(forms.Form):
    prefix = "allow"
    domain = forms.CharField(
        label=_("Domain"),
        max_length=255,
        help_text=_("Its subdomains are allowed too."),
        widget=forms.TextInput(attrs={"dir": "ltr", "spellcheck": "false"}),
    )


class DomainForm(forms.Form):
    domain = forms.CharField(max_length=255)


SHARED_KINDS = [
    RemoteObject.Kind.ARTICLE,
    RemoteObject.Kind.CALL,
    RemoteObject.Kind.EVENT,
]


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("everything"))] + [(k.value, k.label) for k in SHARED_KINDS],
    )
