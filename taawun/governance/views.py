"""Pages of deliberation and decision: parse, call one action, render."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.accounts.rules import signed_in
from taawun.errors import InvalidInput, InvalidTransition, NotFound, TaawunError
from taawun.governance import actions, charts, queries, rules
from taawun.governance.forms import (
    CommentForm,
    DiscussionForm,
    MeetingForm,
    OutcomeForm,
    PollForm,
    ProposalForm,
    ProxyForm,
    ReceiptForm,
    VoteForm,
)
from taawun.governance.models import Poll, Proposal, Proxy
from taawun.membership import queries as membership_queries
from taawun.membership import rules as membership_rules
from taawun.web import ratelimits
from taawun.web.forms import run_action, set_choices, succeeds


def decisions(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    me = membership_rules.access_member(request.user, coop)
    polls = list(queries.polls(coop)[:100])
    return render(
        request,
        "governance/decisions.html",
        {
            "coop": coop,
            "me": me,
            "open_polls": [p for p in polls if p.state == Poll.State.OPEN],
            "draft_polls": [p for p in polls if p.state == Poll.State.DRAFT],
            "past_polls": [p for p in polls if p.state in (Poll.State.CLOSED, Poll.State.DECIDED)],
            "discussions": queries.discussions(coop)[:50],
            "meetings": coop.meetings.order_by("-held_on")[:20],
            "can_call_meetings": membership_rules.has_power(me, "change_status"),
        },
    )


def discussion_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_participant(request.user, coop)
    form = DiscussionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        discussion = run_action(
            form,
            lambda: actions.start_discussion(by=signed_in(request), coop=coop, **form.cleaned_data),
        )
        if discussion:
            return redirect(discussion)
    return render(request, "governance/discussion_new.html", {"coop": coop, "form": form})


def discussion(request: HttpRequest, slug: str, discussion_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    me = membership_rules.access_member(request.user, coop)
    thread = queries.get_discussion(coop, discussion_id)
    comment_form = CommentForm(prefix="comment")
    proposal_form = ProposalForm(prefix="proposal")
    if request.method == "POST":
        if "comment-body" in request.POST:
            comment_form = CommentForm(request.POST, prefix="comment")
            if comment_form.is_valid() and succeeds(
                comment_form,
                lambda: actions.add_comment(
                    by=signed_in(request), discussion=thread, body=comment_form.cleaned_data["body"]
                ),
            ):
                return redirect(thread)
        else:
            proposal_form = ProposalForm(request.POST, prefix="proposal")
            if proposal_form.is_valid() and succeeds(
                proposal_form,
                lambda: actions.add_proposal(
                    by=signed_in(request), discussion=thread, **proposal_form.cleaned_data
                ),
            ):
                return redirect(thread)
    comments = list(thread.comments.select_related("author__user"))
    proposals = list(thread.proposals.select_related("author__user").prefetch_related("polls"))
    texts = [thread.body, *(c.body for c in comments), *(p.body for p in proposals)]
    return render(
        request,
        "governance/discussion.html",
        {
            "coop": coop,
            "me": me,
            "discussion": thread,
            "comments": comments,
            "proposals": proposals,
            "mentions": membership_queries.mention_pages(coop, texts),
            "comment_form": comment_form,
            "proposal_form": proposal_form,
        },
    )


def poll_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_participant(request.user, coop)
    proposal = None
    if proposal_id := request.GET.get("proposal") or request.POST.get("proposal"):
        proposal = Proposal.objects.filter(
            pk=int(proposal_id) if str(proposal_id).isdigit() else 0,
            discussion__cooperative=coop,
        ).first()
    initial = {
        "kind": request.GET.get("kind", "consent"),
        "title": proposal.title if proposal else "",
        "closes_at": timezone.localtime() + timedelta(days=7),
    }
    meetings = {str(m.pk): m for m in coop.meetings.order_by("-held_on")[:20]}
    form = PollForm(
        request.POST or None,
        initial=initial,
        meetings=[(pk, f"{m.title} ({m.held_on:%Y-%m-%d})") for pk, m in meetings.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = meetings.get(data["meeting"] or "")
        poll = run_action(
            form,
            lambda: actions.create_poll(
                by=signed_in(request),
                coop=coop,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                options=form.option_list(),
                settings=form.poll_settings(),
                closes_at=data["closes_at"],
                proposal=proposal,
                meeting=meeting,
            ),
        )
        if poll:
            messages.success(request, _("The poll is saved as a draft. Check it, then open it."))
            return redirect(poll)
    return render(
        request,
        "governance/poll_new.html",
        {
            "coop": coop,
            "form": form,
            "proposal": proposal,
        },
    )


def _poll_context(request: HttpRequest, slug: str, poll_id: int) -> dict[str, Any]:
    coop = membership_queries.get_cooperative(slug)
    me = membership_rules.access_member(request.user, coop)
    poll = queries.get_poll(coop, poll_id)
    return {"coop": coop, "me": me, "poll": poll}


def poll(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    return _poll_page(request, _poll_context(request, slug, poll_id))


def _poll_page(
    request: HttpRequest,
    context: dict[str, Any],
    vote_form: VoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The poll's page; with ``vote_form``, the ballot as the voter left it."""
    poll, me = context["poll"], context["me"]
    can_manage = rules.can_manage_poll(me, poll.created_by_id)
    show_named = not poll.is_secret and (
        poll.state != Poll.State.OPEN or poll.settings.get("reveal") == "live"
    )
    proxy_form = None
    if poll.settings.get("proxies") and poll.state == Poll.State.OPEN:
        proxy_form = ProxyForm()
        holders = [
            (str(e.member_id), e.member.user.name)
            for e in poll.roll.select_related("member__user")
            if e.member_id != me.pk
        ]
        set_choices(proxy_form, "holder", holders)
    held = Proxy.objects.filter(poll=poll, holder=me).select_related("grantor__user")
    context.update(
        {
            "held_proxies": list(held) if poll.state == Poll.State.OPEN else [],
            "on_roll": queries.on_roll(poll, me),
            "voted": queries.has_voted(poll, me),
            "can_manage": can_manage,
            "vote_form": vote_form
            or (VoteForm(poll=poll) if poll.state == Poll.State.OPEN else None),
            "outcome_form": OutcomeForm()
            if can_manage and poll.state == Poll.State.CLOSED
            else None,
            "named": queries.named_ballots(poll) if show_named else None,
            "chart": charts.bars(poll.result) if poll.result else None,
            "proxy_form": proxy_form,
        }
    )
    return render(request, "governance/poll.html", context, status=status)


def poll_action(request: HttpRequest, slug: str, poll_id: int, action: str) -> HttpResponse:
    """Open or close a poll (POST only; the buttons on the poll page)."""
    context = _poll_context(request, slug, poll_id)
    if request.method != "POST":
        return redirect(context["poll"])
    by = signed_in(request)
    try:
        if action == "open":
            actions.open_poll(context["poll"], by=by)
            messages.success(request, _("The poll is open and its voter roll is frozen."))
        else:
            actions.close_poll(context["poll"], by=by)
            messages.success(request, _("The poll is closed and counted."))
    except (InvalidTransition, InvalidInput) as error:
        messages.error(request, str(error.message))
    return redirect(context["poll"])


@ratelimits.limit("voting", ratelimits.VOTING, key="user")
def vote(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    """Two steps: the ballot, then 'check your vote', then it is cast."""
    context = _poll_context(request, slug, poll_id)
    poll = context["poll"]
    if request.method != "POST":
        return redirect(poll)
    by = signed_in(request)
    if "edit" in request.POST:
        # "Change my answers" on the check page: the ballot again, filled in.
        return _poll_page(request, context, VoteForm(poll=poll, initial=_answers(request, poll)))
    if "confirm" in request.POST:
        try:
            choice = json.loads(request.POST.get("choice", ""))
            cast = actions.cast_vote(
                poll,
                by=by,
                choice=choice,
                receipt=request.POST.get("receipt") or None,
                for_member=_proxy_grantor(request, context),
                nonce=request.POST.get("nonce", "")[:64] or None,
            )
        except (ValueError, TaawunError) as error:
            message = getattr(error, "message", _("The vote is not in the expected form."))
            messages.error(request, str(message))
            return redirect(poll)
        if cast.receipt and not cast.changed:
            return render(
                request,
                "governance/receipt_issued.html",
                {**context, "receipt": cast.receipt, "repeated": cast.repeated},
            )
        messages.success(
            request, _("Your vote is recorded.") if not cast.changed else _("Your vote is changed.")
        )
        return redirect(poll)
    form = VoteForm(request.POST, poll=poll)
    if form.is_valid():
        from taawun.governance.ballots import check_choice

        try:
            choice = check_choice(poll.kind, poll.options, poll.settings, form.raw_choice())
        except TaawunError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            return render(
                request,
                "governance/vote_check.html",
                {
                    **context,
                    "choice_json": json.dumps(choice),
                    "lines": queries.describe(choice, poll),
                    "receipt": request.POST.get("receipt", ""),
                    "for_member": request.POST.get("for_member", ""),
                    # Makes a double click on "Cast my vote" show the same
                    # receipt twice rather than lose it (actions.cast_vote).
                    "nonce": secrets.token_urlsafe(16),
                    # To go back to the ballot with the answers as they were.
                    "answers": [
                        (name, value)
                        for name in form.fields
                        for value in request.POST.getlist(name)
                    ],
                },
            )
    return _poll_page(request, context, form, status=400)


def _answers(request: HttpRequest, poll: Poll) -> dict[str, Any]:
    """The ballot's answers as the check page sent them back, to fill it in again."""
    answers: dict[str, Any] = {}
    for name, field in VoteForm(poll=poll).fields.items():
        values = request.POST.getlist(name)
        if isinstance(field, forms.MultipleChoiceField):
            answers[name] = values
        elif values:
            answers[name] = values[-1]
    return answers


def _proxy_grantor(request: HttpRequest, context: dict[str, Any]) -> Any:
    raw = request.POST.get("for_member", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(_("Unknown member."))
    return membership_queries.get_member(context["coop"], int(raw))


def proxy(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    context = _poll_context(request, slug, poll_id)
    if request.method == "POST":
        raw = request.POST.get("holder", "")
        try:
            holder = membership_queries.get_member(
                context["coop"], int(raw) if raw.isdigit() else 0
            )
            actions.grant_proxy(context["poll"], by=signed_in(request), holder=holder)
            messages.success(
                request,
                _("Your proxy is recorded. Your own vote, if you cast one, still replaces it."),
            )
        except TaawunError as error:
            messages.error(request, str(error.message))
    return redirect(context["poll"])


def outcome(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    context = _poll_context(request, slug, poll_id)
    form = OutcomeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and succeeds(
            form,
            lambda: actions.record_outcome(
                context["poll"], by=signed_in(request), **form.cleaned_data
            ),
        )
    ):
        return redirect(context["poll"])
    return render(request, "governance/outcome.html", {**context, "form": form})


def receipt(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    """A voter finds their own ballot on the published board."""
    context = _poll_context(request, slug, poll_id)
    poll = context["poll"]
    form = ReceiptForm(request.GET or None)
    found = None
    if form.is_valid() and poll.is_secret and poll.state != Poll.State.OPEN:
        digest = actions.receipt_digest(form.cleaned_data["receipt"])
        ballot = poll.secret_ballots.filter(receipt_digest=digest).first()
        if ballot is None:
            form.add_error("receipt", _("No ballot on the board has this receipt."))
        else:
            found = {"digest": digest, "lines": queries.describe(ballot.choice, poll)}
    return render(request, "governance/receipt.html", {**context, "form": form, "found": found})


def board(request: HttpRequest, slug: str, poll_id: int) -> JsonResponse:
    """The bulletin board of a closed secret poll: anyone on it can recount."""
    context = _poll_context(request, slug, poll_id)
    poll = context["poll"]
    if not poll.is_secret or poll.state == Poll.State.OPEN or poll.state == Poll.State.DRAFT:
        raise NotFound(_("The bulletin board is published when a secret poll closes."))
    return JsonResponse(
        {**actions.bulletin_board(poll), "result": poll.result},
        json_dumps_params={"ensure_ascii": False},
    )


def meeting_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    membership_rules.access_officer(request.user, coop, "change_status")
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = run_action(
            form,
            lambda: actions.create_meeting(by=signed_in(request), coop=coop, **form.cleaned_data),
        )
        if meeting:
            return redirect("governance:minutes", slug, meeting.pk)
    return render(request, "governance/meeting_new.html", {"coop": coop, "form": form})


def meeting_open(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    meeting = queries.get_meeting(coop, meeting_id)
    if request.method == "POST":
        try:
            opened = actions.open_meeting(meeting, by=signed_in(request))
            messages.success(
                request,
                ngettext("%(n)d poll is open.", "%(n)d polls are open.", len(opened))
                % {"n": len(opened)},
            )
        except TaawunError as error:
            messages.error(request, str(error.message))
    return redirect("governance:minutes", slug, meeting.pk)


def minutes(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    membership_rules.access_member(request.user, coop)
    meeting = queries.get_meeting(coop, meeting_id)
    polls = meeting.polls.select_related("outcome").order_by("id")
    me = membership_rules.membership_of(request.user, coop)
    return render(
        request,
        "governance/minutes.html",
        {
            "coop": coop,
            "meeting": meeting,
            "polls": polls,
            "printed_at": timezone.now(),
            "can_open": membership_rules.has_power(me, "change_status")
            and any(p.state == Poll.State.DRAFT for p in polls),
        },
    )
