from django.db import migrations, models


def give_handles(apps, schema_editor):
    from taawun.accounts import handles

    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(handle__isnull=True).order_by("pk"):
        user.handle = handles.suggest(
            user.email, lambda h: User.objects.filter(handle=h).exists()
        )
        user.save(update_fields=["handle"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="handle",
            field=models.CharField(
                blank=True, max_length=30, null=True, unique=True, verbose_name="handle"
            ),
        ),
        migrations.RunPython(give_handles, migrations.RunPython.noop),
    ]
