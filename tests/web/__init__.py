"""Every page of the site, in one catalogue, for the checks that run on all of them.

The page-weight tests (Django's test client) and the browser tests
(accessibility, language, small screens, no JavaScript) walk the same list,
so a page added here is checked by both. ``build_world`` makes the data the
pages need through the real actions; ``World.url`` fills a page's address.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from taawun.governance import actions as governance
from taawun.membership import actions
from taawun.membership.models import Cooperative, Invitation, Member
from tests import factories
from tests.web import (
    accounts_two_factor,
    economy_allocation,
    economy_budgeting,
    economy_contributions,
    economy_shares,
    federation_decisions,
    federation_pages,
    knowledge_articles,
    knowledge_calls,
    knowledge_courses,
    knowledge_events,
    knowledge_mentoring,
    knowledge_search,
    knowledge_skills,
    privacy_pages,
)
from tests.web.page import Page

ACCOUNTS = (accounts_two_factor, privacy_pages)
ECONOMY = (economy_shares, economy_contributions, economy_allocation, economy_budgeting)
KNOWLEDGE = (
    knowledge_skills,
    knowledge_articles,
    knowledge_courses,
    knowledge_calls,
    knowledge_events,
    knowledge_mentoring,
    knowledge_search,
)
FEDERATION = (federation_pages, federation_decisions)


VISITOR_PAGES = [
    Page("welcome", "/"),
    Page("coops", "/coops/"),
    Page("coop", "/coops/{slug}/"),
    Page("apply", "/coops/{slug}/apply/"),
    Page("apply-with-errors", "/coops/{slug}/apply/", submit_empty=True),
    Page("bylaws", "/coops/{slug}/bylaws/"),
    Page("about", "/about/"),
    Page("login", "/accounts/login/"),
    Page("password-reset", "/accounts/password-reset/"),
    Page("password-reset-sent", "/accounts/password-reset/sent/"),
    Page("password-reset-bad-link", "/accounts/password-reset/MQ/no-such-token/"),
    Page("password-reset-done", "/accounts/password-reset/done/"),
    Page("invitation", "/invitations/{invitation}/"),
    Page("invitation-expired", "/invitations/{expired_invitation}/", status=410),
    Page("invitation-unknown", "/invitations/no-such-invitation/", status=404),
    Page("not-found", "/no-such-page/", status=404),
]

SIGNED_IN_PAGES = [
    Page("dashboard", "/", who="founder"),
    Page("coop-new", "/coops/new/", who="founder"),
    Page("coop-as-officer", "/coops/{slug}/", who="founder"),
    Page("directory", "/coops/{slug}/members/", who="founder"),
    Page("member", "/coops/{slug}/members/{member}/", who="founder"),
    Page("register", "/coops/{slug}/register/", who="founder"),
    Page("applications", "/coops/{slug}/applications/", who="founder"),
    Page("application", "/coops/{slug}/applications/{applicant}/", who="founder"),
    Page("invite", "/coops/{slug}/invite/", who="founder"),
    Page("invite-with-errors", "/coops/{slug}/invite/", who="founder", submit_empty=True),
    Page("bylaws-as-board", "/coops/{slug}/bylaws/", who="founder"),
    Page("bylaws-classes", "/coops/{slug}/bylaws/classes/", who="founder"),
    Page("bylaws-offices", "/coops/{slug}/bylaws/offices/", who="founder"),
    Page("ledger", "/coops/{slug}/ledger/", who="founder"),
    Page("withdraw", "/coops/{slug}/withdraw/", who="member"),
    Page("settings", "/accounts/settings/", who="founder"),
    Page("forbidden", "/coops/{slug}/register/", who="member", status=403),
    Page("decisions", "/coops/{slug}/decisions/", who="founder"),
    Page("discussion-new", "/coops/{slug}/discussions/new/", who="founder"),
    Page("discussion", "/coops/{slug}/discussions/{discussion}/", who="founder"),
    Page("poll-new", "/coops/{slug}/polls/new/", who="founder"),
    Page("poll-open", "/coops/{slug}/polls/{open_poll}/", who="member"),
    Page("poll-closed", "/coops/{slug}/polls/{closed_poll}/", who="founder"),
    Page("meeting-new", "/coops/{slug}/meetings/new/", who="founder"),
    Page("minutes", "/coops/{slug}/meetings/{meeting}/minutes/", who="founder"),
]

AREAS = ACCOUNTS + ECONOMY + KNOWLEDGE + FEDERATION
PAGES = VISITOR_PAGES + SIGNED_IN_PAGES + [p for area in AREAS for p in area.PAGES]


@dataclass
class World:
    coop: Cooperative
    founder: Any
    member: Member
    applicant: Member
    invitation: str
    expired_invitation: str
    ids: dict[str, int]

    def url(self, page: Page) -> str:
        return page.path.format(
            slug=self.coop.slug,
            member=self.member.pk,
            applicant=self.applicant.pk,
            invitation=self.invitation,
            expired_invitation=self.expired_invitation,
            **self.ids,
        )

    def user(self, page: Page) -> Any:
        return {None: None, "founder": self.founder, "member": self.member.user}[page.who]


def build_world(language: str) -> World:
    """A cooperative with an officer, a member, an applicant, invitations, a
    discussion, polls and a meeting; every account speaks ``language``."""
    names = {
        "ar": ("سلمى المؤسِّسة", "كريم العضو", "ليلى المتقدِّمة"),
        "en": ("Salma Founder", "Karim Member", "Layla Applicant"),
    }[language]
    founder = factories.person(names[0], language=language)
    coop = factories.cooperative(founder)
    member = factories.member(coop, factories.person(names[1], language=language))
    applicant = factories.applicant(coop, factories.person(names[2], language=language))
    _, token = actions.invite_member(
        by=founder, coop=coop, email="invited@example.org", membership_class="worker"
    )
    expired, expired_token = actions.invite_member(
        by=founder, coop=coop, email="late@example.org", membership_class="worker"
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    discussion = governance.start_discussion(
        by=founder, coop=coop, title="Shared laptops", body="Should we **pool** our laptops?"
    )
    governance.add_comment(by=member.user, discussion=discussion, body="Yes, with a rota.")
    governance.add_proposal(
        by=founder, discussion=discussion, title="Pool the laptops", body="A rota for all."
    )
    closes = timezone.now() + timedelta(days=3)
    open_poll = governance.open_poll(
        governance.create_poll(
            by=founder,
            coop=coop,
            kind="yes_no",
            title="Pool the laptops?",
            options=[],
            settings={},
            closes_at=closes,
        ),
        by=founder,
    )
    closed_poll = governance.open_poll(
        governance.create_poll(
            by=founder,
            coop=coop,
            kind="yes_no",
            title="Meet on Sundays?",
            options=[],
            settings={},
            closes_at=closes,
        ),
        by=founder,
    )
    governance.cast_vote(closed_poll, by=founder, choice={"answer": "yes"})
    governance.cast_vote(closed_poll, by=member.user, choice={"answer": "no"})
    governance.close_poll(closed_poll, by=founder)
    meeting = governance.create_meeting(
        by=founder, coop=coop, title="Annual general meeting", held_on=date(2026, 12, 12)
    )
    world = World(
        coop=coop,
        founder=founder,
        member=member,
        applicant=applicant,
        invitation=token,
        expired_invitation=expired_token,
        ids={
            "discussion": discussion.pk,
            "open_poll": open_poll.pk,
            "closed_poll": closed_poll.pk,
            "meeting": meeting.pk,
        },
    )
    for area in AREAS:
        area.build(world)
    return world


@contextmanager
def committed_world(language: str, django_db_blocker: Any) -> Iterator[World]:
    """``build_world`` once for a whole module of checks that only look at the
    pages, instead of once per page: committed, so that every test and a live
    server's thread see it, and every table emptied afterwards, as a
    transactional test leaves them. Database access stays open meanwhile."""
    with django_db_blocker.unblock():
        try:
            yield build_world(language)
        finally:
            for alias in connections:
                call_command("flush", database=alias, interactive=False, verbosity=0)
            cache.clear()
