"""The demo cooperatives' events, made through the same actions as
everything else: Masar Code opens a workshop to its network, Nawa holds an
online assembly anyone may join, and the others announce a meetup each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from taawun.knowledge import event_actions as actions
from taawun.knowledge.models import Visibility
from taawun.membership.models import Cooperative, Member

EVENTS: dict[str, dict[str, Any]] = {
    "masar-code": {
        "title": "ورشة مفتوحة: أول مساهمة في مشروع مفتوح المصدر",
        "language": "ar",
        "days": 12,
        "hours": 3,
        "place": "مقر مسار كود، القاهرة",
        "online_url": "",
        "body": "نعمل معًا على **أول طلب دمج** في مشروع حقيقي. أحضر حاسوبك المحمول.",
        "visibility": Visibility.NETWORK,
    },
    "nawa-net": {
        "title": "Open assembly: a mesh for the old town",
        "language": "en",
        "days": 20,
        "hours": 2,
        "place": "",
        "online_url": "https://meet.nawa-net.example/assembly",
        "body": "Neighbours, volunteers and partner cooperatives plan the next ten rooftop nodes.",
        "visibility": Visibility.PUBLIC,
    },
}
MEETUP: dict[str, Any] = {
    "title": "Members' meetup",
    "language": "en",
    "days": 30,
    "hours": 2,
    "place": "Our office",
    "online_url": "",
    "body": "Tea, the quarter's news and questions from new members.",
    "visibility": Visibility.COOPERATIVE,
}


def load(coop: Cooperative, *, by: Member) -> None:
    plan = EVENTS.get(coop.slug, MEETUP)
    # Events start at a round hour, in the days after the demo is loaded.
    starts = (timezone.now() + timedelta(days=int(plan["days"]))).replace(
        minute=0, second=0, microsecond=0
    )
    actions.announce_event(
        by=by.user,
        coop=coop,
        title=str(plan["title"]),
        language=str(plan["language"]),
        starts_at=starts,
        ends_at=starts + timedelta(hours=int(plan["hours"])),
        place=str(plan["place"]),
        online_url=str(plan["online_url"]),
        body=str(plan["body"]),
        visibility=str(plan["visibility"]),
    )
