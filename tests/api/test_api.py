"""The REST API as a script or an app uses it: tokens, cooperatives, members,
applications, bylaws, invitations and the ledger, with JSON errors throughout.

Every request goes through Django's test client, so the URLs, the
authentication, the middleware and the error handlers are the real ones.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from taawun.accounts import actions as accounts
from taawun.accounts.models import ApiToken, User
from taawun.ledger import queries as ledger_queries
from taawun.ledger.chain import verify_lines
from taawun.membership import actions
from taawun.membership.bylaws import default_bylaws
from taawun.membership.models import Cooperative, Invitation, Member
from tests import factories

pytestmark = pytest.mark.django_db

ARABIC = re.compile("[\u0600-\u06ff]")


# --- helpers -------------------------------------------------------------------


class Api:
    """A client of the API, signed in with a bearer token when given a person."""

    def __init__(self, user: User | None = None, **headers: str) -> None:
        self.client = Client()
        self.headers = dict(headers)
        if user is not None:
            _token, secret = accounts.create_api_token(user, "tests")
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api{path}", params, **self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api{path}",
            {} if body is None else body,
            content_type="application/json",
            **self.headers,
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(f"/api{path}", body, content_type="application/json", **self.headers)

    def raw(self, method: str, path: str, data: str) -> Any:
        call = getattr(self.client, method)
        return call(f"/api{path}", data, content_type="application/json", **self.headers)


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict:
    """The response is the JSON error the API promises: a stable code and a message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    if field is not None:
        assert body["field"] == field, body
    return body


def ledger_kinds(coop: Cooperative) -> list[str]:
    return list(
        ledger_queries.entries(str(coop.public_id)).order_by("seq").values_list("kind", flat=True)
    )


def snapshot(coop: Cooperative) -> dict[str, Any]:
    """Everything an action could change, to show that a refused one changed nothing."""
    coop = Cooperative.objects.get(pk=coop.pk)
    head = ledger_queries.head(str(coop.public_id))
    return {
        "bylaws": coop.bylaws,
        "ledger": (head.seq, head.hash),
        "members": sorted(
            Member.objects.filter(cooperative=coop).values_list(
                "id", "number", "status", "membership_class", "offices"
            )
        ),
        "invitations": Invitation.objects.filter(cooperative=coop).count(),
        "coops": sorted(Cooperative.objects.values_list("slug", flat=True)),
    }


def new_coop_body(**changes: Any) -> dict[str, Any]:
    body = {
        "slug": "rawabet-dev",
        "names": {"en": "Rawabet Developers", "ar": "روابط للمطورين"},
        "country": "JO",
        "currency": "JOD",
        "languages": ["ar", "en"],
    }
    body.update(changes)
    return body


# --- the description of the API --------------------------------------------------

EXPECTED_PATHS = {
    "/api/tokens": {"post"},
    "/api/coops": {"get", "post"},
    "/api/coops/{slug}": {"get"},
    "/api/coops/{slug}/bylaws": {"put"},
    "/api/coops/{slug}/members": {"get"},
    "/api/coops/{slug}/register": {"get"},
    "/api/coops/{slug}/members/{member_id}": {"get"},
    "/api/coops/{slug}/members/{member_id}/status": {"post"},
    "/api/coops/{slug}/members/{member_id}/offices": {"put"},
    "/api/coops/{slug}/applications": {"get", "post"},
    "/api/coops/{slug}/applications/{member_id}/admit": {"post"},
    "/api/coops/{slug}/applications/{member_id}/reject": {"post"},
    "/api/coops/{slug}/invitations": {"post"},
    "/api/coops/{slug}/ledger": {"get"},
    "/api/coops/{slug}/ledger/head": {"get"},
    "/api/coops/{slug}/ledger.jsonl": {"get"},
}
EXPECTED_BODIES = [
    ("/api/tokens", "post"),
    ("/api/coops", "post"),
    ("/api/coops/{slug}/bylaws", "put"),
    ("/api/coops/{slug}/members/{member_id}/status", "post"),
    ("/api/coops/{slug}/members/{member_id}/offices", "put"),
    ("/api/coops/{slug}/applications", "post"),
    ("/api/coops/{slug}/applications/{member_id}/reject", "post"),
    ("/api/coops/{slug}/invitations", "post"),
]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(doc: dict, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def test_the_api_describes_itself_in_openapi_3_with_every_endpoint(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    # The required shape of an OpenAPI 3 document.
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert isinstance(doc["paths"], dict)
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        for method, operation in item.items():
            assert method in HTTP_METHODS | {"parameters", "summary", "description"}, method
            if method in HTTP_METHODS:
                assert operation["responses"], f"{method} {path} has no responses"
                for status in operation["responses"]:
                    assert re.fullmatch(r"[1-5][0-9][0-9]|[1-5]XX|default", str(status))
                for parameter in operation.get("parameters", []):
                    assert parameter["in"] in {"query", "header", "path", "cookie"}
                    if parameter["in"] == "path":
                        assert parameter["required"] is True
                        assert "{" + parameter["name"] + "}" in path
    for ref in _refs(doc):
        _resolve(doc, ref)
    # And it lists what the API offers.
    listed = {path: set(item) & HTTP_METHODS for path, item in doc["paths"].items()}
    for path, methods in EXPECTED_PATHS.items():
        assert path in listed, f"{path} is not in the OpenAPI description"
        assert methods <= listed[path], (path, listed[path])
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme", "").lower() == "bearer" for s in schemes.values())


def test_the_description_shows_which_endpoints_take_a_json_body(db):
    doc = Client().get("/api/openapi.json").json()
    # So that a client generated from it sends the body, not query parameters.
    for path, method in EXPECTED_BODIES:
        operation = doc["paths"][path][method]
        assert "application/json" in operation.get("requestBody", {}).get("content", {}), (
            f"{method} {path} takes no JSON body"
        )
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        assert query == [], (method, path, query)


def test_the_interactive_docs_open(db):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.content.decode()


# --- tokens ------------------------------------------------------------------------


def test_a_person_exchanges_email_and_password_for_a_token_that_works(coop, founder):
    client = Client()
    response = client.post(
        "/api/tokens",
        {"email": founder.email, "password": factories.PASSWORD, "name": "my script"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "my script"
    secret = body["token"]
    assert len(secret) >= 32
    # Shown once: only a hash and a short prefix are kept.
    stored = ApiToken.objects.get(user=founder)
    assert stored.digest == ApiToken.digest_of(secret) != secret
    assert secret.startswith(stored.prefix) and len(stored.prefix) < len(secret)
    # A second exchange gives a different token; the first is not shown again.
    again = client.post(
        "/api/tokens",
        {"email": founder.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert again.status_code == 201 and again.json()["token"] != secret

    members = Client().get(f"/api/coops/{coop.slug}/members", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert members.status_code == 200
    assert [m["number"] for m in members.json()] == [1]


def test_signing_in_ignores_the_case_of_the_email(coop, founder):
    response = Client().post(
        "/api/tokens",
        {"email": founder.email.upper(), "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("which", ["wrong password", "unknown email"])
def test_a_wrong_password_gets_no_token(which, coop, founder):
    email = founder.email if which == "wrong password" else "nobody@example.org"
    password = "not the password" if which == "wrong password" else factories.PASSWORD
    response = Client().post(
        "/api/tokens",
        {"email": email, "password": password},
        content_type="application/json",
    )
    assert_error(response, 401, "not_signed_in")
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused(coop, founder):
    token, secret = accounts.create_api_token(founder, "laptop")
    url = f"/api/coops/{coop.slug}/members"
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    accounts.revoke_api_token(founder, token.pk)
    response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert_error(response, 401, "not_signed_in")


@pytest.mark.parametrize("header", ["Bearer tw_made-up-token", "Bearer ", "Token abc", "Bearer"])
def test_a_made_up_token_is_refused(header, coop):
    response = Client().get(f"/api/coops/{coop.slug}/members", HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "not_signed_in")


def test_the_token_of_a_deactivated_account_is_refused(coop):
    member = factories.member(coop)
    api = Api(member.user)
    assert api.get(f"/coops/{coop.slug}/members").status_code == 200
    User.objects.filter(pk=member.user.pk).update(is_active=False)
    assert_error(api.get(f"/coops/{coop.slug}/members"), 401, "not_signed_in")


# --- errors, in the reader's language ------------------------------------------------


def test_an_error_is_json_with_a_code_and_an_english_message(db):
    response = Client().get("/api/coops/no-such-coop", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_error(response, 404, "not_found")
    assert "no-such-coop" in body["message"]
    assert not ARABIC.search(body["message"])


def test_an_error_message_is_in_arabic_for_an_arabic_reader(db):
    # Needs the compiled catalogues (make compilemessages).
    response = Client().get("/api/coops/no-such-coop", HTTP_ACCEPT_LANGUAGE="ar")
    body = assert_error(response, 404, "not_found")
    assert response["Content-Language"] == "ar"  # Arabic was chosen...
    assert ARABIC.search(body["message"]), body["message"]
    assert "no-such-coop" in body["message"]


def test_a_permission_error_is_in_arabic_for_an_arabic_reader(coop):
    # Someone who saved no language of their own: the browser's language decides.
    outsider = factories.person(language="")
    response = Api(outsider, HTTP_ACCEPT_LANGUAGE="ar").get(f"/coops/{coop.slug}/members")
    body = assert_error(response, 403, "forbidden")
    assert ARABIC.search(body["message"]), body["message"]


def test_a_token_holder_reads_errors_in_the_language_saved_in_their_account(coop):
    # As on the web, the account's own language wins over Accept-Language.
    reader = factories.person(language="ar")
    response = Api(reader, HTTP_ACCEPT_LANGUAGE="en").get(f"/coops/{coop.slug}/members")
    body = assert_error(response, 403, "forbidden")
    assert ARABIC.search(body["message"]), body["message"]


# --- cooperatives ----------------------------------------------------------------------


def test_anyone_can_list_the_cooperatives(coop):
    other = factories.cooperative(slug="aaa-first")
    response = Client().get("/api/coops")
    assert response.status_code == 200
    listed = response.json()
    assert [c["slug"] for c in listed] == sorted([coop.slug, other.slug])
    assert listed[1]["names"] == {"en": "Test Cooperative", "ar": "تعاونية الاختبار"}
    assert listed[1]["country"] == "EG" and listed[1]["currency"] == "EGP"


def test_a_cooperative_shows_its_bylaws_and_its_ledger_head_to_anyone(coop):
    factories.member(coop)
    response = Client().get(f"/api/coops/{coop.slug}")
    assert response.status_code == 200
    body = response.json()
    head = ledger_queries.head(str(coop.public_id))
    assert body["slug"] == coop.slug
    assert body["members"] == 2
    assert body["ledger_head"] == head.hash and re.fullmatch("[0-9a-f]{64}", head.hash)
    assert body["ledger_length"] == head.seq == len(ledger_kinds(coop))
    assert body["bylaws"] == coop.bylaws


def test_a_cooperative_name_follows_the_readers_language(coop):
    arabic = Client().get(f"/api/coops/{coop.slug}", HTTP_ACCEPT_LANGUAGE="ar").json()
    english = Client().get(f"/api/coops/{coop.slug}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert arabic["name"] == "تعاونية الاختبار"
    assert english["name"] == "Test Cooperative"


def test_a_signed_in_person_founds_a_cooperative_and_is_member_number_1(db):
    founder = factories.person("Rana")
    response = Api(founder).post("/coops", new_coop_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "rawabet-dev" and body["members"] == 1
    assert body["currency"] == "JOD"
    coop = Cooperative.objects.get(slug="rawabet-dev")
    first = coop.members.get()
    assert (first.user, first.number, first.status) == (founder, 1, "active")
    assert set(first.offices) == {"secretary", "treasurer", "board"}
    assert ledger_kinds(coop) == ["coop.created", "member.admitted"]
    detail = Client().get("/api/coops/rawabet-dev").json()
    assert detail["ledger_length"] == 2


def test_founding_a_cooperative_needs_signing_in(db):
    response = Api().post("/coops", new_coop_body())
    assert_error(response, 401, "not_signed_in")
    assert not Cooperative.objects.exists()


def test_a_taken_short_name_is_a_conflict_and_creates_nothing(coop):
    before = snapshot(coop)
    users = User.objects.count()
    response = Api(factories.person()).post("/coops", new_coop_body(slug=coop.slug))
    assert_error(response, 409, "conflict", field="slug")
    assert snapshot(coop) == before
    assert User.objects.count() == users + 1  # only the person made for the test
    assert Member.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "Not A Slug!"),
        ("slug", "ab"),
        ("country", "XX"),
        ("currency", "XYZ"),
        ("languages", ["fr"]),
        ("names", {}),
    ],
)
def test_invalid_cooperative_details_are_refused_beside_the_field(field, value, db):
    response = Api(factories.person()).post("/coops", new_coop_body(**{field: value}))
    assert_error(response, 400, "invalid", field=field)
    assert not Cooperative.objects.exists()
    assert not Member.objects.exists()


def test_an_unknown_cooperative_is_not_found_everywhere(coop, founder):
    api = Api(founder)
    for response in (
        api.get("/coops/no-such-coop"),
        api.get("/coops/no-such-coop/members"),
        api.get("/coops/no-such-coop/ledger"),
        api.post("/coops/no-such-coop/applications", {"membership_class": "worker"}),
    ):
        assert_error(response, 404, "not_found")


# --- the directory and the register --------------------------------------------------------


def test_the_directory_is_visible_to_members_only(coop, founder):
    member = factories.member(coop)
    url = f"/coops/{coop.slug}/members"
    response = Api(member.user).get(url)
    assert response.status_code == 200
    listed = response.json()
    assert [(m["number"], m["name"]) for m in listed] == [
        (1, founder.name),
        (2, member.user.name),
    ]
    assert "email" not in listed[0]  # the directory shows no email addresses
    assert_error(Api(factories.person()).get(url), 403, "forbidden")
    assert_error(Api(factories.applicant(coop).user).get(url), 403, "forbidden")
    assert_error(Api().get(url), 401, "not_signed_in")


def test_a_former_member_no_longer_sees_the_directory(coop):
    member = factories.member(coop)
    api = Api(member.user)
    actions.withdraw_membership(member, by=member.user)
    assert_error(api.get(f"/coops/{coop.slug}/members"), 403, "forbidden")


def test_a_member_of_another_cooperative_does_not_see_this_directory(coop):
    other = factories.cooperative()
    response = Api(factories.founder_of(other)).get(f"/coops/{coop.slug}/members")
    assert_error(response, 403, "forbidden")


def test_members_search_the_directory_by_name(coop, founder):
    factories.member(coop, factories.person("Yasmin Haddad"))
    factories.member(coop, factories.person("Omar Saleh"))
    response = Api(founder).get(f"/coops/{coop.slug}/members", q="yasmin")
    assert [m["name"] for m in response.json()] == ["Yasmin Haddad"]


def test_a_member_looks_up_another_member_of_the_same_cooperative_only(coop, founder):
    member = factories.member(coop)
    api = Api(member.user)
    response = api.get(
        f"/coops/{coop.slug}/members/{factories.founder_of(coop).memberships.get().pk}"
    )
    assert response.status_code == 200
    assert response.json()["number"] == 1
    stranger = factories.member(factories.cooperative())
    assert_error(api.get(f"/coops/{coop.slug}/members/{stranger.pk}"), 404, "not_found")


def test_the_register_is_for_the_office_that_keeps_it(coop):
    treasurer = factories.member(coop, offices=["treasurer"])
    board = factories.member(coop, offices=["board"])
    plain = factories.member(coop)
    url = f"/coops/{coop.slug}/register"
    response = Api(treasurer.user).get(url)
    assert response.status_code == 200
    register = response.json()
    assert [r["number"] for r in register] == [1, 2, 3, 4]
    assert register[1]["email"] == treasurer.user.email
    assert register[1]["admitted_at"]
    assert_error(Api(board.user).get(url), 403, "forbidden")
    assert_error(Api(plain.user).get(url), 403, "forbidden")
    assert_error(Api().get(url), 401, "not_signed_in")


def test_a_suspended_officer_holds_no_powers(coop, founder):
    treasurer = factories.member(coop, offices=["treasurer"])
    actions.change_member_status(treasurer, by=founder, to="suspended")
    assert_error(Api(treasurer.user).get(f"/coops/{coop.slug}/register"), 403, "forbidden")


# --- applications -----------------------------------------------------------------


def test_a_person_applies_to_join(coop):
    person = factories.person("Hala")
    response = Api(person).post(
        f"/coops/{coop.slug}/applications",
        {"membership_class": "user", "statement": "I build websites."},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applicant"
    assert (body["name"], body["membership_class"]) == ("Hala", "user")
    assert body["statement"] == "I build websites."
    member = Member.objects.get(cooperative=coop, user=person)
    assert member.pk == body["id"] and member.number is None
    assert ledger_kinds(coop)[-1] == "member.applied"


def test_applying_needs_signing_in(coop):
    before = snapshot(coop)
    response = Api().post(f"/coops/{coop.slug}/applications", {"membership_class": "worker"})
    assert_error(response, 401, "not_signed_in")
    assert snapshot(coop) == before


def test_applying_twice_is_a_conflict_and_leaves_one_application(coop):
    api = Api(factories.person())
    url = f"/coops/{coop.slug}/applications"
    assert api.post(url, {"membership_class": "worker"}).status_code == 201
    before = snapshot(coop)
    assert_error(api.post(url, {"membership_class": "worker"}), 409, "conflict")
    assert snapshot(coop) == before
    assert Member.objects.filter(cooperative=coop, status="applicant").count() == 1


def test_a_member_applying_again_is_a_conflict(coop, founder):
    before = snapshot(coop)
    response = Api(founder).post(f"/coops/{coop.slug}/applications", {"membership_class": "user"})
    assert_error(response, 409, "conflict")
    assert snapshot(coop) == before


def test_applying_for_an_unknown_class_is_refused(coop):
    before = snapshot(coop)
    response = Api(factories.person()).post(
        f"/coops/{coop.slug}/applications", {"membership_class": "emperor"}
    )
    assert_error(response, 400, "invalid", field="membership_class")
    assert snapshot(coop) == before


def test_an_officer_lists_and_admits_an_applicant(
    coop, founder, django_capture_on_commit_callbacks
):
    applicant = factories.applicant(coop)
    api = Api(founder)
    listed = api.get(f"/coops/{coop.slug}/applications")
    assert listed.status_code == 200
    assert [(a["id"], a["status"], a["statement"]) for a in listed.json()] == [
        (applicant.pk, "applicant", "Hello")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/coops/{coop.slug}/applications/{applicant.pk}/admit")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["status"]) == (2, "active")
    assert api.get(f"/coops/{coop.slug}/applications").json() == []
    entries = api.get(f"/coops/{coop.slug}/ledger").json()
    admitted = entries[-1]
    assert admitted["kind"] == "member.admitted"
    assert admitted["data"]["member"] == str(applicant.public_id)
    assert admitted["data"]["number"] == 2
    assert [m.to for m in mail.outbox] == [[applicant.user.email]]


def test_an_officer_rejects_an_application(coop, founder):
    applicant = factories.applicant(coop)
    response = Api(founder).post(
        f"/coops/{coop.slug}/applications/{applicant.pk}/reject", {"reason": "Not now."}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    applicant.refresh_from_db()
    assert applicant.status == "rejected" and applicant.number is None
    assert ledger_kinds(coop)[-1] == "member.rejected"


def test_admitting_someone_who_is_not_an_applicant_is_an_invalid_transition(coop, founder):
    member = factories.member(coop)
    before = snapshot(coop)
    response = Api(founder).post(f"/coops/{coop.slug}/applications/{member.pk}/admit")
    assert_error(response, 409, "invalid_transition")
    assert snapshot(coop) == before


def test_an_officer_without_the_power_to_admit_cannot_decide(coop):
    treasurer = factories.member(coop, offices=["treasurer"])
    applicant = factories.applicant(coop)
    api = Api(treasurer.user)
    before = snapshot(coop)
    assert_error(api.get(f"/coops/{coop.slug}/applications"), 403, "forbidden")
    assert_error(
        api.post(f"/coops/{coop.slug}/applications/{applicant.pk}/admit"), 403, "forbidden"
    )
    assert_error(
        api.post(f"/coops/{coop.slug}/applications/{applicant.pk}/reject", {}), 403, "forbidden"
    )
    assert snapshot(coop) == before
    applicant.refresh_from_db()
    assert (applicant.status, applicant.number) == ("applicant", None)


def test_an_officer_of_another_cooperative_cannot_decide_here(coop):
    applicant = factories.applicant(coop)
    other = factories.cooperative()
    api = Api(factories.founder_of(other))  # holds every office, but there
    before, before_other = snapshot(coop), snapshot(other)
    assert_error(api.get(f"/coops/{coop.slug}/applications"), 403, "forbidden")
    assert_error(
        api.post(f"/coops/{coop.slug}/applications/{applicant.pk}/admit"), 403, "forbidden"
    )
    assert_error(
        api.post(f"/coops/{coop.slug}/applications/{applicant.pk}/reject", {}), 403, "forbidden"
    )
    # Nor through their own cooperative's address.
    assert_error(
        api.post(f"/coops/{other.slug}/applications/{applicant.pk}/admit"), 404, "not_found"
    )
    assert snapshot(coop) == before
    assert snapshot(other) == before_other


# --- status changes and offices -----------------------------------------------------


def test_an_officer_suspends_and_reinstates_a_member(coop, founder):
    member = factories.member(coop)
    api = Api(founder)
    url = f"/coops/{coop.slug}/members/{member.pk}/status"
    response = api.post(url, {"to": "suspended", "reason": "Dues unpaid."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    response = api.post(url, {"to": "active"})
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert ledger_kinds(coop)[-2:] == ["member.status_changed", "member.status_changed"]


@pytest.mark.parametrize(
    ("start", "to"),
    [("active", "active"), ("withdrawn", "suspended"), ("withdrawn", "active")],
)
def test_an_impossible_status_change_is_an_invalid_transition(start, to, coop, founder):
    member = factories.member(coop)
    if start == "withdrawn":
        actions.change_member_status(member, by=founder, to="withdrawn")
    before = snapshot(coop)
    response = Api(founder).post(f"/coops/{coop.slug}/members/{member.pk}/status", {"to": to})
    assert_error(response, 409, "invalid_transition")
    assert snapshot(coop) == before


def test_an_applicant_cannot_be_made_active_by_a_status_change(coop, founder):
    applicant = factories.applicant(coop)
    before = snapshot(coop)
    response = Api(founder).post(
        f"/coops/{coop.slug}/members/{applicant.pk}/status", {"to": "active"}
    )
    assert_error(response, 409, "invalid_transition")
    assert snapshot(coop) == before


def test_an_unknown_status_is_refused(coop, founder):
    member = factories.member(coop)
    before = snapshot(coop)
    response = Api(founder).post(
        f"/coops/{coop.slug}/members/{member.pk}/status", {"to": "emperor"}
    )
    assert_error(response, 400, "invalid")
    assert snapshot(coop) == before


def test_a_member_without_the_power_cannot_change_a_status(coop):
    member = factories.member(coop)
    plain = factories.member(coop)
    before = snapshot(coop)
    response = Api(plain.user).post(
        f"/coops/{coop.slug}/members/{member.pk}/status", {"to": "suspended"}
    )
    assert_error(response, 403, "forbidden")
    assert snapshot(coop) == before


def test_an_officer_assigns_offices(coop, founder):
    member = factories.member(coop)
    response = Api(founder).put(
        f"/coops/{coop.slug}/members/{member.pk}/offices", {"offices": ["treasurer"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["offices"] == ["treasurer"]
    member.refresh_from_db()
    assert member.offices == ["treasurer"]
    assert ledger_kinds(coop)[-1] == "member.offices_changed"
    # The new treasurer now keeps the register.
    assert Api(member.user).get(f"/coops/{coop.slug}/register").status_code == 200


def test_an_unknown_office_is_refused(coop, founder):
    member = factories.member(coop)
    before = snapshot(coop)
    response = Api(founder).put(
        f"/coops/{coop.slug}/members/{member.pk}/offices", {"offices": ["treasurer", "king"]}
    )
    assert_error(response, 400, "invalid", field="offices")
    assert snapshot(coop) == before


def test_only_an_active_member_can_hold_an_office(coop, founder):
    member = factories.member(coop)
    actions.change_member_status(member, by=founder, to="suspended")
    before = snapshot(coop)
    response = Api(founder).put(
        f"/coops/{coop.slug}/members/{member.pk}/offices", {"offices": ["board"]}
    )
    assert_error(response, 409, "invalid_transition")
    assert snapshot(coop) == before


def test_an_officer_without_the_power_cannot_assign_offices(coop):
    secretary = factories.member(coop, offices=["secretary"])
    member = factories.member(coop)
    before = snapshot(coop)
    response = Api(secretary.user).put(
        f"/coops/{coop.slug}/members/{member.pk}/offices", {"offices": ["board"]}
    )
    assert_error(response, 403, "forbidden")
    assert snapshot(coop) == before


# --- bylaws --------------------------------------------------------------------------


def test_a_valid_bylaws_change_is_recorded_in_the_ledger(coop, founder):
    length = Client().get(f"/api/coops/{coop.slug}").json()["ledger_length"]
    bylaws = dict(coop.bylaws, quorum_percent="60", probation_days=30)
    response = Api(founder).put(f"/coops/{coop.slug}/bylaws", bylaws)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bylaws"]["quorum_percent"] == "60"
    assert body["bylaws"]["probation_days"] == 30
    assert body["ledger_length"] == length + 1
    coop.refresh_from_db()
    assert coop.bylaws["quorum_percent"] == "60"
    assert ledger_kinds(coop)[-1] == "bylaws.changed"


def _without_threshold() -> dict[str, Any]:
    doc = default_bylaws()
    del doc["threshold"]
    return doc


def _with_unknown_power() -> dict[str, Any]:
    doc = default_bylaws()
    doc["offices"][1]["powers"] = ["keep_register", "rule_forever"]
    return doc


def _without_worker_class() -> dict[str, Any]:
    # The founder holds the worker class, so it cannot go.
    doc = default_bylaws()
    doc["membership_classes"] = [c for c in doc["membership_classes"] if c["code"] != "worker"]
    return doc


def _with_unknown_setting() -> dict[str, Any]:
    return dict(default_bylaws(), king="me")


def _with_bad_quorum() -> dict[str, Any]:
    return dict(default_bylaws(), quorum_percent="150")


@pytest.mark.parametrize(
    "make",
    [
        _without_threshold,
        _with_unknown_power,
        _without_worker_class,
        _with_unknown_setting,
        _with_bad_quorum,
    ],
)
def test_invalid_bylaws_are_refused_and_change_nothing(make, coop, founder):
    before = snapshot(coop)
    response = Api(founder).put(f"/coops/{coop.slug}/bylaws", make())
    assert_error(response, 400, "invalid")
    assert snapshot(coop) == before
    assert "bylaws.changed" not in ledger_kinds(coop)


def test_removing_a_class_still_held_names_it(coop, founder):
    response = Api(founder).put(f"/coops/{coop.slug}/bylaws", _without_worker_class())
    body = assert_error(response, 400, "invalid", field="membership_classes")
    assert "worker" in body["message"]


def test_only_an_office_with_the_power_amends_the_bylaws(coop):
    secretary = factories.member(coop, offices=["secretary"])
    before = snapshot(coop)
    response = Api(secretary.user).put(
        f"/coops/{coop.slug}/bylaws", dict(coop.bylaws, quorum_percent="60")
    )
    assert_error(response, 403, "forbidden")
    assert snapshot(coop) == before


# --- invitations --------------------------------------------------------------------


def test_the_secretary_invites_someone_and_an_email_goes_out(
    coop, django_capture_on_commit_callbacks
):
    secretary = factories.member(coop, offices=["secretary"])
    api = Api(secretary.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/coops/{coop.slug}/invitations",
            {"email": "guest@example.org", "membership_class": "user"},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["membership_class"]) == ("guest@example.org", "user")
    assert body["expires_at"]
    invitation = Invitation.objects.get(pk=body["id"])
    assert invitation.invited_by == secretary
    assert [m.to for m in mail.outbox] == [["guest@example.org"]]
    assert "/invitations/" in mail.outbox[0].body
    assert ledger_kinds(coop)[-1] == "member.invited"


@pytest.mark.parametrize("email", ["not-an-email", "", "two@@example.org"])
def test_inviting_an_invalid_email_is_refused(
    email, coop, founder, django_capture_on_commit_callbacks
):
    before = snapshot(coop)
    with django_capture_on_commit_callbacks(execute=True):
        response = Api(founder).post(
            f"/coops/{coop.slug}/invitations", {"email": email, "membership_class": "user"}
        )
    assert_error(response, 400, "invalid", field="email")
    assert snapshot(coop) == before
    assert mail.outbox == []


def test_a_member_without_the_power_cannot_invite(coop):
    treasurer = factories.member(coop, offices=["treasurer"])
    before = snapshot(coop)
    response = Api(treasurer.user).post(
        f"/coops/{coop.slug}/invitations",
        {"email": "guest@example.org", "membership_class": "user"},
    )
    assert_error(response, 403, "forbidden")
    assert snapshot(coop) == before


# --- the ledger -----------------------------------------------------------------------


def _busy_coop(coop: Cooperative) -> Cooperative:
    for _ in range(3):
        factories.member(coop)
    return coop  # 2 founding entries + 3 x (applied, admitted) = 8


def test_ledger_entries_come_in_pages_after_a_sequence_number(coop, founder):
    _busy_coop(coop)
    api = Api(founder)
    url = f"/coops/{coop.slug}/ledger"
    first = api.get(url, limit=3).json()
    assert [e["seq"] for e in first] == [1, 2, 3]
    assert first[0]["kind"] == "coop.created" and first[0]["actor"]
    assert first[0]["prev"] == "0" * 64
    second = api.get(url, after=3, limit=3).json()
    assert [e["seq"] for e in second] == [4, 5, 6]
    assert second[0]["prev"] == first[-1]["hash"]
    rest = api.get(url, after=6).json()
    assert [e["seq"] for e in rest] == [7, 8]
    assert api.get(url, after=8).json() == []
    head = api.get(f"/coops/{coop.slug}/ledger/head").json()
    assert head == {"seq": 8, "hash": rest[-1]["hash"]}


def test_the_ledger_export_verifies_and_ends_at_the_published_head(coop, founder):
    _busy_coop(coop)
    api = Api(founder)
    response = api.get(f"/coops/{coop.slug}/ledger.jsonl")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).splitlines(keepends=True)
    head = api.get(f"/coops/{coop.slug}/ledger/head").json()
    result = verify_lines(lines, expected_head=head["hash"])
    assert result.ok, result
    assert (result.count, result.head) == (head["seq"], head["hash"])
    assert Client().get(f"/api/coops/{coop.slug}").json()["ledger_head"] == head["hash"]
    # The export is the same chain the paged entries show.
    assert [json.loads(line) for line in lines] == api.get(f"/coops/{coop.slug}/ledger").json()


@pytest.mark.parametrize("path", ["ledger", "ledger/head", "ledger.jsonl"])
def test_the_ledger_is_for_members(path, coop):
    url = f"/coops/{coop.slug}/{path}"
    assert_error(Api(factories.person()).get(url), 403, "forbidden")
    assert_error(Api(factories.applicant(coop).user).get(url), 403, "forbidden")
    assert_error(Api().get(url), 401, "not_signed_in")


# --- malformed requests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/coops", "{not json"),
        ("post", "/coops", ""),
        ("post", "/coops/{slug}/applications", '{"membership_class": '),
        ("put", "/coops/{slug}/bylaws", "[1, 2"),
        ("post", "/tokens", "email=a@b.c&password=x"),
    ],
)
def test_a_body_that_is_not_json_is_refused_as_invalid(method, path, data, coop, founder):
    before = snapshot(coop)
    response = Api(founder).raw(method, path.replace("{slug}", coop.slug), data)
    assert_error(response, 422, "invalid")
    assert snapshot(coop) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/coops", new_coop_body(names="Rawabet"), "names"),
        ("post", "/coops", new_coop_body(languages="ar"), "languages"),
        ("post", "/coops", {"slug": "only-a-slug"}, None),
        ("post", "/coops/{slug}/applications", {"membership_class": ["worker"]}, None),
        ("post", "/coops/{slug}/applications", {}, "membership_class"),
        ("post", "/coops/{slug}/members/1/status", {"to": 5}, "to"),
        ("put", "/coops/{slug}/members/1/offices", {"offices": "board"}, "offices"),
        ("put", "/coops/{slug}/bylaws", ["not", "an", "object"], None),
        ("post", "/tokens", {"email": "a@example.org"}, "password"),
    ],
)
def test_a_body_with_wrong_types_is_refused_as_invalid(method, path, body, field, coop, founder):
    before = snapshot(coop)
    api = Api(founder)
    response = getattr(api, method)(path.replace("{slug}", coop.slug), body)
    error = assert_error(response, 422, "invalid")
    if field is not None:
        assert error["field"] == field, error
    assert snapshot(coop) == before


def test_a_query_parameter_of_the_wrong_type_is_refused_as_invalid(coop, founder):
    response = Api(founder).get(f"/coops/{coop.slug}/ledger", after="yesterday")
    assert_error(response, 422, "invalid", field="after")
