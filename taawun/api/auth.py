"""API authentication: a bearer token for scripts, the session for the browser."""

from __future__ import annotations

import contextlib
import zoneinfo
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from taawun.accounts import two_factor
from taawun.accounts.models import ApiToken
from taawun.errors import PermissionDenied


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    default_message = _(
        "A request signed in with the browser's session needs its CSRF token "
        "(the X-CSRFToken header); a script should send an API token instead."
    )


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        # Write the last use at most once a minute: reads stay reads.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        # The session middleware could not know this person: apply their own
        # language and time zone now, as it does for a browser session.
        if found.user.language:
            translation.activate(found.user.language)
            request.LANGUAGE_CODE = found.user.language
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(found.user.time_zone))
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The browser's session, as a second way in after the token.

    Without a session cookie there is no session to protect from forgery,
    so the request is just not signed in (401) rather than refused for a
    missing CSRF token; with one, a missing or wrong CSRF token is refused
    (403) in the reader's language, as every other error is.
    """

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        # A session that still owes the second factor (an officer's, while
        # officers must use one) is not signed in here either, as on the pages.
        if user is not None and not two_factor.is_verified(user) and two_factor.missing_step(user):
            return None
        return user

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise CsrfFailed() from None


session_auth = SessionAuth()
