from django.db import migrations, models


class Migration(migrations.Migration):
    """Mark the files supplied in answer to a request for more documents (C5). Reversible:
    going back drops the column, the files themselves stay."""

    dependencies = [
        ("dossiers", "0003_draft_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="supplement_round",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="lần bổ sung"),
        ),
    ]
