"""The REST API: one router per app, the same actions as the web.

OpenAPI at /api/openapi.json, interactive docs at /api/docs. Errors are
JSON: {"code": stable, "message": translated, "field": optional}.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from taawun.api import budgeting, economy, ledger, membership
from taawun.api.auth import TokenAuth, session_auth
from taawun.errors import TaawunError


def _json_when_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """django-ninja answers a method an address does not take with a plain
    text 405; the API answers every error in JSON, in the reader's language."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        refused = JsonResponse(
            {
                "code": "method_not_allowed",
                "message": _("This address does not accept this method."),
                "field": None,
            },
            status=405,
        )
        refused["Allow"] = response.get("Allow", "")
        return refused

    return wrapped


class TaawunAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _json_when_not_allowed(url.callback)
        return urls


api = TaawunAPI(
    title="Taawun API",
    version="1",
    description="Cooperatives, members, applications and the transparency ledger.",
    auth=[TokenAuth(), session_auth],
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
    # django-ninja's own refusals carry English text; each gets a code and
    # a message in the reader's language instead.
    if exc.status_code == 400:
        # django-ninja's only 400: a body it could not parse as JSON.
        return _error(request, 422, "invalid", _("The request body is not valid JSON."))
    if exc.status_code == 404:
        code, message = "not_found", _("We could not find what you asked for.")
    else:
        code, message = "error", _("Something in the request is not right.")
    return _error(request, exc.status_code, code, message)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(RequestDataTooBig)
def unreadable_body(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Raised where the body is first read (by the view, or by django-axes
    # recording a failed sign-in), which would otherwise be Django's HTML 400.
    return _error(
        request,
        422,
        "invalid",
        _(
            "The request body could not be read: it is too large or not in the form its "
            "Content-Type says."
        ),
    )


@api.exception_handler(Http404)
def no_such_thing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("We could not find what you asked for."))


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/ answers in JSON too."""
    return JsonResponse(
        {"code": "not_found", "message": _("There is no such API endpoint."), "field": None},
        status=404,
    )
