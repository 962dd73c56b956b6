"""Reading calls for collaboration, and the matching: who, and which partner
cooperatives, have the skills a call needs, each with the reason spelled
out so that the members who posted it can judge the suggestion themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.errors import NotFound
from taawun.knowledge.models import (
    Call,
    CallResponse,
    CallSkill,
    Level,
    PersonSkill,
    Service,
    Skill,
    Visibility,
)
from taawun.knowledge.rules import ReaderScope, require_readable
from taawun.membership import networks
from taawun.membership.models import Cooperative, Member
from taawun.membership.rules import MEMBER_STATUSES

# How many people and cooperatives a call's page suggests at most.
SUGGESTIONS = 20


def _open_first(calls: QuerySet[Call]) -> QuerySet[Call]:
    return calls.annotate(
        closed=Case(
            When(state=Call.State.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("closed", "-created_at", "-pk")


def calls_of(coop: Cooperative, scope: ReaderScope) -> QuerySet[Call]:
    """The cooperative's calls the reader may read: open ones first."""
    return _open_first(
        Call.objects.filter(scope.q(), cooperative=coop).prefetch_related("needs__skill")
    )


def open_calls(scope: ReaderScope) -> QuerySet[Call]:
    """The open calls of every cooperative that the reader may read."""
    return (
        Call.objects.filter(scope.q(), state=Call.State.OPEN)
        .select_related("cooperative")
        .prefetch_related("needs__skill")
        .order_by("-created_at", "-pk")
    )


def get_call(coop: Cooperative, call_id: int, scope: ReaderScope) -> Call:
    call = Call.objects.filter(cooperative=coop, pk=call_id).select_related("cooperative").first()
    if call is None:
        raise NotFound(_("There is no such call in this cooperative."))
    require_readable(scope, call.visibility, call.cooperative_id)
    return call


def needs_of(call: Call) -> list[CallSkill]:
    return list(call.needs.select_related("skill").order_by("-level", "skill__slug"))


def responses_to(call: Call) -> list[CallResponse]:
    return list(call.responses.select_related("user"))


def has_responded(call: Call, user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return CallResponse.objects.filter(call=call, user=user).exists()


# --- Matching ------------------------------------------------------------------------------


def _level(level: int) -> str:
    return str(Level(level).label)


@dataclass(frozen=True)
class SkillMatch:
    """One needed skill a person has, at their level."""

    skill: Skill
    has: int
    needs: int

    @property
    def meets(self) -> bool:
        return self.has >= self.needs

    def __str__(self) -> str:
        values = {"skill": self.skill.name, "level": _level(self.has), "needed": _level(self.needs)}
        if self.meets:
            return _("has %(skill)s at %(level)s (needs %(needed)s)") % values
        return _("has %(skill)s only at %(level)s (needs %(needed)s)") % values


@dataclass
class PersonSuggestion:
    """A person whose skills meet at least one of the call's needs."""

    member: Member  # in the posting cooperative if they belong to it
    is_own: bool
    matches: list[SkillMatch]
    has_responded: bool = False

    @property
    def met(self) -> int:
        return sum(1 for match in self.matches if match.meets)

    @property
    def strength(self) -> int:
        """The levels held in the needs met: at a tie, the more skilled first."""
        return sum(match.has for match in self.matches if match.meets)

    @property
    def reason(self) -> str:
        return "; ".join(str(match) for match in self.matches)


def score(needs: dict[int, int], held: dict[int, int]) -> tuple[int, int]:
    """(needs met at or above their level, the levels held in them): the
    order people are suggested in, the larger first."""
    met = [held[skill] for skill, least in needs.items() if held.get(skill, 0) >= least]
    return len(met), sum(met)


def suggest_people(call: Call, *, limit: int = SUGGESTIONS) -> list[PersonSuggestion]:
    """The current members of the posting cooperative, and, for a call its
    networks can read, of the cooperatives in them, who meet at least one
    need at or above its level: ranked by how many needs they meet, then by
    their levels in them. The member who posted it is not suggested."""
    needed = {need.skill_id: need for need in call.needs.select_related("skill")}
    if not needed:
        return []
    pool = {call.cooperative_id}
    if call.visibility != Visibility.COOPERATIVE:
        pool = networks.neighbours(pool)
    current = Member.objects.filter(cooperative_id__in=pool, status__in=MEMBER_STATUSES)
    held: dict[int, dict[int, int]] = defaultdict(dict)
    for user_id, skill_id, level in PersonSkill.objects.filter(
        skill_id__in=needed, user_id__in=current.values("user_id")
    ).values_list("user_id", "skill_id", "level"):
        held[user_id][skill_id] = level
    least = {skill: need.level for skill, need in needed.items()}
    held = {user: skills for user, skills in held.items() if score(least, skills)[0]}
    poster = Member.objects.filter(pk=call.created_by_id).values_list("user_id", flat=True).first()
    held.pop(poster or 0, None)
    if not held:
        return []

    # Each person once, in the posting cooperative if they belong to it.
    shown: dict[int, Member] = {}
    for member in (
        current.filter(user_id__in=held).select_related("user", "cooperative").order_by("pk")
    ):
        if member.user_id not in shown or member.cooperative_id == call.cooperative_id:
            shown[member.user_id] = member
    responded = set(
        CallResponse.objects.filter(call=call, user_id__in=held).values_list("user_id", flat=True)
    )
    suggestions = []
    for user_id, skills in held.items():
        matches = [
            SkillMatch(need.skill, skills[skill], need.level)
            for skill, need in needed.items()
            if skill in skills
        ]
        matches.sort(key=lambda match: (not match.meets, -match.needs, match.skill.name))
        member = shown[user_id]
        suggestions.append(
            PersonSuggestion(
                member=member,
                is_own=member.cooperative_id == call.cooperative_id,
                matches=matches,
                has_responded=user_id in responded,
            )
        )
    suggestions.sort(
        key=lambda s: (-s.met, -s.strength, not s.is_own, s.member.user.name.casefold())
    )
    return suggestions[:limit]


@dataclass
class Coverage:
    """How a partner cooperative covers one need: services it offers in the
    skill, and how many of its members have it at the level or above."""

    skill: Skill
    needs: int
    services: list[str] = field(default_factory=list)
    members: int = 0

    def __str__(self) -> str:
        parts = []
        for title in self.services:
            parts.append(
                _("offers “%(service)s” (%(skill)s)") % {"service": title, "skill": self.skill.name}
            )
        if self.members:
            parts.append(
                ngettext(
                    "%(count)s member has %(skill)s at %(level)s or above",
                    "%(count)s members have %(skill)s at %(level)s or above",
                    self.members,
                )
                % {"count": self.members, "skill": self.skill.name, "level": _level(self.needs)}
            )
        return "; ".join(parts)


@dataclass
class PartnerSuggestion:
    cooperative: Cooperative
    covered: list[Coverage]

    @property
    def people(self) -> int:
        return sum(coverage.members for coverage in self.covered)

    @property
    def reason(self) -> str:
        return "; ".join(str(coverage) for coverage in self.covered)


def suggest_partners(call: Call, *, limit: int = SUGGESTIONS) -> list[PartnerSuggestion]:
    """The cooperatives that share a network with the posting one and cover
    at least one need, by a service in that skill or by members who have it
    at the level or above: ranked by how many needs they cover, then by how
    many of their members could help."""
    needed = {need.skill_id: need for need in call.needs.select_related("skill")}
    others = networks.neighbours({call.cooperative_id}) - {call.cooperative_id}
    if not needed or not others:
        return []
    covers: dict[int, dict[int, Coverage]] = defaultdict(dict)

    def coverage(coop_id: int, skill_id: int) -> Coverage:
        need = needed[skill_id]
        return covers[coop_id].setdefault(skill_id, Coverage(need.skill, need.level))

    offered = Service.skills.through.objects.filter(
        service__cooperative_id__in=others, skill_id__in=needed
    ).values_list("service__cooperative_id", "service__title", "skill_id")
    for coop_id, title, skill_id in offered.order_by("service__title"):
        coverage(coop_id, skill_id).services.append(title)

    current = Member.objects.filter(cooperative_id__in=others, status__in=MEMBER_STATUSES)
    able: dict[int, set[int]] = defaultdict(set)  # user → needs they meet
    for user_id, skill_id, level in PersonSkill.objects.filter(
        skill_id__in=needed, user_id__in=current.values("user_id")
    ).values_list("user_id", "skill_id", "level"):
        if level >= needed[skill_id].level:
            able[user_id].add(skill_id)
    for user_id, coop_id in current.filter(user_id__in=able).values_list(
        "user_id", "cooperative_id"
    ):
        for skill_id in able[user_id]:
            coverage(coop_id, skill_id).members += 1

    coops = Cooperative.objects.in_bulk(list(covers))
    suggestions = [
        PartnerSuggestion(
            cooperative=coops[coop_id],
            covered=sorted(found.values(), key=lambda c: (-c.needs, c.skill.name)),
        )
        for coop_id, found in covers.items()
    ]
    suggestions.sort(key=lambda s: (-len(s.covered), -s.people, s.cooperative.name.casefold()))
    return suggestions[:limit]
