"""Reads of the skills vocabulary, of who has which skill in a cooperative,
and of a cooperative's profile (the skills its members offer and its
services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.knowledge.models import Level, PersonSkill, Service, Skill
from taawun.membership.models import Cooperative
from taawun.membership.rules import MEMBER_STATUSES


def get_skill(slug: str) -> Skill:
    skill = Skill.objects.filter(slug=slug).first()
    if skill is None:
        raise NotFound(_("There is no such skill in the vocabulary."))
    return skill


def vocabulary() -> QuerySet[Skill]:
    """Every skill, with how many people hold it."""
    return Skill.objects.annotate(holders_count=Count("holders")).order_by("slug")


def skill_choices() -> list[tuple[str, str]]:
    """The vocabulary as a form offers it: by name in the reader's language."""
    return sorted(((s.slug, s.name) for s in Skill.objects.only("slug", "names")), key=_by_name)


def _by_name(choice: tuple[str, str]) -> tuple[str, str]:
    return (choice[1].casefold(), choice[0])


def skills_by_slug(slugs: list[str]) -> list[Skill]:
    return list(Skill.objects.filter(slug__in=slugs))


def skills_of(user: Any) -> QuerySet[PersonSkill]:
    """A person's own skills, highest level first."""
    return (
        PersonSkill.objects.filter(user=user)
        .select_related("skill")
        .order_by("-level", "skill__slug")
    )


def _held_in(coop: Cooperative) -> QuerySet[PersonSkill]:
    """Skills held by the current members of ``coop`` (a person has one
    membership per cooperative, so each skill row comes once)."""
    return PersonSkill.objects.filter(
        user__memberships__cooperative=coop,
        user__memberships__status__in=MEMBER_STATUSES,
    )


@dataclass
class SkillCount:
    """How many current members of a cooperative hold a skill, per level."""

    skill: Skill
    by_level: dict[int, int] = field(default_factory=dict)
    mentors: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_level.values())

    @property
    def levels(self) -> list[int]:
        return [self.by_level.get(level, 0) for level in Level.values]

    @property
    def highest(self) -> int:
        return max((level for level, n in self.by_level.items() if n), default=0)

    @property
    def highest_label(self) -> str:
        return str(Level(self.highest).label) if self.highest else ""


def skill_counts(coop: Cooperative) -> list[SkillCount]:
    """The skills the current members of ``coop`` hold, with how many hold
    each at each level and how many mentor in it; the most held first."""
    rows = (
        _held_in(coop)
        .values("skill_id", "level")
        .annotate(n=Count("id"), mentoring=Count("id", filter=Q(mentors=True)))
    )
    counts: dict[int, SkillCount] = {}
    skills = {}
    raw = list(rows)
    if raw:
        skills = Skill.objects.in_bulk({row["skill_id"] for row in raw})
    for row in raw:
        count = counts.setdefault(row["skill_id"], SkillCount(skills[row["skill_id"]]))
        count.by_level[row["level"]] = row["n"]
        count.mentors += row["mentoring"]
    return sorted(counts.values(), key=lambda c: (-c.total, c.skill.name.casefold()))


def find_members(
    coop: Cooperative, skill: Skill, *, least_level: int = 1, mentors_only: bool = False
) -> QuerySet[PersonSkill]:
    """Current members of ``coop`` who hold ``skill`` at ``least_level`` or
    above (and mentor in it, if asked), highest level first. Each row has
    ``member_id`` (their membership here) and the member's name."""
    # F() reuses the join the filter made: the membership in this cooperative.
    found = (
        _held_in(coop)
        .filter(skill=skill, level__gte=least_level)
        .annotate(member_id=F("user__memberships__id"))
    )
    if mentors_only:
        found = found.filter(mentors=True)
    return found.select_related("user", "skill").order_by("-level", "user__name", "id")


@dataclass(frozen=True)
class ProfileSkill:
    skill: Skill
    members: int
    highest: int

    @property
    def highest_label(self) -> str:
        return str(Level(self.highest).label)


def coop_profile(coop: Cooperative) -> dict[str, Any]:
    """What a cooperative offers, as anyone may see it (and as the network
    directory shows it): the skills its current members hold, with how many
    hold each and the highest level among them, and its services. Counts,
    never names."""
    rows = (
        _held_in(coop)
        .values("skill_id")
        .annotate(members=Count("user_id", distinct=True), highest=Max("level"))
    )
    raw = list(rows)
    skills = Skill.objects.in_bulk({row["skill_id"] for row in raw}) if raw else {}
    offered = sorted(
        (ProfileSkill(skills[r["skill_id"]], r["members"], r["highest"]) for r in raw),
        key=lambda p: (-p.members, -p.highest, p.skill.name.casefold()),
    )
    return {"skills": offered, "services": list(services_of(coop))}


def services_of(coop: Cooperative) -> QuerySet[Service]:
    return Service.objects.filter(cooperative=coop).prefetch_related("skills")


def get_service(coop: Cooperative, service_id: int) -> Service:
    service = Service.objects.filter(cooperative=coop, pk=service_id).first()
    if service is None:
        raise NotFound(_("There is no such service in this cooperative."))
    return service
