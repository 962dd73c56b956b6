"""Economy pages (the economy's home and surplus allocation) for the
catalogue in tests/web: a closed period with contributions, and its
allocation proposed to the members' vote."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from taawun.economy import actions
from taawun.economy.allocation_actions import propose_allocation
from tests.web.page import Page

A = "/coops/{slug}/economy/"

PAGES: list[Page] = [
    Page("economy-bylaws", A + "bylaws/"),
    Page("economy-bylaws-as-board", A + "bylaws/", who="founder"),
    Page("economy-home", A, who="member"),
    Page("economy-home-as-treasurer", A, who="founder"),
    Page("allocations", A + "allocations/", who="founder"),
    Page("allocation-new", A + "periods/{allocation_period}/allocate/", who="founder"),
    Page(
        "allocation-new-with-errors",
        A + "periods/{allocation_period}/allocate/",
        who="founder",
        submit_empty=True,
    ),
    Page("allocation", A + "allocations/{allocation}/", who="member"),
    Page("allocation-as-treasurer", A + "allocations/{allocation}/", who="founder"),
    Page("allocation-notice", A + "allocations/{allocation}/notice/", who="member"),
    Page(
        "allocation-notice-for-a-member",
        A + "allocations/{allocation}/notice/{member}/",
        who="founder",
    ),
    Page("allocation-withdraw", A + "allocations/{allocation}/withdraw/", who="founder"),
    Page(
        "allocation-forbidden",
        A + "periods/{allocation_period}/allocate/",
        who="member",
        status=403,
    ),
]


def build(world: Any) -> None:
    """Three years ago (so as not to meet the periods of other pages), with
    hours for the founder and the member, closed, its surplus proposed; and
    two years ago, closed and waiting for its allocation."""
    year = timezone.localdate().year
    founder = world.founder
    numbers = (world.coop.members.get(user=founder).number, world.member.number)
    found = None
    for back in (3, 2):
        period = actions.open_period(
            by=founder,
            coop=world.coop,
            name=f"Year {year - back}",
            starts_on=date(year - back, 1, 1),
            ends_on=date(year - back, 12, 31),
        )
        lines = f"member,hours\n{numbers[0]},1200\n{numbers[1]},800.5\n"
        actions.import_contributions(by=founder, period=period, csv_text=lines)
        actions.close_period(period, by=founder)
        if back == 3:
            found = propose_allocation(by=founder, period=period, surplus="250000.75")
        else:
            world.ids["allocation_period"] = period.pk
    assert found is not None
    world.ids["allocation"] = found.pk
