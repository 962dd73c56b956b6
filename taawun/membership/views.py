"""Pages of cooperatives and memberships: parse, call one action, render."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.csvfiles import csv_response, csv_safe
from taawun.errors import NotFound, NotSignedIn, TaawunError
from taawun.knowledge import skill_queries
from taawun.ledger import queries as ledger_queries
from taawun.membership import actions, caching, queries, rules
from taawun.membership.bylaws import power_labels, threshold_labels
from taawun.membership.forms import (
    AcceptInvitationForm,
    ApplyForm,
    BylawsForm,
    ClassFormSet,
    CooperativeForm,
    DecisionForm,
    InviteForm,
    OfficeFormSet,
    OfficesForm,
    StatusForm,
    kept_rows,
    names_of,
)
from taawun.membership.models import Cooperative, Member, localised
from taawun.web import ratelimits
from taawun.web.forms import run_action


def _page(request: HttpRequest, items: QuerySet[Any]) -> Page[Any]:
    paginator = Paginator(items, settings.TAAWUN_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def coop_list(request: HttpRequest) -> HttpResponse:
    coops = Cooperative.objects.order_by("slug")
    return render(request, "membership/coop_list.html", {"coops": coops})


def coop_new(request: HttpRequest) -> HttpResponse:
    founder = signed_in(request)
    form = CooperativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        coop = run_action(
            form,
            lambda: actions.create_cooperative(
                founder=founder,
                slug=data["slug"],
                names={"en": data["name_en"], "ar": data["name_ar"]},
                country=data["country"],
                currency=data["currency"],
                languages=data["languages"],
            ),
        )
        if coop:
            messages.success(request, _("Your cooperative is founded. You hold every office."))
            return redirect(coop)
    return render(request, "membership/coop_new.html", {"form": form})


def coop_detail(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    member = rules.membership_of(request.user, coop)
    powers = rules.powers_of(member)
    context = {
        "coop": coop,
        "me": member,
        "is_member": rules.is_member(member),
        "powers": powers,
        "classes": [(localised(c["names"]), c) for c in coop.bylaws["membership_classes"]],
        "member_count": queries.directory(coop).count(),
        "pending": queries.applications(coop).count() if "admit" in powers else 0,
        "skill_profile": skill_queries.coop_profile(coop),
    }
    return render(request, "membership/coop_detail.html", context)


@ratelimits.limit("sign-up", ratelimits.SIGN_UP, key="ip")
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    has_account = request.user.is_authenticated
    form = ApplyForm(request.POST or None, coop=coop, signed_in=has_account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if has_account:
            member = run_action(
                form,
                lambda: actions.apply_for_membership(
                    user=signed_in(request),
                    coop=coop,
                    membership_class=data["membership_class"],
                    statement=data["statement"],
                ),
            )
        else:
            member = run_action(
                form,
                lambda: actions.register_and_apply(
                    email=data["email"],
                    name=data["name"],
                    password=data["password"],
                    coop=coop,
                    membership_class=data["membership_class"],
                    statement=data["statement"],
                    language=(request.LANGUAGE_CODE or "")[:2],
                ),
            )
            if member:
                login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
        if member:
            messages.success(
                request,
                _("Your application has been sent. You will hear by email when it is decided."),
            )
            return redirect("web:home")
    return render(request, "membership/apply.html", {"coop": coop, "form": form})


def directory(request: HttpRequest, slug: str) -> HttpResponse:
    coop, me = queries.cooperative_as(slug, request.user)
    if not request.user.is_authenticated:
        raise NotSignedIn()
    rules.require_member(me)
    search = request.GET.get("q", "").strip()[:100]
    number = queries.page_number(request.GET.get("page"))
    size = settings.TAAWUN_PAGE_SIZE

    def table() -> dict[str, Any]:
        page = queries.directory_page(coop, number, size, search=search)
        context = {"coop": coop, "page": page, "q": search}
        html = render_to_string("membership/directory_table.html", context)
        return {"html": html, "total": page.paginator.count}

    if search:
        shown = table()
    else:
        # The same for every member until the roll changes: cached under the
        # cooperative's version (membership.caching), per language and page.
        key = caching.key(coop, "directory", get_language(), number)
        shown = caching.cached(key, table)
    return render(
        request,
        "membership/directory.html",
        {"coop": coop, "q": search, "table": shown["html"], "total": shown["total"]},
    )


def member_detail(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    me = rules.access_member(request.user, coop)
    member = queries.get_member(coop, member_id)
    powers = rules.powers_of(me)
    if member.status not in rules.MEMBER_STATUSES and not powers & {"keep_register", "admit"}:
        raise NotFound(_("There is no such member in this cooperative."))
    status_form = StatusForm(prefix="status")
    offices_form = OfficesForm(prefix="offices", coop=coop, initial={"offices": member.offices})
    if request.method == "POST":
        if "status-to" in request.POST:
            status_form = StatusForm(request.POST, prefix="status")
            if status_form.is_valid():
                data = status_form.cleaned_data
                if run_action(
                    status_form,
                    lambda: actions.change_member_status(
                        member,
                        by=signed_in(request),
                        to=data["to"],
                        reason=data["reason"],
                    ),
                ):
                    messages.success(request, _("The membership status was changed."))
                    return redirect("membership:member", slug, member.pk)
        else:
            offices_form = OfficesForm(request.POST, prefix="offices", coop=coop)
            if offices_form.is_valid():
                changed = run_action(
                    offices_form,
                    lambda: actions.set_offices(
                        member,
                        by=signed_in(request),
                        offices=offices_form.cleaned_data["offices"],
                    ),
                )
                if changed:
                    messages.success(request, _("The offices were changed."))
                    return redirect("membership:member", slug, member.pk)
    return render(
        request,
        "membership/member_detail.html",
        {
            "coop": coop,
            "member": member,
            "me": me,
            "powers": powers,
            "status_form": status_form,
            "offices_form": offices_form,
            "events": member.events.select_related("by__user") if powers else None,
        },
    )


def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Leaving is serious: a page says what it means, and a button confirms."""
    coop = queries.get_cooperative(slug)
    member = rules.membership_of(request.user, coop)
    if member is None or member.status in (Member.Status.WITHDRAWN, Member.Status.REJECTED):
        raise NotFound(_("You are not a member of this cooperative."))
    if request.method == "POST":
        actions.withdraw_membership(member, by=signed_in(request))
        messages.success(request, _("Your membership has ended."))
        return redirect("web:home")
    return render(request, "membership/withdraw.html", {"coop": coop, "me": member})


def register(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_register")
    page = _page(request, queries.register(coop))
    page.object_list = queries.attach_cooperative(page.object_list, coop)
    return render(request, "membership/register.html", {"coop": coop, "page": page})


def register_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_register")

    def rows() -> Iterator[list[Any]]:
        yield [
            "number",
            "name",
            "email",
            "class",
            "status",
            "offices",
            "applied_at",
            "admitted_at",
            "ended_at",
        ]
        for m in queries.register(coop).iterator(chunk_size=2000):
            yield [
                m.number,
                csv_safe(m.user.name),
                m.user.email,
                m.membership_class,
                m.status,
                " ".join(m.offices),
                m.applied_at.isoformat(),
                m.admitted_at.isoformat() if m.admitted_at else "",
                m.ended_at.isoformat() if m.ended_at else "",
            ]

    return csv_response(rows(), f"{coop.slug}-register.csv")


def applications(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "admit")
    return render(
        request,
        "membership/applications.html",
        {
            "coop": coop,
            "applications": queries.attach_cooperative(queries.applications(coop), coop),
        },
    )


def application(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "admit")
    applicant = queries.get_member(coop, member_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("decision") == "admit":
            done = run_action(form, lambda: actions.admit_member(applicant, by=signed_in(request)))
            note = _("%(name)s is now a member.")
        else:
            done = run_action(
                form,
                lambda: actions.reject_application(
                    applicant,
                    by=signed_in(request),
                    reason=form.cleaned_data["reason"],
                ),
            )
            note = _("The application of %(name)s was declined.")
        if done:
            messages.success(request, note % {"name": applicant.user.name})
            return redirect("membership:applications", slug)
    return render(
        request,
        "membership/application.html",
        {
            "coop": coop,
            "applicant": applicant,
            "form": form,
        },
    )


@ratelimits.limit("invitations", ratelimits.INVITATIONS, key="user")
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "invite")
    form = InviteForm(request.POST or None, coop=coop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            lambda: actions.invite_member(
                by=signed_in(request),
                coop=coop,
                email=data["email"],
                membership_class=data["membership_class"],
            ),
        ):
            messages.success(request, _("The invitation was sent to %(email)s.") % data)
            return redirect("membership:invite", slug)
    return render(request, "membership/invite.html", {"coop": coop, "form": form})


@ratelimits.limit("sign-up", ratelimits.SIGN_UP, key="ip")
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = actions.find_invitation(token)
    coop = invitation.cooperative
    form = AcceptInvitationForm(request.POST or None)
    has_account = request.user.is_authenticated
    if request.method == "POST" and (has_account or form.is_valid()):
        if has_account:
            member = run_action(
                form, lambda: actions.accept_invitation(token, user=signed_in(request))
            )
        else:
            member = run_action(
                form,
                lambda: actions.accept_invitation(
                    token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                    language=(request.LANGUAGE_CODE or "")[:2],
                ),
            )
            if member:
                login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
        if member:
            messages.success(
                request, _("Welcome! You are now a member of %(coop)s.") % {"coop": coop.name}
            )
            return redirect(coop)
    return render(
        request,
        "membership/accept_invitation.html",
        {
            "coop": coop,
            "invitation": invitation,
            "form": form,
            "signed_in": has_account,
        },
    )


def bylaws(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    me = rules.membership_of(request.user, coop)
    doc = coop.bylaws
    can_amend = rules.has_power(me, "amend_bylaws")
    form = None
    if can_amend:
        form = BylawsForm(
            request.POST or None,
            initial={
                k: doc[k]
                for k in (
                    "quorum_percent",
                    "threshold",
                    "share_par_value",
                    "probation_days",
                    "admission",
                )
            },
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            new = dict(doc)
            new.update(
                {
                    "quorum_percent": str(data["quorum_percent"]),
                    "threshold": data["threshold"],
                    "share_par_value": str(data["share_par_value"]),
                    "probation_days": data["probation_days"],
                    "admission": data["admission"],
                    "min_voting_hours": data["min_voting_hours"],
                    "proxy_limit": data["proxy_limit"],
                }
            )
            if run_action(
                form, lambda: actions.amend_bylaws(by=signed_in(request), coop=coop, bylaws=new)
            ):
                messages.success(
                    request, _("The bylaws settings were changed and recorded in the ledger.")
                )
                return redirect("membership:bylaws", slug)
    elif request.method == "POST":
        rules.access_officer(request.user, coop, "amend_bylaws")
    labels = power_labels()
    return render(
        request,
        "membership/bylaws.html",
        {
            "coop": coop,
            "doc": doc,
            "form": form,
            "threshold": threshold_labels()[doc["threshold"]],
            "classes": [
                (localised(c["names"]), c, doc["vote_weights"].get(c["code"], 1))
                for c in doc["membership_classes"]
            ],
            "offices": [
                (localised(o["names"]), [labels[p] for p in o["powers"]]) for o in doc["offices"]
            ],
        },
    )


def ledger(request: HttpRequest, slug: str) -> HttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    chain = str(coop.public_id)
    page = _page(request, ledger_queries.entries(chain).order_by("-seq"))
    return render(
        request,
        "membership/ledger.html",
        {
            "coop": coop,
            "page": page,
            "head": ledger_queries.head(chain),
        },
    )


def ledger_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    response = StreamingHttpResponse(
        ledger_queries.export_lines(str(coop.public_id)), content_type="application/jsonl"
    )
    response["Content-Disposition"] = f'attachment; filename="{coop.slug}-ledger.jsonl"'
    return response


def bylaws_classes(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the membership classes; the bylaws are then checked as a whole."""
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "amend_bylaws")
    initial = [
        {
            "code": c["code"],
            "name_en": c["names"].get("en", ""),
            "name_ar": c["names"].get("ar", ""),
            "may_vote": c["may_vote"],
            "min_shares": c["min_shares"],
            "vote_weight": coop.bylaws["vote_weights"].get(c["code"], 1),
        }
        for c in coop.bylaws["membership_classes"]
    ]
    formset = ClassFormSet(request.POST or None, initial=initial, prefix="classes")
    if request.method == "POST" and formset.is_valid():
        kept = kept_rows(formset)
        rows = [
            {
                "code": row["code"].strip(),
                "names": names_of(row),
                "may_vote": bool(row["may_vote"]),
                "min_shares": row["min_shares"] or 0,
            }
            for row in kept
        ]
        # Weight 1 is the default (one member, one vote), so only others are written.
        weights = {
            row["code"].strip(): row["vote_weight"]
            for row in kept
            if row.get("vote_weight") not in (None, 1)
        }
        doc = dict(coop.bylaws, membership_classes=rows, vote_weights=weights)
        if _amend(request, formset, coop, doc):
            return redirect("membership:bylaws", slug)
    return render(
        request,
        "membership/bylaws_rows.html",
        {
            "coop": coop,
            "formset": formset,
            "title": _("Membership classes"),
        },
    )


def bylaws_offices(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the offices and the powers the bylaws give each."""
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "amend_bylaws")
    initial = [
        {
            "code": o["code"],
            "name_en": o["names"].get("en", ""),
            "name_ar": o["names"].get("ar", ""),
            "powers": o["powers"],
        }
        for o in coop.bylaws["offices"]
    ]
    formset = OfficeFormSet(request.POST or None, initial=initial, prefix="offices")
    if request.method == "POST" and formset.is_valid():
        rows = [
            {"code": row["code"].strip(), "names": names_of(row), "powers": row["powers"]}
            for row in kept_rows(formset)
        ]
        doc = dict(coop.bylaws, offices=rows)
        if _amend(request, formset, coop, doc):
            return redirect("membership:bylaws", slug)
    return render(
        request,
        "membership/bylaws_rows.html",
        {
            "coop": coop,
            "formset": formset,
            "title": _("Offices and their powers"),
        },
    )


def _amend(request: HttpRequest, formset: Any, coop: Cooperative, doc: dict[str, Any]) -> bool:
    try:
        actions.amend_bylaws(by=signed_in(request), coop=coop, bylaws=doc)
    except TaawunError as error:
        formset.problem = str(error.message)
        return False
    messages.success(request, _("The bylaws settings were changed and recorded in the ledger."))
    return True
