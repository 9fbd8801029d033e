"""The platform's reports racing each other (PostgreSQL): a payment is confirmed once, the
dossier filed once, however many callbacks, returns and queries arrive at the same instant."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from django.utils import timezone

from dichvucong.payments.models import NoticeOutcome, Payment
from dichvucong.payments.services import Report, apply_report

RACERS = 6


@pytest.mark.django_db
def test_concurrent_reports_confirm_a_payment_once(committed):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (CI runs it)")

    @committed
    def arrange() -> tuple[int, int]:
        from dichvucong.catalog.models import Procedure
        from dichvucong.dossiers import services as dossiers
        from dichvucong.dossiers.eforms import commune_choices
        from dichvucong.dossiers.selectors import receiving_agency
        from tests.accounts.factories import verified_citizen

        user = verified_citizen(phone="+84912000999")
        procedure = Procedure.objects.get(code="1.004194")
        commune = dict(commune_choices())["Thành phố Hà Nội"][0][0]
        draft = dossiers.create_draft(applicant=user, procedure=procedure,
                                      agency=receiving_agency(procedure, province="1", commune=commune))
        dossier = dossiers.submit_dossier(draft, applicant=user, submission_key="race", delivery_method="online")
        payment = Payment.objects.create(dossier=dossier, payer=user, reference="DVC-RACE-1", amount=7000)
        return dossier.pk, payment.pk

    barrier = Barrier(RACERS)

    @committed
    def race(kind: str) -> str:
        barrier.wait()
        return apply_report(Report(order_ref="DVC-RACE-1", status="paid", amount=7000, method="card",
                                   transaction_no="TXN1", paid_at=timezone.now()), kind=kind)

    @committed
    def clean_up(dossier_pk: int) -> None:
        from dichvucong.dossiers.models import Dossier, DossierSequence

        dossier = Dossier.objects.get(pk=dossier_pk)
        user = dossier.applicant
        Payment.objects.filter(dossier=dossier).delete()
        if dossier.code:
            DossierSequence.objects.filter(agency_code=dossier.agency.code, day=dossier.received_on).delete()
        dossier.delete()
        user.delete()

    with ThreadPoolExecutor(max_workers=1) as pool:
        dossier_pk, payment_pk = pool.submit(arrange).result()
    try:
        kinds = ["callback", "callback", "return", "status_query", "reconciliation", "callback"]
        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            outcomes = list(pool.map(race, kinds))
        assert sorted(outcomes) == sorted([NoticeOutcome.APPLIED] + [NoticeOutcome.DUPLICATE] * (RACERS - 1))

        @committed
        def observe() -> tuple[str, int, str]:
            from dichvucong.dossiers.models import Dossier

            dossier = Dossier.objects.get(pk=dossier_pk)
            return dossier.status, dossier.events.filter(to_status="submitted").count(), \
                Payment.objects.get(pk=payment_pk).status

        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(observe).result() == ("submitted", 1, "paid")
    finally:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(clean_up, dossier_pk).result()
