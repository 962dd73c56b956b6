"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238) after
the password, with one-use recovery codes for a lost phone.

The devices are django-otp's: one confirmed ``TOTPDevice`` (the app) and one
``StaticDevice`` holding the recovery codes. The writes are in
``accounts.actions``; this module holds what they and the views read: who
must use a second factor, the set-up details (the secret, the otpauth link,
the QR code) and the sign-in waiting for its code.

How a sign-in with a second factor goes: the password step (django-axes
counting failures as before) does not sign the person in. It keeps only a
*pending sign-in* in the session: the account's id, the authentication
backend and a fingerprint of the password hash, for ``PENDING_MINUTES``.
Until the code step calls ``django.contrib.auth.login`` the request is a
visitor's, so no page, API call or form can mistake a half-finished sign-in
for a signed-in person. Only then is the device recorded in the session
(``django_otp.login``), which is what "verified" means.

Officers (anyone holding an office in a cooperative) must use a second
factor unless ``settings.TAAWUN_OFFICER_2FA`` is off; ``TwoFactorMiddleware``
sends a signed-in officer who has not given a code to the code step, or to
set-up if they have no app yet.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import auth
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taawun.accounts.models import User

RECOVERY_CODES = 10
# Recovery codes: 10 characters from an alphabet without look-alikes
# (no 0/o, 1/l/i), about 49 bits each; shown as two groups of five.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
KEY_BYTES = 20  # the secret shared with the app: 160 bits, as RFC 4226 advises
STEP, DIGITS = 30, 6

SETUP_SESSION_KEY = "taawun_2fa_setup_key"
PENDING_SESSION_KEY = "taawun_2fa_pending"
PENDING_MINUTES = 10

# People type codes in the digits of their own script; the Arabic-Indic and
# Persian digits mean the same numbers.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalize_code(code: str) -> str:
    """A code as typed (spaces, dashes, any case, Arabic digits) as stored."""
    return "".join(code.translate(_DIGITS).split()).replace("-", "").lower()


def is_app_code(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def is_verified(user: Any) -> bool:
    """Whether this session's sign-in included a second factor (set by
    django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _offices_held() -> Any:
    # Imported here: membership builds on accounts, not the other way round.
    from taawun.membership.models import Member

    # Holding an office at all, whatever its powers: an office is what makes
    # an account worth taking over.
    return Member.objects.filter(user=OuterRef("pk"), status=Member.Status.ACTIVE).exclude(
        offices=[]
    )


def is_officer(user: Any) -> bool:
    return User.objects.filter(pk=user.pk).filter(Exists(_offices_held())).exists()


def required_for(user: Any) -> bool:
    """Whether ``user`` must keep a second factor (and may not turn it off)."""
    return bool(settings.TAAWUN_OFFICER_2FA) and is_officer(user)


def missing_step(user: Any) -> str | None:
    """For a signed-in, unverified ``user``: "code" if they must give a code,
    "set-up" if they must first set up an app, None if they may go on.
    One query, on every request of such a person while officers need it."""
    if not settings.TAAWUN_OFFICER_2FA:
        return None
    device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(officer=Exists(_offices_held()), device=Exists(device))
        .values_list("officer", "device")
        .first()
    )
    if row is None:
        return None
    officer, has_device = row
    if has_device:
        return "code"
    return "set-up" if officer else None


# --- Setting up ---------------------------------------------------------------


def new_key() -> str:
    """A fresh secret for an app, hex-encoded as django-otp stores it."""
    return secrets.token_hex(KEY_BYTES)


def setup_key(request: HttpRequest) -> str:
    """The secret being set up in this session; the same on every reload, so
    that the QR code scanned stays the one whose code is checked."""
    key = request.session.get(SETUP_SESSION_KEY)
    if not isinstance(key, str) or len(key) != 2 * KEY_BYTES:
        key = request.session[SETUP_SESSION_KEY] = new_key()
    return key


def code_matches(key: str, code: str, *, at: float | None = None) -> int | None:
    """The time step at which ``code`` is right for ``key`` (one step of
    clock difference allowed either way), or None."""
    code = normalize_code(code)
    if not is_app_code(code):
        return None
    totp = TOTP(bytes.fromhex(key), STEP, 0, DIGITS)
    totp.time = time.time() if at is None else at
    if totp.verify(int(code), tolerance=1):
        return totp.t()
    return None


def base32_secret(key: str) -> str:
    return base64.b32encode(bytes.fromhex(key)).decode()


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def otpauth_url(user: Any, key: str) -> str:
    """The link an authenticator app reads from the QR code
    (the "Key Uri Format" of Google Authenticator, which every app follows)."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{user.email}")
    params = urlencode(
        {
            "secret": base32_secret(key),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def qr_svg(url: str) -> str:
    """The QR code as inline SVG, drawn on the server: no script, no image
    request, dark on white whatever the page's colours (scanners need it)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, dark="#000", light="#fff", title=_("QR code to scan"))
    # A named image for screen readers; the text beside it says what it holds.
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def setup_details(user: Any, key: str) -> dict[str, Any]:
    url = otpauth_url(user, key)
    return {
        "qr": qr_svg(url),
        "secret": grouped(base32_secret(key)),
        "issuer": settings.OTP_TOTP_ISSUER,
        "account": user.email,
        "digits": DIGITS,
        "period": STEP,
        "otpauth": url,
    }


def new_recovery_codes() -> list[str]:
    return [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]


def shown(code: str) -> str:
    """A recovery code as shown: two groups of five."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def recovery_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


# --- The sign-in waiting for its code -------------------------------------------


def _fingerprint(user: User) -> str:
    # Changes when the password does: a password reset between the two steps
    # ends the pending sign-in, as it ends sessions.
    return salted_hmac("taawun.two-factor.pending", user.password).hexdigest()


def hold_sign_in(request: HttpRequest, user: User, username: str) -> None:
    """After the right password, for an account with a second factor;
    ``username`` as typed, under which django-axes counts failures."""
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "username": username,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "fingerprint": _fingerprint(user),
        "until": time.time() + PENDING_MINUTES * 60,
    }


def pending_sign_in(request: HttpRequest) -> tuple[User, str, str] | None:
    """The account whose password was just given (with its backend and the
    username as typed), if the pending sign-in is still fresh and the
    password has not changed since."""
    held = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(held, dict) or held.get("until", 0) < time.time():
        return None
    user = User.objects.filter(pk=int(held.get("user") or 0), is_active=True).first()
    if user is None or not constant_time_compare(held.get("fingerprint", ""), _fingerprint(user)):
        return None
    backend = held.get("backend")
    if backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    return user, backend, str(held.get("username") or user.email)


def drop_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


def complete_sign_in(request: HttpRequest, user: User, backend: str) -> None:
    drop_pending(request)
    auth.login(request, user, backend=backend)
