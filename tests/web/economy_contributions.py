"""Economy pages (periods, contributions, capital accounts) for the catalogue
in tests/web: what they need in the world, made through the real actions, and
the pages themselves.

The world has three periods: this calendar year (open, with hours approved
and hours waiting), last year (over but still open, so that it can be
closed) and four years ago (closed, with approved and rejected hours); the
allocation pages take two and three years ago. The ids are in ``world.ids``
as period_open, period_ended and period_closed.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from taawun.economy import actions
from taawun.membership import actions as membership
from tests.web.page import Page

E = "/coops/{slug}/economy/"

PAGES: list[Page] = [
    Page("contributions-periods", E + "periods/", who="member"),
    Page("contributions-period-new", E + "periods/new/", who="founder"),
    Page(
        "contributions-period-new-with-errors",
        E + "periods/new/",
        who="founder",
        submit_empty=True,
    ),
    Page("contributions-period-open", E + "periods/{period_open}/", who="member"),
    Page("contributions-period-closed", E + "periods/{period_closed}/", who="founder"),
    Page("contributions-period-close", E + "periods/{period_ended}/close/", who="founder"),
    Page("contributions-mine", E + "contributions/", who="member"),
    Page("contributions-log", E + "contributions/log/", who="member"),
    Page(
        "contributions-log-with-errors",
        E + "contributions/log/",
        who="member",
        submit_empty=True,
    ),
    Page("contributions-waiting", E + "contributions/waiting/", who="founder"),
    Page("contributions-import", E + "periods/{period_open}/import/", who="founder"),
    Page(
        "contributions-import-with-errors",
        E + "periods/{period_open}/import/",
        who="founder",
        submit_empty=True,
    ),
    Page("capital-accounts", E + "capital/", who="founder"),
    Page("capital-statement", E + "capital/{member}/", who="member"),
    Page("capital-statement-forbidden", E + "capital/{founder_member}/", who="member", status=403),
    Page("capital-entry-new", E + "capital/{member}/new/", who="founder"),
    Page(
        "capital-entry-new-with-errors",
        E + "capital/{member}/new/",
        who="founder",
        submit_empty=True,
    ),
]


def _period(world: Any, year: int, name: str) -> Any:
    return actions.open_period(
        by=world.founder,
        coop=world.coop,
        name=name,
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
    )


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    founder, member, coop = world.founder, world.member, world.coop
    today = timezone.localdate()
    year = today.year

    closed = _period(world, year - 4, str(year - 4))
    for hours, approve in (("7.5", True), ("7.5", False)):
        logged = actions.log_hours(
            by=member.user, period=closed, hours=hours, on=date(year - 4, 3, 2)
        )
        actions.decide_contribution(
            logged, by=founder, approve=approve, reason="" if approve else "Logged twice"
        )
    actions.close_period(closed, by=founder)

    ended = _period(world, year - 1, str(year - 1))
    actions.log_hours(by=member.user, period=ended, hours="3", on=date(year - 1, 11, 30))

    current = _period(world, year, str(year))
    approved = actions.log_hours(by=member.user, period=current, hours="6.25", on=today)
    actions.decide_contribution(approved, by=founder, approve=True, reason="")
    actions.log_hours(
        by=member.user,
        period=current,
        hours="4",
        on=max(today - timedelta(days=1), current.starts_on),
        note="Fixed the invoices page",
    )

    bylaws = copy.deepcopy(coop.bylaws)
    bylaws["economy"]["capital_interest_percent"] = "3"
    world.coop = membership.amend_bylaws(by=founder, coop=coop, bylaws=bylaws)
    member.cooperative = world.coop
    interest = actions.add_capital_entry(
        by=founder, member=member, kind="interest", amount="125.50", period=closed
    )
    actions.add_capital_entry(
        by=founder,
        member=member,
        kind="correction",
        amount="-25.50",
        corrects=interest,
        memo="Interest at the rate of that year",
    )

    founder_member = coop.members.get(user=founder)
    world.ids.update(
        period_open=current.pk,
        period_ended=ended.pk,
        period_closed=closed.pk,
        founder_member=founder_member.pk,
    )
