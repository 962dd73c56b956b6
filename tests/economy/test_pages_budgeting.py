"""Budgeting through the pages, as a member without JavaScript uses them:
plain forms, a POST and a redirect, errors beside the fields."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from taawun.economy import budgeting_actions as pb
from taawun.economy import pabulib
from taawun.economy.models import BudgetingBallot, BudgetingProject, BudgetingRound
from tests import factories
from tests.economy.test_budgeting_actions import SMALL, snapshot

pytestmark = pytest.mark.django_db


def url(name: str, coop, *args) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"economy:{name}", args=[coop.slug, *args])


def a_round(coop, founder, **changes):  # type: ignore[no-untyped-def]
    settings = {"title": "Tools", "fund": "100", "ballot_kind": "approval", "rule": "mes"}
    settings.update(changes)
    return pb.create_round(by=founder, coop=coop, **settings)


def test_the_treasurer_creates_a_round_and_members_propose(client, coop, founder):
    client.force_login(founder)
    response = client.post(
        url("pb_round_new", coop),
        {
            "title": "Tools 2026",
            "fund": "\u0665\u0660\u0660",
            "ballot_kind": "approval",
            "rule": "mes",
        },
    )
    round_ = BudgetingRound.objects.get()
    assert response["Location"] == round_.get_absolute_url()
    assert round_.fund == 50000

    amal = factories.member(coop)
    client.force_login(amal.user)
    page = client.get(round_.get_absolute_url())
    assert "Propose a project" in page.content.decode()
    response = client.post(
        round_.get_absolute_url(), {"title": "Soldering irons", "cost": "120.50"}
    )
    assert response.status_code == 302
    project = BudgetingProject.objects.get()
    assert (project.title, project.cost, project.proposed_by) == ("Soldering irons", 12050, amal)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert "Your project is proposed." in page and "120.50 EGP" in page


def test_a_new_round_with_errors_is_shown_again_and_nothing_is_written(client, coop, founder):
    client.force_login(founder)
    before = snapshot(coop)
    page = client.post(
        url("pb_round_new", coop),
        {"title": "Tools", "fund": "0", "ballot_kind": "points", "rule": "greedy"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {"fund": ["The fund must be more than zero."]}
    html = page.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_fund_field"' in html
    assert snapshot(coop) == before


def test_a_member_cannot_open_the_new_round_page(client, coop, founder):
    client.force_login(factories.member(coop).user)
    assert client.get(url("pb_round_new", coop)).status_code == 403
    assert client.get(url("pb_import", coop)).status_code == 403


def test_an_outsider_sees_no_round(client, coop, founder):
    round_ = a_round(coop, founder)
    client.force_login(factories.person())
    assert client.get(url("pb_rounds", coop)).status_code == 403
    assert client.get(round_.get_absolute_url()).status_code == 403
    assert client.get(url("pb_export", coop, round_.pk)).status_code == 403


def test_a_project_costing_more_than_the_fund_is_refused_beside_the_cost(client, coop, founder):
    round_ = a_round(coop, founder)
    client.force_login(founder)
    before = snapshot(coop)
    page = client.post(round_.get_absolute_url(), {"title": "Van", "cost": "250"})
    assert page.status_code == 200
    assert page.context["project_form"].errors == {
        "cost": ["The cost is more than the whole fund (100.00)."]
    }
    assert snapshot(coop) == before


def test_members_vote_with_checkboxes_and_replace_their_ballot(client, coop, founder):
    amal = factories.member(coop)
    round_ = a_round(coop, founder)
    a = pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    b = pb.propose_project(by=founder, round=round_, title="Screens", cost="40")
    client.force_login(founder)
    client.post(url("pb_open", coop, round_.pk))
    client.force_login(amal.user)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert 'type="checkbox" name="projects"' in page
    client.post(round_.get_absolute_url(), {"projects": [str(a.pk)]})
    page = client.get(round_.get_absolute_url())
    assert page.context["ballot_form"].initial == {"projects": [str(a.pk)]}
    assert "Replace my ballot" in page.content.decode()
    client.post(round_.get_absolute_url(), {"projects": [str(a.pk), str(b.pk)]})
    assert pb.ballot_of(round_, amal) == {a.pk: 1, b.pk: 1}
    assert BudgetingBallot.objects.count() == 1


def test_an_empty_ballot_is_refused_beside_the_projects(client, coop, founder):
    round_ = a_round(coop, founder)
    pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    pb.open_voting(round_, by=founder)
    client.force_login(founder)
    before = snapshot(coop)
    page = client.post(round_.get_absolute_url(), {})
    assert page.status_code == 200
    assert page.context["ballot_form"].errors == {
        "projects": ["Tick at least one project you support."]
    }
    assert snapshot(coop) == before


def test_a_points_ballot_has_a_number_per_project_and_too_many_points_are_refused(
    client, coop, founder
):
    round_ = a_round(coop, founder, ballot_kind="points", points_per_voter="10")
    a = pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    b = pb.propose_project(by=founder, round=round_, title="Screens", cost="40")
    pb.open_voting(round_, by=founder)
    client.force_login(founder)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert f'name="project_{a.pk}"' in page and 'inputmode="numeric"' in page
    before = snapshot(coop)
    page = client.post(round_.get_absolute_url(), {f"project_{a.pk}": "8", f"project_{b.pk}": "3"})
    assert page.status_code == 200
    assert "Your points add up to 11; you have 10 points to spread." in page.content.decode()
    page = client.post(round_.get_absolute_url(), {f"project_{a.pk}": "-2"})
    assert page.context["ballot_form"].errors == {
        f"project_{a.pk}": ["Give a whole number from 0 to 10."]
    }
    assert snapshot(coop) == before
    client.post(round_.get_absolute_url(), {f"project_{a.pk}": "\u0667", f"project_{b.pk}": "3"})
    assert pb.ballot_of(round_, factories.founder_of(coop).memberships.get()) == {a.pk: 7, b.pk: 3}


def test_closing_leads_to_a_result_that_explains_each_decision(client, coop, founder):
    members = [factories.member(coop) for _ in range(3)]
    round_ = a_round(coop, founder, rule="greedy")
    a = pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    b = pb.propose_project(by=founder, round=round_, title="Screens", cost="60")
    c = pb.propose_project(by=founder, round=round_, title="Chairs", cost="40")
    pb.open_voting(round_, by=founder)
    for m, chosen in zip(members, [[a, b], [a, b], [a, c]], strict=True):
        pb.cast_ballot(round_, by=m.user, approve=[p.pk for p in chosen])
    client.force_login(founder)
    response = client.post(url("pb_close", coop, round_.pk))
    assert response["Location"] == url("pb_result", coop, round_.pk)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "funded: supported by 3 members, and its cost fit in the 100.00 EGP left" in html
    assert "not funded: it cost more than the 40.00 EGP left when its turn came" in html
    assert "<svg" in html and 'class="bar-win"' in html and "<caption" in html
    assert page.context["chart"].bars[0].label == "Irons"


def test_the_result_of_an_open_round_is_not_there_yet(client, coop, founder):
    round_ = a_round(coop, founder)
    client.force_login(founder)
    assert client.get(url("pb_result", coop, round_.pk)).status_code == 404


def test_opening_a_round_without_projects_says_why(client, coop, founder):
    round_ = a_round(coop, founder)
    client.force_login(founder)
    response = client.post(url("pb_open", coop, round_.pk), follow=True)
    assert "Voting needs at least one project." in response.content.decode()
    round_.refresh_from_db()
    assert round_.state == "proposing"


def test_a_member_downloads_the_round_as_a_pabulib_file(client, coop, founder):
    round_ = a_round(coop, founder)
    pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    client.force_login(factories.member(coop).user)
    response = client.get(url("pb_export", coop, round_.pk))
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    assert text.startswith("META\n") and "1;60;Irons" in text


def test_the_file_of_an_open_round_has_no_votes_yet(client, coop, founder):
    round_ = a_round(coop, founder)
    irons = pb.propose_project(by=founder, round=round_, title="Irons", cost="60")
    pb.open_voting(round_, by=founder)
    pb.cast_ballot(round_, by=founder, approve=[irons.pk])
    client.force_login(founder)
    read = pabulib.read(client.get(url("pb_export", coop, round_.pk)).content)
    assert read.votes == () and [p.project_id for p in read.projects] == ["1"]


def test_the_treasurer_imports_a_file_as_a_record(client, coop, founder):
    client.force_login(founder)
    response = client.post(
        url("pb_import", coop),
        {
            "file": SimpleUploadedFile("small.pb", SMALL.encode()),
            "what": "record",
            "rule": "greedy",
            "title": "",
        },
    )
    round_ = BudgetingRound.objects.get()
    assert response["Location"] == round_.get_absolute_url()
    assert round_.state == "closed"
    page = client.get(round_.get_absolute_url()).content.decode()
    assert "record imported from a Pabulib file" in page and "from the file" in page
    assert "Your ballot" not in page


def test_a_bad_file_is_refused_beside_the_file_field_with_its_line(client, coop, founder):
    client.force_login(founder)
    before = snapshot(coop)
    page = client.post(
        url("pb_import", coop),
        {
            "file": SimpleUploadedFile("bad.pb", SMALL.replace("v3;a,c", "v3;a,z").encode()),
            "what": "record",
            "rule": "mes",
        },
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "file": ["Line 15: The vote names the unknown project z."]
    }
    assert snapshot(coop) == before
