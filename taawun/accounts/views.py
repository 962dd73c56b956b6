from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from taawun.accounts import actions
from taawun.accounts.forms import SettingsForm, TokenForm
from taawun.accounts.rules import signed_in
from taawun.web.forms import run_action


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
