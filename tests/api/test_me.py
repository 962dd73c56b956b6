"""A script asks who it is acting for."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_me_lists_my_memberships_with_the_powers_my_offices_give(client, coop):
    treasurer = factories.member(coop, offices=["treasurer"])
    client.force_login(treasurer.user)
    body = client.get("/api/me").json()
    assert body["email"] == treasurer.user.email
    assert body["memberships"] == [
        {
            "coop": coop.slug,
            "id": treasurer.pk,
            "number": treasurer.number,
            "status": "active",
            "membership_class": "worker",
            "offices": ["treasurer"],
            "powers": ["keep_accounts", "keep_register"],
        }
    ]


def test_me_without_credentials_is_a_json_401(client, db):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_signed_in"
