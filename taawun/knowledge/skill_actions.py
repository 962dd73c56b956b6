"""Every change to the skills vocabulary, to the skills people declare, and
to the services a cooperative offers.

The vocabulary is shared by every cooperative on the instance and grows
with it: any member of a cooperative adds a skill, named in Arabic, English
or both, and corrects or adds its names later. A skill is refused when one
of its names is already a name of another skill once case, spaces, Arabic
diacritics and the forms of alef are set aside ("JavaScript" and
"java script", "برمجة" and "بَرْمَجة"), so that the directory does not split
one skill into two.

A person's skills are theirs: declared once, shown in every cooperative they
belong to. Services belong to a cooperative and are kept by an officer with
the ``keep_register`` power.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from taawun.accounts.models import User
from taawun.errors import InvalidInput, NotFound, PermissionDenied
from taawun.knowledge.models import Level, PersonSkill, Service, Skill
from taawun.knowledge.normalise import normalise
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

MAX_NAME = 80
MAX_SLUG = 60
SERVICE_POWER = "keep_register"
MAX_SERVICE_TITLE = 200
MAX_SERVICE_DESCRIPTION = 2000
MAX_SERVICE_SKILLS = 30

# Between the words of a name: "Node.js", "node js" and "NodeJS" are one.
_SPACING = re.compile(r"[\s\-_.·]+")


def name_key(name: str) -> str:
    """What two names of one skill have in common however they are spelt:
    the search's spelling (case folded, Arabic marks and tatweel dropped,
    the forms of alef, yaa and taa marbuta made one, see ``normalise``)
    without spaces, hyphens or dots."""
    return _SPACING.sub("", normalise(name))


def require_member_somewhere(user: User | None) -> User:
    """Only a member of some cooperative adds to or corrects the vocabulary."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please sign in first."))
    if not Member.objects.filter(user=user, status__in=rules.MEMBER_STATUSES).exists():
        raise PermissionDenied(
            _("Only a member of a cooperative can add to the skills vocabulary.")
        )
    return user


def _clean_names(names: Mapping[str, Any]) -> dict[str, str]:
    clean = {}
    for language, name in names.items():
        if not isinstance(name, str):
            continue
        name = " ".join(name.split())
        if not name:
            continue
        if len(name) > MAX_NAME:
            raise InvalidInput(
                _("Keep a name under %(limit)d characters.") % {"limit": MAX_NAME},
                field=f"name_{language}",
            )
        if not name_key(name):
            raise InvalidInput(_("A name needs letters or digits."), field=f"name_{language}")
        clean[language] = name
    if not clean:
        raise InvalidInput(
            _("Give the skill a name in Arabic or in English (or both)."), field="name_en"
        )
    return clean


def same_skill(
    names: Mapping[str, str], *, besides: Skill | None = None
) -> tuple[str, Skill] | None:
    """The first of ``names`` (language, then skill) that another skill in
    the vocabulary already bears, however it is spelt."""
    keys = {name_key(name): language for language, name in names.items()}
    others = Skill.objects.all() if besides is None else Skill.objects.exclude(pk=besides.pk)
    for skill in others.only("pk", "slug", "names"):
        for name in (skill.names or {}).values():
            if isinstance(name, str) and name_key(name) in keys:
                return keys[name_key(name)], skill
    return None


def _refuse_duplicates(names: Mapping[str, str], besides: Skill | None = None) -> None:
    found = same_skill(names, besides=besides)
    if found is not None:
        language, skill = found
        raise InvalidInput(
            _("This is already in the vocabulary as the skill “%(name)s”.") % {"name": skill.name},
            field=f"name_{language}",
        )


def _free_slug(names: Mapping[str, str]) -> str:
    """A short address from the English name, or the first name given;
    numbered if another skill already has it (C, C++ and C# all make "c")."""
    source = names.get("en") or next(iter(names.values()))
    base = slugify(source, allow_unicode=True)[:MAX_SLUG].strip("-") or "skill"
    slug, n = base, 1
    while Skill.objects.filter(slug=slug).exists():
        n += 1
        suffix = f"-{n}"
        slug = base[: MAX_SLUG - len(suffix)] + suffix
    return slug


@transaction.atomic
def add_skill(*, by: User | None, names: Mapping[str, Any]) -> Skill:
    """Add a skill to the shared vocabulary."""
    user = require_member_somewhere(by)
    clean = _clean_names(names)
    _refuse_duplicates(clean)
    return Skill.objects.create(slug=_free_slug(clean), names=clean, created_by=user)


@transaction.atomic
def add_starter_skills(vocabulary: Iterable[Mapping[str, str]]) -> list[Skill]:
    """The instance's starter vocabulary, added by no one: each skill whose
    names are not in the vocabulary yet (so running it again adds nothing)."""
    added = []
    for names in vocabulary:
        clean = _clean_names(names)
        if same_skill(clean) is None:
            added.append(Skill.objects.create(slug=_free_slug(clean), names=clean))
    return added


@transaction.atomic
def rename_skill(skill: Skill, *, by: User | None, names: Mapping[str, Any]) -> Skill:
    """Correct a skill's names or add a translation. ``names`` replaces the
    names in the languages it gives (an empty one removes that name, as long
    as one name is left); names in other languages stay. Its address stays,
    so links to it keep working."""
    require_member_somewhere(by)
    skill = Skill.objects.select_for_update().get(pk=skill.pk)
    merged = {**(skill.names or {}), **names}
    clean = _clean_names(merged)
    _refuse_duplicates(clean, besides=skill)
    skill.names = clean
    skill.save(update_fields=["names"])
    return skill


def _level(level: Any) -> int:
    if isinstance(level, str) and level.strip().isdigit():
        level = int(level)
    if isinstance(level, bool) or level not in Level.values:
        raise InvalidInput(
            _("Choose a level from 1 (beginner) to 4 (expert)."),
            field="level",
        )
    return int(level)


def check_skill(skill: Any) -> Skill:
    if isinstance(skill, Skill) and skill.pk is not None:
        return skill
    found = Skill.objects.filter(slug=skill).first() if isinstance(skill, str) else None
    if found is None:
        raise InvalidInput(_("Choose a skill from the vocabulary."), field="skill")
    return found


@transaction.atomic
def declare_skill(*, by: User | None, skill: Skill | str, level: Any, mentors: bool) -> PersonSkill:
    """Say that ``by`` has ``skill`` at ``level``, and whether they will
    mentor others in it; declaring a skill again changes its level."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Please sign in first."))
    found = check_skill(skill)
    value = _level(level)
    held = PersonSkill.objects.select_for_update().filter(user=by, skill=found).first()
    if held is None:
        held = PersonSkill(user=by, skill=found)
    held.level = value
    held.mentors = bool(mentors)
    held.updated_at = timezone.now()
    held.save()  # save(), not update(): the search index follows the signal
    return held


@transaction.atomic
def remove_skill(*, by: User | None, skill: Skill | str) -> None:
    """``by`` no longer lists ``skill``. A mentorship under way goes on:
    only new requests stop proposing them."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Please sign in first."))
    found = check_skill(skill)
    held = PersonSkill.objects.filter(user=by, skill=found).first()
    if held is None:
        raise NotFound(_("You have not declared this skill."))
    held.delete()


# --- Services ------------------------------------------------------------------------


def _service_fields(title: str, description: str, skills: Iterable[Skill]) -> dict[str, Any]:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Give the service a title."), field="title")
    if len(title) > MAX_SERVICE_TITLE:
        raise InvalidInput(
            _("Keep the title under %(limit)d characters.") % {"limit": MAX_SERVICE_TITLE},
            field="title",
        )
    description = (description or "").strip()
    if len(description) > MAX_SERVICE_DESCRIPTION:
        raise InvalidInput(
            _("Keep the description under %(limit)d characters.")
            % {"limit": MAX_SERVICE_DESCRIPTION},
            field="description",
        )
    chosen = list({skill.pk: skill for skill in skills}.values())
    if any(skill.pk is None for skill in chosen):
        raise InvalidInput(_("Choose skills from the vocabulary."), field="skills")
    if len(chosen) > MAX_SERVICE_SKILLS:
        raise InvalidInput(
            _("Choose at most %(limit)d skills.") % {"limit": MAX_SERVICE_SKILLS},
            field="skills",
        )
    return {"title": title, "description": description, "skills": chosen}


@transaction.atomic
def add_service(
    *,
    by: User | None,
    coop: Cooperative,
    title: str,
    description: str = "",
    skills: Iterable[Skill] = (),
) -> Service:
    rules.access_officer(by, coop, SERVICE_POWER)
    fields = _service_fields(title, description, skills)
    service = Service.objects.create(
        cooperative=coop, title=fields["title"], description=fields["description"]
    )
    service.skills.set(fields["skills"])
    return service


@transaction.atomic
def change_service(
    service: Service,
    *,
    by: User | None,
    title: str,
    description: str = "",
    skills: Iterable[Skill] = (),
) -> Service:
    rules.access_officer(by, service.cooperative, SERVICE_POWER)
    fields = _service_fields(title, description, skills)
    service.title = fields["title"]
    service.description = fields["description"]
    service.save(update_fields=["title", "description"])
    service.skills.set(fields["skills"])
    return service


@transaction.atomic
def remove_service(service: Service, *, by: User | None) -> None:
    rules.access_officer(by, service.cooperative, SERVICE_POWER)
    service.delete()
