"""Network decision pages for the catalogue in tests/web: what they need in
the world, made through the real actions, and the pages themselves.

The world's cooperative and a partner belong to a network hosted here, so
the founder coordinates it and the member reads its decisions. The network
has an open question the partner answered, one the world's cooperative
answered, one its members are deciding in a poll, and a closed one with
its result. A network elsewhere, which the cooperative belongs to, asked an
open question and announced the result of another (as the inbox leaves
them: no other server runs here). A second network here, without the
world's cooperative, shows what outsiders are refused. Ids: dec_open,
dec_answered, dec_polling, dec_closed, dec_outside (decisions' public ids),
dec_remote, dec_remote_closed (the remote questions' RemoteObject ids).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from taawun.federation import decisions, identity
from taawun.federation.models import Actor, Follow
from taawun.membership import networks
from taawun.membership.models import Cooperative, Member
from tests import factories
from tests.web.page import Page

N = "/networks/dec-network/decisions/"
OUTSIDE = "/networks/dec-outside/decisions/"
Q = "/coops/{slug}/network-questions/"
FAR = "far-decisions.taawun.test"

PAGES: list[Page] = [
    Page("dec-list", N, who="member"),
    Page("dec-list-coordinator", N, who="founder"),
    Page("dec-new", N + "new/", who="founder"),
    Page("dec-new-with-errors", N + "new/", who="founder", submit_empty=True),
    Page("dec-new-forbidden", N + "new/", who="member", status=403),
    Page("dec-open", N + "{dec_open}/", who="founder"),
    Page("dec-open-as-member", N + "{dec_open}/", who="member"),
    Page("dec-closed", N + "{dec_closed}/", who="member"),
    Page("dec-closed-coordinator", N + "{dec_closed}/", who="founder"),
    Page("dec-unknown", N + "00000000-0000-4000-8000-000000000000/", who="member", status=404),
    Page("dec-no-network", "/networks/no-such-network/decisions/", who="member", status=404),
    Page("dec-outside-list", OUTSIDE, who="member", status=403),
    Page("dec-outside-decision", OUTSIDE + "{dec_outside}/", who="founder", status=403),
    Page("dec-outside-new", OUTSIDE + "new/", who="founder", status=403),
    Page("dec-questions", Q, who="member"),
    Page("dec-questions-officer", Q, who="founder"),
    Page("dec-question", Q + "local/{dec_open}/", who="founder"),
    Page("dec-question-with-errors", Q + "local/{dec_open}/", who="founder", submit_empty=True),
    Page("dec-question-as-member", Q + "local/{dec_open}/", who="member"),
    Page("dec-question-answered", Q + "local/{dec_answered}/", who="founder"),
    Page("dec-question-polling", Q + "local/{dec_polling}/", who="founder"),
    Page("dec-question-closed", Q + "local/{dec_closed}/", who="member"),
    Page("dec-question-remote", Q + "remote/{dec_remote}/", who="founder"),
    Page("dec-question-remote-closed", Q + "remote/{dec_remote_closed}/", who="member"),
    Page("dec-question-not-asked", Q + "local/{dec_outside}/", who="founder", status=404),
    Page(
        "dec-questions-other-coop",
        "/coops/dec-partner/network-questions/",
        status=403,
        who="member",
    ),
]


def _officer(coop: Cooperative) -> Member:
    return coop.members.get(number=1)  # the founder holds every office


def _network_elsewhere(coop: Cooperative) -> Actor:
    """A network on another server that accepted ``coop`` as a member."""
    uri = f"https://{FAR}/ap/networks/gulf"
    network = Actor.objects.create(
        uri=uri,
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        domain=FAR,
        username="gulf",
        names={"en": "Gulf Cooperative Network", "ar": "شبكة تعاونيات الخليج"},
        url=f"https://{FAR}/networks/gulf/",
        inbox=uri + "/inbox",
        data={"id": uri, "type": "Group"},
    )
    ours = identity.coop_actor(coop)
    Follow.objects.create(follower=ours, followed=network, state="accepted", uri=f"{ours.uri}#gulf")
    return network


def _question(network: Actor, n: int, name: str, options: list[str], **more: Any) -> dict:
    return {
        "id": f"{network.uri}/questions/{n}",
        "type": "Question",
        "attributedTo": network.uri,
        "name": name,
        "content": "<p>Proposed by the <strong>Doha</strong> cooperative.</p>",
        "oneOf": [{"type": "Note", "name": option} for option in options],
        **more,
    }


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    coop = world.coop
    founder = _officer(coop)
    partner = factories.cooperative(slug="dec-partner")
    network = networks.create_network(
        slug="dec-network", names={"en": "Open Source Network", "ar": "شبكة المصادر المفتوحة"}
    )
    networks.join_network(coop, network)
    networks.join_network(partner, network)
    later = timezone.now() + timedelta(days=10)

    def ask(title: str, body: str, options: list[str]) -> Any:
        return decisions.open_decision(
            network, by=founder, title=title, body=body, options=options, closes_at=later
        )

    open_one = ask(
        "Adopt the shared code of conduct?",
        "The draft is **in the wiki**.\n\n- Read it\n- Answer by the deadline",
        ["Yes", "No", "Discuss it again"],
    )
    decisions.answer_decision(partner, open_one, choice="Yes", by=_officer(partner))
    answered = ask("هل نعتمد رخصة موحدة للمشاريع المشتركة؟", "", ["نعم", "لا"])
    decisions.answer_decision(coop, answered, choice="نعم", by=founder)
    polling = ask("Host the 2027 gathering in Amman?", "Travel costs are shared.", ["Yes", "No"])
    decisions.open_internal_poll(coop, polling, by=founder, closes_at=later - timedelta(days=1))
    closed = ask("Join the regional hosting pool?", "", ["Yes", "No", "Abstain"])
    decisions.answer_decision(coop, closed, choice="Yes", by=founder)
    decisions.answer_decision(partner, closed, choice="Yes", by=_officer(partner))
    decisions.close_decision(closed, by=founder)

    outsider = factories.cooperative(slug="dec-outsider")
    outside = networks.create_network(slug="dec-outside", names={"en": "Another Network"})
    networks.join_network(outsider, outside)
    elsewhere_decision = decisions.open_decision(
        outside,
        by=_officer(outsider),
        title="A question for others",
        body="",
        options=["Yes", "No"],
        closes_at=later,
    )

    gulf = _network_elsewhere(coop)
    remote = decisions.receive_question(
        _question(gulf, 1, "Share one mail server?", ["Yes", "No"], endTime=later.isoformat()),
        gulf,
    )
    earlier = timezone.now() - timedelta(days=3)
    result = {
        "counts": {"Amman": 3, "Tunis": 1},
        "members": 5,
        "answered": 4,
        "quorum": "0.5",
        "threshold": "0.5",
        "quorum_met": True,
        "winner": "Amman",
    }
    remote_closed = decisions.receive_question(
        _question(
            gulf,
            2,
            "Where do we meet next spring?",
            ["Amman", "Tunis"],
            endTime=earlier.isoformat(),
            closed=earlier.isoformat(),
            result=result,
        ),
        gulf,
    )
    world.ids.update(
        dec_open=str(open_one.public_id),
        dec_answered=str(answered.public_id),
        dec_polling=str(polling.public_id),
        dec_closed=str(closed.public_id),
        dec_outside=str(elsewhere_decision.public_id),
        dec_remote=remote.pk,
        dec_remote_closed=remote_closed.pk,
    )
