"""Reads of governance that several places need."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
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


def on_open_rolls(member_ids: Iterable[int]) -> list[int]:
    """Ids of the open polls on whose roll one of these memberships is."""
    rows = RollEntry.objects.filter(member_id__in=list(member_ids), poll__state=Poll.State.OPEN)
    return sorted(set(rows.values_list("poll_id", flat=True)))


def awaiting_vote(member_ids: Iterable[int], polls: Iterable[int] | None = None) -> list[Poll]:
    """Open polls on whose roll one of these memberships (by id) is and where
    it has not voted yet, soonest to close first.

    ``polls``, when given, are those open polls (``on_open_rolls``), known
    already: the dashboard caches them under the cooperatives' versions,
    which every poll opened or closed moves on. Most of the time there is
    none, and nothing is asked of the database.
    """
    ids = list(member_ids)
    on_roll = set(on_open_rolls(ids) if polls is None else polls)
    if not ids or not on_roll:
        return []
    voted = Ballot.objects.filter(poll_id__in=on_roll, voter_id__in=ids, replaced_at__isnull=True)
    marked = VoterMark.objects.filter(poll_id__in=on_roll, member_id__in=ids)
    due = (
        on_roll
        - set(voted.values_list("poll_id", flat=True))
        - set(marked.values_list("poll_id", flat=True))
    )
    if not due:
        return []
    return list(
        Poll.objects.filter(pk__in=due, state=Poll.State.OPEN)
        .select_related("cooperative")
        .order_by("closes_at", "pk")
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
