from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from taawun.governance import actions
from taawun.governance.models import Poll
from taawun.membership.models import Cooperative


def poll(
    coop: Cooperative,
    by: Any,
    *,
    kind: str = "yes_no",
    options: list[str] | None = None,
    open_it: bool = True,
    **settings: Any,
) -> Poll:
    made = actions.create_poll(
        by=by,
        coop=coop,
        kind=kind,
        title=f"A {kind} question",
        options=options or ["Amal", "Badr", "Chadi"],
        settings=settings,
        closes_at=timezone.now() + timedelta(days=3),
    )
    return actions.open_poll(made, by=by) if open_it else made
