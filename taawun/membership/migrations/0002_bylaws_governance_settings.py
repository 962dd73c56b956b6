"""Bylaws gained three governance settings; existing cooperatives get the
defaults (24 hours minimum voting, no proxies, one member one vote)."""

from django.db import migrations

NEW = {"min_voting_hours": 24, "proxy_limit": 0, "vote_weights": {}}


def add_defaults(apps, schema_editor):
    Cooperative = apps.get_model("membership", "Cooperative")
    for coop in Cooperative.objects.all():
        missing = {k: v for k, v in NEW.items() if k not in coop.bylaws}
        if missing:
            coop.bylaws = {**coop.bylaws, **missing}
            coop.save(update_fields=["bylaws"])


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
