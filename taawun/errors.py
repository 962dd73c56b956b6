"""One family of errors for every rule a user can break.

Each error has a stable ``code`` (for scripts and the API), a translated
``message`` (for people), an HTTP ``status`` and optionally the ``field``
the error belongs to, so that the web shows it beside that field.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class TaawunError(Exception):
    code = "error"
    status = 400
    default_message: str | Promise = _("Something in the request is not right.")

    def __init__(self, message: str | Promise | None = None, *, field: str | None = None):
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": str(self.message), "field": self.field}


class InvalidInput(TaawunError):
    code = "invalid"
    default_message = _("The information given is not valid.")


class NotFound(TaawunError):
    code = "not_found"
    status = 404
    default_message = _("We could not find what you asked for.")


class NotSignedIn(TaawunError):
    code = "not_signed_in"
    status = 401
    default_message = _("Please sign in first.")


class SecondFactorRequired(NotSignedIn):
    code = "second_factor_required"
    default_message = _(
        "This account signs in with two factors: send the code from the app, "
        "or a recovery code, as well."
    )


class PermissionDenied(TaawunError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


class Conflict(TaawunError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with what is already recorded.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This change is not possible from the current state.")


class Expired(TaawunError):
    code = "expired"
    status = 410
    default_message = _("This link has expired.")
