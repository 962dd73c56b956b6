"""The demo cooperatives' books, made through the same actions as
everything else: shares paid up, last year's hours imported and closed, its
surplus proposed, approved by the members' vote and posted to the capital
accounts; this year's hours logged, some waiting for the treasurer; and a
participatory budget open for voting."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from taawun.economy import actions
from taawun.economy import budgeting_actions as budgeting
from taawun.economy.allocation_actions import post_allocation, propose_allocation
from taawun.governance import actions as governance
from taawun.membership.models import Cooperative, Member

# The surplus each demo cooperative made last year, in its currency.
SURPLUS = {"EGP": "184250.00", "TND": "23750.500", "GBP": "41200.00"}


def load_books(coop: Cooperative, *, treasurer: Member, secretary: Member) -> None:
    """Give ``coop`` a year of books (call once, right after it is made)."""
    rng = random.Random(coop.slug)
    by = treasurer.user
    members = list(
        coop.members.filter(number__isnull=False).select_related("user").order_by("number")
    )
    for member in members:
        shares = rng.choice((1, 2, 3, 5))
        actions.subscribe_shares(by=by, member=member, shares=shares, paid_on=timezone.localdate())

    today = timezone.localdate()
    last = actions.open_period(
        by=by,
        coop=coop,
        name=str(today.year - 1),
        starts_on=date(today.year - 1, 1, 1),
        ends_on=date(today.year - 1, 12, 31),
    )
    workers = [m for m in members if m.membership_class == "worker"]
    lines = ["member,hours"] + [f"{m.number},{rng.randrange(600, 1800)}" for m in workers]
    actions.import_contributions(by=by, period=last, csv_text="\n".join(lines) + "\n")
    actions.close_period(last, by=by)

    found = propose_allocation(
        by=by,
        period=last,
        surplus=SURPLUS.get(coop.currency, "10000.00"),
        poll_closes_at=timezone.now() + timedelta(days=7),
    )
    if found.poll is not None:
        for entry in found.poll.roll.select_related("member__user"):
            answer = "no" if rng.random() < 0.15 else "yes"
            governance.cast_vote(found.poll, by=entry.member.user, choice={"answer": answer})
        found.poll.refresh_from_db()
        if found.poll.state == found.poll.State.OPEN:  # unless a full roll closed it
            governance.close_poll(found.poll, by=secretary.user)
    post_allocation(found, by=by)

    current = actions.open_period(
        by=by,
        coop=coop,
        name=str(today.year),
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
    )
    for member in workers[:4]:
        for back in (1, 2):
            logged = actions.log_hours(
                by=member.user,
                period=current,
                on=max(today - timedelta(days=back), current.starts_on),
                hours=str(rng.choice((4, 6, 7.5, 8))),
                note="",
            )
            if back == 2 and member.pk != treasurer.pk:
                actions.decide_contribution(logged, by=by, approve=True)


# A participatory budget the demo's members are voting on: (title, share of the fund).
PROJECTS = [
    ("Laptops for new members", 45),
    ("Arabic accessibility training", 20),
    ("Solar panels for the office", 60),
    ("Free coding school for girls", 30),
    ("Open-source maintenance fund", 25),
]


def load_budget(coop: Cooperative, *, treasurer: Member) -> None:
    """A round of the cooperative's community fund, open for voting, with
    members' ballots cast (the result is for the demo's user to close)."""
    rng = random.Random(coop.slug + "-budget")
    fund = {"EGP": 100_000, "TND": 10_000, "GBP": 20_000}.get(coop.currency, 10_000)
    round_ = budgeting.create_round(
        by=treasurer.user,
        coop=coop,
        title="Community fund " + str(timezone.localdate().year),
        description="What should this year's community fund pay for?",
        fund=str(fund),
        ballot_kind="approval",
        rule="mes",
    )
    members = list(
        coop.members.filter(status=Member.Status.ACTIVE).select_related("user").order_by("number")
    )
    made = []
    for n, (title, percent) in enumerate(PROJECTS):
        author = members[n % len(members)]
        made.append(
            budgeting.propose_project(
                by=author.user, round=round_, title=title, cost=str(fund * percent // 100)
            )
        )
    budgeting.open_voting(round_, by=treasurer.user)
    for member in members:
        if not budgeting.may_vote(member):
            continue
        chosen = [p.pk for p in made if rng.random() < 0.5] or [made[0].pk]
        budgeting.cast_ballot(round_, by=member.user, approve=chosen)
