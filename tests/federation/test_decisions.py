"""Network decisions on one instance: a network here, its member
cooperatives here and on other instances (Actor rows with accepted
Follows), answers given directly or through a poll of the members, the
result, both ledgers, and the pages in Arabic and English."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLResolver, include, path, reverse
from django.utils import timezone, translation

from taawun import urls as root_urls
from taawun.errors import Conflict, InvalidInput, PermissionDenied
from taawun.federation import decisions, identity, urls_decisions
from taawun.federation import urls as federation_urls
from taawun.federation.models import (
    Activity,
    Actor,
    CoopAnswer,
    Delivery,
    Follow,
    NetworkAnswer,
    NetworkDecision,
    RemoteObject,
)
from taawun.governance import actions as governance
from taawun.governance.models import Poll
from taawun.ledger import chain as chainlib
from taawun.ledger import queries as ledger_queries
from taawun.membership import networks
from taawun.membership.models import Cooperative, Member, Network
from tests import factories

pytestmark = pytest.mark.django_db

# The site's routes with the decision pages in the federation namespace,
# whether or not federation's urls.py includes them yet.
urlpatterns = [
    p
    for p in root_urls.urlpatterns
    if not (isinstance(p, URLResolver) and p.app_name == "federation")
] + [
    path(
        "",
        include(
            (federation_urls.urlpatterns + urls_decisions.urlpatterns, "federation"),
            namespace="federation",
        ),
    )
]
pages = pytest.mark.urls(__name__)

FAR = "https://far.example"


def officer(coop: Cooperative) -> Member:
    return coop.members.get(number=1)  # the founder holds every office


@pytest.fixture
def network() -> Network:
    return networks.create_network(slug="mena-tech", names={"en": "MENA Tech", "ar": "تقنية"})


@pytest.fixture
def coops(network: Network) -> list[Cooperative]:
    made = [factories.cooperative() for _ in range(3)]
    for coop in made:
        networks.join_network(coop, network)
    return made


def remote_coop(network: Network, name: str = "far", *, state: str = "accepted") -> Actor:
    actor = Actor.objects.create(
        uri=f"{FAR}/ap/coops/{name}",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.COOPERATIVE,
        domain="far.example",
        username=name,
        inbox=f"{FAR}/ap/coops/{name}/inbox",
        shared_inbox=f"{FAR}/ap/inbox",
    )
    Follow.objects.create(
        follower=actor,
        followed=identity.network_actor(network),
        state=state,
        uri=f"{FAR}/ap/activities/follow-{name}",
    )
    return actor


def ask(network: Network, by: Member, **changes: Any) -> NetworkDecision:
    fields: dict[str, Any] = {
        "title": "Adopt the shared code of conduct?",
        "body": "The draft is **attached**.",
        "options": ["yes", "no", "later"],
        "closes_at": timezone.now() + timedelta(days=7),
    }
    fields.update(changes)
    return decisions.open_decision(network, by=by, **fields)


def note(decision: NetworkDecision, actor: Actor, choice: str, n: int = 1) -> dict[str, Any]:
    return {
        "id": f"{FAR}/ap/answers/{actor.username}-{n}",
        "type": "Note",
        "attributedTo": actor.uri,
        "name": choice,
        "inReplyTo": decision.uri,
    }


def kinds(chain: str) -> list[str]:
    return [e.kind for e in ledger_queries.entries(chain).order_by("seq")]


def verified(chain: str) -> bool:
    head = ledger_queries.head(chain).hash
    return chainlib.verify_lines(ledger_queries.export_lines(chain), head).ok


# --- The network's side ----------------------------------------------------------------


def test_member_cooperatives_answer_and_the_network_announces_the_result(network, coops):
    decision = ask(network, officer(coops[0]))
    assert len(decision.roll) == 3 and decision.quorum == decision.threshold == 0.5
    for coop, choice in zip(coops, ["yes", "yes", "no"], strict=True):
        decisions.answer_decision(coop, decision, choice=choice, by=officer(coop))
    closed = decisions.close_decision(decision, by=officer(coops[1]))
    assert closed.result == {
        "counts": {"yes": 2, "no": 1, "later": 0},
        "members": 3,
        "answered": 3,
        "quorum": "0.500",
        "threshold": "0.500",
        "quorum_met": True,
        "winner": "yes",
    }
    chain = decisions.network_chain(network)
    assert kinds(chain) == [
        "network_decision.opened",
        *["network_decision.answer_received"] * 3,
        "network_decision.closed",
    ]
    assert verified(chain)
    for coop in coops:
        assert kinds(str(coop.public_id))[-1] == "network_decision.answered"
        assert verified(str(coop.public_id))
    document = decisions.question_document(decision.public_id)
    assert document is not None and document["closed"].endswith("Z")
    assert [o["replies"]["totalItems"] for o in document["oneOf"]] == [2, 1, 0]
    assert not Delivery.objects.exists()  # every member is here: nothing travels


def test_a_later_answer_replaces_the_earlier_and_the_ledger_keeps_both(network, coops):
    decision = ask(network, officer(coops[0]))
    decisions.answer_decision(coops[1], decision, choice="no", by=officer(coops[1]))
    decisions.answer_decision(coops[1], decision, choice="later", by=officer(coops[1]))
    assert list(decision.answers.values_list("choice", flat=True)) == ["later"]
    received = ledger_queries.entries(decisions.network_chain(network)).filter(
        kind="network_decision.answer_received"
    )
    assert [e.data.count('"choice":"later"') for e in received.order_by("seq")] == [0, 1]
    assert '"replaces":"no"' in received.order_by("seq").last().data  # type: ignore[union-attr]


def test_only_coordinators_open_and_close_and_only_officers_answer(network, coops):
    plain = factories.member(coops[0])
    with pytest.raises(PermissionDenied):
        ask(network, plain)
    outsider = factories.cooperative()
    with pytest.raises(PermissionDenied):
        ask(network, officer(outsider))
    decision = ask(network, officer(coops[0]))
    with pytest.raises(PermissionDenied):
        decisions.answer_decision(coops[0], decision, choice="yes", by=plain)
    with pytest.raises(PermissionDenied):
        decisions.close_decision(decision, by=plain)
    assert not NetworkAnswer.objects.exists()


def test_a_remote_member_gets_the_question_and_its_answer_counts(network, coops):
    far = remote_coop(network)
    decision = ask(network, officer(coops[0]), quorum="0.75")
    created = Activity.objects.get(type="Create", object_uri=decision.uri)
    assert created.data["object"]["type"] == "Question"
    assert [o["name"] for o in created.data["object"]["oneOf"]] == ["yes", "no", "later"]
    assert far.uri in created.data["to"]
    assert list(created.deliveries.values_list("inbox", flat=True)) == [f"{FAR}/ap/inbox"]
    decisions.receive_answer(note(decision, far, "no"), far)
    decisions.answer_decision(coops[0], decision, choice="no", by=officer(coops[0]))
    decisions.answer_decision(coops[1], decision, choice="yes", by=officer(coops[1]))
    closed = decisions.close_decision(decision)
    assert closed.result["counts"] == {"yes": 1, "no": 2, "later": 0}
    assert closed.result["quorum_met"] and closed.result["winner"] == "no"
    update = Activity.objects.get(type="Update", object_uri=decision.uri)
    assert update.data["object"]["closed"] and update.data["object"]["result"]["winner"] == "no"
    assert list(update.deliveries.values_list("inbox", flat=True)) == [f"{FAR}/ap/inbox"]


def refused(decision: NetworkDecision, document: dict[str, Any], actor: Actor) -> str:
    chain = decisions.network_chain(decision.network)
    before = (NetworkAnswer.objects.count(), ledger_queries.head(chain).seq)
    with pytest.raises(InvalidInput) as caught:
        decisions.receive_answer(document, actor)
    assert (NetworkAnswer.objects.count(), ledger_queries.head(chain).seq) == before
    return str(caught.value.message)


def test_answers_that_must_not_count_are_refused_and_leave_no_trace(network, coops):
    pending = remote_coop(network, "pending", state="pending")
    member = remote_coop(network, "member")
    decision = ask(network, officer(coops[0]))
    assert "member" in refused(decision, note(decision, pending, "yes"), pending)
    assert "option" in refused(decision, note(decision, member, "perhaps"), member)
    forged = {**note(decision, member, "yes"), "attributedTo": pending.uri}
    assert refused(decision, forged, member)
    elsewhere = {**note(decision, member, "yes"), "id": "https://other.example/ap/answers/1"}
    assert refused(decision, elsewhere, member)
    stray = {**note(decision, member, "yes"), "inReplyTo": f"{FAR}/ap/questions/x"}
    assert refused(decision, stray, member)
    decisions.close_decision(decision)
    assert "closed" in refused(decision, note(decision, member, "yes"), member)


def test_who_joins_after_the_question_opened_is_not_asked(network, coops):
    decision = ask(network, officer(coops[0]))
    late = remote_coop(network, "late")
    assert "opened" in refused(decision, note(decision, late, "yes"), late)


def test_a_cooperative_removed_from_the_network_no_longer_counts(network, coops):
    far = remote_coop(network)
    decision = ask(network, officer(coops[0]))
    decisions.receive_answer(note(decision, far, "no"), far)
    decisions.answer_decision(coops[0], decision, choice="yes", by=officer(coops[0]))
    Follow.objects.filter(follower=far).update(state=Follow.State.REJECTED)
    closed = decisions.close_decision(decision)
    assert closed.result["members"] == 3 and closed.result["answered"] == 1
    assert not closed.result["quorum_met"] and closed.result["winner"] is None


def test_due_decisions_close_at_their_deadline(network, coops):
    decision = ask(network, officer(coops[0]))
    assert decisions.close_due_decisions(timezone.now()) == 0
    assert decisions.close_due_decisions(decision.closes_at + timedelta(seconds=1)) == 1
    decision.refresh_from_db()
    assert decision.state == "closed" and decision.result["winner"] is None


BAD_QUESTIONS = [
    ({"options": []}, "options"),
    ({"options": ["yes"]}, "options"),
    ({"options": ["yes", " Yes "]}, "options"),
    ({"options": [str(n) for n in range(11)]}, "options"),
    ({"closes_at": timezone.now() - timedelta(minutes=1)}, "closes_at"),
    ({"title": "  "}, "title"),
    ({"threshold": "1"}, "threshold"),
    ({"quorum": "1.5"}, "quorum"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_QUESTIONS)
def test_a_bad_question_is_refused_in_the_asker_language_and_changes_nothing(
    network, coops, changes, field
):
    with translation.override("ar"), pytest.raises(InvalidInput) as caught:
        ask(network, officer(coops[0]), **changes)
    assert caught.value.field == field
    assert re.search("[\u0600-\u06ff]", str(caught.value.message))
    assert not NetworkDecision.objects.exists() and not Activity.objects.exists()
    assert ledger_queries.head(decisions.network_chain(network)).seq == 0


# --- A member cooperative's side ------------------------------------------------


def test_an_internal_poll_decides_the_answer_and_both_ledgers_record_it(network, coops):
    coop = coops[1]
    voters = [factories.member(coop) for _ in range(2)]
    decision = ask(network, officer(coops[0]))
    poll = decisions.open_internal_poll(
        coop, decision, by=officer(coop), closes_at=timezone.now() + timedelta(days=3)
    )
    assert poll.state == Poll.State.OPEN and poll.options == ["yes", "no", "later"]
    with pytest.raises(Conflict):
        decisions.answer_decision(coop, decision, choice="yes", by=officer(coop))
    for member, option in zip(voters, [2, 2], strict=True):
        governance.cast_vote(poll, by=member.user, choice={"option": option})
    assert decisions.answer_from_closed_polls() == 0  # still open
    governance.close_poll(poll, by=officer(coop).user)
    assert decisions.answer_from_closed_polls() == 1
    assert decisions.answer_from_closed_polls() == 0  # sent once
    answer = NetworkAnswer.objects.get(decision=decision)
    assert answer.choice == "later" and answer.cooperative.cooperative == coop
    mine = CoopAnswer.objects.get(cooperative=coop)
    assert (mine.state, mine.poll, mine.answered_by) == ("sent", poll, None)
    assert kinds(str(coop.public_id))[-4:] == [
        "poll.opened",
        "network_decision.poll_opened",
        "poll.closed",
        "network_decision.answered",
    ]
    assert kinds(decisions.network_chain(network))[-1] == "network_decision.answer_received"
    assert verified(str(coop.public_id)) and verified(decisions.network_chain(network))


def test_a_poll_without_quorum_sends_no_answer(network, coops):
    coop = coops[1]
    for _ in range(3):
        factories.member(coop)
    decision = ask(network, officer(coops[0]))
    poll = decisions.open_internal_poll(
        coop, decision, by=officer(coop), closes_at=timezone.now() + timedelta(days=3)
    )
    governance.close_poll(poll, by=officer(coop).user)
    assert decisions.answer_from_closed_polls() == 0
    assert CoopAnswer.objects.get(cooperative=coop).state == "unanswered"
    assert kinds(str(coop.public_id))[-1] == "network_decision.unanswered"
    assert not NetworkAnswer.objects.exists()


def test_an_internal_poll_must_close_before_the_question(network, coops):
    decision = ask(network, officer(coops[0]), closes_at=timezone.now() + timedelta(days=2))
    with pytest.raises(InvalidInput) as caught:
        decisions.open_internal_poll(
            coops[1],
            decision,
            by=officer(coops[1]),
            closes_at=timezone.now() + timedelta(days=3),
        )
    assert caught.value.field == "closes_at"
    assert not Poll.objects.exists()


@pytest.fixture
def far_network(coops: list[Cooperative]) -> Actor:
    """A network on another instance that our first cooperative has joined."""
    actor = Actor.objects.create(
        uri=f"{FAR}/ap/networks/andes",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        domain="far.example",
        username="andes",
        names={"en": "Andes network"},
        inbox=f"{FAR}/ap/networks/andes/inbox",
        shared_inbox=f"{FAR}/ap/inbox",
    )
    Follow.objects.create(
        follower=identity.coop_actor(coops[0]),
        followed=actor,
        state=Follow.State.ACCEPTED,
        uri=identity.activity_uri("3f0c5d8e-0000-4000-8000-000000000001"),
    )
    return actor


def far_question(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": f"{FAR}/ap/questions/q1",
        "type": "Question",
        "attributedTo": f"{FAR}/ap/networks/andes",
        "name": "Share one accountant?",
        "content": "<p>Costs <b>split</b></p><script>alert(1)</script>",
        "oneOf": [
            {"type": "Note", "name": "yes", "replies": {"totalItems": 0}},
            {"type": "Note", "name": "no", "replies": {"totalItems": 0}},
        ],
        "endTime": (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    doc.update(changes)
    return doc


def test_a_remote_network_question_is_answered_and_its_result_arrives(coops, far_network):
    coop = coops[0]
    question = decisions.receive_question(far_question(), far_network)
    assert question.kind == "question" and "<script>" not in question.content
    [seen] = [q for q in decisions.coop_questions(coop) if q.remote is not None]
    assert seen.is_open and seen.options == ["yes", "no"]
    decisions.answer_decision(coop, question, choice="no", by=officer(coop))
    sent = Activity.objects.get(type="Create", actor__cooperative=coop)
    assert sent.data["object"]["inReplyTo"] == question.uri
    assert sent.data["object"]["name"] == "no"
    assert list(sent.deliveries.values_list("inbox", flat=True)) == [far_network.inbox]
    answer = CoopAnswer.objects.get(cooperative=coop)
    assert decisions.answer_document(answer.uri.rsplit("/", 1)[1])["name"] == "no"  # type: ignore[index]
    assert kinds(str(coop.public_id))[-1] == "network_decision.answered"
    result = {
        "counts": {"yes": 1, "no": 3},
        "members": 5,
        "answered": 4,
        "quorum": "0.5",
        "threshold": "0.5",
        "quorum_met": True,
        "winner": "no",
    }
    decisions.receive_question(
        far_question(closed="2030-01-01T00:00:00Z", result=result), far_network
    )
    [seen] = [q for q in decisions.coop_questions(coop) if q.remote is not None]
    assert not seen.is_open and seen.result is not None and seen.result.winner == "no"
    with pytest.raises(Exception, match="closed"):
        decisions.answer_decision(coop, question, choice="yes", by=officer(coop))


def test_a_question_from_a_network_we_are_not_in_or_not_its_own_is_refused(coops, far_network):
    stranger = Actor.objects.create(
        uri="https://odd.example/ap/networks/odd",
        kind=Actor.Kind.GROUP,
        role=Actor.Role.NETWORK,
        domain="odd.example",
    )
    with pytest.raises(InvalidInput):
        decisions.receive_question(
            far_question(id="https://odd.example/ap/questions/1", attributedTo=stranger.uri),
            stranger,
        )
    with pytest.raises(InvalidInput):  # an id on another server than the network's
        decisions.receive_question(far_question(id="https://odd.example/q"), far_network)
    with pytest.raises(InvalidInput):
        decisions.receive_question(far_question(oneOf=[{"name": "only"}]), far_network)
    assert not RemoteObject.objects.exists()


# --- Pages ------------------------------------------------------------------------


@pages
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_decision_pages_work_in_arabic_and_english(client, network, coops, language):
    coordinator = officer(coops[0]).user
    coordinator.language = language
    coordinator.save()
    client.force_login(coordinator)
    listing = reverse("federation:decisions", args=[network.slug])
    assert client.get(listing).status_code == 200
    new = reverse("federation:decision_new", args=[network.slug])
    page = client.get(new)
    assert page.status_code == 200 and f'lang="{language}"' in page.content.decode()
    closes = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(new, {"title": "Q", "options": "only one", "closes_at": closes})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    assert not NetworkDecision.objects.exists()
    made = client.post(new, {"title": "Q", "options": "yes\nno", "closes_at": closes})
    decision = NetworkDecision.objects.get()
    assert made.url == reverse("federation:decision", args=[network.slug, decision.public_id])

    answerer = officer(coops[1]).user
    answerer.language = language
    answerer.save()
    client.force_login(answerer)
    questions = client.get(reverse("federation:coop_questions", args=[coops[1].slug]))
    assert questions.status_code == 200 and "Q" in questions.content.decode()
    here = reverse("federation:coop_question", args=[coops[1].slug, "local", decision.public_id])
    assert client.get(here).status_code == 200
    sent = client.post(here, {"action": "answer", "answer-choice": "no"})
    assert sent.status_code == 302
    assert NetworkAnswer.objects.get().choice == "no"

    client.force_login(coordinator)
    detail = reverse("federation:decision", args=[network.slug, decision.public_id])
    assert "no" in client.get(detail).content.decode()
    close = reverse("federation:decision_close", args=[network.slug, decision.public_id])
    client.post(close)
    shown = client.get(detail).content.decode()
    assert "1" in shown and ("Quorum not met" in shown or language == "ar")
    decision.refresh_from_db()
    assert decision.state == "closed" and decision.result["answered"] == 1


@pages
def test_only_members_of_member_cooperatives_see_the_decisions(client, network, coops):
    decision = ask(network, officer(coops[0]))
    detail = reverse("federation:decision", args=[network.slug, decision.public_id])
    client.force_login(factories.member(coops[2]).user)
    page = client.get(detail).content.decode()
    assert decision.title in page and "Answers received" not in page
    client.force_login(factories.person())
    assert client.get(detail).status_code == 403
    new = reverse("federation:decision_new", args=[network.slug])
    client.force_login(factories.member(coops[2]).user)
    assert client.get(new).status_code == 403
