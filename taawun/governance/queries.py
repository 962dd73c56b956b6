"""Reads of governance that several places need."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.governance.models import Ballot, Discussion, Meeting, Poll, RollEntry, VoterMark
from taawun.membership.models import Cooperative, Member


def polls(coop: Cooperative) -> QuerySet[Poll]:
    return Poll.objects.filter(cooperative=coop).select_related("cooperative")


def discussions(coop: Cooperative) -> QuerySet[Discussion]:
    return Discussion.objects.filter(cooperative=coop).select_related("author__user")


def get_poll(coop: Cooperative, poll_id: int) -> Poll:
    poll = polls(coop).filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("There is no such poll in this cooperative."))
    return poll


def get_discussion(coop: Cooperative, discussion_id: int) -> Discussion:
    found = discussions(coop).filter(pk=discussion_id).first()
    if found is None:
        raise NotFound(_("There is no such discussion in this cooperative."))
    return found


def get_meeting(coop: Cooperative, meeting_id: int) -> Meeting:
    found = Meeting.objects.filter(cooperative=coop, pk=meeting_id).first()
    if found is None:
        raise NotFound(_("There is no such meeting in this cooperative."))
    return found


def on_roll(poll: Poll, member: Member | None) -> bool:
    return member is not None and RollEntry.objects.filter(poll=poll, member=member).exists()


def has_voted(poll: Poll, member: Member | None) -> bool:
    if member is None:
        return False
    if poll.is_secret:
        return VoterMark.objects.filter(poll=poll, member=member).exists()
    return Ballot.objects.filter(poll=poll, voter=member, replaced_at__isnull=True).exists()


def named_ballots(poll: Poll) -> QuerySet[Ballot]:
    """Who voted what (named polls), current ballots first by voter number."""
    return (
        Ballot.objects.filter(poll=poll, replaced_at__isnull=True)
        .select_related("voter__user", "cast_by__user")
        .order_by("voter__number")
    )


def awaiting_vote(members: list[Member]) -> QuerySet[Poll]:
    """Open polls on whose roll one of these memberships is and where it has
    not voted yet: one query for all of a person's cooperatives."""
    voted = Ballot.objects.filter(poll=OuterRef("pk"), voter__in=members, replaced_at__isnull=True)
    marked = VoterMark.objects.filter(poll=OuterRef("pk"), member__in=members)
    return (
        Poll.objects.filter(state=Poll.State.OPEN, roll__member__in=members)
        .exclude(Exists(voted))
        .exclude(Exists(marked))
        .select_related("cooperative")
        .order_by("closes_at")
        .distinct()
    )


def describe(choice: dict[str, Any], poll: Poll) -> list[str]:
    """A ballot in words, for the 'check your vote' page and the receipt lookup."""
    from taawun.governance.forms import answer_labels, consent_labels

    options = poll.options
    if "position" in choice:
        lines = [str(consent_labels()[choice["position"]])]
        return lines + ([choice["reason"]] if choice.get("reason") else [])
    if "answer" in choice:
        return [str(answer_labels()[choice["answer"]])]
    if "option" in choice:
        return [options[choice["option"]]]
    if "options" in choice:
        return [options[i] for i in choice["options"]]
    if "ranking" in choice:
        return [f"{n}. {options[i]}" for n, i in enumerate(choice["ranking"], start=1)]
    if "scores" in choice:
        return [f"{options[int(i)]}: {s}" for i, s in choice["scores"].items()]
    if "dots" in choice:
        return [f"{options[int(i)]}: {d}" for i, d in choice["dots"].items()]
    if "slots" in choice:
        labels = answer_labels()
        return [f"{options[int(i)]}: {labels[a]}" for i, a in choice["slots"].items()]
    return []
