"""Knowledge pages (search) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves."""

from __future__ import annotations

from typing import Any

from tests.web.page import Page

PAGES: list[Page] = []


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
