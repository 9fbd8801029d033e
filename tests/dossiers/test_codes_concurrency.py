"""Dossier codes under concurrent submissions: no duplicate, no gap (PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection, connections

from dichvucong.dossiers.codes import next_dossier_code
from dichvucong.dossiers.models import DossierSequence

AGENCY = "TEST.CONCURRENCY"


@pytest.mark.django_db
def test_concurrent_numbering_gives_every_code_once(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (CI runs it)")
    day = date(2026, 11, 30)

    def worker(_: int) -> list[str]:
        # Each thread has its own connection and commits, as concurrent requests do.
        with django_db_blocker.unblock():
            try:
                return [next_dossier_code(AGENCY, day) for _ in range(25)]
            finally:
                connections.close_all()

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = [code for batch in pool.map(worker, range(8)) for code in batch]
        assert len(codes) == len(set(codes)) == 200
        assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, 201))
    finally:
        # The threads committed outside the test's transaction: remove what they wrote, the same way.
        def cleanup() -> None:
            with django_db_blocker.unblock():
                DossierSequence.objects.filter(agency_code=AGENCY).delete()
                connections.close_all()

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(cleanup).result()
