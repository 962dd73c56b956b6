"""Two-factor sign-in pages for the catalogue in tests/web.

Only the pages of an account without a second factor can be here: the
catalogue signs people in with the password alone. The code step, the
recovery codes and the overview of an account with an app are checked in a
real browser by tests/browser/test_two_factor_keyboard.py."""

from __future__ import annotations

from typing import Any

from tests.web.page import Page

PAGES: list[Page] = [
    Page("two-factor", "/accounts/two-factor/", who="member"),
    Page("two-factor-as-officer", "/accounts/two-factor/", who="founder"),
    Page("two-factor-set-up", "/accounts/two-factor/set-up/", who="member"),
    Page(
        "two-factor-set-up-with-errors",
        "/accounts/two-factor/set-up/",
        who="member",
        submit_empty=True,
    ),
]


def build(world: Any) -> None:
    """Nothing to make: the set-up pages start from an account without an app."""
