from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from taawun.accounts import actions as accounts
from taawun.errors import InvalidInput
from taawun.governance import queries as governance_queries
from taawun.membership import caching, queries, rules
from taawun.membership.models import Cooperative, Member


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        coops = Cooperative.objects.order_by("slug")[:12]
        return render(request, "web/welcome.html", {"coops": coops})
    user = request.user
    memberships = queries.membership_versions(user)

    def cards() -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for member in queries.memberships_of(user):
            powers = rules.powers_of(member)
            rows.append(
                {
                    "member": member,
                    "coop": member.cooperative,
                    "applications": queries.applications(member.cooperative).count()
                    if "admit" in powers
                    else 0,
                }
            )
        return {
            "cards": render_to_string("web/dashboard_cards.html", {"rows": rows}),
            "to_review": sum(r["applications"] for r in rows),
            "waiting": sum(1 for r in rows if r["member"].status == Member.Status.APPLICANT),
            "open_polls": governance_queries.on_open_rolls(m.member_id for m in memberships),
        }

    # What the person's cooperatives show them changes only when one of those
    # cooperatives does (a ledgered change: membership, offices, a poll opened
    # or closed): cached under their versions (membership.caching). Whether
    # the person has voted yet in the open polls is read afresh.
    shown = caching.cached(caching.person_key(user, memberships, get_language()), cards)
    ballots_due = governance_queries.awaiting_vote(
        [m.member_id for m in memberships], shown["open_polls"]
    )
    return render(request, "web/dashboard.html", {**shown, "ballots_due": ballots_due})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "web/about.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switch (cookie, safe redirect), plus the member's saved preference."""
    language = request.POST.get("language", "")
    try:
        accounts.set_language(request.user, language)
    except InvalidInput:
        nxt = request.POST.get("next", "/")
        safe = url_has_allowed_host_and_scheme(nxt, {request.get_host()})
        return HttpResponseRedirect(nxt if safe else "/")
    return django_set_language(request)


def healthz(request: HttpRequest) -> HttpResponse:
    """A trivial view: the load balancer's check, and the benchmark's floor."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django could not read (a form far too large, a broken
    header), as a page in the reader's language. Django's own 400 view
    renders without the request, so the layout could not be drawn."""
    return render(request, "400.html", status=400)
