"""A person's own data: download it, or erase it."""

from __future__ import annotations

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from taawun.accounts.rules import signed_in
from taawun.privacy import actions
from taawun.privacy.export import export_person
from taawun.privacy.forms import EraseForm
from taawun.web.forms import run_action
from taawun.web.ratelimits import PASSWORD_CHECK, limit


@never_cache
@login_required
@limit("password-check", PASSWORD_CHECK, key="user")
def my_data(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.erase_my_data(
                user, password=data["password"], confirmed=data["confirm"]
            ),
        )
        if done is not None:
            logout(request)
            return render(request, "privacy/erased.html", {"erasure": done})
    status = 400 if form.errors else 200
    return render(request, "privacy/data.html", {"form": form}, status=status)


@never_cache
@login_required
def download(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    body = json.dumps(export_person(user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"taawun-data-{user.pk}-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
