"""Pages of fiscal periods, contributions (patronage) and member capital
accounts: parse, call one action, render.

Every member sees the periods and their totals (patronage is open to the
whole cooperative) and logs their own hours; officers with the
``keep_accounts`` power open and close periods, decide on logged hours,
import the other contributions from a file they preview first, and keep the
capital accounts, which only they and the member concerned can read.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.accounts.rules import signed_in
from taawun.csvfiles import csv_response
from taawun.economy import actions, allocation_queries, queries
from taawun.economy.charts import BarChart, bar_chart
from taawun.economy.forms_contributions import (
    CapitalEntryForm,
    ConfirmForm,
    ConfirmImportForm,
    DecisionForm,
    HoursForm,
    ImportForm,
    PeriodForm,
    capital_kind_choices,
    text_digest,
)
from taawun.economy.models import CapitalAccountEntry, FiscalPeriod
from taawun.economy.money import currency_places, format_amount
from taawun.errors import NotFound, PermissionDenied
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member, localised
from taawun.web.forms import run_action

POWER = "keep_accounts"
# Members drawn in a period's chart of each kind (the largest, and the reader).
CHART_ROWS = 20
# Rows and errors of an import shown on its preview (the counts say how many more).
PREVIEW_ROWS = 200
PREVIEW_ERRORS = 500


# --- Helpers -------------------------------------------------------------------------


def _member_of(request: HttpRequest, slug: str) -> tuple[Cooperative, Member]:
    coop = membership_queries.get_cooperative(slug)
    return coop, rules.access_member(request.user, coop)


def _officer_of(request: HttpRequest, slug: str) -> tuple[Cooperative, Member]:
    coop = membership_queries.get_cooperative(slug)
    return coop, rules.access_officer(request.user, coop, POWER)


def _period(coop: Cooperative, period_id: int) -> FiscalPeriod:
    period = queries.find_period(coop, period_id)
    if period is None:
        raise NotFound(_("There is no such period in this cooperative."))
    return period


def _money(coop: Cooperative, minor: int) -> str:
    return f"{format_amount(minor, coop.currency)} {coop.currency}"


class Kind:
    """A contribution kind of the bylaws, as the pages show it. A kind the
    bylaws have dropped since has only its code, and no unit."""

    def __init__(self, coop: Cooperative, spec: dict[str, Any]) -> None:
        self.code: str = spec["code"]
        self.name = localised(spec["names"]) if spec.get("names") else self.code
        self.unit: str = spec.get("unit", "")
        self.coop = coop

    @property
    def heading(self) -> str:
        if self.unit == "hours":
            return _("Hours")
        if self.unit == "money":
            return _("Amount (%(currency)s)") % {"currency": self.coop.currency}
        return _("Quantity")

    @property
    def unit_label(self) -> str:
        return {"hours": _("hours"), "money": self.coop.currency}.get(self.unit, "")

    @property
    def explained(self) -> str:
        if self.unit == "hours":
            return _("hours, to the hundredth at most (7.25)")
        return _("an amount in %(currency)s, such as 1250.50") % {"currency": self.coop.currency}

    def shown(self, quantity: Decimal) -> str:
        """A quantity as a member reads it: money with the currency's decimal
        places, anything else without trailing zeros (7.5 hours, not 7.500)."""
        if self.unit == "money":
            places = currency_places(self.coop.currency)
            return format(quantity.quantize(Decimal(1).scaleb(-places)), "f")
        text = format(quantity, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text


def _kinds(coop: Cooperative, extra: Iterable[str] = ()) -> list[Kind]:
    """The bylaws' contribution kinds, and any code in ``extra`` the bylaws
    have since dropped (its contributions still count where they were made)."""
    kinds = [Kind(coop, spec) for spec in coop.bylaws["economy"]["contribution_kinds"]]
    known = {kind.code for kind in kinds}
    kinds += [Kind(coop, {"code": code}) for code in sorted(set(extra) - known)]
    return kinds


def _label(member: Member | None, number: object = None) -> str:
    """A member as a chart and a table name them: number and name."""
    if member is None:
        return str(number or "—")
    return f"{member.number} · {member.user.name}"


# --- Fiscal periods ----------------------------------------------------------------------


def period_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop, me = _member_of(request, slug)
    context = {
        "coop": coop,
        "periods": queries.periods_of(coop),
        "keeps_accounts": rules.has_power(me, POWER),
    }
    return render(request, "economy/contributions/period_list.html", context)


def period_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop, _officer = _officer_of(request, slug)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        period = run_action(
            form,
            lambda: actions.open_period(
                by=signed_in(request),
                coop=coop,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            ),
        )
        if period is not None:
            messages.success(request, _("The period %(name)s is open.") % {"name": period.name})
            return redirect("economy:periods_detail", coop.slug, period.pk)
    return render(request, "economy/contributions/period_new.html", {"coop": coop, "form": form})


def period_detail(request: HttpRequest, slug: str, period_id: int) -> HttpResponse:
    """A period's approved contributions, per kind and member, for every member."""
    coop, me = _member_of(request, slug)
    period = _period(coop, period_id)
    totals = queries.period_totals(period)
    members = queries.members_by_id(coop, {total.member_id for total in totals})
    mine = _label(me) if me.number is not None else ""
    sections = []
    for n, kind in enumerate(_kinds(coop, {total.kind for total in totals})):
        rows = [total for total in totals if total.kind == kind.code]
        # A chart of every member is unreadable in a large cooperative: the
        # largest CHART_ROWS, and the reader's own; the CSV has every figure.
        largest = sorted(rows, key=lambda row: (-row.quantity, row.number or 0))
        drawn = largest[:CHART_ROWS] + [
            row for row in largest[CHART_ROWS:] if row.member_id == me.pk
        ]
        chart: BarChart | None = bar_chart(
            [
                (
                    _label(members.get(row.member_id), row.number),
                    int(row.quantity.scaleb(3)),
                    kind.shown(row.quantity),
                )
                for row in drawn
            ],
            title=_("%(kind)s in %(period)s, by member") % {"kind": kind.name, "period": period},
            label_heading=_("Member"),
            value_heading=kind.heading,
            highlight=[mine],
        )
        sections.append(
            {
                "kind": kind,
                "total": kind.shown(sum((row.quantity for row in rows), Decimal(0))),
                "members": len(rows),
                "chart": chart,
                "chart_id": f"kind-{n}",
                "drawn": len(drawn),
            }
        )
    keeps_accounts = rules.has_power(me, POWER)
    context = {
        "coop": coop,
        "period": period,
        "sections": sections,
        "pending": queries.pending_contributions(period),
        "keeps_accounts": keeps_accounts,
        "can_log": period.is_open and me.status in actions.WORKING_STATUSES,
        "allocation": None if period.is_open else allocation_queries.live_allocation(period),
    }
    return render(request, "economy/contributions/period_detail.html", context)


def period_csv(request: HttpRequest, slug: str, period_id: int) -> StreamingHttpResponse:
    coop, _me = _member_of(request, slug)
    period = _period(coop, period_id)
    return csv_response(
        queries.period_totals_csv_rows(period), f"{coop.slug}-period-{period.pk}-totals.csv"
    )


def period_close(request: HttpRequest, slug: str, period_id: int) -> HttpResponse:
    """Closing is final: a page says what it means, and a button confirms."""
    coop, _officer = _officer_of(request, slug)
    period = _period(coop, period_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        closed = run_action(form, lambda: actions.close_period(period, by=signed_in(request)))
        if closed is not None:
            messages.success(request, _("The period %(name)s is closed.") % {"name": closed.name})
            return redirect("economy:periods_detail", coop.slug, period.pk)
    context = {
        "coop": coop,
        "period": period,
        "form": form,
        "pending": queries.pending_contributions(period),
        "has_ended": timezone.localdate() > period.ends_on,
    }
    return render(request, "economy/contributions/period_close.html", context)


# --- Contributions -------------------------------------------------------------------------


def contributions_mine(request: HttpRequest, slug: str) -> HttpResponse:
    """The member's own contributions, with the state of each."""
    coop, me = _member_of(request, slug)
    paginator = Paginator(queries.member_contributions(me), settings.TAAWUN_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    names = {kind.code: kind for kind in _kinds(coop, {c.kind for c in page})}
    rows = [
        {"contribution": c, "kind": names[c.kind].name, "quantity": names[c.kind].shown(c.quantity)}
        for c in page
    ]
    context = {
        "coop": coop,
        "page": page,
        "rows": rows,
        "can_log": me.status in actions.WORKING_STATUSES,
    }
    return render(request, "economy/contributions/mine.html", context)


def contributions_log(request: HttpRequest, slug: str) -> HttpResponse:
    """A working member logs hours into an open period, for an officer to approve."""
    coop, me = _member_of(request, slug)
    all_periods = queries.periods_of(coop)
    open_periods = [period for period in all_periods if period.is_open]
    today = timezone.localdate()
    current = next((p for p in open_periods if p.starts_on <= today <= p.ends_on), None)
    hour_kinds = [(k.code, k.name) for k in _kinds(coop) if k.unit == "hours"]
    form = HoursForm(
        request.POST or None,
        periods=open_periods,
        all_periods=all_periods,
        kinds=hour_kinds,
        initial={"on": today, "period": str(current.pk) if current else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        period = queries.find_period(coop, int(data["period"]))
        assert period is not None  # the form took only this cooperative's periods
        logged = run_action(
            form,
            lambda: actions.log_hours(
                by=signed_in(request),
                period=period,
                hours=data["hours"],
                on=data["on"],
                note=data["note"],
                kind=data.get("kind"),
            ),
        )
        if logged is not None:
            messages.success(
                request, _("Your hours are logged. They count once an officer approves them.")
            )
            return redirect("economy:contributions_mine", coop.slug)
    context = {
        "coop": coop,
        "form": form,
        "can_log": me.status in actions.WORKING_STATUSES and bool(open_periods and hour_kinds),
        "is_working": me.status in actions.WORKING_STATUSES,
        "has_open_period": bool(open_periods),
        "has_hour_kinds": bool(hour_kinds),
    }
    return render(request, "economy/contributions/log.html", context)


def contributions_pending(request: HttpRequest, slug: str) -> HttpResponse:
    """Logged hours waiting for an officer: one small form per row, each
    posting back here with the contribution it decides."""
    coop, officer = _officer_of(request, slug)
    waiting = queries.waiting_contributions(coop)
    forms = {c.pk: DecisionForm(prefix=f"c{c.pk}", auto_id=f"c{c.pk}_%s") for c in waiting}
    gone = None  # an error about a row that shows no form (decided, or one's own)
    if request.method == "POST":
        try:
            pk = int(request.POST.get("contribution", ""))
        except ValueError:
            raise NotFound(_("There is no such contribution in this cooperative.")) from None
        contribution = queries.find_contribution(coop, pk)
        if contribution is None:
            raise NotFound(_("There is no such contribution in this cooperative."))
        form = DecisionForm(request.POST, prefix=f"c{pk}", auto_id=f"c{pk}_%s")
        decision = request.POST.get("decision")
        if form.is_valid() and decision in ("approve", "reject"):
            decided = run_action(
                form,
                lambda: actions.decide_contribution(
                    contribution,
                    by=signed_in(request),
                    approve=decision == "approve",
                    reason=form.cleaned_data["reason"],
                ),
            )
            if decided is not None:
                note = (
                    _("The hours of %(name)s are approved.")
                    if decision == "approve"
                    else _("The hours of %(name)s are rejected.")
                )
                messages.success(request, note % {"name": contribution.member.user.name})
                return redirect("economy:contributions_pending", coop.slug)
        elif decision not in ("approve", "reject"):
            form.add_error(None, _("Choose to approve or to reject."))
        if pk in forms and contribution.member_id != officer.pk:
            forms[pk] = form
        else:  # its row shows no form: the error goes above the list
            gone = form
    names = {kind.code: kind for kind in _kinds(coop, {c.kind for c in waiting})}
    rows = [
        {
            "contribution": c,
            "form": forms[c.pk],
            "kind": names[c.kind].name,
            "quantity": names[c.kind].shown(c.quantity),
            "unit": names[c.kind].unit_label,
            "own": c.member_id == officer.pk,
        }
        for c in waiting
    ]
    context = {"coop": coop, "rows": rows, "gone": gone}
    return render(request, "economy/contributions/pending.html", context)


def contributions_import(request: HttpRequest, slug: str, period_id: int) -> HttpResponse:
    """Upload or paste → a preview that writes nothing → import exactly that text."""
    coop, _officer = _officer_of(request, slug)
    period = _period(coop, period_id)
    form = ImportForm()
    confirm: ConfirmImportForm | None = None
    preview = None
    if request.method == "POST" and "digest" in request.POST:
        confirm = ConfirmImportForm(request.POST)
        if confirm.is_valid():
            text = confirm.cleaned_data["text"]
            created = run_action(
                confirm,
                lambda: actions.import_contributions(
                    by=signed_in(request), period=period, csv_text=text
                ),
            )
            if created is not None:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s contribution was imported into %(period)s.",
                        "%(count)s contributions were imported into %(period)s.",
                        len(created),
                    )
                    % {"count": len(created), "period": period.name},
                )
                return redirect("economy:periods_detail", coop.slug, period.pk)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["text"]
            preview = run_action(
                form,
                lambda: actions.preview_contribution_import(
                    by=signed_in(request), period=period, csv_text=text
                ),
            )
            if preview is not None and preview.ok:
                confirm = ConfirmImportForm(initial={"csv_text": text, "digest": text_digest(text)})
    context: dict[str, Any] = {
        "coop": coop,
        "period": period,
        "form": form,
        "confirm": confirm,
        "kinds": _kinds(coop),
    }
    if preview is not None:
        kinds = {kind.code: kind for kind in _kinds(coop, set(preview.kinds))}
        shown_kinds = [kinds[code] for code in preview.kinds]
        context["preview"] = {
            "kinds": shown_kinds,
            "rows": [
                {
                    "row": row,
                    "cells": [
                        kinds[code].shown(row.quantities[code]) if code in row.quantities else ""
                        for code in preview.kinds
                    ],
                }
                for row in preview.rows[:PREVIEW_ROWS]
            ],
            "more_rows": max(len(preview.rows) - PREVIEW_ROWS, 0),
            "errors": preview.errors[:PREVIEW_ERRORS],
            "more_errors": max(len(preview.errors) - PREVIEW_ERRORS, 0),
            "error_count": len(preview.errors),
            "totals": [(kind, kind.shown(preview.totals[kind.code])) for kind in shown_kinds],
            "ok": preview.ok,
            "importing": sum(1 for row in preview.rows if row.quantities),
            "contributions": sum(len(row.quantities) for row in preview.rows),
        }
    return render(request, "economy/contributions/import.html", context)


# --- Capital accounts ---------------------------------------------------------------------


def capital_accounts(request: HttpRequest, slug: str) -> HttpResponse:
    """Officers: every member's balance. A member: straight to their own account."""
    coop, me = _member_of(request, slug)
    if not rules.has_power(me, POWER):
        return redirect("economy:capital_statement", coop.slug, me.pk)
    rows = [(member, _money(coop, balance)) for member, balance in queries.capital_balances(coop)]
    return render(
        request, "economy/contributions/capital_accounts.html", {"coop": coop, "rows": rows}
    )


def _account_of(
    request: HttpRequest, slug: str, member_id: int
) -> tuple[Cooperative, Member, bool]:
    """The member whose account is asked for, if the asker may read it: the
    member themself or an officer who keeps the accounts."""
    coop, me = _member_of(request, slug)
    keeps_accounts = rules.has_power(me, POWER)
    if member_id != me.pk and not keeps_accounts:
        raise PermissionDenied(
            _(
                "A capital account is seen only by its member and the officers "
                "who keep the accounts."
            )
        )
    member = membership_queries.get_member(coop, member_id)
    if member.number is None:
        raise NotFound(_("There is no such member in this cooperative."))
    return coop, member, keeps_accounts


def capital_statement(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    coop, member, keeps_accounts = _account_of(request, slug, member_id)
    lines = queries.capital_statement(member)
    kinds = dict(CapitalAccountEntry.Kind.choices)
    periods = {p.pk: p.name for p in queries.periods_of(coop)}
    rows = [
        {
            "line": line,
            "kind": kinds.get(line.entry.kind, line.entry.kind),
            "period": periods.get(line.entry.period_id or 0, ""),
            "amount": _money(coop, line.entry.amount),
            "balance": _money(coop, line.balance),
        }
        for line in lines
    ]
    chart = bar_chart(
        [
            (
                f"{line.entry.on.isoformat()} · {kinds.get(line.entry.kind, line.entry.kind)}",
                line.balance,
                _money(coop, line.balance),
            )
            for line in lines
        ],
        title=_("Balance of the capital account after each entry"),
        label_heading=_("Entry"),
        value_heading=_("Balance"),
    )
    years = coop.bylaws["economy"]["revolving_years"]
    revolvable = None
    if years:
        due = min(
            queries.revolvable(member, on=timezone.localdate(), years=years),
            queries.capital_balance(member),
        )
        revolvable = _money(coop, max(due, 0))
    context = {
        "coop": coop,
        "member": member,
        "rows": rows,
        "balance": _money(coop, lines[-1].balance if lines else 0),
        "chart": chart,
        "keeps_accounts": keeps_accounts,
        "revolving_years": years,
        "revolvable": revolvable,
        "interest_percent": coop.bylaws["economy"]["capital_interest_percent"],
    }
    return render(request, "economy/contributions/capital_statement.html", context)


def capital_csv(request: HttpRequest, slug: str, member_id: int) -> StreamingHttpResponse:
    coop, member, _keeps = _account_of(request, slug, member_id)
    return csv_response(
        queries.capital_statement_csv_rows(member),
        f"{coop.slug}-capital-account-{member.number}.csv",
    )


def capital_entry_new(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    coop, _officer = _officer_of(request, slug)
    member = membership_queries.get_member(coop, member_id)
    kinds = capital_kind_choices(actions.MANUAL_CAPITAL_KINDS)
    labels = dict(CapitalAccountEntry.Kind.choices)
    entries = {line.entry.pk: line.entry for line in queries.capital_statement(member)}
    periods = {p.pk: p for p in queries.periods_of(coop)}
    form = CapitalEntryForm(
        request.POST or None,
        currency=coop.currency,
        kinds=kinds,
        periods=[(str(pk), p.name) for pk, p in periods.items()],
        entries=[
            (str(pk), f"{e.on.isoformat()} · {labels[e.kind]} · {_money(coop, e.amount)}")
            for pk, e in entries.items()
        ],
        initial={"on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = run_action(
            form,
            lambda: actions.add_capital_entry(
                by=signed_in(request),
                member=member,
                kind=data["kind"],
                amount=data["amount"],
                on=data["on"],
                memo=data["memo"],
                period=periods[int(data["period"])] if data["period"] else None,
                corrects=entries[int(data["corrects"])] if data["corrects"] else None,
            ),
        )
        if entry is not None:
            messages.success(
                request,
                _("The entry is added to the capital account of %(name)s.")
                % {"name": member.user.name},
            )
            return redirect("economy:capital_statement", coop.slug, member.pk)
    context = {"coop": coop, "member": member, "form": form}
    return render(request, "economy/contributions/capital_entry_new.html", context)
