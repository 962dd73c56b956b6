"""Pages of mentoring: parse, call one action, render.

Every member sees their own requests, their mentees and the open requests
the platform proposes them for, and asks for a mentor. A request is seen
only by the learner who asked, the mentors proposed for it and the mentor
who took it: what someone wants to learn is theirs to share.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from taawun.accounts.rules import signed_in
from taawun.errors import PermissionDenied, TaawunError
from taawun.knowledge import mentoring_actions, mentoring_queries, skill_queries
from taawun.knowledge.forms_mentoring import AskForm, StepForm
from taawun.knowledge.mentoring_queries import MENTOR_CAPACITY, Proposal
from taawun.knowledge.models import Mentorship
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member
from taawun.web.forms import run_action

S = Mentorship.State


def _member_of(request: HttpRequest, slug: str) -> tuple[Cooperative, Member]:
    coop = membership_queries.get_cooperative(slug)
    return coop, rules.access_member(request.user, coop)


def mentoring(request: HttpRequest, slug: str) -> HttpResponse:
    coop, me = _member_of(request, slug)
    context = {
        "coop": coop,
        "asked": mentoring_queries.asked_by(me),
        "mentees": mentoring_queries.mentored_by(me),
        "open": mentoring_queries.open_for(me),
        "capacity": MENTOR_CAPACITY,
    }
    return render(request, "knowledge/mentoring/list.html", context)


def mentoring_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop, _me = _member_of(request, slug)
    form = AskForm(request.POST or None, skills=skill_queries.skill_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asked = run_action(
            form,
            lambda: mentoring_actions.ask_for_mentor(
                by=signed_in(request), coop=coop, skill=data["skill"], message=data["message"]
            ),
        )
        if asked is not None:
            messages.success(request, _("Your request is sent to the mentors proposed for it."))
            return redirect("knowledge:mentorship", coop.slug, asked.pk)
    return render(request, "knowledge/mentoring/new.html", {"coop": coop, "form": form})


def _visible(
    request: HttpRequest, slug: str, mentorship_id: int
) -> tuple[Cooperative, Member, Mentorship, list[Proposal]]:
    """The request, if the reader is its learner, its mentor or a mentor
    proposed for it."""
    coop, me = _member_of(request, slug)
    mentorship = mentoring_queries.get_mentorship(coop, mentorship_id)
    proposals = mentoring_queries.proposed_mentors(mentorship)
    involved = {mentorship.learner_id, mentorship.mentor_id} | {p.member.pk for p in proposals}
    if me.pk not in involved:
        raise PermissionDenied(
            _("Only the learner and the mentors proposed for this request can see it.")
        )
    return coop, me, mentorship, proposals


def _page(
    request: HttpRequest,
    coop: Cooperative,
    me: Member,
    mentorship: Mentorship,
    proposals: list[Proposal],
    form: StepForm | None = None,
    status: int = 200,
) -> HttpResponse:
    proposed = any(p.member.pk == me.pk for p in proposals)
    context = {
        "coop": coop,
        "mentorship": mentorship,
        "proposals": proposals,
        "is_learner": me.pk == mentorship.learner_id,
        "is_mentor": me.pk == mentorship.mentor_id,
        "is_proposed": proposed,
        "capacity": MENTOR_CAPACITY,
        "form": form,
    }
    return render(request, "knowledge/mentoring/detail.html", context, status=status)


def mentorship(request: HttpRequest, slug: str, mentorship_id: int) -> HttpResponse:
    coop, me, found, proposals = _visible(request, slug, mentorship_id)
    return _page(request, coop, me, found, proposals)


STEPS: dict[str, tuple[Callable[..., Mentorship], Promise]] = {
    "accept": (
        mentoring_actions.accept_mentorship,
        gettext_lazy("You are now the mentor of this request."),
    ),
    "decline": (
        mentoring_actions.decline_mentorship,
        gettext_lazy("You declined this request: you will not be proposed for it again."),
    ),
    "withdraw": (
        mentoring_actions.withdraw_mentorship_request,
        gettext_lazy("Your request is withdrawn."),
    ),
    "end": (mentoring_actions.end_mentorship, gettext_lazy("The mentorship has ended.")),
}


@require_POST
def mentorship_step(request: HttpRequest, slug: str, mentorship_id: int, step: str) -> HttpResponse:
    """Accept, decline, withdraw or end; a refusal shows the request again
    with the reason."""
    coop, me = _member_of(request, slug)
    found = mentoring_queries.get_mentorship(coop, mentorship_id)
    action, done = STEPS[step]
    form = StepForm(request.POST)
    try:
        action(found, by=signed_in(request))
    except TaawunError as error:
        # The request as it is now, with the reason, to whoever may still see it.
        form.add_error(None, str(error.message))
        coop, me, found, proposals = _visible(request, slug, mentorship_id)
        return _page(request, coop, me, found, proposals, form, status=error.status)
    messages.success(request, str(done))
    if step == "decline":
        return redirect("knowledge:mentoring", coop.slug)
    return redirect("knowledge:mentorship", coop.slug, found.pk)
