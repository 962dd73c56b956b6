"""The membership pages, as a person uses them: forms, errors beside fields."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from taawun.accounts.models import User
from taawun.ledger import queries as ledger_queries
from taawun.membership import actions
from taawun.membership.models import Cooperative, Member
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_visitor_applies_and_is_signed_in_to_wait(client, coop):
    response = client.post(
        reverse("membership:apply", args=[coop.slug]),
        {
            "name": "Hala",
            "email": "hala@example.org",
            "password": "a long passphrase here",
            "membership_class": "worker",
            "statement": "I build websites.",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(user__email="hala@example.org")
    assert member.status == "applicant"
    dashboard = client.get("/")
    assert "Hala" in dashboard.content.decode()
    assert "waiting for a decision" in dashboard.content.decode()


def test_applying_with_a_taken_email_shows_the_error_beside_the_field(client, coop):
    factories.person(email="taken@example.org")
    response = client.post(
        reverse("membership:apply", args=[coop.slug]),
        {
            "name": "X",
            "email": "taken@example.org",
            "password": "a long passphrase here",
            "membership_class": "worker",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Member.objects.filter(cooperative=coop).count() == 1


def test_applying_with_a_made_up_class_is_refused(client, coop):
    response = client.post(
        reverse("membership:apply", args=[coop.slug]),
        {
            "name": "X",
            "email": "x@example.org",
            "password": "a long passphrase here",
            "membership_class": "emperor",
        },
    )
    assert response.status_code == 200
    assert "membership_class" in response.context["form"].errors
    assert not User.objects.filter(email="x@example.org").exists()


def test_an_unknown_cooperative_is_a_clear_404(client, db):
    response = client.get("/coops/no-such-coop/")
    assert response.status_code == 404
    assert "no-such-coop" in response.content.decode()


def test_the_directory_is_for_members_only(client, coop):
    member = factories.member(coop)
    url = reverse("membership:directory", args=[coop.slug])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(factories.person())
    assert client.get(url).status_code == 403
    client.force_login(member.user)
    page = client.get(url)
    assert page.status_code == 200 and member.user.name in page.content.decode()


def test_the_directory_searches_by_name_and_pages(client, coop):
    for n in range(55):
        factories.member(coop, factories.person(f"Sami {n}"))
    client.force_login(factories.founder_of(coop))
    url = reverse("membership:directory", args=[coop.slug])
    first = client.get(url)
    assert first.context["page"].paginator.count == 56
    assert len(first.context["page"]) == 50
    found = client.get(url, {"q": "Sami 54"})
    assert [m.user.name for m in found.context["page"]] == ["Sami 54"]


def test_an_officer_admits_from_the_application_page(client, coop, founder):
    applicant = factories.applicant(coop)
    client.force_login(founder)
    url = reverse("membership:application", args=[coop.slug, applicant.pk])
    assert client.post(url, {"decision": "admit"}).status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == "active"


def test_a_second_decision_on_the_same_application_is_refused_with_a_message(client, coop, founder):
    applicant = factories.applicant(coop)
    client.force_login(founder)
    url = reverse("membership:application", args=[coop.slug, applicant.pk])
    client.post(url, {"decision": "reject", "reason": "no"})
    again = client.post(url, {"decision": "admit"})
    assert again.status_code == 200
    assert again.context["form"].non_field_errors()
    applicant.refresh_from_db()
    assert applicant.status == "rejected"


def test_the_register_and_its_csv_are_for_the_keepers_of_the_register(client, coop):
    treasurer = factories.member(coop, offices=["treasurer"])
    plain = factories.member(coop, factories.person("=HYPERLINK(1)"))
    url = reverse("membership:register_csv", args=[coop.slug])
    client.force_login(plain.user)
    assert client.get(url).status_code == 403
    client.force_login(treasurer.user)
    response = client.get(url)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["number", "name", "email"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    # A name that looks like a formula is defused for spreadsheets.
    assert rows[3][1] == "'=HYPERLINK(1)"
    assert client.get(reverse("membership:register", args=[coop.slug])).status_code == 200


def test_status_and_offices_are_changed_from_the_member_page(client, coop, founder):
    member = factories.member(coop)
    client.force_login(founder)
    url = reverse("membership:member", args=[coop.slug, member.pk])
    client.post(url, {"status-to": "suspended", "status-reason": "dues"})
    member.refresh_from_db()
    assert member.status == "suspended"
    page = client.post(url, {"offices-offices": ["secretary"]})
    assert page.status_code == 200
    assert page.context["offices_form"].errors
    member.refresh_from_db()
    assert member.offices == []


def test_an_invitation_link_works_once(client, coop, founder):
    _invitation, token = actions.invite_member(
        by=founder, coop=coop, email="new@example.org", membership_class="user"
    )
    url = reverse("membership:accept_invitation", args=[token])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "New Person", "password": "a long passphrase here"})
    assert response.status_code == 302
    assert Member.objects.get(user__email="new@example.org").status == "active"
    client.logout()
    used = client.get(url)
    assert used.status_code == 410
    assert "already been used" in used.content.decode()


def test_a_made_up_invitation_link_is_a_404(client, db):
    assert client.get("/invitations/made-up/").status_code == 404


def test_the_board_amends_the_bylaws_on_the_bylaws_page(client, coop, founder):
    client.force_login(founder)
    url = reverse("membership:bylaws", args=[coop.slug])
    data = {
        "quorum_percent": "66",
        "threshold": "two_thirds",
        "share_par_value": "25.00",
        "probation_days": "30",
        "admission": "officers",
        "min_voting_hours": "48",
        "proxy_limit": "1",
    }
    assert client.post(url, data).status_code == 302
    coop.refresh_from_db()
    assert coop.bylaws["threshold"] == "two_thirds" and coop.bylaws["probation_days"] == 30
    assert (coop.bylaws["min_voting_hours"], coop.bylaws["proxy_limit"]) == (48, 1)
    bad = client.post(url, dict(data, share_par_value="1.234"))
    assert bad.status_code == 200 and bad.context["form"].errors
    coop.refresh_from_db()
    assert coop.bylaws["share_par_value"] == "25.00"


def test_a_member_cannot_post_to_the_bylaws_page(client, coop):
    member = factories.member(coop)
    client.force_login(member.user)
    response = client.post(reverse("membership:bylaws", args=[coop.slug]), {"threshold": "x"})
    assert response.status_code == 403


def test_members_see_the_ledger_and_can_download_it(client, coop):
    member = factories.member(coop)
    client.force_login(member.user)
    page = client.get(reverse("membership:ledger", args=[coop.slug]))
    head = ledger_queries.head(str(coop.public_id))
    assert head.hash in page.content.decode()
    export = client.get(reverse("membership:ledger_export", args=[coop.slug]))
    assert len(b"".join(export.streaming_content).splitlines()) == head.seq
    client.force_login(factories.person())
    assert client.get(reverse("membership:ledger", args=[coop.slug])).status_code == 403


def test_anyone_signed_in_can_found_a_cooperative(client, db):
    user = factories.person()
    client.force_login(user)
    response = client.post(
        reverse("membership:coop_new"),
        {
            "name_en": "Byte Bakers",
            "name_ar": "خبازو البايت",
            "slug": "byte-bakers",
            "country": "tn",
            "currency": "TND",
            "languages": ["ar", "en"],
        },
    )
    assert response.status_code == 302
    coop = Cooperative.objects.get(slug="byte-bakers")
    assert coop.country == "TN" and coop.members.get().user == user
    taken = client.post(
        reverse("membership:coop_new"),
        {
            "name_en": "Again",
            "slug": "byte-bakers",
            "country": "TN",
            "currency": "TND",
            "languages": ["en"],
        },
    )
    assert taken.context["form"].errors["slug"]


def test_leaving_a_cooperative(client, coop):
    member = factories.member(coop)
    client.force_login(member.user)
    client.post(reverse("membership:withdraw", args=[coop.slug]))
    member.refresh_from_db()
    assert member.status == "withdrawn"


def classes_post(coop, rows):  # type: ignore[no-untyped-def]
    """The form as the page posts it: the existing classes first, then new rows."""
    data = {
        "classes-TOTAL_FORMS": str(len(rows)),
        "classes-INITIAL_FORMS": str(len(coop.bylaws["membership_classes"])),
        "classes-MIN_NUM_FORMS": "0",
        "classes-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"classes-{i}-{key}"] = value
    return data


def test_the_board_adds_a_membership_class_in_both_languages(client, coop, founder):
    client.force_login(founder)
    url = reverse("membership:bylaws_classes", args=[coop.slug])
    page = client.get(url)
    assert page.status_code == 200
    rows = [
        {
            "code": c["code"],
            "name_en": c["names"]["en"],
            "name_ar": c["names"]["ar"],
            "may_vote": "on" if c["may_vote"] else "",
            "min_shares": str(c["min_shares"]),
            "vote_weight": "2" if c["code"] == "worker" else "1",
        }
        for c in coop.bylaws["membership_classes"]
    ]
    rows.append(
        {
            "code": "investor",
            "name_en": "Investor member",
            "name_ar": "عضو مستثمر",
            "min_shares": "10",
        }
    )
    assert client.post(url, classes_post(coop, rows)).status_code == 302
    coop.refresh_from_db()
    investor = coop.membership_class("investor")
    assert investor == {
        "code": "investor",
        "may_vote": False,
        "min_shares": 10,
        "names": {"en": "Investor member", "ar": "عضو مستثمر"},
    }
    assert coop.bylaws["vote_weights"] == {"worker": 2}


def test_removing_a_class_that_members_hold_shows_why_and_changes_nothing(client, coop, founder):
    client.force_login(founder)
    before = dict(coop.bylaws)
    rows = [
        {
            "code": c["code"],
            "name_en": c["names"]["en"],
            "min_shares": str(c["min_shares"]),
            "DELETE": "on" if c["code"] == "worker" else "",
        }
        for c in coop.bylaws["membership_classes"]
    ]
    page = client.post(
        reverse("membership:bylaws_classes", args=[coop.slug]), classes_post(coop, rows)
    )
    assert page.status_code == 200
    assert "worker" in page.content.decode()  # the founder's class, still held
    coop.refresh_from_db()
    assert coop.bylaws == before


def test_the_board_gives_an_office_a_new_power(client, coop, founder):
    client.force_login(founder)
    url = reverse("membership:bylaws_offices", args=[coop.slug])
    data = {
        "offices-TOTAL_FORMS": "3",
        "offices-INITIAL_FORMS": "3",
        "offices-MIN_NUM_FORMS": "0",
        "offices-MAX_NUM_FORMS": "30",
    }
    for i, office in enumerate(coop.bylaws["offices"]):
        data[f"offices-{i}-code"] = office["code"]
        data[f"offices-{i}-name_en"] = office["names"]["en"]
        powers = office["powers"] + (["invite"] if office["code"] == "treasurer" else [])
        data[f"offices-{i}-powers"] = powers
    assert client.post(url, data).status_code == 302
    coop.refresh_from_db()
    assert coop.office("treasurer")["powers"] == ["invite", "keep_register", "keep_accounts"]


def test_only_the_holders_of_the_amending_power_edit_classes_and_offices(client, coop):
    secretary = factories.member(coop, offices=["secretary"])
    client.force_login(secretary.user)
    assert client.get(reverse("membership:bylaws_classes", args=[coop.slug])).status_code == 403
    assert client.get(reverse("membership:bylaws_offices", args=[coop.slug])).status_code == 403


def test_leaving_asks_for_confirmation_first(client, coop):
    member = factories.member(coop)
    client.force_login(member.user)
    url = reverse("membership:withdraw", args=[coop.slug])
    assert client.get(url).status_code == 200
    member.refresh_from_db()
    assert member.status == "active"
    client.post(url)
    member.refresh_from_db()
    assert member.status == "withdrawn"
    assert client.get(url).status_code == 404


def test_the_directory_and_register_cost_the_same_queries_for_many_members(client, coop, founder):
    client.force_login(founder)
    factories.member(coop)
    urls = [
        reverse("membership:directory", args=[coop.slug]),
        reverse("membership:register", args=[coop.slug]),
    ]

    def cost(url):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = [cost(url) for url in urls]
    for _ in range(30):
        factories.member(coop, membership_class="user")
    assert [cost(url) for url in urls] == few
