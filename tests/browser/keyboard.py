"""Moving through pages with the keyboard alone: Tab and Shift+Tab, typing,
arrow keys and Enter; never a click and never a field filled by its selector.
The helpers only look at which element has the focus, to know where they are,
and check that a sighted keyboard user can see it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests import factories

MAX_TABS = 40

FOCUSED = """([selector, text]) => {
    const e = document.activeElement;
    return !!e && e.matches(selector) && (!text || e.textContent.trim() === text);
}"""
DESCRIBE_FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'nothing';
    const label = (e.getAttribute('name') || e.textContent || '').trim().slice(0, 40);
    return `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}> ${label}`;
}"""
# Why the focused element cannot be seen, or '' when it can: the browser
# must draw it as keyboard focus (:focus-visible), the stylesheet must give
# that an outline or a ring, and the element must be on the screen.
UNSEEN_FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'nothing has the focus';
    // The calendar button inside a date-time field has the focus while the
    // field matches :focus-within only; the stylesheet rings the field then.
    const picker = e.matches('input[type=datetime-local]:focus-within');
    if (!e.matches(':focus-visible') && !picker) return 'the browser does not show the focus';
    const style = getComputedStyle(e);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    if (!outline && style.boxShadow === 'none') return 'it has neither an outline nor a ring';
    const box = e.getBoundingClientRect();
    if (!box.width || !box.height) return 'it has no size';
    if (box.bottom < 0 || box.top > innerHeight || box.right < 0 || box.left > innerWidth) {
        return `it is off the screen at ${JSON.stringify(box)}`;
    }
    return '';
}"""


# An element with ``autofocus`` (an error summary) has the focus, or there is
# none. The browser moves the focus there when it next renders the page,
# which can come after the load event that ends a navigation.
AUTOFOCUS_TAKEN = """() => {
    const wanted = document.querySelector('[autofocus]');
    return !wanted || document.activeElement === wanted;
}"""


def assert_focus_visible(page: Page) -> None:
    unseen = page.evaluate(UNSEEN_FOCUS)
    assert not unseen, f"the focus on {page.evaluate(DESCRIBE_FOCUS)} is not visible: {unseen}"


def tab_to(page: Page, selector: str, text: str = "", *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab if ``backwards``) until the focus is on ``selector``
    (with exactly ``text``, if given), and check that the focus can be seen."""
    key = "Shift+Tab" if backwards else "Tab"
    visited = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if page.evaluate(FOCUSED, [selector, text]):
            assert_focus_visible(page)
            return
        visited.append(page.evaluate(DESCRIBE_FOCUS))
    pytest.fail(
        f"{selector} {text!r} was not reached with {MAX_TABS} presses of {key} on {page.url}; "
        f"the focus went through: {visited}"
    )


def press_enter_and_wait(page: Page) -> None:
    """Press Enter, wait for the page it leads to, and for the focus to land
    where the page puts it, as a person waits before pressing Tab again."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_function(AUTOFOCUS_TAKEN)


def type_into(page: Page, name: str, text: str) -> None:
    tab_to(page, f"[name={name}]")
    page.keyboard.type(text)


def retype(page: Page, text: str) -> None:
    """Replace what the focused field holds: select all of it, then type."""
    page.keyboard.press("ControlOrMeta+a")
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("Backspace")


def sign_in_with_keyboard(page: Page, email: str, password: str = factories.PASSWORD) -> None:
    """From a page with a "Sign in" link: reach it, open it, type, press Enter."""
    tab_to(page, "a[href='/accounts/login/']")
    press_enter_and_wait(page)
    assert page.url.endswith("/accounts/login/")
    type_into(page, "username", email)
    type_into(page, "password", password)
    press_enter_and_wait(page)  # Enter in a field sends its form
    assert "/accounts/login/" not in page.url, f"signing in as {email} failed"
