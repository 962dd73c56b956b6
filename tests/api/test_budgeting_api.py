"""Participatory budgeting over the API: a script lists the rounds, reads a
round and its result, casts a ballot and downloads the Pabulib file, with
the same rules and JSON errors as everywhere."""

from __future__ import annotations

import pytest

from taawun.economy import budgeting_actions as pb
from taawun.economy import pabulib
from taawun.economy.models import BudgetingBallot
from tests import factories
from tests.api.test_api import Api

pytestmark = pytest.mark.django_db


def voting_round(coop, founder, **changes):  # type: ignore[no-untyped-def]
    settings = {"title": "Tools", "fund": "100", "ballot_kind": "approval", "rule": "greedy"}
    settings.update(changes)
    round_ = pb.create_round(by=founder, coop=coop, **settings)
    a = pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    b = pb.propose_project(by=founder, round=round_, title="Screens", cost="40.50")
    pb.open_voting(round_, by=founder)
    return round_, a, b


def test_a_member_lists_the_rounds_and_reads_one(coop, founder):
    round_, a, b = voting_round(coop, founder)
    api = Api(factories.member(coop).user)
    listed = api.get(f"/coops/{coop.slug}/budgets")
    assert listed.status_code == 200
    assert [(r["id"], r["state"], r["fund"]) for r in listed.json()] == [
        (round_.pk, "voting", "100.00")
    ]
    detail = api.get(f"/coops/{coop.slug}/budgets/{round_.pk}").json()
    assert [(p["id"], p["code"], p["cost"]) for p in detail["projects"]] == [
        (a.pk, "1", "60.00"),
        (b.pk, "2", "40.50"),
    ]
    assert detail["result"] is None and detail["my_ballot"] is None


def test_a_member_casts_and_replaces_a_ballot(coop, founder):
    round_, a, b = voting_round(coop, founder)
    amal = factories.member(coop)
    api = Api(amal.user)
    path = f"/coops/{coop.slug}/budgets/{round_.pk}/ballot"
    first = api.post(path, {"projects": [a.pk]})
    assert first.status_code == 200 and first.json() == {
        "round": round_.pk,
        "ballot": {str(a.pk): 1},
    }
    api.post(path, {"projects": [a.pk, b.pk]})
    detail = api.get(f"/coops/{coop.slug}/budgets/{round_.pk}").json()
    assert detail["my_ballot"] == {str(a.pk): 1, str(b.pk): 1}
    assert BudgetingBallot.objects.count() == 1


def test_a_bad_ballot_is_a_json_error_with_its_field(coop, founder):
    round_, a, _b = voting_round(coop, founder, ballot_kind="points", points_per_voter="5")
    api = Api(founder)
    response = api.post(
        f"/coops/{coop.slug}/budgets/{round_.pk}/ballot", {"points": {str(a.pk): 6}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Give a whole number from 0 to 5.",
        "field": f"project_{a.pk}",
    }
    assert not BudgetingBallot.objects.exists()


def test_an_outsider_is_refused_and_an_unknown_round_is_not_found(coop, founder):
    voting_round(coop, founder)
    outsider = Api(factories.person())
    assert outsider.get(f"/coops/{coop.slug}/budgets").json()["code"] == "forbidden"
    member = Api(founder)
    missing = member.get(f"/coops/{coop.slug}/budgets/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert Api().get(f"/coops/{coop.slug}/budgets").status_code == 401


def test_a_closed_round_gives_its_result_with_explanations_and_its_file(coop, founder):
    round_, a, b = voting_round(coop, founder)
    amal = factories.member(coop)
    pb.cast_ballot(round_, by=amal.user, approve=[a.pk, b.pk])
    pb.cast_ballot(round_, by=founder, approve=[b.pk])
    pb.close_round(round_, by=founder)
    api = Api(amal.user)
    result = api.get(f"/coops/{coop.slug}/budgets/{round_.pk}").json()["result"]
    assert result["funded"] == ["2"]
    irons = next(d for d in result["decisions"] if d["project"] == "1")
    assert irons["explanation"] == (
        "not funded: it cost more than the 59.50 EGP left when its turn came"
    )
    exported = api.get(f"/coops/{coop.slug}/budgets/{round_.pk}/export.pb")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/plain")
    read = pabulib.read(exported.content)
    assert [p.fields["selected"] for p in read.projects] == ["0", "1"]
    assert len(read.votes) == 2


def test_the_openapi_document_lists_the_budgeting_endpoints(coop):
    paths = Api().get("/openapi.json").json()["paths"]
    assert "/api/coops/{slug}/budgets/{round_id}/ballot" in paths
    assert paths["/api/coops/{slug}/budgets"]["get"]["tags"] == ["budgeting"]
