"""Payment jobs (E1, A7): recover lost callbacks, reconcile daily, remind about unpaid fees."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dichvucong.core.notices import request_notice
from dichvucong.core.text import group_thousands
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.fees import fees_due
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.state_machine import TransitionRefused, transition
from dichvucong.payments import platform, services
from dichvucong.payments.models import Payment, PaymentStatus

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _reminder_failure_logged(dossier_pk: int) -> Iterator[None]:
    """One reminder that cannot be sent must not stop the others, nor the expiries."""
    try:
        yield
    except Exception:
        logger.exception("unpaid-fee reminder for dossier %s not sent", dossier_pk)


@shared_task(name="payments.recover_pending", ignore_result=True)
def recover_pending() -> dict[str, int]:
    return services.recover_pending()


@shared_task(name="payments.reconcile", ignore_result=True)
def reconcile(day: str | None = None) -> dict[str, object]:
    """Reconcile ``day`` (ISO date; yesterday by default, the platform's file being final)."""
    from datetime import date

    from dichvucong.payments.reconciliation import reconcile as run_reconciliation

    target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    run = run_reconciliation(target)
    return {"day": target.isoformat(), "differences": run.differences.count(), "error": run.error}


@shared_task(name="payments.refund", bind=True, max_retries=8, ignore_result=True)
def refund_payment_task(self, payment_pk: int, reason: str) -> None:  # noqa: ANN001
    payment = Payment.objects.get(pk=payment_pk)
    if payment.status != PaymentStatus.PAID:
        return
    try:
        services.refund(payment, reason=reason)
    except platform.PlatformUnavailable as error:
        raise self.retry(exc=error, countdown=min(60 * 2 ** self.request.retries, 3600)) from error


@shared_task(name="payments.remind_and_expire_unpaid", ignore_result=True)
def remind_and_expire_unpaid() -> dict[str, int]:
    """A filed dossier whose fee is unpaid is reminded once, then cancelled (A7) — unless a
    payment is still open at the platform, which is asked first."""
    now = timezone.now()
    waiting = Dossier.objects.filter(status=DossierStatus.AWAITING_PAYMENT).select_related("applicant", "procedure",
                                                                                          "procedure_version")
    reminded = expired = 0
    for dossier in waiting.filter(updated_at__lt=now - timedelta(hours=settings.UNPAID_REMIND_AFTER_HOURS),
                                  draft_reminded_at__isnull=True):
        applicant = dossier.applicant
        with translation.override(applicant.preferred_language), _reminder_failure_logged(dossier.pk):
            # Inbox, and the channels the person chose (notifications), once per dossier.
            request_notice(
                applicant, kind="reminder", dedup_key=f"reminder:unpaid:{dossier.pk}", dossier_id=dossier.pk,
                subject=_("Hồ sơ chưa được thanh toán phí, lệ phí"),
                body=_("Hồ sơ “%(procedure)s” chưa được gửi đến cơ quan vì chưa thanh toán %(amount)s đồng. "
                       "Hồ sơ sẽ bị hủy sau %(days)s ngày nếu không được thanh toán.") % {
                    "procedure": dossier.procedure.name, "amount": group_thousands(fees_due(dossier).total),
                    "days": settings.UNPAID_EXPIRE_AFTER_DAYS},
            )
        Dossier.objects.filter(pk=dossier.pk).update(draft_reminded_at=now)
        reminded += 1
    for dossier in waiting.filter(updated_at__lt=now - timedelta(days=settings.UNPAID_EXPIRE_AFTER_DAYS)):
        open_payment = dossier.payments.filter(status=PaymentStatus.PENDING).first()
        if open_payment is not None:
            try:
                services.settle_or_forget(open_payment)
            except platform.PlatformError:
                continue  # cannot tell whether it was paid: ask again at the next run
            dossier.refresh_from_db()
            if dossier.status != DossierStatus.AWAITING_PAYMENT:
                continue
        try:
            transition(dossier, DossierStatus.CANCELLED, actor_kind=Actor.SYSTEM, reason="Quá hạn thanh toán")
            expired += 1
        except TransitionRefused:
            continue
    return {"reminded": reminded, "expired": expired}
