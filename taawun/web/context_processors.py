from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, get_language_bidi

# The links of every page's header and footer.
NAV = {
    "home": "web:home",
    "coops": "membership:coops",
    "settings": "accounts:settings",
    "login": "accounts:login",
    "logout": "accounts:logout",
    "set_language": "web:set_language",
    "about": "web:about",
    "search": "knowledge:search",
    "networks": "federation:networks",
    "courses": "knowledge:courses",
    "calls": "knowledge:calls",
    "events": "knowledge:events",
    "skills": "knowledge:skills",
    "my_skills": "knowledge:skills_mine",
}


@cache
def nav_urls(prefix: str) -> dict[str, str]:
    """Reversed once per process (and script prefix), not on every page."""
    return {key: reverse(name) for key, name in NAV.items()}


def taawun(request: HttpRequest) -> dict[str, Any]:
    lang = get_language() or "en"
    return {
        "LANG": lang,
        "DIR": "rtl" if get_language_bidi() else "ltr",
        "OTHER_LANGUAGE": "en" if lang.startswith("ar") else "ar",
        "NAV": nav_urls(get_script_prefix()),
    }
