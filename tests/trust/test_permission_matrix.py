"""The permission matrix: every page and every API operation, asked by every
role, answers exactly what the rules in ``tests/trust/permissions.py`` give
that role; a role refused a change changes nothing by sending it anyway;
and a URL pattern or API operation without a rule fails the first test.

One world is built for the module (in a transaction rolled back at the end)
and each test collects every mismatch into one message, so a failure lists
all of them at once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from taawun.accounts import actions as accounts
from taawun.api.api import api
from tests.trust.permissions import (
    API,
    LOGIN,
    PAGES,
    READ_ONLY,
    ROLES,
    MatrixWorld,
    build_matrix_world,
)

# What a refused change may answer: sent to sign in, refused, not found, not allowed.
REFUSALS = {LOGIN, 302, 401, 403, 404, 405}
# What a read-only page may answer to a POST: anything but a server error.
ANSWERS = REFUSALS | {200, 400, 410, 422}
# Tables that a refused request may still write: the session of the person signing in.
UNCOUNTED = {"django_session"}


def _patterns(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern.url_patterns, inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield (namespace + pattern.name if pattern.name else str(pattern.pattern)), pattern


def _operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def _page_names() -> list[str]:
    """Every URL pattern of the site, but the API's operations, which the
    OpenAPI document lists method by method (and ``_operations`` reads);
    an operation left out of the document is a page without a rule.
    django-ninja serves each operation's path with a ``PathView``."""
    documented = {path for _method, path in _operations()}
    names = []
    for name, pattern in _patterns(get_resolver().url_patterns):
        if "PathView" in getattr(pattern.callback, "__qualname__", ""):
            route = "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
            if route in documented:
                continue
        names.append(name)
    return names


def test_every_page_and_api_operation_has_a_rule_in_the_matrix() -> None:
    names = _page_names()
    pages = set(names)
    operations = _operations()
    problems = [f"page {name!r} has no rule in PAGES" for name in sorted(pages - set(PAGES))]
    problems += [
        f"two URL patterns are named {name!r}: one rule cannot tell them apart"
        for name in sorted(pages)
        if names.count(name) > 1
    ]
    problems += [
        f"PAGES has a rule for {name!r}, which is no URL pattern"
        for name in sorted(set(PAGES) - pages)
    ]
    problems += [
        f"API operation {m} {p} has no rule in API" for m, p in sorted(operations - set(API))
    ]
    problems += [
        f"API has a rule for {m} {p}, which is no operation"
        for m, p in sorted(set(API) - operations)
    ]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker: Any) -> Iterator[MatrixWorld]:
    """One world for the whole module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_matrix_world()
        transaction.set_rollback(True)


def _client(matrix: MatrixWorld, role: str) -> Client:
    client = Client()
    user = matrix.users[role]
    if user is not None:
        client.force_login(user)
    return client


def _seen(response: Any) -> int | str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    if response.status_code == 401:
        return LOGIN
    return int(response.status_code)


def _counts() -> dict[str, int]:
    """How many rows every table of ours holds, in one query."""
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed} - UNCOUNTED)
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def _changed(before: dict[str, int], after: dict[str, int]) -> str:
    return ", ".join(f"{t} {before[t]}→{after[t]}" for t in before if before[t] != after[t])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_pages_the_rules_give_it(matrix: MatrixWorld, role: str) -> None:
    client = _client(matrix, role)
    mismatches = []
    for name, rule in PAGES.items():
        path = matrix.fill(rule.path)
        got = _seen(client.get(path))
        expected = rule.get.expect(role)
        if got != expected:
            mismatches.append(f"GET {path} ({name}): got {got}, the rules give {expected}")
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_role_refused_a_page_changes_nothing_by_posting_to_it(
    matrix: MatrixWorld, role: str
) -> None:
    client = _client(matrix, role)
    mismatches = []
    for name, rule in PAGES.items():
        access = rule.post or rule.get
        if access.gives(role):
            continue
        path = matrix.fill(rule.path)
        before = _counts()
        got = _seen(client.post(path, _fill_body(matrix, rule.body or {})))
        changed = _changed(before, _counts())
        read_only = access is READ_ONLY
        if got not in (ANSWERS if read_only else REFUSALS) or changed:
            rule_says = "nothing changes" if read_only else access.expect(role)
            mismatches.append(
                f"POST {path} ({name}): got {got}, changed [{changed}], the rules give {rule_says}"
            )
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


def _fill_body(matrix: MatrixWorld, body: Any) -> Any:
    if isinstance(body, str):
        return matrix.fill(body)
    if isinstance(body, dict):
        return {key: _fill_body(matrix, value) for key, value in body.items()}
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_rules_give_it_from_the_api(
    matrix: MatrixWorld, role: str
) -> None:
    """With a bearer token, as a script would ask; a refused change is a
    valid request, so that only the permission check refuses it."""
    headers = {}
    user = matrix.users[role]
    if user is not None:
        _token, secret = accounts.create_api_token(user, "matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    client = Client()
    mismatches = []
    for (method, _route), rule in API.items():
        expected = rule.get.expect(role)
        path = matrix.fill(rule.path)
        if method == "GET":
            got = _seen(client.get(path, **headers))
            changed = ""
        else:
            if rule.get.gives(role):
                continue
            body = _fill_body(matrix, rule.body or {})
            before = _counts()
            if "file" in body:
                upload = SimpleUploadedFile("hours.csv", b"member,hours\n1,2\n")
                response = client.post(path, {"file": upload}, **headers)
            else:
                response = client.generic(
                    method, path, json.dumps(body), "application/json", **headers
                )
            got = _seen(response)
            changed = _changed(before, _counts())
        if got != expected or changed:
            mismatches.append(
                f"{method} {path}: got {got}, changed [{changed}], the rules give {expected}"
            )
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)
