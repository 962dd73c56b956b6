"""API authentication: a bearer token for scripts, the session for the browser."""

from __future__ import annotations

import contextlib
import zoneinfo
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import HttpBearer

from taawun.accounts.models import ApiToken


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
