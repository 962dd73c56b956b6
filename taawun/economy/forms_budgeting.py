"""Forms of the budgeting pages: they only collect text; the actions
(taawun.economy.budgeting_actions) check it and say what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.economy.models import BudgetingProject, BudgetingRound


class NumberText(forms.TextInput):
    """A number typed as text: browsers refuse Arabic-Indic digits (١٢٣) in a
    number field, which the actions read all the same."""

    def __init__(self, mode: str = "numeric") -> None:
        super().__init__(attrs={"inputmode": mode, "autocomplete": "off", "size": 10})


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What the fund is for"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    fund = forms.CharField(
        label=_("Fund"),
        widget=NumberText("decimal"),
        help_text=_("The money to share out among the projects, such as 50000.00."),
    )
    ballot_kind = forms.ChoiceField(
        label=_("How members vote"),
        widget=forms.RadioSelect,
        choices=BudgetingRound.BallotKind.choices,
    )
    points_per_voter = forms.CharField(
        label=_("Points each member spreads (points ballots)"),
        required=False,
        widget=NumberText(),
    )
    rule = forms.ChoiceField(
        label=_("How the funded projects are chosen"),
        widget=forms.RadioSelect,
        choices=BudgetingRound.Rule.choices,
        help_text=_(
            "Greedy funds the most supported projects that fit. Equal shares gives every "
            "member an equal share of the fund to spend on the projects they support, then "
            "spends what is left on the most supported projects that still fit."
        ),
    )


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Project"), max_length=200)
    description = forms.CharField(
        label=_("What it does"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cost = forms.CharField(
        label=_("Cost"), widget=NumberText("decimal"), help_text=_("Such as 1250.50.")
    )


class ApprovalBallotForm(forms.Form):
    projects = forms.MultipleChoiceField(
        label=_("The projects you support"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick as many as you like."),
    )

    def __init__(self, *args: Any, projects: list[tuple[BudgetingProject, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["projects"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(p.pk), f"{p.title} ({cost})") for p, cost in projects]

    def action_input(self) -> dict[str, Any]:
        return {"approve": self.cleaned_data["projects"]}


class PointsBallotForm(forms.Form):
    """One number per project, named ``project_<id>`` (the actions' field names)."""

    def __init__(self, *args: Any, projects: list[tuple[BudgetingProject, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for project, cost in projects:
            self.fields[f"project_{project.pk}"] = forms.CharField(
                label=f"{project.title} ({cost})",
                required=False,
                max_length=12,
                widget=NumberText(),
            )

    def action_input(self) -> dict[str, Any]:
        return {
            "points": {
                name.removeprefix("project_"): value
                for name, value in self.cleaned_data.items()
                if value
            }
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Pabulib file (.pb)"),
        help_text=_("A participatory budgeting round in the Pabulib format, UTF-8 text."),
    )
    what = forms.ChoiceField(
        label=_("What to import"),
        widget=forms.RadioSelect,
        choices=[
            ("record", _("A record: the projects and the votes in the file, counted now")),
            ("projects", _("A new round: the projects and the fund only, for our members to vote")),
        ],
    )
    rule = forms.ChoiceField(
        label=_("How the funded projects are chosen"),
        widget=forms.RadioSelect,
        choices=BudgetingRound.Rule.choices,
    )
    title = forms.CharField(
        label=_("Title (optional)"),
        required=False,
        max_length=200,
        help_text=_("Empty: the file's description."),
    )
