"""Daily reconciliation (E1): the platform's file against the portal's payments.

Every difference is listed for an administrator (admin → "Chênh lệch đối soát"). One kind
settles itself: a payment the platform says was paid, with the amount asked, while the
portal still waits for it — its callback was lost. It is confirmed here, and listed as
recovered so that somebody can see how often callbacks go missing.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from dichvucong.payments import platform
from dichvucong.payments.models import (
    ENDED_UNPAID,
    Difference,
    NoticeOutcome,
    Payment,
    PaymentNotice,
    PaymentStatus,
    ReconciliationRun,
)
from dichvucong.payments.services import Report, apply_report

_MONEY_TAKEN = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
_NOT_SETTLED = (PaymentStatus.PENDING, *ENDED_UNPAID)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day, time.max))
    return start, end


def reconcile(day: date) -> ReconciliationRun:
    try:
        rows = platform.reconciliation_file(day)
    except platform.PlatformError as error:
        return ReconciliationRun.objects.create(day=day, error=f"{type(error).__name__}: {error.code}"[:300])
    start, end = _day_bounds(day)
    ours = {p.reference: p for p in Payment.objects.filter(paid_at__range=(start, end), status__in=_MONEY_TAKEN)}
    run = ReconciliationRun.objects.create(day=day, platform_rows=len(rows), portal_rows=len(ours))
    differences = []
    for row in rows:
        payment = ours.pop(row.order_ref, None) or Payment.objects.filter(reference=row.order_ref).first()
        if payment is None:
            differences.append(Difference(run=run, reference=row.order_ref, kind=Difference.Kind.MISSING_AT_PORTAL,
                                          platform_status=row.status, platform_amount=row.amount))
            continue
        # Paid at the platform while the portal still waits for it, or had given it up: the
        # callback was lost. Applied like any report (a dossier no longer waiting is refunded).
        if payment.status in _NOT_SETTLED and row.status == PaymentStatus.PAID and row.amount == payment.amount:
            if apply_report(Report.from_platform(row), kind=PaymentNotice.Kind.RECONCILIATION) == NoticeOutcome.APPLIED:
                run.recovered += 1
                differences.append(Difference(
                    run=run, reference=row.order_ref, kind=Difference.Kind.RECOVERED, portal_status="pending",
                    portal_amount=payment.amount, platform_status=row.status, platform_amount=row.amount,
                    resolved_at=timezone.now(), note="Xác nhận tự động khi đối soát",
                ))
                continue
            payment.refresh_from_db()
        if row.amount != payment.amount:
            kind = Difference.Kind.AMOUNT
        elif row.status != payment.status or row.refunded_amount != payment.refunded_amount:
            kind = Difference.Kind.STATUS
        else:
            continue
        differences.append(Difference(run=run, reference=row.order_ref, kind=kind, portal_status=payment.status,
                                      portal_amount=payment.amount, platform_status=row.status,
                                      platform_amount=row.amount))
    for payment in ours.values():
        differences.append(Difference(run=run, reference=payment.reference, kind=Difference.Kind.MISSING_AT_PLATFORM,
                                      portal_status=payment.status, portal_amount=payment.amount))
    # Money to give back that has not gone back yet, whatever day it was taken.
    for payment in Payment.objects.filter(status=PaymentStatus.PAID).exclude(refund_owed_reason=""):
        differences.append(Difference(run=run, reference=payment.reference, kind=Difference.Kind.REFUND_OWED,
                                      portal_status=payment.status, portal_amount=payment.amount,
                                      note=payment.refund_owed_reason))
    Difference.objects.bulk_create(differences)
    run.save(update_fields=["recovered"])
    return run
