"""The demo network's knowledge commons, made through the same actions as
everything else: a network joining two of the cooperatives, a shared skills
vocabulary, and in each cooperative articles, members' skills, services,
mentoring, a call for collaboration and an event; the starter course on digital
literacy (Arabic and English) is Masar Code's, open to everyone.

``load`` runs once for each cooperative, when the demo makes it;
``load_network`` is safe to run again.
"""

from __future__ import annotations

from taawun.knowledge import demo_articles, demo_calls, demo_courses, demo_events, demo_skills
from taawun.membership import networks
from taawun.membership.models import Cooperative, Member, Network

NETWORK = (
    "arab-tech-coops",
    {"ar": "شبكة تعاونيات التقنية العربية", "en": "Arab Tech Co-ops Network"},
    ("masar-code", "nawa-net"),
)
COURSE_HOME = "masar-code"


def load(coop: Cooperative, *, secretary: Member) -> None:
    demo_skills.load_vocabulary()
    demo_skills.load(coop)
    demo_articles.load(coop, author=secretary)
    demo_calls.load(coop, by=secretary)
    demo_events.load(coop, by=secretary)
    if coop.slug == COURSE_HOME:
        demo_courses.load(coop, author=secretary)


def load_network() -> None:
    slug, names, members = NETWORK
    network = Network.objects.filter(slug=slug).first() or networks.create_network(
        slug=slug, names=names
    )
    for coop in Cooperative.objects.filter(slug__in=members):
        networks.join_network(coop, network)
