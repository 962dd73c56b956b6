"""Who is asking: the signed-in person, or an error saying to sign in."""

from __future__ import annotations

from django.http import HttpRequest

from taawun.accounts.models import User
from taawun.errors import NotSignedIn


def signed_in(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotSignedIn()
    return user
