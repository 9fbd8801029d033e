"""Officials search dossiers by the applicant's name (G1): on PostgreSQL, a trigram index
makes ``full_name__icontains`` (``UPPER(full_name) LIKE '%…%'``) an index scan instead of a
scan of every account. Other databases (the embedded SQLite) go without."""

from django.db import migrations

INDEX = "accounts_user_full_name_trgm"


def create(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_user USING gin (UPPER(full_name::text) gin_trgm_ops)"
    )


def drop(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_subject")]
    operations = [migrations.RunPython(create, drop)]
