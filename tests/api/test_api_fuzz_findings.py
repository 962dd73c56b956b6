"""What fuzzing the API from its OpenAPI document found (tests/trust/
test_api_fuzz.py), each fixed and pinned here by a plain test: every error
is the API's JSON error in the reader's language, and every answer is one
the document declares, with the content type it declares."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from taawun.api.api import api
from taawun.economy import budgeting_actions as pb
from tests import factories
from tests.api.test_api import ARABIC, Api, assert_error

pytestmark = pytest.mark.django_db

ARABIC_READER = {"HTTP_ACCEPT_LANGUAGE": "ar"}


def declared(path: str, method: str) -> dict[str, Any]:
    """The responses the OpenAPI document declares for one operation."""
    return api.get_openapi_schema()["paths"][f"/api{path}"][method]["responses"]


def test_a_visitor_writing_without_a_session_is_asked_to_sign_in_not_for_a_csrf_token(coop):
    # Found: any POST or PUT with no credentials was refused "CSRF check
    # Failed" (403, English, code "error") by django-ninja's session check.
    response = Client().post(
        f"/api/coops/{coop.slug}/applications",
        {"membership_class": "worker"},
        content_type="application/json",
        **ARABIC_READER,
    )
    body = assert_error(response, 401, "not_signed_in")
    assert ARABIC.search(body["message"])
    assert coop.members.count() == 1


def test_a_browser_session_without_its_csrf_token_is_refused_in_the_readers_language(coop):
    amal = factories.person("Amal")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(amal)
    response = browser.post(
        f"/api/coops/{coop.slug}/applications",
        {"membership_class": "worker"},
        content_type="application/json",
        **ARABIC_READER,
    )
    body = assert_error(response, 403, "csrf_failed")
    assert "CSRF" in body["message"] and body["message"] != "CSRF check Failed"
    assert not coop.members.filter(user=amal).exists(), "a refused request wrote nothing"


def test_a_browser_session_with_its_csrf_token_still_writes(coop):
    amal = factories.person("Amal")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(amal)
    token = "k" * 32  # a CSRF secret as a page would have set it
    browser.cookies["csrftoken"] = token
    response = browser.post(
        f"/api/coops/{coop.slug}/applications",
        {"membership_class": "worker"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    assert coop.members.filter(user=amal, status="applicant").exists()


def test_a_method_an_address_does_not_take_is_a_json_error_that_says_what_it_takes():
    # Found: django-ninja answered 405 with the text "Method not allowed".
    response = Client().delete("/api/coops", **ARABIC_READER)
    body = assert_error(response, 405, "method_not_allowed")
    assert ARABIC.search(body["message"])
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_a_broken_multipart_body_is_a_json_error_not_an_html_page():
    # Found: a sign-in with a multipart Content-Type and no boundary made
    # django-axes read the form while recording the failure: Django's HTML 400.
    response = Client().generic(
        "POST",
        "/api/tokens",
        b'{"email": "nobody@example.org", "password": "wrong"}',
        content_type="multipart/form-data",
        **ARABIC_READER,
    )
    body = assert_error(response, 422, "invalid")
    assert ARABIC.search(body["message"])


def test_a_ledger_query_that_is_not_a_number_is_a_declared_error(coop, founder):
    # Found: 422 was answered but not declared for the ledger's operations.
    response = Api(founder).get(f"/coops/{coop.slug}/ledger", after="first")
    assert_error(response, 422, "invalid", "after")
    for path in ("/coops/{slug}/ledger", "/coops/{slug}/ledger/head", "/coops/{slug}/ledger.jsonl"):
        assert "422" in {str(status) for status in declared(path, "get")}


def test_the_ledger_export_is_documented_as_the_jsonl_it_is(coop, founder):
    # Found: the document promised application/json for a JSONL stream.
    response = Api(founder).get(f"/coops/{coop.slug}/ledger.jsonl")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jsonl"
    ok = declared("/coops/{slug}/ledger.jsonl", "get")[200]
    assert list(ok["content"]) == ["application/jsonl"]


def test_the_pabulib_file_is_documented_as_the_plain_text_it_is(coop, founder):
    # Found: the document promised application/json for a text file.
    round_ = pb.create_round(
        by=founder, coop=coop, title="Tools", fund="100", ballot_kind="approval", rule="greedy"
    )
    pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    pb.open_voting(round_, by=founder)
    response = Api(founder).get(f"/coops/{coop.slug}/budgets/{round_.pk}/export.pb")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    ok = declared("/coops/{slug}/budgets/{round_id}/export.pb", "get")[200]
    assert list(ok["content"]) == ["text/plain"]


def test_a_search_over_the_rate_limit_is_a_declared_error():
    assert "429" in {str(status) for status in declared("/search", "get")}
