"""Share capital pages: the register, a member's statement, and the forms that
subscribe, pay, transfer and redeem shares. Parse, call one action, render.

Who sees what: every current member reads the share register and may
download it (a cooperative's capital is its members' business, and the CSV
holds nothing the page does not show); a member reads their own statement,
a former member too (they are owed their shares back); officers with the
``keep_accounts`` power read every statement and record subscriptions,
payments and redemptions; the office the bylaws name decides transfers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.accounts.rules import signed_in
from taawun.csvfiles import csv_response
from taawun.economy import actions, queries
from taawun.economy.charts import bar_chart
from taawun.economy.forms_shares import (
    PaymentForm,
    RedemptionDecisionForm,
    RedemptionForm,
    SubscribeForm,
    TransferDecisionForm,
    TransferForm,
)
from taawun.economy.models import ShareRedemption, ShareSubscription, ShareTransfer
from taawun.economy.money import format_amount
from taawun.errors import NotFound, PermissionDenied
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member, localised
from taawun.web.forms import run_action

KEEP_ACCOUNTS = "keep_accounts"
# The chart shows the largest holdings; the table beside it and the register
# below give every figure, so a large cooperative's chart stays readable.
CHART_HOLDERS = 10


@dataclass(frozen=True)
class Line:
    """One row of the register as the page shows it."""

    row: queries.RegisterRow
    capital: str
    outstanding: str
    statement: bool  # whether the reader may open this member's statement
    current: bool  # a current member (the register also lists former members still owed)


def _posted(request: HttpRequest) -> QueryDict | None:
    """What a form was sent, even empty (an empty POST is a form sent empty)."""
    return request.POST if request.method == "POST" else None


def _money(minor: int, coop: Cooperative) -> str:
    return format_amount(minor, coop.currency)


def _label(member: Member) -> str:
    return f"{member.number} · {member.user.name}"


def _statement_member(request: HttpRequest, coop: Cooperative, member_id: int) -> Member:
    """The member whose statement is asked for, if the reader may see it:
    their own (even after leaving), or anyone's for a keep_accounts officer."""
    me = rules.membership_of(request.user, coop)
    member = membership_queries.get_member(coop, member_id)
    if me is not None and me.pk == member.pk and member.number is not None:
        return member
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    return member


def _may_redeem_own(me: Member | None) -> bool:
    return (
        me is not None
        and me.number is not None
        and me.status
        in (
            *rules.MEMBER_STATUSES,
            *actions.ENDED_STATUSES,
        )
    )


# --- The register ---------------------------------------------------------------------


def register(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    me = rules.access_member(request.user, coop)
    keeper = rules.has_power(me, KEEP_ACCOUNTS)
    rows = queries.register(coop)
    totals = queries.register_totals(rows)
    page = Paginator(rows, settings.TAAWUN_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [
        Line(
            row=row,
            capital=_money(row.capital, coop),
            outstanding=_money(row.outstanding, coop),
            statement=keeper or row.member.pk == me.pk,
            current=row.member.status in rules.MEMBER_STATUSES,
        )
        for row in page
    ]
    decides_transfers = queries.decides_transfers(me)
    top = queries.top_holders(rows, CHART_HOLDERS)
    chart = bar_chart(
        [(_label(row.member), row.shares, str(row.shares)) for row in top],
        title=ngettext(
            "The largest holding of shares",
            "The %(count)d largest holdings of shares",
            len(top),
        )
        % {"count": len(top)},
        label_heading=_("Member"),
        value_heading=_("Paid-up shares"),
        highlight=[_label(me)],
    )
    return render(
        request,
        "economy/shares/register.html",
        {
            "coop": coop,
            "me": me,
            "keeper": keeper,
            "decides_transfers": decides_transfers,
            "page": page,
            "lines": lines,
            "totals": totals,
            "capital": _money(totals.capital, coop),
            "outstanding": _money(totals.outstanding, coop),
            "par_value": coop.bylaws["share_par_value"],
            "chart": chart,
            "pending_transfers": len(queries.pending_transfers(coop)) if decides_transfers else 0,
            "pending_redemptions": len(queries.pending_redemptions(coop)) if keeper else 0,
        },
    )


def register_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    return csv_response(queries.register_csv_rows(coop), f"{coop.slug}-share-register.csv")


# --- A member's statement ---------------------------------------------------------------


def my_statement(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    signed_in(request)
    me = rules.membership_of(request.user, coop)
    if me is None or me.number is None:
        raise NotFound(_("You have no shares in this cooperative: you are not a member of it."))
    return redirect("economy:shares_statement", slug, me.pk)


def statement(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    member = _statement_member(request, coop, member_id)
    me = rules.membership_of(request.user, coop)
    keeper = rules.has_power(me, KEEP_ACCOUNTS)
    member.cooperative = coop
    found = queries.share_statement(member)
    return render(
        request,
        "economy/shares/statement.html",
        {
            "coop": coop,
            "member": member,
            "mine": me is not None and me.pk == member.pk,
            "keeper": keeper,
            "statement": found,
            "payable": [line for line in found.subscriptions if line.outstanding > 0]
            if keeper
            else [],
            "holding_capital": _money(found.holding.amount, coop),
            "subscriptions": [
                (
                    line,
                    _money(line.subscription.price_per_share, coop),
                    _money(line.subscription.amount_due, coop),
                    _money(line.paid, coop),
                    _money(line.outstanding, coop),
                )
                for line in found.subscriptions
            ],
            "lines": [
                (line, _money(line.movement.amount, coop), _money(line.amount_after, coop))
                for line in found.lines
            ],
            "redemptions": [(r, _money(r.amount, coop)) for r in found.pending_redemptions],
            "today": timezone.localdate(),
        },
    )


def statement_csv(request: HttpRequest, slug: str, member_id: int) -> StreamingHttpResponse:
    coop = membership_queries.get_cooperative(slug)
    member = _statement_member(request, coop, member_id)
    member.cooperative = coop
    return csv_response(
        queries.share_statement_csv_rows(member), f"{coop.slug}-shares-{member.number}.csv"
    )


# --- Officers: subscriptions and payments ---------------------------------------------------


def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    form = SubscribeForm(
        _posted(request),
        coop=coop,
        initial={"member": request.GET.get("number", "")[:12], "payment": SubscribeForm.ONCE},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        at_once = data["payment"] == SubscribeForm.ONCE
        member: Member = data["member"]
        subscription = run_action(
            form,
            lambda: actions.subscribe_shares(
                by=signed_in(request),
                member=member,
                shares=data["shares"],
                instalments=1 if at_once else data["instalments"],
                on=data["on"],
                paid_on=(data["paid_on"] or timezone.localdate()) if at_once else None,
            ),
        )
        if subscription:
            messages.success(
                request,
                ngettext(
                    "A subscription of %(count)d share for %(name)s was recorded.",
                    "A subscription of %(count)d shares for %(name)s was recorded.",
                    subscription.shares,
                )
                % {"count": subscription.shares, "name": member.user.name},
            )
            return redirect("economy:shares_statement", slug, member.pk)
    return render(
        request,
        "economy/shares/subscribe.html",
        {"coop": coop, "form": form, "par_value": coop.bylaws["share_par_value"]},
    )


def payment(request: HttpRequest, slug: str, subscription_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    line = queries.find_subscription(coop, subscription_id)
    if line is None:
        raise NotFound(_("There is no such subscription in this cooperative."))
    subscription: ShareSubscription = line.subscription
    form = PaymentForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        paid = run_action(
            form,
            lambda: actions.record_share_payment(
                by=signed_in(request),
                subscription=subscription,
                amount=data["amount"],
                paid_on=data["paid_on"],
            ),
        )
        if paid:
            messages.success(
                request,
                _("The payment of %(amount)s was recorded.")
                % {"amount": f"{_money(paid.amount, coop)} {coop.currency}"},
            )
            return redirect("economy:shares_statement", slug, subscription.member_id)
    return render(
        request,
        "economy/shares/payment.html",
        {
            "coop": coop,
            "form": form,
            "line": line,
            "member": subscription.member,
            "amount_due": _money(subscription.amount_due, coop),
            "paid": _money(line.paid, coop),
            "outstanding": _money(line.outstanding, coop),
            "instalment": _money(subscription.amount_due // subscription.instalments, coop),
        },
    )


# --- Members: transfers and redemptions ------------------------------------------------------


def transfer(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    me = rules.access_member(request.user, coop)
    form = TransferForm(_posted(request), coop=coop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        to_member: Member = data["to_member"]
        done = run_action(
            form,
            lambda: actions.request_share_transfer(
                by=signed_in(request),
                coop=coop,
                to_member=to_member,
                shares=data["shares"],
                reason=data["reason"],
            ),
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "Your request to transfer %(count)d share to %(name)s was sent for a decision.",
                    "Your request to transfer %(count)d shares to %(name)s was sent for a "
                    "decision.",
                    done.shares,
                )
                % {"count": done.shares, "name": to_member.user.name},
            )
            return redirect("economy:shares_statement", slug, me.pk)
    approver = queries.transfer_approver(coop)
    return render(
        request,
        "economy/shares/transfer.html",
        {
            "coop": coop,
            "form": form,
            "position": queries.share_position(me),
            "approver": localised(approver["names"]) if approver else None,
        },
    )


def redeem(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    signed_in(request)
    me = rules.membership_of(request.user, coop)
    keeper = rules.has_power(me, KEEP_ACCOUNTS)
    if not keeper and not _may_redeem_own(me):
        rules.require_member(me)  # says why this page is not for them
    form = RedemptionForm(_posted(request), coop=coop, for_others=keeper)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = data.get("member") or me
        assert member is not None  # an officer, or a member asking for their own
        done = run_action(
            form,
            lambda: actions.request_redemption(
                by=signed_in(request), member=member, shares=data["shares"]
            ),
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "The request to pay back %(count)d share was recorded; it is due on %(date)s.",
                    "The request to pay back %(count)d shares was recorded; it is due on %(date)s.",
                    done.shares,
                )
                % {"count": done.shares, "date": date_format(done.due_on)},
            )
            return redirect("economy:shares_statement", slug, member.pk)
    economy = coop.bylaws["economy"]
    position = queries.share_position(me) if me is not None and _may_redeem_own(me) else None
    leaving = me is not None and me.status in actions.ENDED_STATUSES
    # What request_redemption would accept, for the member's own shares.
    redeemable = (
        position.available if position and (leaving or economy["redemption_on_request"]) else 0
    )
    return render(
        request,
        "economy/shares/redeem.html",
        {
            "coop": coop,
            "form": form,
            "me": me,
            "position": position,
            "leaving": leaving,
            "redeemable": redeemable,
            "delay": economy["redemption_delay_months"],
            "on_request": economy["redemption_on_request"],
            "yearly_limit": economy["redemption_yearly_limit_percent"],
        },
    )


# --- Decisions: transfers and redemptions --------------------------------------------------


def _access_transfer_decider(request: HttpRequest, coop: Cooperative) -> Member:
    me = rules.access_member(request.user, coop)
    if not queries.decides_transfers(me):
        approver = queries.transfer_approver(coop)
        if approver is None:
            raise PermissionDenied(_("The bylaws do not allow shares to be transferred."))
        raise PermissionDenied(
            _("The bylaws give the decision on transfers of shares to the office of %(office)s.")
            % {"office": localised(approver["names"])}
        )
    return me


def transfers(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    _access_transfer_decider(request, coop)
    return render(
        request,
        "economy/shares/transfers.html",
        {"coop": coop, "transfers": queries.pending_transfers(coop)},
    )


def transfer_decide(request: HttpRequest, slug: str, transfer_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    _access_transfer_decider(request, coop)
    found: ShareTransfer | None = queries.find_transfer(coop, transfer_id)
    if found is None:
        raise NotFound(_("There is no such transfer in this cooperative."))
    form = TransferDecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == TransferDecisionForm.APPROVE
        if run_action(
            form,
            lambda: actions.decide_share_transfer(
                found, by=signed_in(request), approve=approve, reason=form.cleaned_data["reason"]
            ),
        ):
            messages.success(
                request,
                _("The transfer was approved: the shares have moved.")
                if approve
                else _("The transfer was refused."),
            )
            return redirect("economy:shares_transfers", slug)
    return render(
        request,
        "economy/shares/transfer_decide.html",
        {
            "coop": coop,
            "form": form,
            "transfer": found,
            "giver": queries.share_position(found.from_member),
        },
    )


def redemptions(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    return render(
        request,
        "economy/shares/redemptions.html",
        {
            "coop": coop,
            "redemptions": [(r, _money(r.amount, coop)) for r in queries.pending_redemptions(coop)],
            "today": timezone.localdate(),
        },
    )


def redemption_decide(request: HttpRequest, slug: str, redemption_id: int) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, KEEP_ACCOUNTS)
    found: ShareRedemption | None = queries.find_redemption(coop, redemption_id)
    if found is None:
        raise NotFound(_("There is no such redemption in this cooperative."))
    form = RedemptionDecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pay = data["decision"] == RedemptionDecisionForm.PAY
        if pay:
            done = run_action(
                form,
                lambda: actions.pay_redemption(
                    found, by=signed_in(request), paid_on=data["paid_on"]
                ),
            )
        else:
            done = run_action(
                form,
                lambda: actions.refuse_redemption(
                    found, by=signed_in(request), reason=data["reason"]
                ),
            )
        if done:
            messages.success(
                request,
                _("The shares were paid back: %(amount)s.")
                % {"amount": f"{_money(done.amount, coop)} {coop.currency}"}
                if pay
                else _("The redemption was refused."),
            )
            return redirect("economy:shares_redemptions", slug)
    return render(
        request,
        "economy/shares/redemption_decide.html",
        {
            "coop": coop,
            "form": form,
            "redemption": found,
            "amount": _money(found.amount, coop),
            "today": timezone.localdate(),
        },
    )
