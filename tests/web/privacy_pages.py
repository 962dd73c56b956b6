"""A person's own data (download and erasure) for the catalogue in tests/web.

The page needs nothing in the world beyond the member who looks at it. The
download is a JSON file, not a page (tests/privacy/test_export.py), and the
page shown after an erasure is the answer to a POST (test_erasure.py)."""

from __future__ import annotations

from typing import Any

from tests.web.page import Page

PAGES: list[Page] = [
    Page("my-data", "/accounts/data/", who="member"),
    # Sent empty: the password is checked first, and the page says it is wrong.
    Page("my-data-with-errors", "/accounts/data/", who="member", submit_empty=True, status=400),
]


def build(world: Any) -> None:
    """Nothing to make: the page shows the signed-in member their own data."""
