"""Security headers on every page of the catalogue in tests/web.

Every page answers with the Content Security Policy (scripts, styles and
forms from this site only, no framing, no plugins) and the older
X-Frame-Options; no page carries inline script, event-handler attributes,
inline styles or ``javascript:`` links, which the policy would block. With
TAAWUN_HTTPS on, the settings module itself (read in a separate process)
turns on HSTS, the redirect to https and cookies that only travel over
TLS and that scripts cannot read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation

from tests import factories
from tests.web import PAGES, World, build_world
from tests.web.test_page_weight import _MainForm

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def directives(header: str) -> dict[str, set[str]]:
    parsed: dict[str, set[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


class _InlineCode(HTMLParser):
    """What a strict policy would block: script without src, <style>,
    style="", on…="" handlers, javascript: addresses."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:160]
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "script" and not a.get("src"):
            self.found.append(f"inline script {shown}")
        if tag == "style":
            self.found.append(f"style element {shown}")
        for name, value in a.items():
            if name.startswith("on"):
                self.found.append(f"event handler {name} in {shown}")
            if name == "style":
                self.found.append(f"style attribute in {shown}")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: address in {shown}")


def problems_of(url: str, response: Any) -> list[str]:
    problems = []
    header = response.get("Content-Security-Policy")
    if not header:
        return [f"{url}: no Content-Security-Policy header"]
    policy = directives(header)
    for name, values in POLICY.items():
        if policy.get(name) != values:
            problems.append(f"{url}: {name} is {policy.get(name)}, expected {values}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options is {response.get('X-Frame-Options')}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no X-Content-Type-Options: nosniff")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append(f"{url}: no Cross-Origin-Opener-Policy: same-origin")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"{url}: Referrer-Policy is {response.get('Referrer-Policy')}")
    if "text/html" in response.get("Content-Type", ""):
        parser = _InlineCode()
        parser.feed(response.content.decode())
        problems += [f"{url}: {found}" for found in parser.found]
    return problems


@pytest.fixture(autouse=True)
def _language_restored_after():
    with translation.override(translation.get_language()):
        yield


def test_every_page_sends_the_policy_and_carries_no_inline_code():
    world: World = build_world("ar")
    problems: list[str] = []
    clients: dict[str | None, Client] = {}
    for page in PAGES:
        if page.who not in clients:
            clients[page.who] = Client(HTTP_ACCEPT_LANGUAGE="ar")
            if user := world.user(page):
                clients[page.who].force_login(user)
        client = clients[page.who]
        url = world.url(page)
        response = client.get(url)
        if page.submit_empty:
            form = _MainForm()
            form.feed(response.content.decode())
            response = client.post(url, form.data)
        assert response.status_code == page.status, f"{url} answered {response.status_code}"
        problems += problems_of(url, response)
    assert not problems, "\n".join(problems)


def test_error_pages_and_the_api_send_the_policy_too():
    client = Client()
    for url in ("/no-such-page/", "/api/coops", "/api/no-such-thing"):
        problems = problems_of(url, client.get(url))
        assert not problems, "\n".join(problems)


def test_the_too_many_requests_page_has_the_policy_and_no_inline_code():
    client = Client(REMOTE_ADDR="192.0.2.44")
    with override_settings(TAAWUN_RATE_LIMITS=True):
        answers = [
            client.post("/accounts/login/", {"username": f"x{n}@example.org", "password": "x"})
            for n in range(21)
        ]
    assert answers[-1].status_code == 429
    assert not problems_of("the 429 page", answers[-1])


def test_no_page_can_be_framed_by_another_site():
    response = Client().get("/")
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == {"'none'"}
    assert response["X-Frame-Options"] == "DENY"


def _settings_under_https(tmp_path: Any) -> dict[str, Any]:
    """The security settings as taawun/settings.py makes them with
    TAAWUN_HTTPS=1, read in a fresh interpreter (settings are read once)."""
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_NAME",
        "LANGUAGE_COOKIE_SECURE",
    ]
    code = (
        "import json, taawun.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    env = {"TAAWUN_VAR": str(tmp_path), "TAAWUN_HTTPS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(out.stdout)
    found["SECURE_PROXY_SSL_HEADER"] = tuple(found["SECURE_PROXY_SSL_HEADER"])
    return found


def test_behind_tls_the_site_insists_on_https_and_cookies_stay_secret(tmp_path):
    https = _settings_under_https(tmp_path)
    assert https["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    person = factories.person(email="salma@example.org")
    with override_settings(**https):
        plain = Client().get("/about/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")

        client = Client(HTTP_X_FORWARDED_PROTO="https")
        page = client.get("/accounts/login/")
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        signed_in = client.post(
            "/accounts/login/",
            {"username": person.email, "password": factories.PASSWORD},
            HTTP_X_FORWARDED_PROTO="https",
        )
        assert signed_in.status_code == 302
    session = signed_in.cookies["__Secure-sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = page.cookies["__Secure-csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"


def test_without_https_no_hsts_is_sent_so_a_laptop_install_keeps_working():
    response = Client().get("/about/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
