"""Pages of the skills vocabulary, of a person's own skills, of a
cooperative's skills directory and of its services: parse, call one action,
render.

The vocabulary is public; any member of a cooperative adds to it and
corrects its names. Everyone signed in keeps their own skills. A
cooperative's members find each other by skill and level, and read its
services; an officer with the ``keep_register`` power keeps the services.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from taawun.accounts.rules import signed_in
from taawun.knowledge import skill_actions, skill_queries
from taawun.knowledge.forms_skills import (
    DeclareSkillForm,
    FindMembersForm,
    ServiceForm,
    SkillNamesForm,
)
from taawun.knowledge.models import Level, Skill
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member
from taawun.web.forms import run_action

POWER = skill_actions.SERVICE_POWER

# --- The vocabulary --------------------------------------------------------------------


def vocabulary(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(skill_queries.vocabulary(), settings.TAAWUN_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    user = request.user
    may_name = (
        user.is_authenticated
        and Member.objects.filter(user=user, status__in=rules.MEMBER_STATUSES).exists()
    )
    return render(
        request,
        "knowledge/skills/vocabulary.html",
        {"page": page, "may_name": may_name},
    )


def _already(form: SkillNamesForm, skill: Skill | None = None) -> Skill | None:
    """The skill a refused name already belongs to, for a link to it."""
    if not form.errors:
        return None
    # As typed: a refused name has left the form's cleaned data.
    typed = {language: form.data.get(f"name_{language}", "") for language in ("ar", "en")}
    names = {k: v for k, v in typed.items() if isinstance(v, str) and v.strip()}
    found = skill_actions.same_skill(names, besides=skill) if names else None
    return found[1] if found else None


def skill_new(request: HttpRequest) -> HttpResponse:
    user = skill_actions.require_member_somewhere(signed_in(request))
    form = SkillNamesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        skill = run_action(form, lambda: skill_actions.add_skill(by=user, names=form.names()))
        if skill is not None:
            messages.success(
                request, _("The skill %(name)s is in the vocabulary.") % {"name": skill.name}
            )
            return redirect("knowledge:skills_mine")
    context = {"form": form, "existing": _already(form)}
    return render(request, "knowledge/skills/skill_new.html", context)


def skill_edit(request: HttpRequest, skill: str) -> HttpResponse:
    user = skill_actions.require_member_somewhere(signed_in(request))
    found = skill_queries.get_skill(skill)
    names = found.names or {}
    form = SkillNamesForm(
        request.POST or None,
        initial={"name_ar": names.get("ar", ""), "name_en": names.get("en", "")},
    )
    if request.method == "POST" and form.is_valid():
        changed = run_action(
            form, lambda: skill_actions.rename_skill(found, by=user, names=form.names())
        )
        if changed is not None:
            messages.success(
                request, _("The names of %(name)s are saved.") % {"name": changed.name}
            )
            return redirect("knowledge:skills")
    context = {"form": form, "skill": found, "existing": _already(form, found)}
    return render(request, "knowledge/skills/skill_edit.html", context)


# --- My skills ---------------------------------------------------------------------------


def skills_mine(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = DeclareSkillForm(request.POST or None, skills=skill_queries.skill_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        held = run_action(
            form,
            lambda: skill_actions.declare_skill(
                by=user, skill=data["skill"], level=data["level"], mentors=data["mentors"]
            ),
        )
        if held is not None:
            messages.success(
                request,
                _("%(skill)s is in your skills, at the level %(level)s.")
                % {"skill": held.skill.name, "level": held.get_level_display()},
            )
            return redirect("knowledge:skills_mine")
    context = {
        "form": form,
        "held": skill_queries.skills_of(user),
        "may_name": Member.objects.filter(user=user, status__in=rules.MEMBER_STATUSES).exists(),
    }
    return render(request, "knowledge/skills/mine.html", context)


@require_POST
def skills_mine_remove(request: HttpRequest, skill: str) -> HttpResponse:
    found = skill_queries.get_skill(skill)
    skill_actions.remove_skill(by=signed_in(request), skill=found)
    messages.success(request, _("%(skill)s is no longer in your skills.") % {"skill": found.name})
    return redirect("knowledge:skills_mine")


# --- A cooperative's skills directory ---------------------------------------------------------


def _member_of(request: HttpRequest, slug: str) -> tuple[Cooperative, Member]:
    coop = membership_queries.get_cooperative(slug)
    return coop, rules.access_member(request.user, coop)


def coop_skills(request: HttpRequest, slug: str, skill: str | None = None) -> HttpResponse:
    """Find members by skill and least level; without a skill, the counts.
    The results have their own address (``skills/<skill>/``), so that the
    search form, sent by GET, is redirected there."""
    coop, _me = _member_of(request, slug)
    chosen = skill_queries.get_skill(skill) if skill is not None else None
    query = request.GET.copy()
    if chosen is not None:
        query["skill"] = chosen.slug
    form = FindMembersForm(query, skills=skill_queries.skill_choices())
    valid = form.is_valid()
    if valid and chosen is None and form.cleaned_data["skill"]:
        rest = query.copy()
        del rest["skill"]
        address = reverse("knowledge:coop_skill", args=[coop.slug, form.cleaned_data["skill"]])
        return redirect(f"{address}?{rest.urlencode()}" if rest else address)
    context: dict[str, object] = {
        "coop": coop,
        "form": form,
        "levels": Level.choices,
        "skill": chosen,
    }
    if chosen is not None and valid:
        data = form.cleaned_data
        members = skill_queries.find_members(
            coop,
            chosen,
            least_level=int(data["level"] or 1),
            mentors_only=data["mentors"],
        )
        paginator = Paginator(members, settings.TAAWUN_PAGE_SIZE)
        context["page"] = paginator.get_page(request.GET.get("page"))
    elif chosen is None:
        context["counts"] = skill_queries.skill_counts(coop)
    return render(request, "knowledge/skills/directory.html", context)


# --- Services --------------------------------------------------------------------------------


def services(request: HttpRequest, slug: str) -> HttpResponse:
    coop, me = _member_of(request, slug)
    context = {
        "coop": coop,
        "services": skill_queries.services_of(coop),
        "keeps_services": rules.has_power(me, POWER),
    }
    return render(request, "knowledge/skills/services.html", context)


def service_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, POWER)
    form = ServiceForm(request.POST or None, skills=skill_queries.skill_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = run_action(
            form,
            lambda: skill_actions.add_service(
                by=signed_in(request),
                coop=coop,
                title=data["title"],
                description=data["description"],
                skills=skill_queries.skills_by_slug(data["skills"]),
            ),
        )
        if service is not None:
            messages.success(
                request, _("The service %(title)s is added.") % {"title": service.title}
            )
            return redirect("knowledge:services", coop.slug)
    return render(request, "knowledge/skills/service_form.html", {"coop": coop, "form": form})


def service_edit(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, POWER)
    service = skill_queries.get_service(coop, service_id)
    form = ServiceForm(
        request.POST or None,
        skills=skill_queries.skill_choices(),
        initial={
            "title": service.title,
            "description": service.description,
            "skills": [s.slug for s in service.skills.all()],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = run_action(
            form,
            lambda: skill_actions.change_service(
                service,
                by=signed_in(request),
                title=data["title"],
                description=data["description"],
                skills=skill_queries.skills_by_slug(data["skills"]),
            ),
        )
        if changed is not None:
            messages.success(
                request, _("The service %(title)s is saved.") % {"title": changed.title}
            )
            return redirect("knowledge:services", coop.slug)
    context = {"coop": coop, "form": form, "service": service}
    return render(request, "knowledge/skills/service_form.html", context)


@require_POST
def service_remove(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    service = skill_queries.get_service(coop, service_id)
    skill_actions.remove_service(service, by=signed_in(request))
    messages.success(request, _("The service %(title)s is removed.") % {"title": service.title})
    return redirect("knowledge:services", coop.slug)
