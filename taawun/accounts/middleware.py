"""A signed-in member's own language and time zone; the second factor that
officers must give.

Their saved language wins over the cookie and the browser's Accept-Language;
times are stored in UTC and shown in their time zone.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from taawun.accounts import two_factor


class MemberLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class TwoFactorMiddleware:
    """Keeps a signed-in person who must give a second factor, and has not in
    this session, on the two-factor pages until they do (accounts.two_factor).

    Left open: signing out, switching language, static files, /healthz, and
    the API, where scripts sign in with a token of their own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths: tuple[str, ...] = ()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not two_factor.is_verified(user)
            and not request.path.startswith(self._open_paths())
        ):
            step = two_factor.missing_step(user)
            if step == "code":
                return redirect(_with_next(reverse("accounts:two_factor_code"), request))
            if step == "set-up":
                messages.info(
                    request,
                    _(
                        "You hold an office in a cooperative, so your account needs "
                        "two-factor sign-in. Set it up to go on."
                    ),
                )
                return redirect(_with_next(reverse("accounts:two_factor_setup"), request))
        return self.get_response(request)

    def _open_paths(self) -> tuple[str, ...]:
        if not self.open_paths:
            self.open_paths = (
                reverse("accounts:two_factor"),
                reverse("accounts:logout"),
                reverse("web:set_language"),
                reverse("web:healthz"),
                settings.STATIC_URL,
                "/api/",
            )
        return self.open_paths


def _with_next(url: str, request: HttpRequest) -> str:
    if request.method != "GET":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"
