"""Rate limits: how often one address or one member may do something that
costs others (a guessed password, a flood of applications, invitations or
ballots, an expensive search).

The counting is django-ratelimit's (``get_usage``), kept in the cache
named by ``RATELIMIT_USE_CACHE``: a table in the database, so that every
gunicorn worker counts in the same place. Over the limit, a person gets
a translated 429 page and a script under /api/ the JSON error
``{"code": "rate_limited", ...}``, both with ``Retry-After``; nothing is
done. ``settings.TAAWUN_RATE_LIMITS = False`` (environment
``TAAWUN_RATE_LIMITS=off``) turns every limit off.

Use on a function view (``method_decorator`` for a class-based one)::

    @limit("voting", VOTING, key="user")
    def cast(request, ...): ...
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

# The rates: "count/period", period s, m, h or d. Each is generous for a
# person doing the thing by hand and low for a script doing it in bulk.

# Sign-in attempts per address. django-axes already locks one account
# after a few failures from one address; this stops one address from
# trying one password on many accounts (password spraying). 20 a minute
# leaves room for a household or an office behind one address.
SIGN_IN = "20/m"
# Password-reset requests per address: each one emails an account
# holder who may not have asked for it.
PASSWORD_RESET = "10/h"
# Applications to join (which create an account for a visitor) and
# accepted invitations that create an account, per address: nobody
# applies to more than a few cooperatives in an hour.
SIGN_UP = "10/h"
# Invitations sent per officer: one invitation is one email to someone
# who did not ask for it, so this bounds what a stolen officer account
# can send. An officer inviting a founding group types them one by one;
# a larger group is better imported.
INVITATIONS = "30/h"
# Searches per address (the page and the API): each is a full-text query
# over every cooperative's documents. One a second on average, with
# room for paging quickly through results.
SEARCH = "60/m"
# Ballots (and confirmations) per member: a member takes at least a few
# seconds per ballot, so 30 a minute is never reached by hand, even on a
# general meeting's agenda of many polls.
VOTING = "30/m"
# Password confirmations per member on a form that is not the sign-in
# (erasing one's own data): a stolen session must not be a way to guess
# the password.
PASSWORD_CHECK = "10/h"
# Two-factor codes (the code step at sign-in, setting up, new recovery
# codes, turning off), per member or, before signing in, per address: with
# django-axes counting wrong codes and django-otp's growing wait, a 6-digit
# code cannot be guessed.
TWO_FACTOR = "10/m"

KEYS = ("ip", "user", "user_or_ip")
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def client_address(request: HttpRequest) -> str:
    """The address of the person making the request.

    Behind the TLS proxy (``TAAWUN_HTTPS``, where settings trust
    ``X-Forwarded-Proto``), every request comes from the proxy, which
    appends the real client to ``X-Forwarded-For``: take the last entry,
    the one the proxy wrote (a client can only add entries before it).
    IPv6 addresses are counted per /64, the block one household gets.
    """
    address = request.META.get("REMOTE_ADDR") or ""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            address = forwarded.split(",")[-1].strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def axes_client_address(request: HttpRequest) -> str | None:
    """The same address for django-axes' lockouts, or None when the request
    carries none it can store (axes keeps it in an IP address column)."""
    address = client_address(request)
    return None if address == "unknown" else address


def _key(kind: str) -> Callable[[str, HttpRequest], str]:
    def key(group: str, request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if kind != "ip" and user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        # "user" on a request without a member: the view will refuse it
        # anyway; counting it by address keeps all visitors from sharing
        # one counter.
        return f"ip:{client_address(request)}"

    return key


def enabled() -> bool:
    return bool(getattr(settings, "TAAWUN_RATE_LIMITS", True))


def usage(
    request: HttpRequest, group: str, rate: str, key: str = "ip", *, count: bool = False
) -> dict[str, Any]:
    """How far the person making ``request`` is into the limit: ``count``
    (this request included when ``count``), ``limit``, ``should_limit``,
    and ``time_left``, the seconds until the counter starts again."""
    if key not in KEYS:
        raise ValueError(f"rate limit key must be one of {KEYS}, not {key!r}")
    found = get_usage(request, group=group, key=_key(key), rate=rate, increment=count)
    return cast(dict[str, Any], found)


def check(
    request: HttpRequest,
    group: str,
    rate: str,
    key: str = "ip",
    methods: Iterable[str] = ("POST",),
) -> HttpResponse | None:
    """Count this request; the 429 answer when it is over the limit."""
    if not enabled() or request.method not in set(methods):
        return None
    used = usage(request, group, rate, key, count=True)
    if not used["should_limit"]:
        return None
    return too_many_requests(request, max(int(used["time_left"]), 1))


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, -(-retry_after // 60))
    message = ngettext(
        "You have done this too many times in a short while, so nothing was done. "
        "Please wait %(count)s minute and try again.",
        "You have done this too many times in a short while, so nothing was done. "
        "Please wait %(count)s minutes and try again.",
        minutes,
    ) % {"count": minutes}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "rate_limited", "message": message, "field": None}, status=429
        )
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def limit(
    group: str, rate: str, key: str = "ip", *, methods: Iterable[str] = ("POST",)
) -> Callable[[ViewFunc], ViewFunc]:
    """Limit a view to ``rate`` requests per ``key`` ("ip", "user" or
    "user_or_ip"); only ``methods`` are counted (POST: the requests that
    change things)."""
    if key not in KEYS:
        raise ValueError(f"rate limit key must be one of {KEYS}, not {key!r}")
    counted = tuple(m.upper() for m in methods)

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = check(request, group, rate, key, counted)
            if refused is not None:
                return refused
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorator


class SignInRateLimitMiddleware:
    """Limits sign-in form posts (``SIGN_IN``) and password-reset requests
    (``PASSWORD_RESET``) per address.

    A middleware rather than a decorator because these views are Django's
    own, configured in taawun/accounts/urls.py; placed before django-axes
    so that a refused attempt is not even counted as a failure against
    the account.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limits: dict[str, tuple[str, str]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.limits:
            self.limits = {
                reverse("accounts:login"): ("sign-in", SIGN_IN),
                reverse("accounts:password_reset"): ("password-reset", PASSWORD_RESET),
            }
        if found := self.limits.get(request.path):
            refused = check(request, found[0], found[1], "ip")
            if refused is not None:
                return refused
        return self.get_response(request)
