"""A whole path through the site with the keyboard alone (see
tests/browser/keyboard.py): Tab, typing, arrow keys and Enter; never a click
and never a field filled by its selector.

A visitor applies to join a cooperative, an officer admits them, and they sign
in to find themselves an active member."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext

from taawun.membership.models import Member
from tests import factories
from tests.browser.keyboard import (
    DESCRIBE_FOCUS,
    FOCUSED,
    press_enter_and_wait,
    sign_in_with_keyboard,
    tab_to,
    type_into,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "a long keyboard passphrase"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    new_context: Callable[..., BrowserContext], language: str
) -> None:
    coop = factories.cooperative()
    page = new_context(language).new_page()
    page.goto(coop.get_absolute_url())

    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED, ["a.skip[href='#main']", ""]), (
        f"the first tab stop is {page.evaluate(DESCRIBE_FOCUS)}, not the skip link"
    )
    box = page.locator("a.skip").bounding_box()
    viewport = page.viewport_size
    assert box and viewport and 0 <= box["x"] < viewport["width"] and box["y"] >= 0, (
        f"the focused skip link is off screen: {box}"
    )
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main", (
        f"after the skip link the focus is on {page.evaluate(DESCRIBE_FOCUS)}, not on main"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_apply_admit_and_sign_in_with_the_keyboard_alone(
    new_context: Callable[..., BrowserContext],
) -> None:
    officer = factories.person("Nadia Officer", language="en")
    coop = factories.cooperative(officer)

    # A visitor opens the cooperative's page and applies.
    visitor = new_context("en").new_page()
    visitor.goto(coop.get_absolute_url())
    tab_to(visitor, "a", "Apply to join")
    press_enter_and_wait(visitor)
    assert visitor.url.endswith(f"/coops/{coop.slug}/apply/")
    type_into(visitor, "name", "Hala Keyboard")
    type_into(visitor, "email", "hala@example.org")
    type_into(visitor, "password", PASSPHRASE)
    tab_to(visitor, "select[name=membership_class]")
    visitor.keyboard.press("ArrowDown")  # from the first class to the second
    assert visitor.evaluate("() => document.activeElement.value") == "user"
    type_into(visitor, "statement", "I build accessible websites.")
    tab_to(visitor, "button", "Send my application")
    press_enter_and_wait(visitor)
    assert urlsplit(visitor.url).path == "/"
    assert "Your application has been sent" in visitor.locator("main").inner_text()
    applicant = Member.objects.get(cooperative=coop, user__email="hala@example.org")
    assert (applicant.status, applicant.membership_class) == ("applicant", "user")
    assert applicant.statement == "I build accessible websites."

    # An officer signs in, opens the applications and admits the applicant.
    desk = new_context("en").new_page()
    desk.goto("/")
    sign_in_with_keyboard(desk, officer.email)
    tab_to(desk, f"a[href='/coops/{coop.slug}/applications/']")
    press_enter_and_wait(desk)
    tab_to(desk, f"a[href='/coops/{coop.slug}/applications/{applicant.pk}/']", "Hala Keyboard")
    press_enter_and_wait(desk)
    assert "Application of Hala Keyboard" in desk.locator("h1").inner_text()
    tab_to(desk, "button[value=admit]")
    press_enter_and_wait(desk)
    assert "Hala Keyboard is now a member." in desk.locator("main").inner_text()

    # The applicant signs out, signs in again and finds themselves a member.
    tab_to(visitor, "form[action='/accounts/logout/'] button")
    press_enter_and_wait(visitor)
    sign_in_with_keyboard(visitor, "hala@example.org", PASSPHRASE)
    card = visitor.locator("main .card").filter(has_text="Test Cooperative")
    assert card.count() == 1, visitor.locator("main").inner_text()
    assert card.locator(".tag").inner_text() == "active"
    applicant.refresh_from_db()
    assert applicant.status == "active"
