"""The network across three real Taawun instances.

Three installations run side by side on loopback (see ``instances``): A
(``a.taawun.test``, 127.0.0.2) hosts the network, B (127.0.0.3) and C
(127.0.0.4) each have cooperatives that join it. Every step goes through
the real actions inside an instance, and everything between instances
through HTTP, signatures, inboxes and the workers' delivery queues, as in
production: nothing here reaches into one instance on behalf of another.

The scenarios build on each other in file order (a network must be joined
before an article can travel through it); each also runs alone, because the
steps it needs are done by the ``joined`` fixture when no earlier test did
them.

These tests use no pytest-django database: every instance has its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.federation.instances import DriverError, Federation

# How long a step that crosses instances may take: each worker looks for
# due deliveries every second, and a step crosses at most two hops.
WAIT = 30.0
# C's members vote on the network's question in a poll that closes this
# many seconds after it opens (C's bylaws allow polls that short); the
# worker then closes it and sends the winner as C's answer.
POLL_SECONDS = 8

COORDINATOR = "coordinator@hub.example"  # founder of Hub (A): coordinates the networks
MASAR_FOUNDER = "amina@masar.example"  # B
WRITER = "karim@masar.example"  # B, an ordinary member who writes
NAWA_FOUNDER = "leila@nawa.example"  # C
READER = "omar@nawa.example"  # C, an ordinary member
DEVELOPER = "salma@nawa.example"  # C, a member who knows Django well
SAHEL_FOUNDER = "sami@sahel.example"  # C, a cooperative the network refuses
OUTSIDER = "visitor@elsewhere.example"  # C, an account in no cooperative


def equals(expected: Any) -> Callable[[Any], bool]:
    return lambda value: value == expected


@dataclass
class Cast:
    """Who is where: the actor URIs and handles the scenarios use."""

    hub: str = ""
    masar: str = ""
    nawa: str = ""
    sahel: str = ""
    network: str = ""
    open_network: str = ""
    handles: dict[str, str] = field(default_factory=dict)
    skill: str = ""
    joined: bool = False


@pytest.fixture(scope="module")
def fed(request: pytest.FixtureRequest) -> Iterator[Federation]:
    federation = Federation()
    failures = request.session.testsfailed
    try:
        federation.start()
        yield federation
    finally:
        # After a failure the instances' folders stay, for their logs.
        federation.close(keep_files=request.session.testsfailed > failures)


@pytest.fixture(autouse=True)
def _show_the_instances_when_a_test_fails(
    request: pytest.FixtureRequest, fed: Federation
) -> Iterator[None]:
    failures = request.session.testsfailed
    yield
    if request.session.testsfailed > failures:
        pytest.fail(
            f"What the instances logged and hold (their folders are kept in {fed.root}):\n"
            + fed.report(),
            pytrace=False,
        )


@pytest.fixture(scope="module")
def cast(fed: Federation) -> Cast:
    """People, cooperatives, skills and networks on each instance, made
    through each instance's own actions; nothing federated yet."""
    a, b, c = fed["a"], fed["b"], fed["c"]
    found = Cast()
    hub = a.run("make_cooperative", slug="hub", founder=COORDINATOR, name="Hub Tech Co-op")
    network = a.run(
        "make_network",
        slug="coop-net",
        name="Cooperative Technologists",
        admission="approval",
        coordinated_by="hub",
    )
    open_network = a.run(
        "make_network",
        slug="open-net",
        name="Open Source Co-ops",
        admission="open",
        coordinated_by="hub",
    )
    masar = b.run("make_cooperative", slug="masar", founder=MASAR_FOUNDER, name="Masar Code")
    b.run("make_member", coop="masar", email=WRITER, name="Karim")
    nawa = c.run(
        "make_cooperative",
        slug="nawa",
        founder=NAWA_FOUNDER,
        name="Nawa Net",
        country="TN",
        min_voting_hours=0,
    )
    c.run("make_member", coop="nawa", email=READER, name="Omar")
    c.run("make_member", coop="nawa", email=DEVELOPER, name="Salma")
    sahel = c.run("make_cooperative", slug="sahel", founder=SAHEL_FOUNDER, name="Sahel Data")
    c.run("make_person", email=OUTSIDER, name="A visitor")
    # The same skill in both vocabularies has the same address: that is
    # what a call's needs are matched by across instances.
    skill = b.run("add_skill", by=WRITER, name="Django")
    assert c.run("add_skill", by=DEVELOPER, name="Django") == skill
    c.run("declare_skill", email=DEVELOPER, skill=skill, level=3)
    c.run("add_service", coop="nawa", by=NAWA_FOUNDER, title="Web applications", skills=[skill])
    found.hub, found.masar, found.nawa, found.sahel = (
        hub["uri"],
        masar["uri"],
        nawa["uri"],
        sahel["uri"],
    )
    found.network, found.open_network = network["uri"], open_network["uri"]
    found.handles = {
        "network": network["handle"],
        "open-net": open_network["handle"],
        "masar": masar["handle"],
        "nawa": nawa["handle"],
    }
    found.skill = skill
    return found


def join_the_networks(fed: Federation, cast: Cast) -> None:
    """B's Masar asks to join the network on A and waits for the
    coordinator's approval; C's Nawa joins the open network at once and the
    other by approval; C's Sahel is refused."""
    a, b, c = fed["a"], fed["b"], fed["c"]
    asked = b.run("ask_to_join", coop="masar", handle=cast.handles["network"], by=MASAR_FOUNDER)
    assert asked == "pending"
    a.wait_for("join_requests", WAIT, until=lambda r: cast.masar in r, network="coop-net")
    assert cast.masar not in a.run("network_members", network="coop-net")
    assert b.run("follow_state", follower=cast.masar, followed=cast.network) == "pending"
    a.run("decide_join", network="coop-net", follower=cast.masar, accept=True, by=COORDINATOR)
    b.wait_for(
        "follow_state", WAIT, until=equals("accepted"), follower=cast.masar, followed=cast.network
    )

    # Open admission: accepted by the network's instance with nobody deciding.
    c.run("ask_to_join", coop="nawa", handle=cast.handles["open-net"], by=NAWA_FOUNDER)
    c.wait_for(
        "follow_state",
        WAIT,
        until=equals("accepted"),
        follower=cast.nawa,
        followed=cast.open_network,
    )
    assert a.run("join_requests", network="open-net") == []

    c.run("ask_to_join", coop="nawa", handle=cast.handles["network"], by=NAWA_FOUNDER)
    c.run("ask_to_join", coop="sahel", handle=cast.handles["network"], by=SAHEL_FOUNDER)
    a.wait_for(
        "join_requests", WAIT, until=lambda r: {cast.nawa, cast.sahel} <= set(r), network="coop-net"
    )
    a.run("decide_join", network="coop-net", follower=cast.nawa, accept=True, by=COORDINATOR)
    a.run("decide_join", network="coop-net", follower=cast.sahel, accept=False, by=COORDINATOR)
    c.wait_for(
        "follow_state", WAIT, until=equals("accepted"), follower=cast.nawa, followed=cast.network
    )
    c.wait_for(
        "follow_state", WAIT, until=equals("rejected"), follower=cast.sahel, followed=cast.network
    )
    cast.joined = True


@pytest.fixture
def joined(fed: Federation, cast: Cast) -> Cast:
    if not cast.joined:
        join_the_networks(fed, cast)
    return cast


def test_instances_find_each_other_by_webfinger_and_fetch_actor_documents(
    fed: Federation, cast: Cast
) -> None:
    a, b, c = fed["a"], fed["b"], fed["c"]
    network = b.run("resolve", handle=cast.handles["network"])
    assert network["uri"] == cast.network
    assert (network["kind"], network["role"], network["local"]) == ("Group", "network", False)
    assert network["domain"] == a.host
    assert network["inbox"] == cast.network + "/inbox"
    assert network["shared_inbox"] == a.site_url + "/ap/inbox"
    assert network["key_id"] == cast.network + "#main-key"
    assert network["has_public_key"]
    assert network["data"]["admission"] == "approval"
    assert b.run("actor", uri=cast.network)["uri"] == cast.network  # kept for next time

    masar = c.run("resolve", handle=cast.handles["masar"])
    assert (masar["uri"], masar["role"], masar["domain"]) == (cast.masar, "cooperative", b.host)

    # A cooperative's document tells the network where it is and what its
    # members can do (counts and levels, never names).
    nawa = a.run("resolve", handle=cast.handles["nawa"])
    assert nawa["data"]["location"]["countryCode"] == "TN"
    skills = {entry["slug"]: entry for entry in nawa["data"]["skills"]}
    assert (skills[cast.skill]["count"], skills[cast.skill]["highestLevel"]) == (1, 3)
    assert [service["name"] for service in nawa["data"]["services"]] == ["Web applications"]
    assert "Salma" not in str(nawa["data"])

    with pytest.raises(DriverError, match="RemoteError"):
        b.run("resolve", handle=f"@nobody@{a.host}")
    assert b.run("actor", uri=f"{a.site_url}/ap/coops/nobody") is None


def test_cooperatives_on_b_and_c_join_the_network_on_a_by_its_admission_rules(
    fed: Federation, cast: Cast
) -> None:
    join_the_networks(fed, cast)
    a = fed["a"]
    assert a.run("network_members", network="coop-net") == sorted([cast.hub, cast.masar, cast.nawa])
    assert a.run("network_members", network="open-net") == sorted([cast.hub, cast.nawa])
    assert a.run("join_requests", network="coop-net") == []


def test_an_article_shared_with_the_network_reaches_c_through_a_for_members_only(
    fed: Federation, joined: Cast
) -> None:
    a, b, c = fed["a"], fed["b"], fed["c"]
    private = b.run(
        "write_article",
        by=WRITER,
        coop="masar",
        title="Our payroll notes",
        body="Only for Masar's members.",
        visibility="cooperative",
    )
    shared = b.run(
        "write_article",
        by=WRITER,
        coop="masar",
        title="Running a community ISP",
        body="Start with **one** street.<script>alert('x')</script>",
        visibility="network",
    )
    on_c = c.wait_for("remote_object", WAIT, uri=shared)
    assert on_c["kind"] == "article"
    assert on_c["name"] == "Running a community ISP"
    assert on_c["actor"] == joined.masar  # still Masar's, though A forwarded it
    assert on_c["audience"] == "network"
    assert joined.network in on_c["networks"]
    assert "<strong>one</strong>" in on_c["content"]
    assert "<script" not in on_c["content"] and "alert" not in on_c["content"]
    # It came forwarded by the network, not from B directly.
    assert c.run("received_mentioning", uri=shared) == [["Announce", joined.network]]
    assert a.run("remote_object", uri=shared)["actor"] == joined.masar

    assert shared in c.run("readable_remote", email=READER)
    assert shared in c.run("readable_remote", email=NAWA_FOUNDER)
    assert shared not in c.run("readable_remote", email=OUTSIDER)
    assert shared not in c.run("readable_remote", email=SAHEL_FOUNDER)  # refused by the network

    # The cooperative-only article was written first: had it been sent, it
    # would have reached A before the shared one (delivery keeps the order
    # per recipient), so its absence now is final.
    assert b.run("activities_about", object_uri=private) == []
    assert a.run("remote_object", uri=private) is None
    assert c.run("remote_object", uri=private) is None


def test_a_call_for_collaboration_on_b_finds_the_cooperative_on_c_with_the_skill(
    fed: Federation, joined: Cast
) -> None:
    a, b, c = fed["a"], fed["b"], fed["c"]
    call = b.run(
        "post_call",
        by=WRITER,
        coop="masar",
        title="A members' portal for a housing cooperative",
        body="We need help building the members' portal, paid, three months.",
        needs=[[joined.skill, 2]],
        visibility="network",
    )
    on_c = c.wait_for("remote_object", WAIT, uri=call)
    assert on_c["kind"] == "call"
    assert on_c["name"] == "A members' portal for a housing cooperative"
    needs = on_c["data"]["taawun:call"]["skills"]
    assert [(need["slug"], need["level"]) for need in needs] == [(joined.skill, 2)]
    assert call in c.run("readable_remote", email=DEVELOPER)

    # Searched by the skill the call needs, the network's directory finds
    # Nawa, on C, and no one else: its member holds the skill at level 3.
    found = a.run("directory_search", network="coop-net", text="Django")
    assert [(match["uri"], match["skill"]) for match in found] == [(joined.nawa, joined.skill)]
    # And C's own directory of its members' skills shows the match.
    held = {entry["slug"]: entry for entry in c.run("skill_holders", coop="nawa")}
    assert held[joined.skill]["highest"] >= needs[0]["level"]
    # The call's own page on B suggests Nawa, on C, as a partner, and says why.
    partners = b.run("remote_partners", call=call)
    assert [partner["uri"] for partner in partners] == [joined.nawa]
    assert "Django" in partners[0]["reason"]


def test_a_network_decision_is_answered_by_each_cooperative_and_closed_with_the_right_result(
    fed: Federation, joined: Cast
) -> None:
    a, b, c = fed["a"], fed["b"], fed["c"]
    question = a.run(
        "open_decision",
        network="coop-net",
        by=COORDINATOR,
        title="Adopt the shared code of conduct?",
        body="The text is in the network's library.",
        options=["Adopt", "Wait a year"],
        minutes=60,
    )
    b.wait_for("question_seen", WAIT, coop="masar", question=question)
    seen_on_c = c.wait_for("question_seen", WAIT, coop="nawa", question=question)
    assert seen_on_c["options"] == ["Adopt", "Wait a year"]
    assert not seen_on_c["closed"]

    # C's members decide C's answer; its founder is outvoted.
    poll = c.run(
        "open_internal_poll", coop="nawa", question=question, by=NAWA_FOUNDER, seconds=POLL_SECONDS
    )
    c.run("vote", poll=poll, email=NAWA_FOUNDER, option="Wait a year")
    c.run("vote", poll=poll, email=READER, option="Adopt")
    c.run("vote", poll=poll, email=DEVELOPER, option="Adopt")
    assert c.run("coop_answer", coop="nawa", question=question)["state"] == "polling"
    # B's officer answers for Masar; Hub, on A with the network, answers there.
    b.run("answer_decision", coop="masar", question=question, choice="Adopt", by=MASAR_FOUNDER)
    a.run("answer_decision", coop="hub", question=question, choice="Wait a year", by=COORDINATOR)

    answers = a.wait_for(
        "network_answers", POLL_SECONDS + WAIT, until=lambda r: len(r) == 3, decision=question
    )
    assert answers == {joined.hub: "Wait a year", joined.masar: "Adopt", joined.nawa: "Adopt"}
    assert c.run("poll_info", poll=poll)["state"] in ("closed", "decided")
    assert c.run("coop_answer", coop="nawa", question=question) == {
        "state": "sent",
        "choice": "Adopt",
        "poll": poll,
    }

    closed = a.run("close_decision", decision=question, by=COORDINATOR)
    assert closed["state"] == "closed"
    result = closed["result"]
    assert result["counts"] == {"Adopt": 2, "Wait a year": 1}
    assert (result["members"], result["answered"], result["quorum_met"]) == (3, 3, True)
    assert result["winner"] == "Adopt"
    for instance, coop in ((b, "masar"), (c, "nawa")):
        shown = instance.wait_for(
            "question_seen",
            WAIT,
            until=lambda q: bool(q and q["closed"] and q["result"]),
            coop=coop,
            question=question,
        )
        assert shown["result"] == result


def test_an_instance_stopped_mid_way_receives_everything_after_it_restarts_in_order(
    fed: Federation, joined: Cast
) -> None:
    a, b, c = fed["a"], fed["b"], fed["c"]
    c.stop()
    titles = [f"Dispatch {n} from Masar" for n in (1, 2, 3)]
    sent = [
        b.run("write_article", by=WRITER, coop="masar", title=t, body=t, visibility="network")
        for t in titles
    ]
    for uri in sent:
        a.wait_for("remote_object", WAIT, uri=uri)
    # A tried to forward them to C, and could not reach it.
    a.wait_for("deliveries_to", WAIT, until=lambda d: d.get("failed_once", 0) >= 1, domain=c.host)
    assert [c.run("remote_object", uri=uri) for uri in sent] == [None, None, None]

    c.restart()
    # The first retry comes a minute after a failure: bring it to now, as if
    # that minute had passed.
    assert a.run("retry_now", domain=c.host) >= 1
    arrived = c.wait_for(
        "remote_objects",
        WAIT,
        until=lambda objs: set(sent) <= {obj["uri"] for obj in objs},
        kind="article",
    )
    assert [obj["uri"] for obj in arrived if obj["uri"] in sent] == sent
    assert [obj["name"] for obj in arrived if obj["uri"] in sent] == titles
    assert all(uri in c.run("readable_remote", email=READER) for uri in sent)
    a.wait_for("deliveries_to", WAIT, until=lambda d: d.get("pending", 0) == 0, domain=c.host)


def test_an_instance_that_blocks_another_gets_nothing_from_it_and_sends_nothing_to_it(
    fed: Federation, joined: Cast
) -> None:
    a, b, c = fed["a"], fed["b"], fed["c"]
    # Before the block, Nawa (C) and Masar (B) follow each other.
    c.run("follow", coop="nawa", handle=joined.handles["masar"], by=NAWA_FOUNDER)
    b.run("follow", coop="masar", handle=joined.handles["nawa"], by=MASAR_FOUNDER)
    c.wait_for(
        "follow_state", WAIT, until=equals("accepted"), follower=joined.nawa, followed=joined.masar
    )
    b.wait_for(
        "follow_state", WAIT, until=equals("accepted"), follower=joined.masar, followed=joined.nawa
    )

    c.run("block_domain", domain=fed["b"].domain)
    try:
        from_b = b.run(
            "write_article",
            by=WRITER,
            coop="masar",
            title="Masar's news after the block",
            body="For everyone.",
            visibility="public",
        )
        from_c = c.run(
            "write_article",
            by=NAWA_FOUNDER,
            coop="nawa",
            title="Nawa's news after the block",
            body="For everyone.",
            visibility="public",
        )
        # Both travelled: the network's instance has each.
        a.wait_for("remote_object", WAIT, uri=from_b)
        a.wait_for("remote_object", WAIT, uri=from_c)
        # Everything sent towards C about them has had its answer.
        b.wait_for(
            "activities_about",
            WAIT,
            until=lambda acts: (
                bool(acts) and all(s != "pending" for x in acts for _i, s in x["deliveries"])
            ),
            object_uri=from_b,
        )
        a.wait_for("deliveries_to", WAIT, until=lambda d: d.get("pending", 0) == 0, domain=c.host)

        # C took nothing of B's: not from B (refused), not forwarded by A.
        to_c = [
            state
            for activity in b.run("activities_about", object_uri=from_b)
            for inbox, state in activity["deliveries"]
            if c.host in inbox
        ]
        assert to_c == ["abandoned"]
        assert c.run("remote_object", uri=from_b) is None
        assert c.run("received_mentioning", uri=from_b) == []

        # C sent nothing to B: B has C's article only as the network forwarded it.
        sent_by_c = c.run("activities_about", object_uri=from_c)
        assert sent_by_c, "C published its article"
        assert not [i for x in sent_by_c for i, _s in x["deliveries"] if b.host in i]
        b.wait_for("remote_object", WAIT, uri=from_c)
        assert b.run("received_mentioning", uri=from_c) == [["Announce", joined.network]]
    finally:
        c.run("unblock_domain", domain=fed["b"].domain)
