"""Handles: the short public name by which members mention one another.

A handle is 2 to 30 letters, digits or underscores (ASCII, as on Mastodon,
so that it reads the same in every script and cannot be imitated with
look-alike letters), unique ignoring case, and kept in lower case. Everyone
gets one when their account is made, from their email address; they can
choose another on their settings page. In text, ``@handle`` mentions the
member who holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

HANDLE = r"[A-Za-z0-9_]{2,30}"
HANDLE_RE = re.compile(rf"^{HANDLE}$")
MAX_LENGTH = 30


def is_valid(handle: str) -> bool:
    return bool(HANDLE_RE.match(handle))


def suggest(email: str, taken: Callable[[str], bool]) -> str:
    """A free handle made from the part of ``email`` before the @."""
    local = email.split("@", 1)[0].lower()
    base = re.sub(r"[^a-z0-9_]+", "_", local).strip("_")[: MAX_LENGTH - 4]
    if len(base) < 2:
        base = "member"
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate
