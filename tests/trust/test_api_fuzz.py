"""The API fuzzed from its own OpenAPI document (schemathesis).

The document is read from /api/openapi.json through the real WSGI
application, and every operation in it is called, in-process through the
same WSGI application and against the test database, with requests made
from it by three of schemathesis' phases: the document's examples, the
coverage phase (each field's boundaries and wrong types, missing and extra
fields, a method the address does not take) and Hypothesis fuzzing, both
valid and deliberately invalid. Each answer must

- not be a server error (no 5xx),
- have a status code the document declares for that operation,
- have the content type the document declares,
- match the schema the document declares for that status (and its headers),
- when it is an error, be the API's JSON error: a stable ``code`` and a
  non-empty ``message`` in the reader's language (Arabic here).

Every request is made twice: as an officer of a small cooperative (an
Arabic reader, with a bearer token) and as a visitor with no credentials.
Generated path ids are half the time swapped for the ids of real records,
so that requests reach the code behind the 404s. Writes (POST, PUT) are
fuzzed too: each request runs in a savepoint that is rolled back, so every
one meets the same world.

The run is reproducible (a fixed seed, derandomised Hypothesis, a fixed
number of examples per operation) and prints how many requests it made,
by status: "hostile inputs tried".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from taawun.accounts import actions as accounts
from taawun.economy import actions as economy
from taawun.economy import allocation_actions
from taawun.economy import budgeting_actions as budgeting
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10
SEED = 20240707
ARABIC = re.compile("[\u0600-\u06ff]")

CONFIG = {
    "seed": SEED,
    "generation": {
        "mode": "all",
        "max-examples": EXAMPLES_PER_OPERATION,
        "deterministic": True,
        "database": "none",
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {
            "enabled": True,
            "unexpected-methods": ["DELETE"],
            "generate-duplicate-query-parameters": False,
        },
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# How many requests each run made, by who made them and the answer's
# status: printed at the end, kept in the docs.
SENT: Counter[tuple[str, int]] = Counter()


def json_error_in_arabic(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is the API's JSON error: a stable code and a translated message."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered as {content_type!r}, not JSON"
    )
    body = response.json()
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    code, message = body.get("code"), body.get("message")
    assert isinstance(code, str) and re.fullmatch(r"[a-z_]+", code), f"no stable code: {body!r}"
    assert isinstance(message, str) and message.strip(), f"no message: {body!r}"
    assert ARABIC.search(message), f"message not translated into Arabic: {message!r}"
    return None


# --- the world the requests meet --------------------------------------------------------


def build_world() -> dict[str, Any]:
    """A cooperative with an Arabic-reading founder who holds every office,
    members, an applicant, books (periods, contributions, shares, a transfer,
    a redemption, an allocation with its members' poll), a budgeting round
    open for voting, and a second cooperative the officer does not belong to."""
    officer = factories.person("Nadia", language="ar")
    coop = factories.cooperative(officer)
    amal = factories.member(coop, factories.person("Amal"))
    badr = factories.member(coop, factories.person("Badr"))
    carim = factories.applicant(coop, factories.person("Carim"))
    coop = books.with_economy(coop, share_transfer_approver="board", redemption_on_request=True)

    last = books.last_year(coop)
    economy.import_contributions(
        by=officer, period=last, csv_text=f"member,hours\n{amal.number},600\n{badr.number},400\n"
    )
    last = economy.close_period(last, by=officer)
    current = books.current_period(coop)
    pending = economy.log_hours(by=amal.user, period=current, hours="7.5")

    subscription = books.paid_shares(amal, 10)
    owing = economy.subscribe_shares(by=officer, member=badr, shares=4, instalments=2)
    transfer = economy.request_share_transfer(by=amal.user, coop=coop, to_member=badr, shares=1)
    redemption = economy.request_redemption(by=amal.user, member=amal, shares=1)
    allocation = allocation_actions.propose_allocation(
        by=officer,
        period=last,
        surplus="10000",
        poll_closes_at=timezone.now() + timedelta(days=7),
    )

    round_ = budgeting.create_round(
        by=officer, coop=coop, title="Tools", fund="100", ballot_kind="approval", rule="greedy"
    )
    irons = budgeting.propose_project(by=officer, round=round_, title="Irons", cost="60")
    screens = budgeting.propose_project(by=officer, round=round_, title="Screens", cost="40.50")
    budgeting.open_voting(round_, by=officer)

    other = factories.cooperative()
    _token, secret = accounts.create_api_token(officer, "fuzz")
    return {
        "token": secret,
        "slug": [coop.slug, other.slug],
        "member_id": [amal.pk, badr.pk, carim.pk, coop.members.get(number=1).pk],
        "period_id": [last.pk, current.pk],
        "contribution_id": [pending.pk],
        "subscription_id": [subscription.pk, owing.pk],
        "transfer_id": [transfer.pk],
        "redemption_id": [redemption.pk],
        "allocation_id": [allocation.pk],
        "round_id": [round_.pk],
        "project_id": [irons.pk, screens.pk],
    }


# The ids of the world's records, by the name of the path parameter that takes them.
REAL: dict[str, list[Any]] = {}


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Built once for the module, in a transaction rolled back at its end;
    each test's own transaction (and each example's savepoint) nests in it."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        REAL.update({name: ids for name, ids in built.items() if name != "token"})
        try:
            yield built
        finally:
            REAL.clear()
            transaction.set_rollback(True)


class KeepConnection:
    """The real WSGI application, which must not close the database
    connection at the end of a request, as Django's test client does not:
    that connection holds the test's transaction."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            content = b"".join(response)
            response.close()
            return [content]
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", KeepConnection(), config=schemathesis.Config.from_dict(CONFIG)
)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half the time, the ids of real records: the code behind the 404s runs too."""
    known = [name for name in path_parameters or {} if REAL.get(name)]
    if not known:
        return st.just(path_parameters)
    with_real = st.fixed_dictionaries(
        {
            name: st.sampled_from(REAL[name]) if name in known else st.just(value)
            for name, value in path_parameters.items()
        }
    )
    return st.one_of(st.just(path_parameters), with_real)


def call(case: Any, headers: dict[str, str], who: str) -> None:
    """Call and check, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        try:
            response = case.call(headers=headers)
            SENT[who, response.status_code] += 1
            case.validate_response(
                response, checks=CHECKS, additional_checks=[json_error_in_arabic]
            )
        finally:
            transaction.set_rollback(True)


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_officers_and_visitors_as_documented(
    case: Any, world: dict[str, Any], db: None
) -> None:
    call(case, {"Authorization": f"Bearer {world['token']}", "Accept-Language": "ar"}, "officer")
    call(case, {"Accept-Language": "ar"}, "visitor")


def teardown_module() -> None:
    by_status = ", ".join(f"{who} {status}: {n}" for (who, status), n in sorted(SENT.items()))
    print(f"\nhostile inputs tried: {sum(SENT.values())} requests ({by_status})")
