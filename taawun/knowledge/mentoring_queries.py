"""Reads of mentoring: who the platform proposes as mentors for a request,
and the requests a member sees (their own, their mentees', and the open ones
they could take).

The proposal is the heart of it, and ``rank_mentors`` is a pure function
over plain candidates so that its rules are tested directly: a mentor is a
current member of the learner's cooperative, not the learner, who declared
the skill and said they will mentor in it, who knows it better than the
learner says they do, who has a place free (``MENTOR_CAPACITY``) and who has
not declined this request. The better they know the skill, the earlier they
come; between equals, the one with fewer mentees first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.errors import NotFound
from taawun.knowledge.models import Level, Mentorship, PersonSkill
from taawun.membership.models import Cooperative, Member
from taawun.membership.rules import MEMBER_STATUSES

# How many mentorships under way one person takes on at most, in all their
# cooperatives together: a mentor's time is theirs, not a cooperative's.
MENTOR_CAPACITY = 3
# Open requests listed on a mentor's page (the newest first).
OPEN_REQUESTS_SHOWN = 50

S = Mentorship.State


@dataclass(frozen=True)
class Candidate:
    """Someone who could mentor: their membership, their level in the
    skill, and how many mentorships they have under way."""

    member_id: int
    level: int
    active: int


def rank_mentors(
    candidates: Iterable[Candidate],
    *,
    learner_id: int,
    learner_level: int = 0,
    declined: Iterable[int] = (),
    capacity: int = MENTOR_CAPACITY,
) -> list[Candidate]:
    """The candidates the platform proposes, best first: higher level, then
    fewer mentorships under way, then the earlier membership (so the order
    never depends on how the rows came)."""
    refused = set(declined)
    eligible = [
        c
        for c in candidates
        if c.member_id != learner_id
        and c.member_id not in refused
        and c.active < capacity
        and c.level > learner_level
    ]
    return sorted(eligible, key=lambda c: (-c.level, c.active, c.member_id))


@dataclass(frozen=True)
class Proposal:
    """A proposed mentor and why they are proposed."""

    member: Member
    candidate: Candidate
    skill_name: str

    @property
    def reason(self) -> str:
        return ngettext(
            "%(skill)s, %(level)s, mentors, %(taken)d of %(capacity)d place taken",
            "%(skill)s, %(level)s, mentors, %(taken)d of %(capacity)d places taken",
            MENTOR_CAPACITY,
        ) % {
            "skill": self.skill_name,
            "level": Level(self.candidate.level).label,
            "taken": self.candidate.active,
            "capacity": MENTOR_CAPACITY,
        }


def active_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """How many mentorships under way each person mentors, everywhere."""
    rows = (
        Mentorship.objects.filter(state=S.ACTIVE, mentor__user_id__in=list(user_ids))
        .values("mentor__user_id")
        .annotate(n=Count("id"))
    )
    return {row["mentor__user_id"]: row["n"] for row in rows}


def _learner_level(mentorship: Mentorship) -> int:
    held = PersonSkill.objects.filter(
        user_id=mentorship.learner.user_id, skill_id=mentorship.skill_id
    ).first()
    return held.level if held else 0


def proposed_mentors(mentorship: Mentorship) -> list[Proposal]:
    """Whom the platform proposes for an open request, best first (nobody
    for a request that is no longer open)."""
    if mentorship.state != S.OPEN:
        return []
    held = {
        ps.user_id: ps.level
        for ps in PersonSkill.objects.filter(skill_id=mentorship.skill_id, mentors=True).only(
            "user_id", "level"
        )
    }
    members = {
        m.pk: m
        for m in Member.objects.filter(
            cooperative_id=mentorship.cooperative_id,
            status__in=MEMBER_STATUSES,
            user_id__in=list(held),
        ).select_related("user")
    }
    busy = active_counts(m.user_id for m in members.values())
    ranked = rank_mentors(
        (Candidate(m.pk, held[m.user_id], busy.get(m.user_id, 0)) for m in members.values()),
        learner_id=mentorship.learner_id,
        learner_level=_learner_level(mentorship),
        declined=mentorship.declined_by or [],
    )
    name = mentorship.skill.name
    return [Proposal(members[c.member_id], c, name) for c in ranked]


def is_proposed(member: Member, mentorship: Mentorship) -> bool:
    return any(p.member.pk == member.pk for p in proposed_mentors(mentorship))


def get_mentorship(coop: Cooperative, mentorship_id: int) -> Mentorship:
    found = (
        Mentorship.objects.filter(cooperative=coop, pk=mentorship_id)
        .select_related("skill", "learner__user", "mentor__user", "cooperative")
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such mentoring request in this cooperative."))
    return found


def _listed(mentorships: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    return mentorships.select_related("skill", "learner__user", "mentor__user")


def asked_by(member: Member) -> QuerySet[Mentorship]:
    """The member's own requests, as a learner, newest first."""
    return _listed(Mentorship.objects.filter(learner=member))


def mentored_by(member: Member) -> QuerySet[Mentorship]:
    """The member's mentees: under way first, then ended."""
    return _listed(Mentorship.objects.filter(mentor=member)).order_by(
        "state", "-accepted_at", "-id"
    )


def open_for(member: Member) -> list[Mentorship]:
    """Open requests in the member's cooperative that the platform proposes
    them for (the same rules as ``proposed_mentors``, for one candidate)."""
    mine = {
        ps.skill_id: ps.level
        for ps in PersonSkill.objects.filter(user_id=member.user_id, mentors=True).only(
            "skill_id", "level"
        )
    }
    if not mine:
        return []
    busy = active_counts([member.user_id]).get(member.user_id, 0)
    if busy >= MENTOR_CAPACITY:
        return []
    waiting = list(
        _listed(
            Mentorship.objects.filter(
                cooperative_id=member.cooperative_id, state=S.OPEN, skill_id__in=list(mine)
            ).exclude(learner=member)
        )[: OPEN_REQUESTS_SHOWN * 2]
    )
    learner_levels = {
        (ps.user_id, ps.skill_id): ps.level
        for ps in PersonSkill.objects.filter(
            Q(user_id__in={m.learner.user_id for m in waiting}),
            Q(skill_id__in={m.skill_id for m in waiting}),
        ).only("user_id", "skill_id", "level")
    }
    shown = []
    for request in waiting:
        me = Candidate(member.pk, mine[request.skill_id], busy)
        if rank_mentors(
            [me],
            learner_id=request.learner_id,
            learner_level=learner_levels.get((request.learner.user_id, request.skill_id), 0),
            declined=request.declined_by or [],
        ):
            shown.append(request)
    return shown[:OPEN_REQUESTS_SHOWN]
