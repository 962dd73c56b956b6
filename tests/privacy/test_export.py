"""A member downloads everything held about them, as JSON."""

from __future__ import annotations

import json

import pytest
from django.db import models
from django.test import Client
from django.test.utils import isolate_apps

from taawun.cli import main
from taawun.governance.models import SecretBallot
from taawun.membership.models import Member
from taawun.privacy.export import covered, pointers
from tests.privacy import lives


def test_every_field_that_points_at_a_person_is_in_the_export() -> None:
    missing = pointers() - covered()
    assert not missing, (
        f"{sorted(missing)} point at a person but taawun/privacy/export.py neither "
        "exports them (SECTIONS) nor says why not (LEFT_OUT)"
    )
    stale = covered() - pointers()
    assert not stale, f"{sorted(stale)} are in the export but no longer point at a person"


def test_a_new_model_pointing_at_a_member_is_noticed() -> None:
    with isolate_apps("taawun.privacy") as registry:

        class Badge(models.Model):
            holder = models.ForeignKey(Member, on_delete=models.PROTECT)

            class Meta:
                app_label = "privacy"

            def __str__(self) -> str:
                return "badge"

        assert pointers(registry) - covered() == {("privacy.Badge", "holder")}


@pytest.fixture
def life(db):  # type: ignore[no-untyped-def]
    return lives.build()


def _download(life: lives.Life) -> tuple[dict, str]:
    client = Client()
    client.force_login(life.qadir)
    response = client.get("/accounts/data/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="taawun-data-')
    text = response.content.decode()
    return json.loads(text), text


def test_my_download_holds_my_account_memberships_money_and_writing(life) -> None:  # type: ignore[no-untyped-def]
    data, text = _download(life)
    assert data["account"]["email"] == lives.EMAIL
    assert data["account"]["name"] == lives.NAME
    statuses = {m["cooperative"]: m["status"] for m in data["memberships"]}
    assert statuses == {
        life.north.slug: "active",
        life.south.slug: "active",
        life.west.slug: "applicant",
    }
    north = next(m for m in data["memberships"] if m["cooperative"] == life.north.slug)
    assert north["statement"] == lives.TEXTS["statement"]
    assert [e["kind"] for e in north["history"]] == ["applied", "admitted"]
    assert north["shares_held"] == 3
    assert north["capital_account_balance"] == 12550
    assert north["currency"] == "EGP"
    for key in ("discussion", "comment", "note", "article_comment", "call_response", "mentoring"):
        assert lives.TEXTS[key] in text, key
    assert len(data["allocation_shares"]) == 1
    assert [s["level"] for s in data["skills"]] == [2]
    assert data["api_tokens"][0]["name"] == "backup script"
    devices = {(d["type"], d["name"]) for d in data["two_factor_devices"]}
    assert devices == {("otp_totp.TOTPDevice", "app"), ("otp_static.StaticDevice", "recovery")}
    assert all("key" not in d for d in data["two_factor_devices"])
    assert data["federation_actor"][0]["names"] == {"und": lives.NAME}


def test_my_download_names_other_people_only_by_opaque_id_and_holds_no_secret(life) -> None:  # type: ignore[no-untyped-def]
    _data, text = _download(life)
    assert "Salma Founder" not in text
    assert life.founder.email not in text
    assert life.token not in text
    assert life.qadir.password not in text
    assert "private_key" not in text
    from taawun.membership.models import Invitation

    accepted = Invitation.objects.get(used_by__user=life.qadir)
    assert accepted.digest not in text, "an invitation's token digest is a secret too"


def test_my_download_lists_secret_polls_i_voted_in_but_never_my_secret_ballot(life) -> None:  # type: ignore[no-untyped-def]
    data, text = _download(life)
    named, secret, _open = life.polls
    assert [m["poll"] for m in data["secret_polls_voted_in"]] == [str(secret.public_id)]
    assert {b["poll"] for b in data["named_ballots"]} == {
        str(named.public_id),
        str(_open.public_id),
    }
    for ballot in SecretBallot.objects.filter(poll=secret):
        assert ballot.receipt_digest not in text


def test_the_data_page_links_the_download_and_says_what_erasure_keeps(life) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    assert client.get("/accounts/data/").status_code == 302
    assert client.get("/accounts/data/download/").status_code == 302
    client.force_login(life.qadir)
    page = client.get("/accounts/data/").content.decode()
    assert 'href="/accounts/data/download/"' in page
    assert "What stays" in page
    client.force_login(life.qadir)
    assert 'href="/accounts/data/"' in client.get("/accounts/settings/").content.decode()


def test_an_operator_exports_a_person_from_the_command_line(life, capsys) -> None:  # type: ignore[no-untyped-def]
    main(["export-member", "--email", lives.EMAIL.upper()])
    data = json.loads(capsys.readouterr().out)
    assert data["account"]["email"] == lives.EMAIL
    with pytest.raises(SystemExit) as exited:
        main(["export-member", "--email", "nobody@example.org"])
    assert exited.value.code == 1
    assert "nobody@example.org" in capsys.readouterr().err
