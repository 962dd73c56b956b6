"""Writes to accounts: creating people, preferences, API tokens, notifications,
two-factor sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taawun.accounts import handles, two_factor
from taawun.accounts.models import ApiToken, User
from taawun.accounts.signals import profile_changed
from taawun.accounts.tasks import send_email
from taawun.errors import Conflict, InvalidInput, PermissionDenied


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


# --- Two-factor sign-in (see accounts.two_factor) -------------------------------


def confirm_two_factor(user: User, key: str, code: str) -> list[str]:
    """Turn on two-factor sign-in with the app holding ``key``, once it has
    shown a right ``code``; returns the new recovery codes (shown only once)."""
    step = two_factor.code_matches(key, code)
    if step is None:
        raise InvalidInput(_wrong_code_message(), field="code")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if two_factor.has_second_factor(user):
            raise Conflict(_("Two-factor sign-in is already on for your account."))
        # Left-overs of an earlier set-up that was never confirmed.
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="app", key=key, confirmed=True, last_t=step)
        codes = two_factor.new_recovery_codes()
        recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


def _wrong_code_message() -> str:
    return _(
        "That code is not right, or it has been used already. Check that your "
        "phone's clock is right and enter the newest code."
    )


def verify_second_factor(user: User, code: str) -> Device:
    """The device that accepts ``code``: the app's 6-digit code, or a recovery
    code (which is then used up). A wrong code counts against the device
    (django-otp then makes the next try wait, doubling each time)."""
    code = two_factor.normalize_code(code)
    if not code:
        raise InvalidInput(_("Enter the code from your app or a recovery code."), field="code")
    model: type[Device] = TOTPDevice if two_factor.is_app_code(code) else StaticDevice
    wait = 0
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            allowed, why = device.verify_is_allowed()
            if not allowed and why and why.get("locked_until"):
                wait = max(wait, int((why["locked_until"] - timezone.now()).total_seconds()) + 1)
                continue
            if device.verify_token(code):
                return device
    if wait:
        raise InvalidInput(
            ngettext(
                "Too many wrong codes. Wait %(count)s second, then try again.",
                "Too many wrong codes. Wait %(count)s seconds, then try again.",
                wait,
            )
            % {"count": wait},
            field="code",
        )
    raise InvalidInput(_wrong_code_message(), field="code")


def replace_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes for old ones, after a right code from the app; the
    old codes stop working."""
    if not two_factor.is_app_code(two_factor.normalize_code(code)):
        raise InvalidInput(_("Enter the 6-digit code from your app."), field="code")
    verify_second_factor(user, code)
    codes = two_factor.new_recovery_codes()
    with transaction.atomic():
        recovery, _created = StaticDevice.objects.get_or_create(
            user=user, name="recovery", defaults={"confirmed": True}
        )
        recovery.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


def turn_off_two_factor(user: User, proof: str) -> int:
    """Remove the app and the recovery codes, given the password or a code;
    returns how many devices were removed. An officer may not while officers
    must use a second factor."""
    if two_factor.required_for(user):
        raise PermissionDenied(
            _(
                "You hold an office in a cooperative, so two-factor sign-in must stay "
                "on for your account."
            )
        )
    if not proof:
        raise InvalidInput(_("Enter your password or a code from your app."), field="proof")
    if not user.check_password(proof):
        try:
            verify_second_factor(user, proof)
        except InvalidInput:
            raise InvalidInput(
                _("That is neither your password nor a right code."), field="proof"
            ) from None
    with transaction.atomic():
        apps, _by_model = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    return apps
