"""A person with a life on the platform, made through the real actions.

Qadir belongs to two cooperatives (North, where Salma founded and holds
every office, and South, which he joined by an invitation to his email) and
has applied to a third (West). He wrote a discussion and comments, voted in
a named and a secret poll, holds shares and a capital account, logged
hours, has a part of a proposed allocation, commented on an article,
answered a call, asked for a mentor, declared a skill, made an API token,
turned on two-factor sign-in and has a federation actor. Every piece of
his free text carries a marker from ``TEXTS`` so that a scan of the
database can look for it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django_otp.oath import TOTP

from taawun.accounts import actions as accounts
from taawun.accounts import two_factor
from taawun.accounts.models import User
from taawun.economy import actions as economy
from taawun.economy.allocation_actions import propose_allocation
from taawun.federation import identity
from taawun.governance import actions as governance
from taawun.governance.models import Poll
from taawun.knowledge import article_actions, call_actions, mentoring_actions, skill_actions
from taawun.membership import actions as membership
from taawun.membership.models import Cooperative, Member
from tests import factories

NAME = "Qadir Zyxwvut"
EMAIL = "qadir.zyxwvut@example.org"
TEXTS = {
    "statement": "ZQX statement: I build routers",
    "discussion": "ZQX opening post about the rota",
    "comment": "ZQX comment agreeing with the rota",
    "note": "ZQX note on the invoices page",
    "article_comment": "ZQX remark on the article",
    "call_response": "ZQX we could help with the mesh",
    "mentoring": "ZQX help me with my first router",
}


@dataclass
class Life:
    qadir: User
    founder: User
    north: Cooperative
    south: Cooperative
    west: Cooperative
    polls: list[Poll] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    token: str = ""

    @property
    def cooperatives(self) -> list[Cooperative]:
        return [self.north, self.south, self.west]


def _poll(founder: User, coop: Cooperative, title: str, settings: dict[str, Any]) -> Poll:
    return governance.open_poll(
        governance.create_poll(
            by=founder,
            coop=coop,
            kind="yes_no",
            title=title,
            options=[],
            settings=settings,
            closes_at=timezone.now() + timedelta(days=3),
        ),
        by=founder,
    )


def build() -> Life:
    founder = factories.person("Salma Founder")
    north = factories.cooperative(founder)
    bylaws = copy.deepcopy(north.bylaws)
    bylaws["economy"]["capital_interest_percent"] = "3"
    north = membership.amend_bylaws(by=founder, coop=north, bylaws=bylaws)
    qadir = factories.person(NAME, email=EMAIL)
    member = membership.admit_member(
        membership.apply_for_membership(
            user=qadir, coop=north, membership_class="worker", statement=TEXTS["statement"]
        ),
        by=founder,
    )
    south_founder = factories.person("Sami South")
    south = factories.cooperative(south_founder)
    _invitation, token = membership.invite_member(
        by=south_founder, coop=south, email=EMAIL, membership_class="worker"
    )
    south_member = membership.accept_invitation(token, user=qadir)
    west = factories.cooperative(factories.person("Wafa West"))
    factories.applicant(west, qadir)
    life = Life(qadir=qadir, founder=founder, north=north, south=south, west=west)
    life.members = {"north": member, "south": south_member}

    discussion = governance.start_discussion(
        by=qadir, coop=north, title="Rota", body=TEXTS["discussion"]
    )
    governance.add_comment(by=qadir, discussion=discussion, body=TEXTS["comment"])
    governance.add_comment(by=founder, discussion=discussion, body="Agreed.")
    named = _poll(founder, north, "Pool the laptops?", {})
    secret = _poll(founder, north, "Elect the board?", {"secret": True})
    for poll in (named, secret):
        governance.cast_vote(poll, by=qadir, choice={"answer": "yes"})
        governance.cast_vote(poll, by=founder, choice={"answer": "no"})
        governance.close_poll(poll, by=founder)
    still_open = _poll(founder, north, "Buy a van?", {})
    governance.cast_vote(still_open, by=qadir, choice={"answer": "yes"})
    life.polls = [named, secret, still_open]

    today = timezone.localdate()
    economy.subscribe_shares(by=founder, member=member, shares=3, paid_on=today)
    economy.add_capital_entry(by=founder, member=member, kind="interest", amount="125.50")
    year = today.year - 3
    period = economy.open_period(
        by=founder,
        coop=north,
        name=f"Year {year}",
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
    )
    logged = economy.log_hours(
        by=qadir, period=period, hours="4", on=date(year, 3, 2), note=TEXTS["note"]
    )
    economy.decide_contribution(logged, by=founder, approve=True)
    numbers = (north.members.get(user=founder).number, member.number)
    economy.import_contributions(
        by=founder, period=period, csv_text=f"member,hours\n{numbers[0]},1200\n{numbers[1]},800\n"
    )
    economy.close_period(period, by=founder)
    propose_allocation(by=founder, period=period, surplus="1000.00")

    article = article_actions.write_article(
        by=founder, coop=north, title="Mesh networks", body="How we built it.", language="en"
    )
    article_actions.comment_on_article(article, by=qadir, body=TEXTS["article_comment"])
    routers = skill_actions.add_skill(by=founder, names={"en": "Routers"})
    call = call_actions.post_call(
        by=founder,
        coop=north,
        title="A mesh for the valley",
        body="We need people who know routers.",
        terms="volunteer",
        needs=[(routers, 2)],
    )
    call_actions.respond_to_call(by=qadir, call=call, message=TEXTS["call_response"])
    skill_actions.declare_skill(by=qadir, skill=routers, level=2, mentors=False)
    skill_actions.declare_skill(by=founder, skill=routers, level=4, mentors=True)
    mentoring_actions.ask_for_mentor(
        by=qadir, coop=north, skill=routers, message=TEXTS["mentoring"]
    )
    _token, life.token = accounts.create_api_token(qadir, "backup script")
    key = two_factor.new_key()
    code = TOTP(bytes.fromhex(key), two_factor.STEP, 0, two_factor.DIGITS).token()
    accounts.confirm_two_factor(qadir, key, f"{code:0{two_factor.DIGITS}d}")
    identity.person_actor(qadir)
    return life
