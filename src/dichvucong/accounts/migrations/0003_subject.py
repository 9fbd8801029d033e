import uuid

from django.db import migrations, models


def give_each_account_a_subject(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(subject__isnull=True).only("pk"):
        user.subject = uuid.uuid4()
        user.save(update_fields=["subject"])


class Migration(migrations.Migration):
    # The documented three steps for a unique field on existing rows: nullable, fill, unique.
    dependencies = [("accounts", "0002_officials")]

    operations = [
        migrations.AddField(model_name="user", name="subject", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(give_each_account_a_subject, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user", name="subject",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
