"""The REST API: one router per app, the same actions as the web.

OpenAPI at /api/openapi.json, interactive docs at /api/docs. Errors are
JSON: {"code": stable, "message": translated, "field": optional}.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from taawun.api import budgeting, economy, ledger, membership
from taawun.api.auth import TokenAuth
from taawun.errors import TaawunError

api = NinjaAPI(
    title="Taawun API",
    version="1",
    description="Cooperatives, members, applications and the transparency ledger.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)
api.add_router("/", membership.router)
api.add_router("/", ledger.router)
api.add_router("/", economy.router)
api.add_router("/", budgeting.router)
api.add_router("/", "taawun.api.search.router")


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    **extra: object,
) -> HttpResponse:
    body = {"code": code, "message": message, "field": field, **extra}
    return api.create_response(request, body, status=status)


@api.exception_handler(TaawunError)
def taawun_error(request: HttpRequest, exc: TaawunError) -> HttpResponse:
    return _error(request, exc.status, exc.code, str(exc.message), exc.field)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "payload")]
    return _error(
        request,
        422,
        "invalid",
        _("The request is not valid."),
        loc[-1] if loc else None,
        details=exc.errors,
    )


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_signed_in", _("Sign in or send a valid API token."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        # django-ninja's only 400: a body it could not parse as JSON.
        return _error(request, 422, "invalid", _("The request body is not valid JSON."))
    codes = {404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/ answers in JSON too."""
    return JsonResponse(
        {"code": "not_found", "message": _("There is no such API endpoint."), "field": None},
        status=404,
    )
