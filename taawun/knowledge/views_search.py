"""The search page: a GET form and a page of results. Visitors find what is
public; a signed-in person also what their cooperatives and networks share
with them (taawun.knowledge.rules)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.knowledge.forms_search import SearchForm
from taawun.knowledge.models import SearchDocument
from taawun.knowledge.normalise import normalise
from taawun.knowledge.rules import ReaderScope, reader_scope
from taawun.knowledge.search import Results, search
from taawun.membership.models import Cooperative
from taawun.web import ratelimits
from taawun.web.forms import run_action, set_choices


def _cooperatives(scope: ReaderScope) -> QuerySet[Cooperative]:
    """The cooperatives the reader can find something of (one probe of the
    index on visibility and cooperative per cooperative)."""
    readable = SearchDocument.objects.filter(scope.q(), cooperative=OuterRef("pk"))
    return Cooperative.objects.filter(Exists(readable))


def _page(value: str | None) -> int:
    """The page asked for; anything that is not a page number is page 1."""
    digits = normalise(value or "").strip()
    return int(digits) if digits.isdigit() and len(digits) < 6 else 1


def _page_url(request: HttpRequest, page: int) -> str:
    params: QueryDict = request.GET.copy()
    params["page"] = str(page)
    return "?" + params.urlencode()


def _summary(results: Results) -> str:
    if results.more:
        return _("More than %(count)s results.") % {"count": number_format(results.total)}
    return ngettext("%(count)s result.", "%(count)s results.", results.total) % {
        "count": number_format(results.total)
    }


@ratelimits.limit("search", ratelimits.SEARCH, key="ip", methods=("GET",))
def search_page(request: HttpRequest) -> HttpResponse:
    scope = reader_scope(request.user)
    form = SearchForm(request.GET if "q" in request.GET else None)
    coops = sorted(_cooperatives(scope), key=lambda coop: coop.name)
    set_choices(form, "coop", [("", _("Every cooperative")), *((c.slug, c.name) for c in coops)])
    context: dict[str, Any] = {"form": form, "results": None, "query": ""}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        page = _page(request.GET.get("page"))
        results = run_action(
            form,
            lambda: search(
                data["q"],
                scope=scope,
                kind=data["kind"],
                language=data["language"],
                cooperative=data["coop"],
                page=page,
            ),
        )
        context["query"] = data["q"]
        if results is not None:
            context["results"] = results
            if results.hits or results.total:
                context["summary"] = _summary(results)
            if results.page > 1:
                context["previous_url"] = _page_url(request, results.page - 1)
            if results.page < results.pages:
                context["next_url"] = _page_url(request, results.page + 1)
            context["first_url"] = _page_url(request, 1)
    return render(request, "knowledge/search/search.html", context)
