"""The economy's home page and the pages of surplus allocation: the
treasurer's preview and proposal, the allocation every member can read, its
posting and withdrawal, and each member's printable notice of allocation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from taawun.accounts.rules import signed_in
from taawun.csvfiles import csv_response
from taawun.economy import allocation_actions as actions
from taawun.economy import allocation_queries as allocations
from taawun.economy import queries
from taawun.economy.charts import BarChart, bar_chart
from taawun.economy.forms_allocation import SurplusForm, WithdrawForm
from taawun.economy.models import FiscalPeriod, SurplusAllocation
from taawun.economy.money import format_amount
from taawun.errors import NotFound, PermissionDenied, TaawunError
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member
from taawun.web.forms import run_action

# Members shown in a preview before the treasurer proposes it.
PREVIEW_ROWS = 20


def _member_of(request: HttpRequest, slug: str) -> tuple[Cooperative, Member]:
    coop = membership_queries.get_cooperative(slug)
    return coop, rules.access_member(request.user, coop)


def _money(coop: Cooperative, value: int) -> str:
    return f"{format_amount(value, coop.currency)} {coop.currency}"


def home(request: HttpRequest, slug: str) -> HttpResponse:
    """What the member holds and is owed, the cooperative's capital and
    reserve, and the way to every page of the economy."""
    coop, me = _member_of(request, slug)
    holding = queries.holding(me)
    context = {
        "coop": coop,
        "me": me,
        "keeps_accounts": rules.has_power(me, "keep_accounts"),
        "decides_transfers": queries.decides_transfers(me),
        "figures": {
            "my_shares": holding.shares,
            "my_capital": _money(coop, queries.capital_balance(me)),
            "share_capital": _money(coop, queries.share_capital(coop)),
            "reserve": _money(coop, actions.reserve_balance(coop)),
        },
        "latest": allocations.allocations(coop).first(),
    }
    return render(request, "economy/allocation/home.html", context)


def allocation_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop, me = _member_of(request, slug)
    found = list(allocations.allocations(coop))
    live = {a.period_id for a in found if a.state != SurplusAllocation.State.WITHDRAWN}
    waiting = [
        p
        for p in FiscalPeriod.objects.filter(cooperative=coop, state=FiscalPeriod.State.CLOSED)
        if p.pk not in live
    ]
    context = {
        "coop": coop,
        "keeps_accounts": rules.has_power(me, "keep_accounts"),
        "allocations": [(a, allocations.figures(a)) for a in found],
        "waiting": waiting,
    }
    return render(request, "economy/allocation/list.html", context)


def _split_chart(coop: Cooperative, found: SurplusAllocation) -> BarChart | None:
    """Where the surplus goes (or how the loss is carried)."""
    rows = [
        (_("Indivisible reserve"), found.reserve, _money(coop, found.reserve)),
        (_("Education and community fund"), found.community, _money(coop, found.community)),
        (_("Dividends paid in cash"), found.cash_total, _money(coop, found.cash_total)),
        (
            _("Retained in capital accounts")
            if found.surplus >= 0
            else _("Charged to capital accounts"),
            found.retained_total,
            _money(coop, found.retained_total),
        ),
    ]
    return bar_chart(
        rows,
        title=_("Where the surplus goes") if found.surplus >= 0 else _("Who carries the loss"),
        label_heading=_("Part"),
        value_heading=_("Amount"),
    )


def _shares_chart(coop: Cooperative, rows: list[Any], title: str) -> BarChart | None:
    return bar_chart(
        [(str(s.member.user), s.dividend, _money(coop, s.dividend)) for s in rows],
        title=title,
        label_heading=_("Member"),
        value_heading=_("Dividend"),
    )


def _period_of(coop: Cooperative, period_id: int) -> FiscalPeriod:
    period = FiscalPeriod.objects.filter(cooperative=coop, pk=period_id).first()
    if period is None:
        raise NotFound()
    return period


def allocation_new(request: HttpRequest, slug: str, period_id: int) -> HttpResponse:
    """The treasurer enters the surplus, sees the allocation it makes, and
    proposes it (to the general meeting's vote where the bylaws ask)."""
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_accounts")
    period = _period_of(coop, period_id)
    form = SurplusForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        user = signed_in(request)
        surplus = form.cleaned_data["surplus"]
        if "propose" in request.POST:
            found = run_action(
                form,
                lambda: actions.propose_allocation(
                    by=user,
                    period=period,
                    surplus=surplus,
                    poll_closes_at=form.cleaned_data["poll_closes_at"],
                ),
            )
            if found is not None:
                if found.poll is not None:
                    messages.success(
                        request,
                        _("The allocation is proposed, and the members' vote on it is open."),
                    )
                else:
                    messages.success(request, _("The allocation is proposed."))
                return redirect("economy:allocation", slug, found.pk)
        else:
            preview = run_action(
                form, lambda: actions.preview_allocation(by=user, period=period, surplus=surplus)
            )
    context: dict[str, Any] = {
        "coop": coop,
        "period": period,
        "form": form,
        "needs_poll": bool(coop.bylaws["economy"].get("allocation_needs_poll")),
        "rules": coop.bylaws["economy"],
        "preview": preview,
    }
    if preview is not None:
        shares = sorted(
            preview.preview_shares,  # type: ignore[attr-defined]
            key=lambda s: -abs(s.dividend),
        )
        members = Member.objects.select_related("user").in_bulk(
            [s.member_id for s in shares[:PREVIEW_ROWS]]
        )
        for share in shares[:PREVIEW_ROWS]:
            share.member = members[share.member_id]
        context.update(
            {
                "figures": allocations.figures(preview),
                "split_chart": _split_chart(coop, preview),
                "top": shares[:PREVIEW_ROWS],
                "member_count": len(shares),
            }
        )
    return render(request, "economy/allocation/new.html", context)


def allocation_detail(request: HttpRequest, slug: str, allocation_id: int) -> HttpResponse:
    coop, me = _member_of(request, slug)
    found = allocations.get_allocation(coop, allocation_id)
    page = Paginator(allocations.shares(found), settings.TAAWUN_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    mine = found.shares.filter(member=me).first()
    names = allocations.kind_names(coop)
    context = {
        "coop": coop,
        "allocation": found,
        "figures": allocations.figures(found),
        "split_chart": _split_chart(coop, found),
        "shares_chart": _shares_chart(
            coop, list(page.object_list)[:10], _("Largest dividends on this page")
        ),
        "page": page,
        "mine": mine,
        "keeps_accounts": rules.has_power(me, "keep_accounts"),
        "weights": [(names.get(kind, kind), weight) for kind, weight in found.weights.items()],
    }
    return render(request, "economy/allocation/detail.html", context)


def allocation_csv(request: HttpRequest, slug: str, allocation_id: int) -> StreamingHttpResponse:
    coop, _me = _member_of(request, slug)
    found = allocations.get_allocation(coop, allocation_id)
    return csv_response(
        allocations.shares_csv_rows(found), f"{coop.slug}-allocation-{found.pk}.csv"
    )


@require_POST
def allocation_post(request: HttpRequest, slug: str, allocation_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    found = allocations.get_allocation(coop, allocation_id)
    try:
        actions.post_allocation(found, by=signed_in(request))
    except (PermissionDenied, NotFound):
        raise
    except TaawunError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The allocation is posted: the capital accounts are credited."))
    return redirect("economy:allocation", slug, found.pk)


def allocation_withdraw(request: HttpRequest, slug: str, allocation_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_accounts")
    found = allocations.get_allocation(coop, allocation_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.withdraw_allocation(
                found, by=signed_in(request), reason=form.cleaned_data["reason"]
            ),
        )
        if done is not None:
            messages.success(request, _("The allocation is withdrawn."))
            return redirect("economy:allocations", slug)
    context = {"coop": coop, "allocation": found, "form": form}
    return render(request, "economy/allocation/withdraw.html", context)


def allocation_notice(
    request: HttpRequest, slug: str, allocation_id: int, member_id: int | None = None
) -> HttpResponse:
    """A member's notice of allocation, in the member's own language (an
    officer printing it for them gets it as the member reads it)."""
    coop, me = _member_of(request, slug)
    found = allocations.get_allocation(coop, allocation_id)
    member = me
    if member_id is not None and member_id != me.pk:
        if not rules.has_power(me, "keep_accounts"):
            raise PermissionDenied(_("Only the member and the treasurer can see this notice."))
        other = Member.objects.select_related("user").filter(cooperative=coop, pk=member_id).first()
        if other is None:
            raise NotFound()
        member = other
    language = member.user.language or translation.get_language()
    with translation.override(language):
        context = {
            "coop": coop,
            "notice": allocations.notice(found, member),
            "kind_names": allocations.kind_names(coop),
            "for_someone_else": member.pk != me.pk,
        }
        return render(request, "economy/allocation/notice.html", context)
