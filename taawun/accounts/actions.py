"""Writes to accounts: creating people, preferences, API tokens, notifications."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from taawun.accounts import handles
from taawun.accounts.models import ApiToken, User
from taawun.accounts.signals import profile_changed
from taawun.accounts.tasks import send_email
from taawun.errors import Conflict, InvalidInput


def check_email_free(email: str) -> str:
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), field="email") from None
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account with this email already exists. Sign in to continue."), field="email"
        )
    return email


def create_person(*, email: str, name: str, password: str, language: str = "") -> User:
    """Create an account, checking the email is free and the password is strong."""
    email = check_email_free(email)
    name = name.strip()
    if not name or len(name) > 150:
        raise InvalidInput(_("Enter your name (up to 150 characters)."), field="name")
    if language and language not in {"ar", "en"}:
        raise InvalidInput(_("Unknown language."), field="language")
    candidate = User(email=email, name=name)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password") from None
    with transaction.atomic():
        return User.objects.create_user(email, password, name=name, language=language)


def set_language(user: Any, language: str) -> None:
    if language not in {"ar", "en"}:
        raise InvalidInput(_("Unknown language."), field="language")
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Return the stored token and its secret, which is shown only this once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the token a name (up to 100 characters)."), field="name")
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, digest=ApiToken.digest_of(secret), prefix=secret[:8]
    )
    return token, secret


def revoke_api_token(user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, id=token_id).delete()


def notify(user: User, template: str, context: dict[str, Any]) -> None:
    """Queue an email to ``user`` in their own language, once the change commits."""
    with translation.override(user.language or "en"):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    notify_address(user.email, subject, body)


def notify_address(email: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: send_email.enqueue(to=[email], subject=subject, body=body))


def update_settings(
    user: User, *, name: str, language: str, time_zone: str, handle: str | None = None
) -> User:
    """Save a person's preferences; ``handle`` None leaves their handle as it is."""
    import zoneinfo

    name = name.strip()
    if not name or len(name) > 150:
        raise InvalidInput(_("Enter your name (up to 150 characters)."), field="name")
    if language not in {"ar", "en"}:
        raise InvalidInput(_("Unknown language."), field="language")
    if time_zone not in zoneinfo.available_timezones():
        raise InvalidInput(_("Unknown time zone."), field="time_zone")
    new_handle = user.handle if handle is None else handle.strip().removeprefix("@").lower()
    if new_handle != user.handle:
        if not new_handle or not handles.is_valid(new_handle):
            raise InvalidInput(
                _("A handle is 2 to 30 Latin letters, digits or underscores."), field="handle"
            )
        if User.objects.filter(handle=new_handle).exclude(pk=user.pk).exists():
            raise Conflict(_("That handle is taken; choose another."), field="handle")
    changed = name != user.name or new_handle != user.handle
    user.name = name
    user.handle = new_handle
    user.language = language
    user.time_zone = time_zone
    try:
        with transaction.atomic():
            user.save(update_fields=["name", "handle", "language", "time_zone"])
            if changed:
                profile_changed.send(sender=User, user=user)
    except IntegrityError:  # taken by someone else in the meantime
        raise Conflict(_("That handle is taken; choose another."), field="handle") from None
    return user
