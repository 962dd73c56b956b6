from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from taawun.accounts import actions, two_factor
from taawun.accounts.forms import (
    AppCodeForm,
    ConfirmAppForm,
    SettingsForm,
    SignInForm,
    TokenForm,
    TurnOffForm,
    TwoFactorCodeForm,
)
from taawun.accounts.rules import signed_in
from taawun.web.forms import run_action, succeeds
from taawun.web.ratelimits import PASSWORD_CHECK, TWO_FACTOR, limit


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes shows after too many failed sign-ins."""
    return render(request, "accounts/locked_out.html", status=429)


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = SettingsForm(
        request.POST or None,
        initial={
            "name": user.name,
            "handle": user.handle or "",
            "language": user.language or (request.LANGUAGE_CODE or "en")[:2],
            "time_zone": user.time_zone,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(form, lambda: actions.update_settings(user, **data)) is not None:
            messages.success(request, _("Your settings were saved."))
            return redirect("accounts:settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "token_form": TokenForm(),
            "tokens": user.api_tokens.order_by("-created_at"),
            "two_factor_on": two_factor.has_second_factor(user),
        },
    )


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    secret = None
    if form.is_valid():
        created = run_action(
            form, lambda: actions.create_api_token(signed_in(request), form.cleaned_data["name"])
        )
        if created:
            secret = created[1]
    return render(
        request,
        "accounts/token_created.html",
        {"form": form, "secret": secret},
        status=200 if secret else 400,
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    actions.revoke_api_token(signed_in(request), token_id)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:settings")


# --- Two-factor sign-in (see accounts.two_factor) -------------------------------


class SignInView(auth_views.LoginView):
    """The password step. For an account with a second factor, the right
    password leads to the code step instead of signing in."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not two_factor.has_second_factor(user):
            return super().form_valid(form)
        two_factor.hold_sign_in(self.request, user, form.cleaned_data["username"])
        return redirect(_next_query(reverse("accounts:two_factor_code"), self.get_redirect_url()))


def _next_query(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _safe_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@never_cache
@limit("two-factor", TWO_FACTOR, key="user_or_ip")
def two_factor_code(request: HttpRequest) -> HttpResponse:
    """The code step: after the password, or for a signed-in officer who must
    give a code before going on."""
    next_url = _safe_next(request)
    pending = None
    if request.user.is_authenticated:
        if two_factor.is_verified(request.user):
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        user, username = signed_in(request), request.user.get_username()
        if not two_factor.has_second_factor(user):
            return redirect(_next_query(reverse("accounts:two_factor_setup"), next_url))
    else:
        pending = two_factor.pending_sign_in(request)
        if pending is None:
            messages.info(request, _("Please sign in again."))
            return redirect(_next_query(reverse("accounts:login"), next_url))
        user, _backend, username = pending
    credentials = {settings.AXES_USERNAME_FORM_FIELD: username}
    if AxesProxyHandler.is_locked(request, credentials):
        return locked_out(request)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = run_action(
            form, lambda: actions.verify_second_factor(user, form.cleaned_data["code"])
        )
        if device is None:
            # Counted with the wrong passwords: django-axes locks the account
            # here after as many wrong codes as it would after wrong passwords.
            user_login_failed.send(__name__, credentials=credentials, request=request)
        else:
            if pending is not None:
                two_factor.complete_sign_in(request, user, pending[1])
            else:
                request.session.cycle_key()
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; it will not work again. You have "
                        "%(count)s recovery code left.",
                        "You used a recovery code; it will not work again. You have "
                        "%(count)s recovery codes left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/two_factor_code.html", {"form": form, "next": next_url})


@never_cache
@login_required
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    return _overview(request, signed_in(request))


@never_cache
@login_required
@limit("two-factor", TWO_FACTOR, key="user_or_ip")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Show the secret (as a QR code and as text) until the app proves it has
    it with a right code; then show the recovery codes, once."""
    user = signed_in(request)
    if two_factor.has_second_factor(user):
        return redirect("accounts:two_factor")
    key = two_factor.setup_key(request)
    form = ConfirmAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = run_action(
            form, lambda: actions.confirm_two_factor(user, key, form.cleaned_data["code"])
        )
        if codes is not None:
            request.session.pop(two_factor.SETUP_SESSION_KEY, None)
            request.session.cycle_key()
            otp_login(request, two_factor.totp_device(user))
            return _recovery_codes_page(request, codes, first=True)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "details": two_factor.setup_details(user, key),
            "required": two_factor.required_for(user),
            "next": _safe_next(request),
        },
    )


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {
            "codes": [two_factor.shown(c) for c in codes],
            "first": first,
            "next": _safe_next(request),
        },
    )


@never_cache
@login_required
@require_POST
@limit("two-factor", TWO_FACTOR, key="user_or_ip")
def replace_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = AppCodeForm(request.POST)
    if form.is_valid():
        codes = run_action(
            form, lambda: actions.replace_recovery_codes(user, form.cleaned_data["code"])
        )
        if codes is not None:
            return _recovery_codes_page(request, codes, first=False)
    return _overview(request, user, status=400, code_form=form)


@login_required
@require_POST
@limit("two-factor", TWO_FACTOR, key="user_or_ip")
@limit("password-check", PASSWORD_CHECK, key="user")  # it takes the password
def turn_off_two_factor(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = TurnOffForm(request.POST)
    if form.is_valid() and succeeds(
        form, lambda: actions.turn_off_two_factor(user, form.cleaned_data["proof"])
    ):
        messages.success(request, _("Two-factor sign-in is off for your account."))
        return redirect("accounts:two_factor")
    return _overview(request, user, status=400, turn_off_form=form)


def _overview(request: HttpRequest, user: Any, status: int = 200, **forms: Any) -> HttpResponse:
    """Whether two-factor sign-in is on, and its forms (``forms`` with errors)."""
    context = {
        "on": two_factor.has_second_factor(user),
        "required": two_factor.required_for(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "code_form": AppCodeForm(),
        "turn_off_form": TurnOffForm(),
        **forms,
    }
    return render(request, "accounts/two_factor.html", context, status=status)
