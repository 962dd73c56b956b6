"""The economy's bylaws settings: public like the rest of the bylaws; an office with
the power to amend the bylaws changes them, checked as a whole and recorded
in the ledger like every amendment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.economy.forms_bylaws import NO_TRANSFERS, EconomySettingsForm, KindFormSet
from taawun.errors import TaawunError
from taawun.membership import actions as membership
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.forms import kept_rows, names_of
from taawun.membership.models import localised

SETTINGS = (
    "reserve_percent",
    "legal_minimum_reserve_percent",
    "community_percent",
    "cash_percent",
    "minimum_cash_percent",
    "loss_reserve_percent",
    "allocation_needs_poll",
    "capital_interest_percent",
    "revolving_years",
    "share_transfer_approver",
    "redemption_delay_months",
    "redemption_yearly_limit_percent",
    "redemption_on_request",
)


def economy_bylaws(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    me = rules.membership_of(request.user, coop)
    economy: dict[str, Any] = coop.bylaws["economy"]
    offices = [(o["code"], localised(o["names"])) for o in coop.bylaws["offices"]]
    can_amend = rules.has_power(me, "amend_bylaws")
    initial = {name: economy[name] for name in SETTINGS}
    initial["share_transfer_approver"] = economy["share_transfer_approver"] or NO_TRANSFERS
    initial["redemption_yearly_limit_percent"] = economy["redemption_yearly_limit_percent"] or ""
    kinds = [
        {
            "code": k["code"],
            "name_en": k["names"].get("en", ""),
            "name_ar": k["names"].get("ar", ""),
            "unit": k["unit"],
            "weight": k["weight"],
        }
        for k in economy["contribution_kinds"]
    ]
    posted = request.method == "POST"
    if posted:
        rules.access_officer(request.user, coop, "amend_bylaws")
    form = EconomySettingsForm(
        request.POST if posted else None, initial=initial, offices=offices, prefix="economy"
    )
    formset = KindFormSet(request.POST if posted else None, initial=kinds, prefix="kinds")
    problem = ""
    if posted and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        section = {name: data[name] for name in SETTINGS}
        section["share_transfer_approver"] = data["share_transfer_approver"] or None
        section["redemption_yearly_limit_percent"] = data["redemption_yearly_limit_percent"] or None
        section["contribution_kinds"] = [
            {
                "code": row["code"].strip(),
                "names": names_of(row),
                "unit": row["unit"],
                "weight": (row["weight"] or "").strip(),
            }
            for row in kept_rows(formset)
        ]
        try:
            membership.amend_bylaws(
                by=signed_in(request), coop=coop, bylaws=dict(coop.bylaws, economy=section)
            )
        except TaawunError as error:
            if error.field in form.fields:
                form.add_error(error.field, str(error.message))
            else:
                problem = str(error.message)
        else:
            messages.success(
                request, _("The bylaws settings were changed and recorded in the ledger.")
            )
            return redirect("economy:bylaws", slug)
    context = {
        "coop": coop,
        "can_amend": can_amend,
        "is_member": rules.is_member(me),
        "form": form,
        "formset": formset,
        "problem": problem,
        "kinds": [(localised(k["names"]), k) for k in economy["contribution_kinds"]],
        "approver": dict(offices).get(economy["share_transfer_approver"] or ""),
        "economy": economy,
    }
    return render(request, "economy/bylaws.html", context)
