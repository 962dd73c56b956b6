from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.currencies import MINOR_UNITS
from taawun.membership.bylaws import POWERS, THRESHOLDS, power_labels, threshold_labels
from taawun.membership.models import Cooperative, Member, localised
from taawun.web.forms import set_choices


def class_choices(coop: Cooperative) -> list[tuple[str, str]]:
    return [(c["code"], localised(c["names"])) for c in coop.bylaws["membership_classes"]]


class ApplyForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 10 characters. A few unusual words make a good password."),
    )
    membership_class = forms.ChoiceField(label=_("Membership class"))
    statement = forms.CharField(
        label=_("Why do you want to join?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, coop: Cooperative, signed_in: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "membership_class", class_choices(coop))
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"
        if signed_in:
            for name in ("name", "email", "password"):
                del self.fields[name]


class CooperativeForm(forms.Form):
    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=120, required=False)
    slug = forms.CharField(
        label=_("Short name"),
        max_length=50,
        help_text=_("Used in addresses: lowercase letters, digits and hyphens, e.g. code-coop."),
    )
    country = forms.CharField(
        label=_("Country code"), max_length=2, help_text=_("Two letters, e.g. EG, TN, GB.")
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in sorted(MINOR_UNITS)])
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        widget=forms.CheckboxSelectMultiple,
        choices=[("ar", _("Arabic")), ("en", _("English"))],
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person to invite"))
    membership_class = forms.ChoiceField(label=_("Membership class"))

    def __init__(self, *args: Any, coop: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "membership_class", class_choices(coop))


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters."),
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the applicant if declined)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatusForm(forms.Form):
    to = forms.ChoiceField(
        label=_("New status"),
        widget=forms.RadioSelect,
        choices=[
            (Member.Status.ACTIVE, _("active (confirm or reinstate)")),
            (Member.Status.SUSPENDED, _("suspended")),
            (Member.Status.WITHDRAWN, _("membership ended")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason, for the record"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OfficesForm(forms.Form):
    offices = forms.MultipleChoiceField(
        label=_("Offices held"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, coop: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self, "offices", [(o["code"], localised(o["names"])) for o in coop.bylaws["offices"]]
        )


class BylawsForm(forms.Form):
    quorum_percent = forms.DecimalField(
        label=_("Default quorum (percentage of the voter roll)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    threshold = forms.ChoiceField(label=_("Default threshold"))
    share_par_value = forms.DecimalField(label=_("Share par value"), min_value=0)
    probation_days = forms.IntegerField(
        label=_("Probation period (days, 0 for none)"), min_value=0, max_value=730
    )
    min_voting_hours = forms.IntegerField(
        label=_("Shortest voting period (hours)"), min_value=0, max_value=2160
    )
    proxy_limit = forms.IntegerField(
        label=_("Proxies one member may hold (0 for none)"), min_value=0, max_value=10
    )
    admission = forms.ChoiceField(
        label=_("Who admits new members"),
        widget=forms.RadioSelect,
        choices=[
            ("officers", _("officers with the power to admit")),
            ("poll", _("the members, by a poll")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = threshold_labels()
        set_choices(self, "threshold", [(t, labels[t]) for t in THRESHOLDS])


class ClassRowForm(forms.Form):
    """One membership class; a row left without a code is ignored."""

    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        required=False,
        help_text=_("Lowercase letters, digits or _, e.g. worker."),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=100, required=False)
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=100, required=False)
    may_vote = forms.BooleanField(label=_("Members of this class may vote"), required=False)
    min_shares = forms.IntegerField(
        label=_("Minimum shares"), min_value=0, max_value=1_000_000, required=False
    )
    vote_weight = forms.IntegerField(
        label=_("Vote weight"),
        min_value=0,
        max_value=1000,
        required=False,
        help_text=_("1 for one member, one vote; other weights for multi-stakeholder bylaws."),
    )


class OfficeRowForm(forms.Form):
    """One office and its powers; a row left without a code is ignored."""

    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        required=False,
        help_text=_("Lowercase letters, digits or _, e.g. secretary."),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=100, required=False)
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=100, required=False)
    powers = forms.MultipleChoiceField(
        label=_("Powers"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = power_labels()
        set_choices(self, "powers", [(p, labels[p]) for p in POWERS])


ClassFormSet = forms.formset_factory(ClassRowForm, extra=1, can_delete=True, max_num=30)
OfficeFormSet = forms.formset_factory(OfficeRowForm, extra=1, can_delete=True, max_num=30)


def names_of(row: dict[str, Any]) -> dict[str, str]:
    return {lang: row[f"name_{lang}"] for lang in ("en", "ar") if row.get(f"name_{lang}")}


def kept_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The rows of a bylaws formset that stay: filled in and not ticked "Delete"."""
    return [
        row for row in formset.cleaned_data if row and row.get("code") and not row.get("DELETE")
    ]
