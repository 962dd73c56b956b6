"""Signing in, failing to, resetting a password, and choosing a language."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from taawun.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_sign_in_with_email_in_any_case_then_sign_out(client):
    factories.person(email="rana@example.org")
    assert sign_in(client, "RANA@example.org", factories.PASSWORD).status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post(reverse("accounts:logout"))
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_says_so_and_does_not_sign_in(client):
    factories.person(email="rana@example.org")
    response = sign_in(client, "rana@example.org", "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_repeated_failures_lock_the_account_for_a_while(client):
    factories.person(email="rana@example.org")
    for _ in range(5):
        sign_in(client, "rana@example.org", "wrong")
    locked = sign_in(client, "rana@example.org", factories.PASSWORD)
    assert locked.status_code == 429
    assert not client.get("/").context["user"].is_authenticated


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_a_lockout_holds_the_guessing_address_not_everyone(db):
    factories.person(email="rana@example.org")
    proxy = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_PROTO": "https"}
    guesser = Client(HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    rana = Client(HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    for _ in range(5):
        sign_in(guesser, "rana@example.org", "wrong")
    assert sign_in(guesser, "rana@example.org", factories.PASSWORD).status_code == 429
    # Rana, at home behind the same proxy, still signs in.
    assert sign_in(rana, "rana@example.org", factories.PASSWORD).status_code == 302


def test_passwords_are_hashed_with_argon2(db):
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.Argon2PasswordHasher",
        ]
    ):
        assert make_password("a long passphrase here").startswith("argon2")
    from taawun import settings as real

    assert real.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_password_reset_by_email_link(client):
    user = factories.person(email="rana@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "rana@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+", mail.outbox[0].body)
    assert link
    form_page = client.get(link.group(0), follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long passphrase")


def test_password_reset_for_an_unknown_email_reveals_nothing(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and not mail.outbox


def test_a_visitor_gets_the_language_their_browser_asks_for(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert '<html lang="ar" dir="rtl">' in page.content.decode()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en" dir="ltr">' in page.content.decode()


def test_switching_language_is_saved_for_a_member(client, db):
    user = factories.person(language="en")
    client.force_login(user)
    client.post(reverse("web:set_language"), {"language": "ar", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ar"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'dir="rtl"' in page.content.decode()


def test_the_language_switch_ignores_unknown_languages_and_foreign_redirects(client, db):
    user = factories.person(language="en")
    client.force_login(user)
    response = client.post(
        reverse("web:set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"


def test_settings_are_saved_and_bad_values_refused(client, db):
    user = factories.person()
    client.force_login(user)
    url = reverse("accounts:settings")
    client.post(
        url, {"name": "Rana H.", "handle": "rana", "language": "ar", "time_zone": "Africa/Cairo"}
    )
    user.refresh_from_db()
    assert (user.name, user.handle, user.language, user.time_zone) == (
        "Rana H.",
        "rana",
        "ar",
        "Africa/Cairo",
    )
    bad = client.post(
        url, {"name": "", "handle": "", "language": "ar", "time_zone": "Mars/Olympus"}
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"name", "handle", "time_zone"}


def test_an_api_token_is_shown_once_and_stored_only_as_a_hash(client, db):
    user = factories.person()
    client.force_login(user)
    page = client.post(reverse("accounts:create_token"), {"name": "backup script"})
    secret = re.search(r"tw_[\w-]+", page.content.decode()).group(0)
    token = user.api_tokens.get()
    assert token.digest != secret and secret not in str(User.objects.filter(pk=user.pk).values())
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert not user.api_tokens.exists()


def test_the_session_cookie_is_hidden_from_scripts_and_other_sites(client):
    factories.person(email="rana@example.org")
    response = sign_in(client, "rana@example.org", factories.PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get("/")
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
