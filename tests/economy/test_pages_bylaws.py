"""The economy's bylaws settings on the web: anyone reads them, an office
that may amend the bylaws changes them, checked as a whole, and a bad
setting is refused beside its field with nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.membership.models import Cooperative
from tests import factories
from tests.economy import factories as books

pytestmark = pytest.mark.django_db


def url(coop: Cooperative) -> str:
    return reverse("economy:bylaws", args=[coop.slug])


def form_data(coop: Cooperative, **changes: str) -> dict[str, str]:
    """The page's form as the browser sends it back unchanged, with ``changes``."""
    economy = coop.bylaws["economy"]
    data = {
        f"economy-{name}": str(economy[name])
        for name in (
            "reserve_percent",
            "legal_minimum_reserve_percent",
            "community_percent",
            "cash_percent",
            "minimum_cash_percent",
            "loss_reserve_percent",
            "capital_interest_percent",
            "revolving_years",
            "redemption_delay_months",
        )
    }
    data["economy-allocation_needs_poll"] = "on"
    data["economy-share_transfer_approver"] = economy["share_transfer_approver"]
    kinds = economy["contribution_kinds"]
    data.update(
        {
            "kinds-TOTAL_FORMS": str(len(kinds) + 1),
            "kinds-INITIAL_FORMS": str(len(kinds)),
            "kinds-MIN_NUM_FORMS": "0",
            "kinds-MAX_NUM_FORMS": "20",
        }
    )
    for n, kind in enumerate(kinds):
        data.update(
            {
                f"kinds-{n}-code": kind["code"],
                f"kinds-{n}-name_en": kind["names"].get("en", ""),
                f"kinds-{n}-name_ar": kind["names"].get("ar", ""),
                f"kinds-{n}-unit": kind["unit"],
                f"kinds-{n}-weight": kind["weight"],
            }
        )
    data.update(changes)
    return data


def test_a_visitor_reads_the_economy_settings(client, coop):
    page = client.get(url(coop))
    assert page.status_code == 200
    html = page.content.decode()
    assert "30%" in html and "Hours worked" in html
    assert "Save and record in the ledger" not in html


def test_the_board_adds_a_kind_of_contribution_and_changes_the_reserve(client, coop, founder):
    client.force_login(founder)
    n = len(coop.bylaws["economy"]["contribution_kinds"])
    data = form_data(
        coop,
        **{
            "economy-reserve_percent": "35",
            f"kinds-{n}-code": "sales",
            f"kinds-{n}-name_en": "Sales brought in",
            f"kinds-{n}-name_ar": "المبيعات",
            f"kinds-{n}-unit": "money",
            f"kinds-{n}-weight": "0.01",
        },
    )
    response = client.post(url(coop), data)
    assert response.status_code == 302
    coop.refresh_from_db()
    economy = coop.bylaws["economy"]
    assert economy["reserve_percent"] == "35"
    assert economy["contribution_kinds"][-1] == {
        "code": "sales",
        "names": {"en": "Sales brought in", "ar": "المبيعات"},
        "unit": "money",
        "weight": "0.01",
    }
    assert books.ledger_kinds(coop)[-1] == "bylaws.changed"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"economy-reserve_percent": "120"}, "reserve_percent", "out of range"),
        (
            {"economy-reserve_percent": "10", "economy-legal_minimum_reserve_percent": "20"},
            "reserve_percent",
            "below its legal minimum",
        ),
        ({"economy-cash_percent": "10"}, "cash_percent", "below its minimum"),
    ],
)
def test_a_bad_setting_is_refused_beside_its_field(client, coop, founder, changes, field, message):
    client.force_login(founder)
    before = coop.bylaws
    page = client.post(url(coop), form_data(coop, **changes))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="id_economy-{field}_error"' in html and message in html
    coop.refresh_from_db()
    assert coop.bylaws == before


def test_a_bad_kind_is_refused_and_nothing_changes(client, coop, founder):
    client.force_login(founder)
    before = coop.bylaws
    page = client.post(url(coop), form_data(coop, **{"kinds-0-weight": "0"}))
    assert page.status_code == 200
    assert "must be more than zero" in page.content.decode()
    coop.refresh_from_db()
    assert coop.bylaws == before


def test_a_member_without_the_power_cannot_change_them(client, coop):
    member = factories.member(coop)
    client.force_login(member.user)
    assert client.get(url(coop)).status_code == 200
    assert client.post(url(coop), form_data(coop)).status_code == 403
