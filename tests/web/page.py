"""One page of the catalogue in tests/web."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """One page: its address (a template filled by ``World.url``), who looks at it,
    the status it answers with, and whether its main form is sent empty so that
    the page is shown again with the errors beside the fields."""

    id: str
    path: str
    who: str | None = None  # None: a visitor; "founder": holds every office; "member": none
    status: int = 200
    submit_empty: bool = False
