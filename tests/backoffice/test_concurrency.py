"""Two officials acting on one dossier at the same instant (PostgreSQL): one wins, the
other is told the dossier moved on; the history shows one acceptance."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

RACERS = 4


@pytest.mark.django_db
def test_concurrent_acceptances_receive_a_dossier_once(committed):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (CI runs it)")

    @committed
    def arrange() -> tuple[int, list[int]]:
        from dichvucong.accounts.constants import OfficialRole
        from dichvucong.backoffice.services import open_case
        from tests.accounts.factories import verified_citizen
        from tests.backoffice.conftest import make_official, submitted_dossier

        user = verified_citizen(phone="+84912000998")
        # Outside the test's transaction, on-commit work runs at each real commit: no capture needed.
        dossier = submitted_dossier(user, lambda execute: contextlib.nullcontext())
        open_case(dossier)
        receivers = [make_official(f"race{i}", OfficialRole.RECEIVER, dossier.agency).pk for i in range(RACERS)]
        return dossier.pk, receivers

    barrier = Barrier(RACERS)

    @committed
    def race(dossier_pk: int, official_pk: int) -> str:
        from dichvucong.accounts.models import User
        from dichvucong.backoffice import services
        from dichvucong.backoffice.models import Case

        case = Case.objects.get(dossier_id=dossier_pk)
        official = User.objects.get(pk=official_pk)
        barrier.wait()
        try:
            services.accept(case, official, step_index=0)
        except services.ActionRefused as refused:
            return refused.code
        return "accepted"

    @committed
    def observe(dossier_pk: int) -> tuple[str, int, int]:
        from dichvucong.backoffice.models import Case
        from dichvucong.dossiers.models import Dossier

        dossier = Dossier.objects.get(pk=dossier_pk)
        case = Case.objects.get(dossier=dossier)
        return dossier.status, dossier.events.filter(to_status="received").count(), case.step_index

    @committed
    def clean_up(dossier_pk: int, officials: list[int]) -> None:
        from dichvucong.accounts.models import User
        from dichvucong.dossiers.models import Dossier, DossierSequence

        dossier = Dossier.objects.get(pk=dossier_pk)
        applicant = dossier.applicant
        DossierSequence.objects.filter(agency_code=dossier.agency.code, day=dossier.received_on).delete()
        dossier.delete()
        User.objects.filter(pk__in=[*officials, applicant.pk]).delete()

    with ThreadPoolExecutor(max_workers=1) as pool:
        dossier_pk, officials = pool.submit(arrange).result()
    try:
        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            outcomes = list(pool.map(race, [dossier_pk] * RACERS, officials))
        assert sorted(outcomes) == sorted(["accepted"] + ["stale"] * (RACERS - 1))
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(observe, dossier_pk).result() == ("received", 1, 1)
    finally:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(clean_up, dossier_pk, officials).result()
