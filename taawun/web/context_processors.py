from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language, get_language_bidi


def taawun(request: HttpRequest) -> dict[str, Any]:
    lang = get_language() or "en"
    return {
        "LANG": lang,
        "DIR": "rtl" if get_language_bidi() else "ltr",
        "OTHER_LANGUAGE": "en" if lang.startswith("ar") else "ar",
    }
