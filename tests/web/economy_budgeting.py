"""Economy pages (budgeting) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves."""

from __future__ import annotations

from typing import Any

from taawun.economy import budgeting_actions as pb
from tests.web.page import Page

B = "/coops/{slug}/economy/budgets/"

PAGES: list[Page] = [
    Page("economy-pb-rounds", B, who="member"),
    Page("economy-pb-round-new", B + "new/", who="founder"),
    Page("economy-pb-round-new-with-errors", B + "new/", who="founder", submit_empty=True),
    Page("economy-pb-import", B + "import/", who="founder"),
    Page("economy-pb-import-with-errors", B + "import/", who="founder", submit_empty=True),
    Page("economy-pb-proposing", B + "{pb_proposing}/", who="founder"),
    Page(
        "economy-pb-proposing-with-errors",
        B + "{pb_proposing}/",
        who="member",
        submit_empty=True,
    ),
    Page("economy-pb-voting-approval", B + "{pb_approval}/", who="member"),
    Page(
        "economy-pb-voting-approval-with-errors",
        B + "{pb_approval}/",
        who="member",
        submit_empty=True,
    ),
    Page("economy-pb-voting-points", B + "{pb_points}/", who="founder"),
    Page("economy-pb-closed", B + "{pb_closed}/", who="member"),
    Page("economy-pb-result", B + "{pb_closed}/result/", who="member"),
    Page("economy-pb-record-result", B + "{pb_record}/result/", who="founder"),
    Page("economy-pb-result-not-yet", B + "{pb_approval}/result/", who="member", status=404),
]

RECORD = """META
key;value
description;Neighbourhood fund
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
a;60;Playground
b;60;Benches
c;40;Trees
VOTES
voter_id;vote
v1;a,b
v2;a,b
v3;a,c
"""


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    coop, founder, member = world.coop, world.founder, world.member.user

    def new_round(title: str, **settings: Any) -> Any:
        options = {"fund": "1000", "ballot_kind": "approval", "rule": "mes", **settings}
        return pb.create_round(by=founder, coop=coop, title=title, **options)

    def propose(round_: Any) -> list[Any]:
        return [
            pb.propose_project(by=founder, round=round_, title="Solar panels", cost="600"),
            pb.propose_project(
                by=member, round=round_, title="Laptops for the trainees", cost="450.50"
            ),
            pb.propose_project(by=member, round=round_, title="A library corner", cost="300"),
        ]

    proposing = new_round("Tools for 2026", description="What should the **fund** pay for?")
    propose(proposing)

    approval = new_round("Community fund")
    propose(approval)
    pb.open_voting(approval, by=founder)

    points = new_round("Training budget", ballot_kind="points", points_per_voter="10")
    spread = propose(points)
    pb.open_voting(points, by=founder)
    pb.cast_ballot(points, by=founder, points={spread[0].pk: 6, spread[2].pk: 4})

    closed = new_round("Equipment 2025")
    solar, laptops, library = propose(closed)
    pb.open_voting(closed, by=founder)
    pb.cast_ballot(closed, by=founder, approve=[solar.pk, library.pk])
    pb.cast_ballot(closed, by=member, approve=[laptops.pk, library.pk])
    pb.close_round(closed, by=founder)

    record = pb.import_round(by=founder, coop=coop, data=RECORD, rule="greedy", with_votes=True)
    world.ids.update(
        {
            "pb_proposing": proposing.pk,
            "pb_approval": approval.pk,
            "pb_points": points.pk,
            "pb_closed": closed.pk,
            "pb_record": record.pk,
        }
    )
