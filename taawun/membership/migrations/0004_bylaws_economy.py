"""Bylaws gained an economy section and offices a power to keep the accounts.

Existing cooperatives get the economy defaults (as ``default_economy`` gave
them when this was written: copied here, because a migration must not change
when the code does), and an office coded ``treasurer`` gets ``keep_accounts``,
as it has in the default bylaws.
"""

import copy

from django.db import migrations

POWERS = (
    "admit",
    "invite",
    "keep_register",
    "keep_accounts",
    "change_status",
    "assign_offices",
    "amend_bylaws",
)

ECONOMY = {
    "contribution_kinds": [
        {
            "code": "hours",
            "names": {"en": "Hours worked", "ar": "ساعات العمل"},
            "unit": "hours",
            "weight": "1",
        },
    ],
    "share_transfer_approver": "board",
    "redemption_delay_months": 12,
    "redemption_yearly_limit_percent": None,
    "redemption_on_request": False,
    "reserve_percent": "30",
    "legal_minimum_reserve_percent": "0",
    "community_percent": "5",
    "cash_percent": "30",
    "minimum_cash_percent": "20",
    "loss_reserve_percent": "50",
    "allocation_needs_poll": True,
    "capital_interest_percent": "0",
    "revolving_years": 0,
}


def add_economy(apps, schema_editor):
    Cooperative = apps.get_model("membership", "Cooperative")
    for coop in Cooperative.objects.all():
        bylaws = copy.deepcopy(coop.bylaws)
        offices = bylaws["offices"]
        if "economy" not in bylaws:
            economy = copy.deepcopy(ECONOMY)
            if not any(o["code"] == "board" for o in offices):
                economy["share_transfer_approver"] = next(
                    o["code"] for o in offices if "amend_bylaws" in o["powers"]
                )
            bylaws["economy"] = economy
        for office in offices:
            if office["code"] == "treasurer" and "keep_accounts" not in office["powers"]:
                granted = {*office["powers"], "keep_accounts"}
                office["powers"] = [p for p in POWERS if p in granted]
        if bylaws != coop.bylaws:
            coop.bylaws = bylaws
            coop.save(update_fields=["bylaws"])


def remove_economy(apps, schema_editor):
    Cooperative = apps.get_model("membership", "Cooperative")
    for coop in Cooperative.objects.all():
        bylaws = copy.deepcopy(coop.bylaws)
        bylaws.pop("economy", None)
        for office in bylaws["offices"]:
            office["powers"] = [p for p in office["powers"] if p != "keep_accounts"]
        if bylaws != coop.bylaws:
            coop.bylaws = bylaws
            coop.save(update_fields=["bylaws"])


class Migration(migrations.Migration):
    dependencies = [("membership", "0003_cooperative_version")]
    operations = [migrations.RunPython(add_economy, remove_economy)]
