"""Shared set-up for the benchmarks: a Django process on a database that holds the catalog.

By default the benchmarks use a PostgreSQL database `dvc_bench` on the machine's
server (BENCH_DATABASE_URL overrides it; `sqlite:///path` works too). The catalog
is loaded once, the first time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dvc_bench"


def _ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup(database_url: str | None = None) -> str:
    """Configure Django for a benchmark and load the catalog if the database is empty."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if url.startswith("postgres"):
        _ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dichvucong.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    from dichvucong.catalog.models import LifeEvent, Procedure

    try:
        call_command("migrate", "--noinput", verbosity=0)
    except InconsistentMigrationHistory:
        # A benchmark database from before the custom user model: start it again.
        if not url.startswith("postgres"):
            raise
        from django.db import connection

        connection.close()
        _drop_postgres_database(url)
        _ensure_postgres_database(url)
        call_command("migrate", "--noinput", verbosity=0)
    if not Procedure.objects.exists() or not LifeEvent.objects.exists():
        call_command("bootstrap_demo", verbosity=0)
    return url


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
