from __future__ import annotations

from typing import Any

from django import template

from taawun.governance.models import Poll
from taawun.governance.queries import describe as describe_choice

register = template.Library()


@register.filter
def describe(choice: dict[str, Any], poll: Poll) -> list[str]:
    """A ballot in words: "1. Amal", "Yes", "Tuesday: if need be"."""
    return describe_choice(choice, poll)


@register.filter
def threshold_label(name: str) -> str:
    """A threshold's name ("two_thirds") in the reader's language."""
    from taawun.membership.bylaws import threshold_labels

    return str(threshold_labels().get(name, name))
