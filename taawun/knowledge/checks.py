"""Checks the knowledge commons' actions share."""

from __future__ import annotations

from django.utils.translation import gettext as _

from taawun.errors import InvalidInput

MAX_TITLE = 200


def checked_title(title: str, *, missing: str) -> str:
    """A title with its spaces tidied; ``missing`` is what to say when there
    is none (each kind of thing asks for its own)."""
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(missing, field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            _("A title can be at most %(limit)s characters long.") % {"limit": MAX_TITLE},
            field="title",
        )
    return title
