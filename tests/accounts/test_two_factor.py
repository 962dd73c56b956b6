"""Two-factor sign-in: setting up an authenticator app, signing in with its
code or a recovery code, officers made to use it, and turning it off.

Codes are real TOTP codes computed from the device's key, as the phone app
computes them; each test that needs several codes takes them from
neighbouring 30-second steps, which the server accepts (one step of clock
difference either way)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taawun.accounts import actions, two_factor
from taawun.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CODE_STEP = "/accounts/two-factor/code/"
SET_UP = "/accounts/two-factor/set-up/"
OVERVIEW = "/accounts/two-factor/"


@pytest.fixture(autouse=True)
def _no_wait_between_tries() -> Iterator[None]:
    # django-otp makes each try after a wrong code wait 1, 2, 4… seconds;
    # test_a_second_wrong_code_must_wait_before_the_next_try keeps that on.
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0):
        yield


def code(key: str, steps_from_now: int = 0) -> str:
    """The code the app shows for ``key``, now or some 30-second steps away."""
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_from_now
    return f"{totp.token():06d}"


def with_app(user: User) -> tuple[str, list[str]]:
    """Set up two-factor sign-in for ``user`` through the action, confirming
    with the previous step's code, so that this step's and the next are free.
    Returns the key and the recovery codes."""
    key = two_factor.new_key()
    codes = actions.confirm_two_factor(user, key, code(key, -1))
    return key, codes


def is_signed_in(client: Client) -> bool:
    return bool(client.get("/").context["user"].is_authenticated)


def password_step(client: Client, user: User, next_url: str = "") -> Any:
    data = {"username": user.email, "password": factories.PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def officer() -> User:
    coop = factories.cooperative()
    return factories.founder_of(coop)


# --- Setting up -------------------------------------------------------------------


def test_set_up_shows_a_qr_code_and_the_secret_as_text(client):
    member = factories.person(email="rana@example.org")
    client.force_login(member)
    page = client.get(SET_UP)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img"' in html and "<title>QR code to scan</title>" in html
    key = client.session[two_factor.SETUP_SESSION_KEY]
    secret = two_factor.base32_secret(key)
    assert " ".join(re.findall(".{4}", secret)) in html
    assert "otpauth://totp/Taawun%3Arana%40example.org?secret=" + secret in html
    # A reload shows the same secret: the one the app may already have scanned.
    assert client.get(SET_UP).context["details"]["secret"] == page.context["details"]["secret"]


def test_set_up_turns_on_only_after_a_right_code_and_shows_ten_recovery_codes_once(client):
    member = factories.person()
    client.force_login(member)
    client.get(SET_UP)
    key = client.session[two_factor.SETUP_SESSION_KEY]

    wrong = client.post(SET_UP, {"code": "000000" if code(key) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=member).exists()

    done = client.post(SET_UP, {"code": code(key)})
    assert done.status_code == 200
    shown = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.content.decode())
    assert len(shown) == 10 and len(set(shown)) == 10
    assert TOTPDevice.objects.get(user=member).confirmed
    stored = set(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    assert stored == {c.replace("-", "") for c in shown}
    assert client.get(OVERVIEW).context["on"]
    # The codes are not shown again; set-up now leads to the overview.
    assert client.get(SET_UP)["Location"] == OVERVIEW
    assert "<li><code>" not in client.get(OVERVIEW).content.decode()


def test_set_up_with_an_empty_code_says_what_is_missing(client):
    client.force_login(factories.person())
    page = client.post(SET_UP, {"code": ""})
    assert page.status_code == 200 and page.context["form"].errors["code"]


# --- Signing in ---------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_an_account_with_two_factor(client):
    member = factories.person()
    key, _codes = with_app(member)

    step = password_step(client, member, next_url="/coops/")
    assert step.status_code == 302 and step["Location"].startswith(CODE_STEP)
    assert "_auth_user_id" not in client.session
    assert not is_signed_in(client)
    # Pages that need a member still send the half-signed-in person to sign in.
    assert client.get("/accounts/settings/")["Location"].startswith(LOGIN)

    signed = client.post(CODE_STEP, {"code": code(key), "next": "/coops/"})
    assert signed.status_code == 302 and signed["Location"] == "/coops/"
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get("/").context["user"].is_verified()


def test_an_account_without_two_factor_signs_in_with_the_password_alone(client):
    member = factories.person()
    assert password_step(client, member)["Location"] == "/"
    assert is_signed_in(client)


def test_a_wrong_code_says_so_and_signs_nobody_in(client):
    member = factories.person()
    key, codes = with_app(member)
    password_step(client, member)
    right = code(key)
    wrong = client.post(CODE_STEP, {"code": "123456" if right != "123456" else "654321"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not is_signed_in(client)
    assert StaticToken.objects.filter(device__user=member).count() == len(codes)
    # The right code still works afterwards.
    assert client.post(CODE_STEP, {"code": right})["Location"] == "/"


def test_a_wrong_code_is_told_in_arabic_to_an_arabic_speaker():
    member = factories.person(language="ar")
    with_app(member)
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")
    password_step(client, member)
    page = client.post(CODE_STEP, {"code": "abc"})
    assert page.status_code == 200
    assert 'lang="ar"' in page.content.decode()[:200]
    assert page.context["form"].errors["code"] == [
        "هذا الرمز غير صحيح أو سبق استخدامه. تأكد من ضبط ساعة هاتفك وأدخل أحدث رمز."
    ]
    assert not is_signed_in(client)


def test_an_app_code_works_only_once(client):
    member = factories.person()
    key, _codes = with_app(member)
    now = code(key)
    password_step(client, member)
    assert client.post(CODE_STEP, {"code": now})["Location"] == "/"

    other = Client()
    password_step(other, member)
    replay = other.post(CODE_STEP, {"code": now})
    assert replay.status_code == 200 and "_auth_user_id" not in other.session


def test_each_recovery_code_works_once(client):
    member = factories.person()
    _key, codes = with_app(member)
    recovery = two_factor.shown(codes[3]).upper()  # as typed from paper: any case, a dash
    password_step(client, member)
    signed = client.post(CODE_STEP, {"code": recovery}, follow=True)
    assert signed.context["user"].is_authenticated
    assert "You have 9 recovery codes left" in signed.content.decode()

    again = Client()
    password_step(again, member)
    assert again.post(CODE_STEP, {"code": recovery}).status_code == 200
    assert "_auth_user_id" not in again.session
    assert StaticToken.objects.filter(device__user=member).count() == 9


def test_codes_typed_in_arabic_digits_are_accepted(client):
    member = factories.person(language="ar")
    key, _codes = with_app(member)
    arabic = code(key).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    password_step(client, member)
    assert client.post(CODE_STEP, {"code": arabic})["Location"] == "/"


def test_the_code_step_without_a_password_first_sends_to_sign_in(client):
    page = client.get(CODE_STEP)
    assert page.status_code == 302 and page["Location"].startswith(LOGIN)


def test_a_password_changed_between_the_steps_ends_the_waiting_sign_in(client):
    member = factories.person()
    key, _codes = with_app(member)
    password_step(client, member)
    member.set_password("a brand new passphrase")
    member.save()
    refused = client.post(CODE_STEP, {"code": code(key)})
    assert refused["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_a_second_wrong_code_must_wait_before_the_next_try(client):
    member = factories.person()
    key, _codes = with_app(member)
    password_step(client, member)
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=60):
        client.post(CODE_STEP, {"code": "000000" if code(key) != "000000" else "111111"})
        page = client.post(CODE_STEP, {"code": code(key)})
    assert "Too many wrong codes. Wait" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_lock_the_account_like_wrong_passwords():
    member = factories.person()
    key, _codes = with_app(member)
    client = Client()
    password_step(client, member)
    for _ in range(5):
        client.post(CODE_STEP, {"code": "abcdefgh"})
    assert AccessAttempt.objects.filter(username=member.email).exists()
    locked = client.post(CODE_STEP, {"code": code(key)})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The password step is locked too, for this account from this address.
    assert password_step(Client(), member).status_code == 429


def test_the_code_step_is_rate_limited():
    member = factories.person()
    with_app(member)
    client = Client(REMOTE_ADDR="192.0.2.77")
    password_step(client, member)
    with override_settings(TAAWUN_RATE_LIMITS=True, AXES_FAILURE_LIMIT=100):
        answers = [client.post(CODE_STEP, {"code": "abcdefgh"}).status_code for _ in range(11)]
    assert answers[:10] == [200] * 10 or 429 in answers[:10], answers
    assert answers[-1] == 429


# --- Officers -------------------------------------------------------------------------


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_an_officer_without_an_app_is_sent_to_set_up_and_told_why(client):
    founder = officer()
    client.force_login(founder)
    page = client.get("/coops/", follow=True)
    assert page.redirect_chain[0][0] == SET_UP + "?next=%2Fcoops%2F"
    assert "You hold an office in a cooperative" in page.content.decode()
    # Only the two-factor pages, signing out and the language stay open.
    assert client.get("/accounts/settings/").status_code == 302
    assert client.get("/healthz").status_code == 200
    assert client.post("/language/", {"language": "ar", "next": "/"}).status_code == 302
    assert client.get(CODE_STEP)["Location"].startswith(SET_UP)  # no app to give a code from

    client.get(SET_UP)
    key = client.session[two_factor.SETUP_SESSION_KEY]
    client.post(SET_UP, {"code": code(key), "next": "/coops/"})
    assert client.get("/coops/").status_code == 200
    assert client.get("/accounts/settings/").status_code == 200


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_an_officer_with_an_app_is_asked_for_the_code_before_going_on(client):
    founder = officer()
    key, _codes = with_app(founder)
    client.force_login(founder)  # a session from before, without the code
    assert client.get("/coops/")["Location"] == CODE_STEP + "?next=%2Fcoops%2F"
    assert client.post(CODE_STEP, {"code": code(key), "next": "/coops/"})["Location"] == "/coops/"
    assert client.get("/coops/").status_code == 200


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_an_officer_signs_in_with_password_and_code(client):
    founder = officer()
    key, _codes = with_app(founder)
    assert password_step(client, founder)["Location"].startswith(CODE_STEP)
    assert client.post(CODE_STEP, {"code": code(key)})["Location"] == "/"
    assert client.get("/coops/").status_code == 200


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_a_member_without_an_office_is_not_made_to_use_two_factor(client, coop):
    member = factories.member(coop).user
    client.force_login(member)
    assert client.get("/coops/").status_code == 200
    assert client.get(OVERVIEW).context["required"] is False


@override_settings(TAAWUN_OFFICER_2FA=False)
def test_officers_are_not_made_to_when_the_setting_is_off(client):
    client.force_login(officer())
    assert client.get("/coops/").status_code == 200


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_an_api_token_still_works_for_an_officer_without_two_factor():
    founder = officer()
    _token, secret = actions.create_api_token(founder, "script")
    me = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200 and me.json()["email"] == founder.email


def test_an_api_token_for_an_account_with_an_app_needs_the_code_too():
    from taawun.accounts.models import ApiToken

    member = factories.person()
    key, recovery = with_app(member)
    api = Client()

    def ask(**extra: str) -> Any:
        body = {"email": member.email, "password": factories.PASSWORD, **extra}
        return api.post("/api/tokens", body, content_type="application/json")

    without = ask()
    assert without.status_code == 401 and without.json()["code"] == "second_factor_required"
    wrong = ask(code="000000" if code(key) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json()["field"] == "code"
    assert not ApiToken.objects.filter(user=member).exists()

    assert ask(code=code(key)).status_code == 201
    assert ask(code=recovery[0]).status_code == 201, "a recovery code works too"
    assert ApiToken.objects.filter(user=member).count() == 2


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_an_officer_without_an_app_gets_no_way_round_it_through_the_api():
    founder = officer()
    browser = Client()
    browser.force_login(founder)
    assert browser.get("/api/me").status_code == 401, "the session owes a second factor"
    asked = Client().post(
        "/api/tokens",
        {"email": founder.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert asked.status_code == 401 and asked.json()["code"] == "second_factor_required"
    assert not founder.api_tokens.exists()


# --- Recovery codes and turning off ---------------------------------------------------


def test_new_recovery_codes_need_an_app_code_and_replace_the_old_ones(client):
    member = factories.person()
    key, old = with_app(member)
    client.force_login(member)

    refused = client.post("/accounts/two-factor/recovery-codes/", {"code": "abcdefgh"})
    assert refused.status_code == 400 and refused.context["code_form"].errors["code"]
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)

    made = client.post("/accounts/two-factor/recovery-codes/", {"code": code(key)})
    new = re.findall(r"<li><code>([a-z2-9-]{11})</code></li>", made.content.decode())
    assert len(new) == 10
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert stored == {c.replace("-", "") for c in new} and not stored & set(old)


def test_turning_off_needs_the_password_or_a_code(client):
    member = factories.person()
    with_app(member)
    client.force_login(member)
    refused = client.post("/accounts/two-factor/turn-off/", {"proof": "not my password"})
    assert refused.status_code == 400
    assert "neither your password nor a right code" in refused.content.decode()
    assert two_factor.has_second_factor(member)

    done = client.post("/accounts/two-factor/turn-off/", {"proof": factories.PASSWORD})
    assert done["Location"] == OVERVIEW
    assert not two_factor.has_second_factor(member)
    assert not StaticToken.objects.filter(device__user=member).exists()


@override_settings(TAAWUN_RATE_LIMITS=True)
def test_a_stolen_session_cannot_guess_the_password_by_turning_two_factor_off(client):
    from taawun.web import ratelimits

    member = factories.person()
    with_app(member)
    client.force_login(member)
    allowance = int(ratelimits.PASSWORD_CHECK.split("/")[0])
    for _ in range(allowance):
        client.post("/accounts/two-factor/turn-off/", {"proof": "a guess"})
    # Ten guesses an hour; then even the right password waits.
    refused = client.post("/accounts/two-factor/turn-off/", {"proof": factories.PASSWORD})
    assert refused.status_code == 429
    assert two_factor.has_second_factor(member)


def test_pages_showing_a_secret_or_codes_are_not_kept_by_the_browser(client):
    member = factories.person()
    client.force_login(member)
    for page in (SET_UP, OVERVIEW):
        assert "no-store" in client.get(page)["Cache-Control"]


def test_turning_off_with_an_app_code(client):
    member = factories.person()
    key, _codes = with_app(member)
    client.force_login(member)
    client.post("/accounts/two-factor/turn-off/", {"proof": code(key)})
    assert not two_factor.has_second_factor(member)


@override_settings(TAAWUN_OFFICER_2FA=True)
def test_an_officer_cannot_turn_it_off_while_officers_must_use_it():
    founder = officer()
    key, _codes = with_app(founder)
    client = Client()
    password_step(client, founder)
    client.post(CODE_STEP, {"code": code(key)})
    overview = client.get(OVERVIEW).content.decode()
    assert "/accounts/two-factor/turn-off/" not in overview
    refused = client.post("/accounts/two-factor/turn-off/", {"proof": factories.PASSWORD})
    assert refused.status_code == 400
    assert "must stay on" in refused.content.decode()
    assert two_factor.has_second_factor(founder)
