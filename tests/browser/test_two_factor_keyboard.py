"""Two-factor sign-in with the keyboard alone (see tests/browser/keyboard.py):
an officer signs in, is sent to set up an authenticator app, types the code
the app would show, keeps the recovery codes, signs out, and signs in again
with the password and a code. Each two-factor page on the way is also checked
with axe-core, in Arabic and in English: the code step, the recovery codes
and the overview of an account with an app cannot be in the page catalogue
(tests/web), which signs people in with the password alone."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from playwright.sync_api import BrowserContext, Page

from taawun.accounts import two_factor
from tests import factories
from tests.browser.conftest import accessibility_problems
from tests.browser.keyboard import (
    press_enter_and_wait,
    sign_in_with_keyboard,
    tab_to,
    type_into,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _officers_need_two_factor() -> Iterator[None]:
    with override_settings(TAAWUN_OFFICER_2FA=True):
        yield


def app_code(secret: str, steps_from_now: int = 0) -> str:
    """What the phone app shows for the secret as typed from the page."""
    key = base64.b32decode(secret.replace(" ", ""))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_from_now
    return f"{totp.token():06d}"


def assert_accessible(page: Page) -> None:
    problems = accessibility_problems(page)
    assert not problems, f"{page.url}:\n" + "\n\n".join(problems)


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_officer_sets_up_two_factor_and_signs_in_with_a_code_by_keyboard(
    new_context: Callable[..., BrowserContext], language: str
) -> None:
    officer = factories.person("Nadia Officer", language=language)
    factories.cooperative(officer)
    page = new_context(language).new_page()
    page.goto("/")

    # Signing in with the password leads to setting up an app, and says why.
    sign_in_with_keyboard(page, officer.email)
    assert path_of(page) == "/accounts/two-factor/set-up/"
    assert page.locator("main .messages").count() == 1
    assert page.locator("main svg[role=img] title").count() == 1
    assert_accessible(page)

    # The secret is on the page as text, for an app that cannot scan.
    secret = page.locator("main p.hash code").first.inner_text()
    type_into(page, "code", app_code(secret))
    press_enter_and_wait(page)
    codes = page.locator("main ol li code").all_inner_texts()
    assert len(codes) == two_factor.RECOVERY_CODES
    assert_accessible(page)
    tab_to(page, "main a.button")
    press_enter_and_wait(page)
    assert path_of(page) == "/"

    tab_to(page, "form[action='/accounts/logout/'] button")
    press_enter_and_wait(page)
    assert page.locator("a[href='/accounts/login/']").count()

    # Signing in again asks for the code after the password.
    tab_to(page, "a[href='/accounts/login/']")
    press_enter_and_wait(page)
    type_into(page, "username", officer.email)
    type_into(page, "password", factories.PASSWORD)
    press_enter_and_wait(page)
    assert path_of(page) == "/accounts/two-factor/code/"
    assert_accessible(page)
    type_into(page, "code", app_code(secret, 1))  # the set-up's code cannot be used again
    press_enter_and_wait(page)
    assert path_of(page) == "/"
    assert page.locator("form[action='/accounts/logout/']").count()

    page.goto("/accounts/two-factor/")
    assert page.locator("form[action='/accounts/two-factor/recovery-codes/']").count()
    assert_accessible(page)
