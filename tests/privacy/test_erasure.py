"""A member erases their personal data: the cooperatives' records stay true."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from taawun.accounts.models import ApiToken, User
from taawun.accounts.two_factor import PENDING_SESSION_KEY
from taawun.cli import main
from taawun.economy import queries as economy
from taawun.economy.models import AllocationShare
from taawun.federation.models import Actor
from taawun.governance import counting
from taawun.governance.actions import _digest, current_ballots
from taawun.governance.models import Poll
from taawun.ledger.chain import verify_lines
from taawun.ledger.models import LedgerEntry
from taawun.ledger.queries import export_lines
from taawun.membership import actions as membership
from taawun.membership.models import Cooperative, Member
from taawun.privacy.actions import ERASED_DOMAIN
from tests import factories
from tests.privacy import lives


@pytest.fixture
def life(db):  # type: ignore[no-untyped-def]
    return lives.build()


def _tables() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as the database returns it."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _traces(needles: list[str]) -> list[str]:
    """Where any of ``needles`` still is, in any column of any table."""
    found = []
    for table, rows in _tables().items():
        for row in rows:
            for value in row:
                text = _as_text(value)
                found += [f"{table}: {n!r}" for n in needles if n in text]
    return found


def _books(life: lives.Life) -> dict[str, Any]:
    """What the cooperatives must still be able to account for."""
    north = life.members["north"]
    return {
        "results": {p.pk: Poll.objects.get(pk=p.pk).result for p in life.polls},
        "ballots": {p.pk: current_ballots(Poll.objects.get(pk=p.pk)) for p in life.polls},
        "shares": economy.holding(north),
        "capital": economy.capital_balance(north),
        "allocations": sorted(
            AllocationShare.objects.values_list("member_id", "dividend", "retained", "cash")
        ),
    }


def _verify(coop: Cooperative) -> int:
    checked = verify_lines(list(export_lines(str(coop.public_id))))
    assert checked.ok, (coop.slug, checked.problem, checked.broken_seq)
    return checked.count


def _erase(client: Client, **data: str) -> Any:
    return client.post("/accounts/data/", data)


def test_erasure_keeps_ballots_money_and_ledgers_and_leaves_no_trace(life) -> None:  # type: ignore[no-untyped-def]
    qadir = life.qadir
    handle = qadir.handle
    needles = [lives.NAME, lives.EMAIL, handle, *lives.TEXTS.values()]
    # The scan finds each of them before (so that finding none after means something).
    assert {trace.split(": ", 1)[1] for trace in _traces(needles)} == {repr(n) for n in needles}
    before = _books(life)
    client = Client()
    client.force_login(qadir)
    assert Session.objects.count() == 1

    response = _erase(client, password=factories.PASSWORD, confirm="on")

    assert response.status_code == 200
    assert "Your personal data was erased" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _books(life) == before
    for coop in life.cooperatives:
        _verify(coop)
        last = LedgerEntry.objects.filter(chain=str(coop.public_id)).order_by("-seq").first()
        member = Member.objects.get(cooperative=coop, user=qadir)
        assert last is not None and last.kind == "member.erased"
        assert json.loads(last.data) == {"member": str(member.public_id), "requested_by": "member"}
        assert member.status == Member.Status.WITHDRAWN
        assert member.offices == []
    # A closed poll recounts to the result its ledger entry sealed.
    for poll in life.polls[:2]:
        closed = next(
            json.loads(e.data)
            for e in LedgerEntry.objects.filter(kind="poll.closed")
            if json.loads(e.data)["poll"] == str(poll.public_id)
        )
        recount = counting.count(poll, current_ballots(poll), seed=closed["seed"])
        assert _digest(recount) == closed["result"]

    assert _traces(needles) == []

    qadir.refresh_from_db()
    assert qadir.email.endswith("@" + ERASED_DOMAIN)
    assert not qadir.is_active and not qadir.has_usable_password()
    assert qadir.handle is None
    assert not ApiToken.objects.filter(user=qadir).exists()
    assert not TOTPDevice.objects.filter(user=qadir).exists()
    assert not StaticDevice.objects.filter(user=qadir).exists()
    assert Session.objects.count() == 0
    assert Actor.objects.get(user=qadir).names == {}
    visitor = Client()
    visitor.post("/accounts/login/", {"username": lives.EMAIL, "password": factories.PASSWORD})
    assert "_auth_user_id" not in visitor.session
    api = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {life.token}")
    assert api.status_code == 401


def test_erased_text_reads_erased_in_the_cooperatives_language(life) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(life.qadir)
    _erase(client, password=factories.PASSWORD, confirm="on")
    with translation.override("ar"):
        marker = translation.gettext("[erased]")
    comments = life.north.discussions.get().comments.values_list("body", flat=True)
    assert list(comments) == [marker, "Agreed."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "not my password", "confirm": "on"}, "That is not your password."),
        ({"password": factories.PASSWORD}, "Tick the box to confirm"),
    ],
    ids=["wrong-password", "not-confirmed"],
)
def test_erasure_without_password_or_confirmation_changes_nothing(life, data, message) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(life.qadir)
    before = _tables()
    response = _erase(client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _tables() == before


def test_the_last_officer_is_asked_to_hand_over_their_offices_first(life) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(life.founder)
    before = _tables()
    response = _erase(client, password=factories.PASSWORD, confirm="on")
    assert response.status_code == 400
    assert "Hand over your offices first" in response.content.decode()
    assert _tables() == before

    qadir = life.members["north"]
    membership.set_offices(qadir, by=life.founder, offices=["board"])
    response = _erase(client, password=factories.PASSWORD, confirm="on")
    assert response.status_code == 200
    founder = Member.objects.get(cooperative=life.north, user=life.founder)
    assert founder.status == Member.Status.WITHDRAWN
    assert Member.objects.get(pk=qadir.pk).offices == ["board"]
    _verify(life.north)


def test_an_operator_erases_a_person_by_email_from_the_command_line(life, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as refused:
        main(["erase", "--email", lives.EMAIL])
    assert refused.value.code == 2
    assert "--yes" in capsys.readouterr().err
    assert User.objects.filter(email=lives.EMAIL).exists()

    main(["erase", "--email", lives.EMAIL, "--yes"])
    assert "ledgers recording it: 3" in capsys.readouterr().out
    assert not User.objects.filter(email=lives.EMAIL).exists()
    entry = LedgerEntry.objects.filter(kind="member.erased").first()
    assert entry is not None and entry.actor is None
    assert json.loads(entry.data)["requested_by"] == "operator"
    with pytest.raises(SystemExit) as again:
        main(["erase", "--email", lives.EMAIL, "--yes"])
    assert again.value.code == 1


def test_erasing_one_address_leaves_other_peoples_waiting_emails(db, settings) -> None:  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    from taawun.accounts.tasks import send_email
    from taawun.privacy.actions import erase_person

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ali = factories.person(email="ali@example.org")
    factories.person(email="khalid.ali@example.org")
    send_email.enqueue(to=["ali@example.org"], subject="Reset", body="…")
    send_email.enqueue(to=["khalid.ali@example.org"], subject="Welcome", body="…")
    send_email.enqueue(to=["Ali@Example.org"], subject="Invitation", body="…")

    erase_person(ali, requested_by="operator")

    left = [task.args_kwargs["kwargs"]["to"] for task in DBTaskResult.objects.all()]
    assert left == [["khalid.ali@example.org"]]


def test_a_sign_in_waiting_for_its_code_ends_with_erasure(life) -> None:  # type: ignore[no-untyped-def]
    """On another device the person gave their password and the sign-in waits
    for the app's code: that session holds their id and the address as typed."""
    waiting = Client()
    waiting.post("/accounts/login/", {"username": lives.EMAIL, "password": factories.PASSWORD})
    assert PENDING_SESSION_KEY in waiting.session and "_auth_user_id" not in waiting.session
    others = Client()
    others.force_login(life.founder)
    client = Client()
    client.force_login(life.qadir)

    response = _erase(client, password=factories.PASSWORD, confirm="on")

    assert "Your personal data was erased" in response.content.decode()
    assert not Session.objects.filter(session_key=waiting.session.session_key).exists()
    assert Session.objects.filter(session_key=others.session.session_key).exists()
