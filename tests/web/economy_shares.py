"""Economy pages (shares) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from taawun.economy import actions
from taawun.membership import actions as membership
from tests import factories
from tests.web.page import Page

S = "/coops/{slug}/economy/shares/"

PAGES: list[Page] = [
    Page("shares-register", S, who="member"),
    Page("shares-register-as-officer", S, who="founder"),
    Page("shares-statement", S + "members/{member}/", who="member"),
    Page("shares-statement-as-officer", S + "members/{member}/", who="founder"),
    Page("shares-statement-of-another", S + "members/{shares_founder}/", who="member", status=403),
    Page("shares-subscribe", S + "subscribe/", who="founder"),
    Page("shares-subscribe-with-errors", S + "subscribe/", who="founder", submit_empty=True),
    Page("shares-payment", S + "subscriptions/{shares_subscription}/payment/", who="founder"),
    Page(
        "shares-payment-with-errors",
        S + "subscriptions/{shares_subscription}/payment/",
        who="founder",
        submit_empty=True,
    ),
    Page("shares-transfer", S + "transfer/", who="member"),
    Page("shares-transfer-with-errors", S + "transfer/", who="member", submit_empty=True),
    Page("shares-redeem", S + "redeem/", who="member"),
    Page("shares-redeem-with-errors", S + "redeem/", who="member", submit_empty=True),
    Page("shares-transfers", S + "transfers/", who="founder"),
    Page("shares-transfer-decide", S + "transfers/{shares_transfer}/", who="founder"),
    Page(
        "shares-transfer-decide-with-errors",
        S + "transfers/{shares_transfer}/",
        who="founder",
        submit_empty=True,
    ),
    Page("shares-redemptions", S + "redemptions/", who="founder"),
    Page("shares-redemption-decide", S + "redemptions/{shares_redemption}/", who="founder"),
    Page(
        "shares-redemption-decide-with-errors",
        S + "redemptions/{shares_redemption}/",
        who="founder",
        submit_empty=True,
    ),
]


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids.

    The member holds three shares and asks to pass one to the founder; the
    founder pays for two shares in instalments, one paid; a member who has
    left asks for her shares back."""
    coop, founder, member = world.coop, world.founder, world.member
    today = timezone.localdate()
    actions.subscribe_shares(by=founder, member=member, shares=3, paid_on=today)
    own = coop.members.get(user=founder)
    subscription = actions.subscribe_shares(by=founder, member=own, shares=2, instalments=2)
    actions.record_share_payment(by=founder, subscription=subscription, amount="10")
    transfer = actions.request_share_transfer(
        by=member.user, coop=coop, to_member=own, shares=1, reason="For the new laptop fund."
    )
    name = {"ar": "هدى المغادِرة", "en": "Huda Leaving"}.get(founder.language, "Huda Leaving")
    leaver = factories.member(coop, factories.person(name, language=founder.language))
    actions.subscribe_shares(by=founder, member=leaver, shares=2, paid_on=today)
    membership.withdraw_membership(leaver, by=leaver.user)
    redemption = actions.request_redemption(by=leaver.user, member=leaver, shares=2)
    world.ids.update(
        shares_founder=own.pk,
        shares_subscription=subscription.pk,
        shares_transfer=transfer.pk,
        shares_redemption=redemption.pk,
    )
