"""The network's pages, rule by rule (a visitor, an outsider, a member, an
officer, a network's coordinator, an administrator of the server), in both
languages, with bad input changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taawun.federation.models import Delivery, DomainRule, Flag, Follow, RemoteObject
from taawun.federation.signatures import generate_rsa_keypair
from taawun.knowledge import demo_skills, skill_actions
from taawun.membership import networks
from taawun.membership.models import Cooperative, Network, NetworkMembership
from tests import factories
from tests.federation.httpservers import Reply, json_reply, serve
from tests.federation.test_directory import (
    REMOTE,
    SECURITY,
    joined,
    make_actor,
    network_actor_row,
    remote_coop,
)

pytestmark = pytest.mark.django_db


class World:
    """A network hosted here with one local member cooperative (whose
    founder holds every office, so coordinates the network), a member
    without office, a cooperative on another server that is a member and
    one asking to join, and an outsider with a cooperative of their own."""

    def __init__(self) -> None:
        demo_skills.load_vocabulary()
        self.officer = factories.person("Salma Officer")
        self.coop = factories.cooperative(self.officer, slug="cairo-coop")
        self.member = factories.member(self.coop, factories.person("Karim Member")).user
        self.network = networks.create_network(
            slug="arab-tech", names={"en": "Arab Tech", "ar": "التقنية العربية"}
        )
        networks.join_network(self.coop, self.network)
        skill_actions.declare_skill(by=self.officer, skill="python", level=4, mentors=False)
        self.network_actor = network_actor_row(self.network)
        self.remote = remote_coop(
            "tunis-coop",
            skills=[SECURITY],
            services=[{"name": "Security audits", "summary": "Of web sites"}],
        )
        joined(self.remote, self.network_actor)
        self.asking = remote_coop("asking-coop")
        self.request = joined(self.asking, self.network_actor, state=Follow.State.PENDING)
        self.outsider = factories.person("Omar Outsider")
        self.other_coop = factories.cooperative(self.outsider, slug="other-coop")
        self.staff = factories.person("Admin")
        self.staff.is_staff = True
        self.staff.save()


@pytest.fixture
def world() -> World:
    return World()


def client_for(user: Any = None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- The networks and a network's directory ----------------------------------------


@pytest.mark.parametrize("language", ["ar", "en"])
def test_everyone_sees_the_networks_in_their_language(world: World, language: str) -> None:
    far = make_actor(
        uri=f"https://{REMOTE}/ap/networks/maghreb",
        kind="Group",
        role="network",
        domain=REMOTE,
        username="maghreb",
        names={"en": "Maghreb network", "ar": "شبكة المغرب"},
        url=f"https://{REMOTE}/networks/maghreb/",
    )
    ours = make_actor(
        uri="http://testserver/ap/coops/cairo-coop",
        kind="Group",
        role="cooperative",
        local=True,
        domain="testserver",
        username="cairo-coop",
        cooperative=world.coop,
    )
    joined(ours, far)

    html = page(client_for(language=language), "/networks/")

    assert f'lang="{language}"' in html
    assert world.network.names[language] in html
    assert "/networks/arab-tech/" in html
    assert far.names[language] in html and f"https://{REMOTE}/networks/maghreb/" in html


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_visitor_reads_the_directory_with_members_here_and_elsewhere(
    world: World, language: str
) -> None:
    html = page(client_for(language=language), "/networks/arab-tech/")

    assert f'dir="{"rtl" if language == "ar" else "ltr"}"' in html
    assert world.coop.names[language] in html
    assert world.remote.names[language] in html  # from the remote actor's document
    assert REMOTE in html and "TN" in html and "EG" in html
    assert "Security audits" in html
    assert world.asking.names[language] not in html  # asking is not being a member
    assert "@arab-tech@testserver" in html
    # Counts, never people's names.
    assert "Salma" not in html and "Karim" not in html
    assert "/networks/arab-tech/manage/" not in html


def test_members_of_the_network_s_cooperatives_find_its_decisions_from_its_page(
    world: World,
) -> None:
    link = "/networks/arab-tech/decisions/"
    assert link not in page(client_for(), "/networks/arab-tech/")
    assert link not in page(client_for(world.outsider), "/networks/arab-tech/")
    assert link in page(client_for(world.member), "/networks/arab-tech/")
    officer_view = page(client_for(world.officer), "/networks/arab-tech/")
    assert link in officer_view and "/networks/arab-tech/manage/" in officer_view


@pytest.mark.parametrize(
    "query", ["security", "Information Security", "أمن", "امن المعلومات", "المعلومات"]
)
def test_the_directory_finds_a_remote_cooperative_by_skill_in_either_language(
    world: World, query: str
) -> None:
    html = page(client_for(), f"/networks/arab-tech/?skill={query}")

    assert "Cooperatives offering" in html
    assert "Tunis-Coop" in html and "expert" in html
    assert "Test Cooperative" not in html  # Python only


@pytest.mark.parametrize("query", ["python", "بايثون", "PYTH"])
def test_the_directory_finds_a_local_cooperative_by_skill(world: World, query: str) -> None:
    html = page(client_for(language="ar"), f"/networks/arab-tech/?skill={query}")

    assert world.coop.names["ar"] in html and "تعاونية tunis-coop" not in html


def test_a_search_that_finds_nothing_says_so_and_bad_input_is_refused(world: World) -> None:
    client = client_for()
    assert "No member cooperative offers" in page(client, "/networks/arab-tech/?skill=cobol")
    too_long = page(client, "/networks/arab-tech/?skill=" + "x" * 101)
    assert "field-error" in too_long and "Cooperatives offering" not in too_long
    page(client, "/networks/no-such-network/", status=404)


# --- Coordinators: requests to join and members --------------------------------------


def test_only_the_coordinators_see_the_requests_to_join(world: World) -> None:
    url = "/networks/arab-tech/manage/"
    assert client_for().get(url).status_code == 302  # to sign in
    for user in (world.member, world.outsider, world.staff):
        page(client_for(user), url, status=403)
    html = page(client_for(world.officer), url)
    assert "Asking-Coop" in html and f"/networks/arab-tech/requests/{world.request.pk}/" in html
    assert "/members/elsewhere/" in html and "/members/here/cairo-coop/remove/" in html
    assert "/networks/arab-tech/manage/" in page(client_for(world.officer), "/networks/arab-tech/")


def test_no_one_but_a_coordinator_answers_a_request_and_it_stays_waiting(world: World) -> None:
    url = f"/networks/arab-tech/requests/{world.request.pk}/"
    for user in (world.member, world.outsider, world.staff):
        assert client_for(user).post(url, {"decision": "accept"}).status_code == 403
    assert client_for(world.officer).get(url).status_code == 405
    response = client_for(world.officer).post(url, {"decision": "maybe"})
    assert response.status_code == 302
    world.request.refresh_from_db()
    assert world.request.state == Follow.State.PENDING


def test_a_request_already_answered_is_not_found(world: World) -> None:
    Follow.objects.filter(pk=world.request.pk).update(state=Follow.State.REJECTED)
    url = f"/networks/arab-tech/requests/{world.request.pk}/"
    assert client_for(world.officer).post(url, {"decision": "accept"}).status_code == 404


def test_removing_a_member_asks_to_confirm_and_only_for_coordinators(world: World) -> None:
    remote_url = f"/networks/arab-tech/members/elsewhere/{world.remote.pk}/remove/"
    html = page(client_for(world.officer), remote_url)
    assert "Remove Tunis-Coop" in html and 'method="post"' in html
    page(client_for(world.officer), "/networks/arab-tech/members/here/cairo-coop/remove/")
    page(client_for(world.member), remote_url, status=403)
    assert client_for(world.outsider).post(remote_url).status_code == 403
    # Not a member: a request waiting, a cooperative outside.
    page(
        client_for(world.officer),
        f"/networks/arab-tech/members/elsewhere/{world.asking.pk}/remove/",
        status=404,
    )
    page(
        client_for(world.officer),
        "/networks/arab-tech/members/here/other-coop/remove/",
        status=404,
    )
    assert Follow.objects.filter(follower=world.remote, state=Follow.State.ACCEPTED).exists()


# --- A cooperative's network page ----------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "en"])
def test_members_see_the_cooperatives_networks_and_officers_get_the_forms(
    world: World, language: str
) -> None:
    url = "/coops/cairo-coop/network/"
    assert client_for().get(url).status_code == 302
    page(client_for(world.outsider, language), url, status=403)

    as_member = page(client_for(world.member, language), url)
    assert world.network.names[language] in as_member
    assert 'name="follow-handle"' not in as_member and "/leave/" not in as_member

    as_officer = page(client_for(world.officer, language), url)
    assert f'lang="{language}"' in as_officer
    assert 'name="follow-handle"' in as_officer and 'name="join-handle"' in as_officer
    assert "/coops/cairo-coop/network/networks/arab-tech/leave/" in as_officer


def test_a_member_without_office_cannot_follow_join_or_leave(world: World) -> None:
    client = client_for(world.member)
    base = "/coops/cairo-coop/network/"
    assert client.post(base, {"follow-handle": "@a@b.org"}).status_code == 403
    assert client.post(base + "join/", {"join-handle": "@a@b.org"}).status_code == 403
    assert client.post(base + "networks/arab-tech/leave/").status_code == 403
    assert NetworkMembership.objects.filter(cooperative=world.coop).exists()


@pytest.mark.parametrize("handle", ["", "tech-coop", "@tech-coop", "a@b@c", "@x@ex ample.org"])
def test_a_malformed_handle_is_shown_beside_the_field_and_nothing_is_sent(
    world: World, handle: str
) -> None:
    client = client_for(world.officer)
    for url, field in (("", "follow-handle"), ("join/", "join-handle")):
        response = client.post(f"/coops/cairo-coop/network/{url}", {field: handle})
        html = response.content.decode()
        assert response.status_code == 200
        assert f'id="id_{field}_error"' in html
    assert (
        not Follow.objects.exclude(pk__in=[world.request.pk])
        .filter(follower__cooperative=world.coop)
        .exists()
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_blocked_server_is_refused_beside_the_field(world: World, language: str) -> None:
    DomainRule.objects.create(domain="blocked.example", kind=DomainRule.Kind.BLOCK)
    client = client_for(world.officer, language)
    response = client.post(
        "/coops/cairo-coop/network/join/", {"join-handle": "@net@sub.blocked.example"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_join-handle_error"' in html
    if language == "en":
        assert "This server is blocked here" in html
    assert not Follow.objects.filter(follower__cooperative=world.coop).exists()


def test_an_officer_leaves_a_network_here_after_confirming(world: World) -> None:
    client = client_for(world.officer)
    url = "/coops/cairo-coop/network/networks/arab-tech/leave/"
    assert "Leave Arab Tech" in page(client, url)
    assert NetworkMembership.objects.filter(cooperative=world.coop).exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/coops/cairo-coop/network/"
    assert not NetworkMembership.objects.filter(cooperative=world.coop).exists()
    page(client, url, status=404)


def test_the_cooperatives_follows_are_listed_with_their_state(world: World) -> None:
    ours = make_actor(
        uri="http://testserver/ap/coops/cairo-coop",
        kind="Group",
        role="cooperative",
        local=True,
        domain="testserver",
        username="cairo-coop",
        cooperative=world.coop,
    )
    Follow.objects.create(follower=ours, followed=world.remote, uri="https://x/1")
    Follow.objects.create(
        follower=world.asking, followed=ours, state=Follow.State.ACCEPTED, uri="https://x/2"
    )
    html = page(client_for(world.officer), "/coops/cairo-coop/network/")
    following = html.split("Cooperatives it follows")[1].split("Cooperatives that follow it")
    assert "Tunis-Coop" in following[0] and "waiting for an answer" in following[0]
    assert "Asking-Coop" in following[1]
    leave = Follow.objects.get(uri="https://x/1").pk
    assert "Stop following Tunis-Coop" in page(
        client_for(world.officer), f"/coops/cairo-coop/network/follows/{leave}/leave/"
    )
    # Another cooperative's follow is not this one's to undo.
    other = Follow.objects.get(uri="https://x/2").pk
    page(client_for(world.officer), f"/coops/cairo-coop/network/follows/{other}/leave/", 404)


def test_what_came_from_the_network_is_for_members_only(world: World) -> None:
    page(client_for(world.outsider), "/coops/cairo-coop/network/shared/", status=403)
    assert client_for().get("/coops/cairo-coop/network/shared/").status_code == 302


# --- The instance's block and allow lists -------------------------------------------------


def test_only_administrators_keep_the_block_and_allow_lists(world: World) -> None:
    url = "/federation/admin/"
    assert client_for().get(url).status_code == 302
    for user in (world.officer, world.member):
        page(client_for(user), url, status=403)
        assert client_for(user).post(url, {"block-domain": "evil.example"}).status_code == 403
        assert (
            client_for(user).post(url + "allow/", {"allow-domain": "good.example"}).status_code
            == 403
        )
        assert client_for(user).post(url + "unblock/", {"domain": "x.example"}).status_code == 403
        assert client_for(user).post(url + "disallow/", {"domain": "x.example"}).status_code == 403
    assert not DomainRule.objects.exists()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_administrator_blocks_allows_and_unblocks(world: World, language: str) -> None:
    client = client_for(world.staff, language)
    url = "/federation/admin/"
    assert f'lang="{language}"' in page(client, url)

    response = client.post(url, {"block-domain": "Evil.Example", "block-reason": "spam"})
    assert response.status_code == 302
    rule = DomainRule.objects.get(kind=DomainRule.Kind.BLOCK)
    assert (rule.domain, rule.reason) == ("evil.example", "spam")
    assert "evil.example" in page(client, url)

    assert client.post(url + "allow/", {"allow-domain": "friends.example"}).status_code == 302
    assert DomainRule.objects.filter(kind=DomainRule.Kind.ALLOW, domain="friends.example").exists()

    assert client.post(url + "unblock/", {"domain": "evil.example"}).status_code == 302
    assert not DomainRule.objects.filter(kind=DomainRule.Kind.BLOCK).exists()

    assert "Take friends.example off the allow list" in page(client_for(world.staff), url)
    assert client.post(url + "disallow/", {"domain": "friends.example"}).status_code == 302
    assert not DomainRule.objects.exists()


@pytest.mark.parametrize("domain", ["", "not a domain", "a..b", "x" * 64 + ".org"])
def test_a_bad_domain_is_shown_beside_the_field_and_nothing_is_kept(
    world: World, domain: str
) -> None:
    client = client_for(world.staff)
    for url, field in (("", "block-domain"), ("allow/", "allow-domain")):
        response = client.post(f"/federation/admin/{url}", {field: domain})
        assert response.status_code == 200
        assert f'id="id_{field}_error"' in response.content.decode()
    assert not DomainRule.objects.exists()


def test_the_administrators_see_the_mode_and_the_reports(world: World, settings: Any) -> None:
    Flag.objects.create(
        actor=world.remote,
        object_uris=["http://testserver/ap/articles/1"],
        content="<script>alert(1)</script>Spam",
        activity_uri=f"https://{REMOTE}/ap/activities/flag-1",
    )
    client = client_for(world.staff)
    html = page(client, "/federation/admin/")
    assert "From b.taawun.test" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert "speaks with every server that is not blocked" in html
    settings.TAAWUN_FEDERATION_ALLOWLIST_ONLY = True
    assert "speaks only with the servers on the allow list" in page(client, "/federation/admin/")


def test_the_pages_of_a_cooperative_elsewhere_do_not_exist(world: World) -> None:
    assert Cooperative.objects.filter(slug="tunis-coop").count() == 0
    page(client_for(world.officer), "/coops/tunis-coop/network/", status=404)
    assert Network.objects.count() == 1


# --- Through publishing: follows, requests to join and their answers --------------------


def test_an_officer_follows_a_cooperative_here_by_handle_and_stops(world: World) -> None:
    client = client_for(world.officer)
    response = client.post(
        "/coops/cairo-coop/network/", {"follow-handle": "@other-coop@testserver"}
    )
    assert response.status_code == 302
    follow = Follow.objects.get(
        follower__cooperative=world.coop, followed__cooperative=world.other_coop
    )
    assert follow.state == Follow.State.ACCEPTED
    html = page(client, "/coops/cairo-coop/network/")
    assert "now follows" in html and "Stop following" in html

    assert client.post(f"/coops/cairo-coop/network/follows/{follow.pk}/leave/").status_code == 302
    assert not Follow.objects.filter(pk=follow.pk).exists()


def test_an_unknown_handle_here_is_shown_beside_the_field(world: World) -> None:
    response = client_for(world.officer).post(
        "/coops/cairo-coop/network/join/", {"join-handle": "@no-such-network@testserver"}
    )
    assert response.status_code == 200
    assert 'id="id_join-handle_error"' in response.content.decode()
    assert not Follow.objects.filter(follower__cooperative=world.coop).exists()


def test_a_cooperative_is_not_a_network_to_join(world: World) -> None:
    response = client_for(world.officer).post(
        "/coops/cairo-coop/network/join/", {"join-handle": "@other-coop@testserver"}
    )
    assert "This address is not a network" in response.content.decode()
    assert not Follow.objects.filter(follower__cooperative=world.coop).exists()


def test_a_cooperative_asks_to_join_and_a_coordinator_accepts_it(world: World) -> None:
    ask = client_for(world.outsider).post(
        "/coops/other-coop/network/join/", {"join-handle": "@arab-tech@testserver"}
    )
    assert ask.status_code == 302
    request = Follow.objects.get(follower__cooperative=world.other_coop)
    assert request.state == Follow.State.PENDING
    assert "Asked to join, waiting for an answer" in page(
        client_for(world.outsider), "/coops/other-coop/network/"
    )
    manage = page(client_for(world.officer), "/networks/arab-tech/manage/")
    assert "@other-coop@testserver" in manage

    coordinator = client_for(world.officer)
    url = f"/networks/arab-tech/requests/{request.pk}/"
    assert coordinator.post(url, {"decision": "accept"}).status_code == 302
    assert NetworkMembership.objects.filter(
        network=world.network, cooperative=world.other_coop
    ).exists()
    assert "is now a member of the network" in page(coordinator, "/networks/arab-tech/manage/")


def test_a_coordinator_refuses_a_request_from_elsewhere_and_the_answer_is_queued(
    world: World,
) -> None:
    url = f"/networks/arab-tech/requests/{world.request.pk}/"
    assert client_for(world.officer).post(url, {"decision": "refuse"}).status_code == 302
    world.request.refresh_from_db()
    assert world.request.state == Follow.State.REJECTED
    delivery = Delivery.objects.get(inbox=world.asking.inbox)
    assert delivery.activity.type == "Reject"


def test_a_coordinator_removes_members_here_and_elsewhere(world: World) -> None:
    coordinator = client_for(world.officer)
    remote_url = f"/networks/arab-tech/members/elsewhere/{world.remote.pk}/remove/"
    assert coordinator.post(remote_url).status_code == 302
    assert not Follow.objects.filter(follower=world.remote, state=Follow.State.ACCEPTED).exists()
    assert Delivery.objects.get(inbox=world.remote.inbox).activity.type == "Reject"
    assert "Tunis-Coop" not in page(client_for(), "/networks/arab-tech/")

    second = factories.cooperative(slug="second-coop")
    networks.join_network(second, world.network)
    assert (
        coordinator.post("/networks/arab-tech/members/here/second-coop/remove/").status_code == 302
    )
    assert not NetworkMembership.objects.filter(cooperative=second).exists()


def test_an_officer_leaves_a_network_it_joined_by_request(world: World) -> None:
    Network.objects.filter(pk=world.network.pk).update(admission="open")
    client = client_for(world.outsider)
    client.post("/coops/other-coop/network/join/", {"join-handle": "@arab-tech@testserver"})
    assert NetworkMembership.objects.filter(cooperative=world.other_coop).exists()
    assert client.post("/coops/other-coop/network/networks/arab-tech/leave/").status_code == 302
    assert not NetworkMembership.objects.filter(cooperative=world.other_coop).exists()
    assert "/coops/other-coop/" not in page(client_for(), "/networks/arab-tech/")


def test_an_unreachable_server_is_shown_beside_the_field(world: World, settings: Any) -> None:
    settings.TAAWUN_FEDERATION_HOSTS = {"down.taawun.test": "127.0.0.1"}
    settings.TAAWUN_FEDERATION_ALLOW_LOOPBACK = True
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    with serve({}) as server:
        port = server.port  # a port that was free, and is closed again below
    response = client_for(world.officer).post(
        "/coops/cairo-coop/network/", {"follow-handle": f"@far@down.taawun.test:{port}"}
    )
    assert response.status_code == 200
    assert "We could not reach this address" in response.content.decode()
    assert not Follow.objects.filter(follower__cooperative=world.coop).exists()


def test_an_officer_follows_a_cooperative_on_another_server(world: World, settings: Any) -> None:
    settings.TAAWUN_FEDERATION_HOSTS = {"far.taawun.test": "127.0.0.1"}
    settings.TAAWUN_FEDERATION_ALLOW_LOOPBACK = True
    settings.TAAWUN_FEDERATION_ALLOW_HTTP = True
    _private, public = generate_rsa_keypair()
    documents: dict[str, Any] = {}

    def answer(request: Any) -> Reply:
        if request.path.startswith("/.well-known/webfinger"):
            return json_reply(documents["webfinger"], content_type="application/jrd+json")
        if request.path == "/ap/coops/far":
            return json_reply(documents["actor"])
        return Reply(status=202 if request.method == "POST" else 404)

    with serve(answer) as server:
        base = f"http://far.taawun.test:{server.port}"
        uri = f"{base}/ap/coops/far"
        documents["webfinger"] = {
            "subject": f"acct:far@far.taawun.test:{server.port}",
            "links": [{"rel": "self", "type": "application/activity+json", "href": uri}],
        }
        documents["actor"] = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": uri,
            "type": "Group",
            "preferredUsername": "far",
            "name": "Far Cooperative",
            "inbox": uri + "/inbox",
            "outbox": uri + "/outbox",
            "followers": uri + "/followers",
            "following": uri + "/following",
            "publicKey": {"id": uri + "#main-key", "owner": uri, "publicKeyPem": public},
            "skills": [SECURITY],
            "location": {"type": "Place", "countryCode": "MA"},
        }
        response = client_for(world.officer).post(
            "/coops/cairo-coop/network/",
            {"follow-handle": f"@far@far.taawun.test:{server.port}"},
        )
    assert response.status_code == 302
    follow = Follow.objects.get(follower__cooperative=world.coop, followed__uri=uri)
    assert follow.state == Follow.State.PENDING
    assert Delivery.objects.get(inbox=uri + "/inbox").activity.type == "Follow"
    html = page(client_for(world.officer), "/coops/cairo-coop/network/")
    assert "Far Cooperative" in html and "waiting for an answer" in html


# --- What came from the network ------------------------------------------------------------


def shared(actor: Any, kind: str, name: str, audience: str, networks_: Any = ()) -> RemoteObject:
    return RemoteObject.objects.create(
        uri=f"{actor.uri}/{kind}s/{name}",
        kind=kind,
        actor=actor,
        audience=audience,
        networks=list(networks_),
        name=name,
        content="<p>Sanitised <strong>content</strong></p>",
        url=f"https://{REMOTE}/{name}/",
    )


def test_members_read_what_came_from_the_network_and_outsiders_do_not(world: World) -> None:
    public = shared(world.remote, "article", "Public article", "public")
    network = shared(
        world.remote, "call", "Network call", "network", ["http://testserver/ap/networks/arab-tech"]
    )
    elsewhere = shared(world.remote, "event", "Other network event", "network", ["https://x/n"])
    gone = shared(world.remote, "article", "Deleted article", "public")
    RemoteObject.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    member = client_for(world.member)
    html = page(member, "/coops/cairo-coop/network/shared/")
    assert "Public article" in html and "Network call" in html
    assert "Other network event" not in html and "Deleted article" not in html
    only_calls = page(member, "/coops/cairo-coop/network/shared/?kind=call")
    assert "Network call" in only_calls and "Public article" not in only_calls
    page(member, "/coops/cairo-coop/network/shared/?kind=nonsense")

    item = page(member, f"/network/items/{network.pk}/")
    assert "<strong>content</strong>" in item and f"https://{REMOTE}/Network call/" in item
    assert REMOTE in item
    page(member, f"/network/items/{elsewhere.pk}/", status=404)
    page(member, f"/network/items/{gone.pk}/", status=404)

    outsider = client_for(world.outsider)
    page(outsider, f"/network/items/{network.pk}/", status=404)
    page(outsider, f"/network/items/{public.pk}/")
    page(client_for(), f"/network/items/{public.pk}/")
    page(client_for(), f"/network/items/{network.pk}/", status=404)
