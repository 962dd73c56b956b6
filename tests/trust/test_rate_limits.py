"""Rate limits on the actions a script could repeat at others' cost: signing
in, applying (which makes an account), inviting, searching and voting.

Each limit is checked at its real rate: under it the action works, one more
is refused with a 429 page in the person's language (JSON under /api/) that
says when to try again, and nothing is recorded; other addresses or other
members are not held back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from taawun.accounts.models import User
from taawun.governance.models import Ballot
from taawun.membership.models import Invitation, Member
from taawun.web import ratelimits
from tests import factories
from tests.governance import factories as poll_factories

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.20"
REFUSED_EN = "You have done this too many times in a short while"
REFUSED_AR = "لقد كررت هذا مرات كثيرة في وقت قصير"


@pytest.fixture(autouse=True)
def _limits_on() -> Iterator[None]:
    with override_settings(TAAWUN_RATE_LIMITS=True):
        yield


def _client(address: str = ADDRESS, language: str = "en") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def _fresh_window(group: str, rate: str, key: str, user: Any = None) -> None:
    """Counters start again at the end of a window; a test that sends the
    whole allowance must not straddle that moment, so wait it out if near."""
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS)
    request.user = user or type("Visitor", (), {"is_authenticated": False})()
    left = ratelimits.usage(request, group, rate, key)["time_left"]
    if left < 10:
        time.sleep(left + 1)


def _allowance(rate: str) -> int:
    return int(rate.split("/")[0])


def _assert_refused(response: Any, arabic: bool = False) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert (REFUSED_AR if arabic else REFUSED_EN) in text


def _sign_in(client: Client, email: str, password: str = "wrong password 1") -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_one_address_trying_many_accounts_is_stopped_after_twenty_sign_ins():
    _fresh_window("sign-in", ratelimits.SIGN_IN, "ip")
    member = factories.person(email="karim@example.org")
    client = _client()
    for n in range(_allowance(ratelimits.SIGN_IN)):
        page = _sign_in(client, f"guess{n}@example.org")
        assert page.status_code == 200, "a wrong password shows the form again"
    attempts = AccessAttempt.objects.count()

    refused = _sign_in(_client(language="ar"), member.email, factories.PASSWORD)
    _assert_refused(refused, arabic=True)
    assert "_auth_user_id" not in refused.client.session
    assert AccessAttempt.objects.count() == attempts

    other = _client(OTHER_ADDRESS)
    assert _sign_in(other, member.email, factories.PASSWORD).status_code == 302
    assert other.session["_auth_user_id"] == str(member.pk)


def test_an_address_sending_eleven_applications_in_an_hour_gets_no_eleventh_account(coop):
    _fresh_window("sign-up", ratelimits.SIGN_UP, "ip")
    url = reverse("membership:apply", args=[coop.slug])

    def application(n: int) -> dict[str, str]:
        return {
            "name": f"Applicant {n}",
            "email": f"applicant{n}@example.org",
            "password": "a long enough password",
            "membership_class": "worker",
            "statement": "I would like to join.",
        }

    for n in range(_allowance(ratelimits.SIGN_UP)):
        assert _client().post(url, application(n)).status_code == 302
    accounts, members = User.objects.count(), Member.objects.count()

    _assert_refused(_client().post(url, application(99)))
    assert (User.objects.count(), Member.objects.count()) == (accounts, members)
    assert _client().get(url).status_code == 200, "reading the form is not counted"

    assert _client(OTHER_ADDRESS).post(url, application(100)).status_code == 302
    assert User.objects.filter(email="applicant100@example.org").exists()


def test_an_officer_sending_too_many_invitations_is_held_back_but_not_other_officers(coop, founder):
    _fresh_window("invitations", ratelimits.INVITATIONS, "user", founder)
    url = reverse("membership:invite", args=[coop.slug])
    client = _client()
    client.force_login(founder)
    for n in range(_allowance(ratelimits.INVITATIONS)):
        sent = client.post(url, {"email": f"friend{n}@example.org", "membership_class": "worker"})
        assert sent.status_code == 302
    invitations = Invitation.objects.count()

    refused = client.post(url, {"email": "one-more@example.org", "membership_class": "worker"})
    _assert_refused(refused)
    assert Invitation.objects.count() == invitations

    secretary = factories.member(coop, offices=["secretary"]).user
    colleague = _client()  # the same office, the same address
    colleague.force_login(secretary)
    sent = colleague.post(url, {"email": "one-more@example.org", "membership_class": "worker"})
    assert sent.status_code == 302
    assert Invitation.objects.filter(email="one-more@example.org").exists()


def test_searching_sixty_times_a_minute_then_the_page_and_the_api_wait():
    _fresh_window("search", ratelimits.SEARCH, "ip")
    client = _client()
    half = _allowance(ratelimits.SEARCH) // 2
    for _ in range(half):
        assert client.get("/search", {"q": "laptops"}).status_code == 200
    for _ in range(half):
        assert client.get("/api/search", {"q": "laptops"}).status_code == 200

    _assert_refused(_client(language="ar").get("/search", {"q": "laptops"}), arabic=True)
    api = client.get("/api/search", {"q": "laptops"})
    assert api.status_code == 429 and int(api["Retry-After"]) > 0
    body = api.json()
    assert body["code"] == "rate_limited" and REFUSED_EN in body["message"]

    assert _client(OTHER_ADDRESS).get("/search", {"q": "laptops"}).status_code == 200


def test_a_member_voting_in_a_frenzy_is_held_back_and_no_ballot_is_recorded(coop, founder):
    voter = factories.member(coop, factories.person(language="ar")).user
    neighbour_member = factories.member(coop, factories.person(language="ar"))
    _fresh_window("voting", ratelimits.VOTING, "user", voter)
    poll = poll_factories.poll(coop, founder)  # both are on the roll it freezes
    url = reverse("governance:vote", args=[coop.slug, poll.pk])
    client = _client(language="ar")
    client.force_login(voter)
    # Each ballot is two requests: the answers, then "cast my vote".
    for _ in range(_allowance(ratelimits.VOTING) - 1):
        assert client.post(url, {"answer": "yes"}).status_code == 200
    confirmed = client.post(url, {"confirm": "1", "choice": json.dumps({"answer": "yes"})})
    assert confirmed.status_code == 302
    ballots = Ballot.objects.count()

    refused = client.post(url, {"confirm": "1", "choice": json.dumps({"answer": "no"})})
    _assert_refused(refused, arabic=True)
    assert Ballot.objects.count() == ballots
    assert Ballot.objects.get().choice == {"answer": "yes"}

    neighbour = _client(language="ar")  # the same address, another member
    neighbour.force_login(neighbour_member.user)
    cast = neighbour.post(url, {"confirm": "1", "choice": json.dumps({"answer": "no"})})
    assert cast.status_code == 302
    assert Ballot.objects.count() == ballots + 1


def test_the_retry_after_matches_the_time_left_in_the_window():
    _fresh_window("sign-in", ratelimits.SIGN_IN, "ip")
    client = _client()
    for n in range(_allowance(ratelimits.SIGN_IN)):
        _sign_in(client, f"guess{n}@example.org")
    refused = _sign_in(client, "guess@example.org")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "minute" in refused.content.decode()


@override_settings(TAAWUN_RATE_LIMITS=False)
def test_turning_the_limits_off_lets_every_sign_in_through():
    client = _client()
    answers = [
        _sign_in(client, f"guess{n}@example.org").status_code
        for n in range(_allowance(ratelimits.SIGN_IN) + 5)
    ]
    assert set(answers) == {200}


def test_the_setting_follows_the_environment_variable(tmp_path):
    import subprocess
    import sys

    def setting(value: str | None) -> str:
        env = {"TAAWUN_VAR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "taawun.settings"}
        if value is not None:
            env["TAAWUN_RATE_LIMITS"] = value
        code = "import taawun.settings as s; print(s.TAAWUN_RATE_LIMITS)"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        return out.stdout.strip()

    assert setting(None) == "True"
    assert setting("off") == "False"


def test_an_unknown_key_is_a_programming_error_at_import_time():
    with pytest.raises(ValueError, match="rate limit key"):
        ratelimits.limit("sign-in", ratelimits.SIGN_IN, key="email")


def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_saw():
    factory = RequestFactory()
    request = factory.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9"
    )
    assert ratelimits.client_address(request) == "127.0.0.1"
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert ratelimits.client_address(request) == "203.0.113.9"
        ipv6 = factory.get("/", HTTP_X_FORWARDED_FOR="2001:db8:1:2:aaaa::5")
        assert ratelimits.client_address(ipv6) == "2001:db8:1:2::"


def test_one_address_cannot_flood_people_with_password_reset_emails():
    from django.core import mail

    _fresh_window("password-reset", ratelimits.PASSWORD_RESET, "ip")
    member = factories.person(email="karim@example.org")
    client = _client()
    url = reverse("accounts:password_reset")
    for _ in range(_allowance(ratelimits.PASSWORD_RESET)):
        assert client.post(url, {"email": member.email}).status_code == 302
    sent = len(mail.outbox)
    assert sent == _allowance(ratelimits.PASSWORD_RESET)

    _assert_refused(client.post(url, {"email": member.email}))
    assert len(mail.outbox) == sent
    assert _client(OTHER_ADDRESS).post(url, {"email": member.email}).status_code == 302


def test_a_stolen_session_cannot_guess_the_password_on_the_erase_my_data_form():
    member = factories.person(email="hala@example.org")
    _fresh_window("password-check", ratelimits.PASSWORD_CHECK, "user", member)
    client = _client()
    client.force_login(member)
    wrong = {"password": "a guess", "confirm": "on"}
    for _n in range(_allowance(ratelimits.PASSWORD_CHECK)):
        assert client.post(reverse("privacy:data"), wrong).status_code == 400
    # Over the limit even the right password is refused, and nothing is erased.
    right = {"password": factories.PASSWORD, "confirm": "on"}
    _assert_refused(client.post(reverse("privacy:data"), right))
    member.refresh_from_db()
    assert member.is_active and member.email == "hala@example.org"


def test_a_budgeting_ballot_sent_in_a_frenzy_is_held_back_and_not_replaced(coop, founder):
    from taawun.economy import budgeting_actions as pb

    voter = factories.member(coop).user
    _fresh_window("voting", ratelimits.VOTING, "user", voter)
    round_ = pb.create_round(
        by=founder, coop=coop, title="Tools", fund="100", ballot_kind="approval", rule="mes"
    )
    irons = pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    screens = pb.propose_project(by=founder, round=round_, title="Screens", cost="40")
    pb.open_voting(round_, by=founder)
    client = _client()
    client.force_login(voter)
    for _ in range(_allowance(ratelimits.VOTING)):
        client.post(round_.get_absolute_url(), {"projects": [str(irons.pk)]})
    _assert_refused(client.post(round_.get_absolute_url(), {"projects": [str(screens.pk)]}))
    member = Member.objects.get(cooperative=coop, user=voter)
    assert pb.ballot_of(round_, member) == {irons.pk: 1}


def test_asking_the_api_for_tokens_counts_with_the_sign_in_form():
    _fresh_window("sign-in", ratelimits.SIGN_IN, "ip")
    member = factories.person(email="nour@example.org")
    client = _client()
    for n in range(_allowance(ratelimits.SIGN_IN)):
        _sign_in(client, f"guess{n}@example.org")
    refused = client.post(
        "/api/tokens",
        {"email": member.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert not member.api_tokens.exists()
