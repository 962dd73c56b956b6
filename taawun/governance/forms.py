from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taawun.governance.ballots import CONSENT_POSITIONS, MEETING_ANSWERS, YES_NO_ANSWERS
from taawun.governance.models import Poll
from taawun.membership.bylaws import THRESHOLDS, threshold_labels
from taawun.web.forms import set_choices


class DiscussionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: *emphasis*, **strong**, lists with -, links as [text](https://…)."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Markdown is welcome. To mention a member, write @ and their handle, "
            "as the member directory shows it: they are told by email."
        ),
    )


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Proposal title"), max_length=200)
    body = forms.CharField(
        label=_("What is proposed"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )


class PollForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of poll"), choices=Poll.Kind.choices)
    title = forms.CharField(label=_("Question"), max_length=200)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Not needed for consent and yes/no polls. For a meeting time, one time per line."
        ),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In your time zone."),
    )
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    reveal_live = forms.BooleanField(
        label=_("Show who voted what while the poll is open (named polls)"), required=False
    )
    quorum_percent = forms.DecimalField(
        label=_("Quorum (percentage of the roll; empty for the bylaws' default)"),
        required=False,
        min_value=0,
        max_value=100,
    )
    threshold = forms.ChoiceField(label=_("Threshold (consent and yes/no)"), required=False)
    abstentions_count = forms.BooleanField(
        label=_("Count abstentions in the threshold"), required=False
    )
    max_approvals = forms.IntegerField(
        label=_("Approval: at most this many choices"), required=False, min_value=1
    )
    score_max = forms.IntegerField(
        label=_("Score: highest score"), required=False, min_value=1, max_value=100
    )
    dots = forms.IntegerField(
        label=_("Dot vote: dots each voter spreads"), required=False, min_value=1, max_value=1000
    )
    seats = forms.IntegerField(label=_("Seats to fill (STV)"), required=False, min_value=1)
    rule = forms.ChoiceField(
        label=_("STV counting rule"),
        required=False,
        choices=[("scottish", _("Scottish STV")), ("meek", _("Meek"))],
    )
    early_close = forms.BooleanField(
        label=_("Close as soon as everyone on the roll has voted"), required=False
    )
    proxies = forms.BooleanField(label=_("Allow voting by proxy"), required=False)
    meeting = forms.ChoiceField(label=_("General meeting (optional)"), required=False)

    def __init__(
        self, *args: Any, meetings: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "meeting", [("", _("none"))] + (meetings or []))
        labels = threshold_labels()
        set_choices(
            self,
            "threshold",
            [("", _("the bylaws' default"))] + [(t, labels[t]) for t in THRESHOLDS],
        )

    def poll_settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {
            "secret": data["secret"],
            "early_close": data["early_close"],
            "proxies": data["proxies"],
            "reveal": "live" if data["reveal_live"] else "after_close",
        }
        if data.get("quorum_percent") is not None:
            out["quorum_percent"] = str(data["quorum_percent"])
        for key in ("threshold", "rule"):
            if data.get(key):
                out[key] = data[key]
        for key in ("max_approvals", "score_max", "dots", "seats"):
            if data.get(key) is not None:
                out[key] = data[key]
        if data["kind"] in ("consent", "yes_no"):
            out["abstentions_count"] = data["abstentions_count"]
        return out

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


def consent_labels() -> dict[str, Any]:
    return {
        "agree": _("Agree"),
        "abstain": _("Abstain"),
        "disagree": _("Disagree"),
        "block": _("Block"),
    }


def answer_labels() -> dict[str, Any]:
    return {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain"), "maybe": _("If need be")}


RANKED_KINDS = ("irv", "stv", "schulze")


class NumberText(forms.TextInput):
    """A whole number typed as text: a number field refuses Arabic-Indic digits
    (١٢٣) in browsers, which Django reads as numbers all the same."""

    def __init__(self) -> None:
        super().__init__(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4})


class VoteForm(forms.Form):
    """The ballot, built for the poll's kind. Ranking is by numbers, not dragging."""

    def __init__(self, *args: Any, poll: Poll, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll = poll
        kind, options, settings = poll.kind, poll.options, poll.settings
        answers = answer_labels()
        if kind == "consent":
            labels = consent_labels()
            self.fields["position"] = forms.ChoiceField(
                label=_("Your position"),
                widget=forms.RadioSelect,
                choices=[(p, labels[p]) for p in CONSENT_POSITIONS],
            )
            self.fields["reason"] = forms.CharField(
                label=_("Reason (needed for a block)"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        elif kind == "yes_no":
            self.fields["answer"] = forms.ChoiceField(
                label=_("Your answer"),
                widget=forms.RadioSelect,
                choices=[(a, answers[a]) for a in YES_NO_ANSWERS],
            )
        elif kind == "plurality":
            self.fields["option"] = forms.ChoiceField(
                label=_("Your choice"),
                widget=forms.RadioSelect,
                choices=list(enumerate(options)),
            )
        elif kind == "approval":
            self.fields["options"] = forms.MultipleChoiceField(
                label=_("Approve up to %(n)d") % {"n": settings.get("max_approvals", 1)},
                widget=forms.CheckboxSelectMultiple,
                choices=list(enumerate(options)),
            )
        elif kind in ("score", "dots", "irv", "stv", "schulze"):
            for index, option in enumerate(options):
                if kind == "score":
                    field = forms.IntegerField(
                        label=option,
                        min_value=settings["score_min"],
                        max_value=settings["score_max"],
                        initial=settings["score_min"],
                        widget=NumberText(),
                    )
                elif kind == "dots":
                    field = forms.IntegerField(
                        label=option,
                        min_value=0,
                        max_value=settings["dots"],
                        required=False,
                        widget=NumberText(),
                    )
                else:
                    field = forms.IntegerField(
                        label=option,
                        min_value=1,
                        max_value=len(options),
                        required=False,
                        widget=NumberText(),
                    )
                self.fields[f"o{index}"] = field
        elif kind == "meeting":
            for index, option in enumerate(options):
                self.fields[f"o{index}"] = forms.ChoiceField(
                    label=option,
                    widget=forms.RadioSelect,
                    choices=[(a, answers[a]) for a in MEETING_ANSWERS],
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.poll.kind in RANKED_KINDS:
            # Two options given the same rank: say so beside each of them.
            by_rank: dict[int, list[str]] = {}
            for name in self.fields:
                if data.get(name) is not None:
                    by_rank.setdefault(data[name], []).append(name)
            for rank, names in by_rank.items():
                if len(names) > 1:
                    labels = [str(self.fields[n].label) for n in names]
                    message = _("%(options)s all have rank %(rank)d; give each a different number.")
                    for name in names:
                        self.add_error(
                            name, message % {"options": " · ".join(labels), "rank": rank}
                        )
        return data

    def raw_choice(self) -> dict[str, Any]:
        """The choice in the form ballots.check_choice expects."""
        from taawun.governance.ballots import ranking_from_positions

        data, kind = self.cleaned_data, self.poll.kind
        count = len(self.poll.options)
        if kind == "consent":
            return {"position": data["position"], "reason": data["reason"]}
        if kind == "yes_no":
            return {"answer": data["answer"]}
        if kind == "plurality":
            return {"option": data["option"]}
        if kind == "approval":
            return {"options": [int(v) for v in data["options"]]}
        if kind == "score":
            return {"scores": {str(i): data[f"o{i}"] for i in range(count)}}
        if kind == "dots":
            return {"dots": {str(i): data[f"o{i}"] or 0 for i in range(count)}}
        if kind == "meeting":
            return {"slots": {str(i): data[f"o{i}"] for i in range(count)}}
        return {"ranking": ranking_from_positions({i: data[f"o{i}"] for i in range(count)})}


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class OutcomeForm(forms.Form):
    statement = forms.CharField(
        label=_("Outcome statement"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    review_on = forms.DateField(
        label=_("Review date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ReceiptForm(forms.Form):
    receipt = forms.CharField(label=_("Your receipt"), max_length=100)


class ProxyForm(forms.Form):
    holder = forms.ChoiceField(label=_("Member who will vote for you"))
