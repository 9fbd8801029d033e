"""Paying a dossier's fees (E1): start, learn the outcome, refund, and never lose a payment.

The platform's word arrives by four roads — the callback, the payer's return, a status
query, the daily reconciliation file — in any order, any number of times. They all end in
``apply_report``, which locks the payment and changes it at most once: a duplicate or a
replay finds it already settled and changes nothing. A bad signature or a wrong amount is
refused and recorded. The dossier moves on (and gets its code) only once a verified report
says paid, with the amount asked.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dichvucong.core import events
from dichvucong.dossiers import services as dossier_services
from dichvucong.dossiers.constants import DossierStatus
from dichvucong.dossiers.fees import fees_due
from dichvucong.dossiers.models import Dossier
from dichvucong.payments import platform
from dichvucong.payments.models import (
    ENDED_UNPAID,
    NoticeOutcome,
    Payment,
    PaymentNotice,
    PaymentStatus,
    Refund,
)

logger = logging.getLogger(__name__)

PAYMENT_CONFIRMED = "payments.confirmed"
CALLBACK_STATUSES = frozenset({"paid", "failed", "cancelled", "expired"})
MAX_AMOUNT = 10**12  # đồng; anything larger is junk, not a fee
PAYMENT_EXPIRES_IN = 900  # seconds the payer has on the platform's page


class PaymentRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Report:
    """What the platform says about one payment, whichever road it came by."""

    order_ref: str
    status: str
    amount: int | None
    method: str = ""
    transaction_no: str = ""
    paid_at: datetime | None = None
    refunded_amount: int | None = None  # None: the report says nothing about refunds
    event_id: str = ""

    @classmethod
    def from_platform(cls, payment: platform.PlatformPayment) -> Report:
        return cls(order_ref=payment.order_ref, status=payment.status, amount=payment.amount,
                   method=payment.method, transaction_no=payment.transaction_no, paid_at=payment.paid_at,
                   refunded_amount=payment.refunded_amount)


def _new_reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12).upper()}"


def start_payment(dossier: Dossier, *, payer, return_url: str, notify_url: str) -> Payment:  # noqa: ANN001
    """The payment to send the payer to: the pending one if there is one, else a new one.

    The portal's row is written before the platform is called, with its reference as the
    idempotency key: if the call times out, the next attempt sends the same reference and
    the platform answers with the payment it may already have made.
    """
    if dossier.applicant_id != payer.pk:
        raise PaymentRefused("not_permitted")
    if dossier.status != DossierStatus.AWAITING_PAYMENT:
        raise PaymentRefused("not_awaiting_payment")
    fees = fees_due(dossier)
    if fees.total <= 0:
        raise PaymentRefused("nothing_to_pay")
    payment = dossier.payments.filter(status=PaymentStatus.PENDING).first()
    if payment is not None and payment.pay_url and _maybe_expired(payment):
        refresh_from_platform(payment)  # it may have been paid meanwhile, its callback lost
        payment.refresh_from_db()
        if payment.status != PaymentStatus.PENDING:
            payment = None
    if payment is None:
        with transaction.atomic():
            # Under the dossier's lock, so that a confirmation arriving now is seen: a dossier
            # already paid for never gets a second payment.
            locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
            if locked.status != DossierStatus.AWAITING_PAYMENT:
                raise PaymentRefused("not_awaiting_payment")
            payment = locked.payments.filter(status=PaymentStatus.PENDING).first() or Payment.objects.create(
                dossier=locked, payer=payer, reference=_new_reference("DVC"), amount=fees.total,
                fee_lines=[{"label": line.label, "amount": line.amount} for line in fees.lines],
            )
    if payment.pay_url:
        return payment
    created = platform.create_payment(
        order_ref=payment.reference, amount=payment.amount, description=_description(dossier),
        return_url=return_url, notify_url=notify_url, expires_in=PAYMENT_EXPIRES_IN,
    )
    if created.amount != payment.amount:
        logger.error("payment platform created %s with another amount", payment.reference)
        raise platform.PlatformRefused("amount_mismatch")
    Payment.objects.filter(pk=payment.pk).update(platform_payment_id=created.payment_id, pay_url=created.pay_url)
    payment.refresh_from_db()
    return payment


def _maybe_expired(payment: Payment) -> bool:
    return timezone.now() - payment.created_at > timedelta(seconds=PAYMENT_EXPIRES_IN)


def _description(dossier: Dossier) -> str:
    return f"Phí, lệ phí: {dossier.procedure.name}"


def record_callback(body: bytes, *, timestamp: str, signature: str) -> str:
    """Verify and apply the platform's callback; the outcome's code. ``BadSignature`` is
    recorded and re-raised, so the caller can answer 400."""
    try:
        payload = platform.verify_callback(body, timestamp=timestamp, signature=signature)
    except platform.BadSignature as refused:
        PaymentNotice.objects.create(kind=PaymentNotice.Kind.CALLBACK, outcome=NoticeOutcome.BAD_SIGNATURE,
                                     detail=refused.code)
        logger.warning("payment callback refused: %s", refused.code)
        raise
    try:
        report = Report(
            order_ref=payload["order_ref"][:40], status=str(payload["status"]),
            amount=platform._integer(payload["amount"]), method=str(payload.get("method") or "")[:16],
            transaction_no=str(payload.get("transaction_no") or "")[:64],
            paid_at=datetime.fromisoformat(payload["paid_at"]) if payload.get("paid_at") else None,
            event_id=str(payload.get("event_id") or "")[:64],
        )
        # The contract's callbacks end a payment; refunds are learnt by status query or file.
        if report.status not in CALLBACK_STATUSES or payload.get("currency", "VND") != "VND" \
                or not 0 <= report.amount <= MAX_AMOUNT:
            raise ValueError("not a callback the contract allows")
    except (KeyError, TypeError, ValueError) as error:
        PaymentNotice.objects.create(kind=PaymentNotice.Kind.CALLBACK, outcome=NoticeOutcome.MALFORMED,
                                     detail=type(error).__name__)
        raise platform.BadSignature("malformed") from error
    return apply_report(report, kind=PaymentNotice.Kind.CALLBACK)


def record_return(params: dict[str, str]) -> Payment | None:
    """The payer is back. Their parameters are only a hint: if they say paid and the portal
    has not heard it yet, ask the platform (the callback may be late, or lost)."""
    try:
        fields = platform.verify_return(params)
    except platform.BadSignature:
        PaymentNotice.objects.create(kind=PaymentNotice.Kind.RETURN, outcome=NoticeOutcome.BAD_SIGNATURE)
        logger.warning("payment return with a bad signature")
        return None
    payment = Payment.objects.filter(reference=fields.get("order_ref", "")[:40]).first()
    if payment is None:
        return None
    if payment.status == PaymentStatus.PENDING and fields.get("status") in ("paid", *ENDED_UNPAID):
        # If the platform cannot answer, it stays pending: the page says so and the
        # recovery job asks again.
        with contextlib.suppress(platform.PlatformError):
            refresh_from_platform(payment)
        payment.refresh_from_db()
    return payment


def refresh_from_platform(payment: Payment) -> str:
    """Ask the platform about ``payment`` and apply its answer (a lost callback recovered)."""
    answer = platform.get_payment(payment.reference)
    return apply_report(Report.from_platform(answer), kind=PaymentNotice.Kind.STATUS_QUERY)


def apply_report(report: Report, *, kind: str) -> str:
    """Apply one report under a lock; returns the ``NoticeOutcome`` recorded."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=report.order_ref).first()
        outcome = _decide(payment, report, kind) if payment is not None else NoticeOutcome.UNKNOWN_ORDER
        PaymentNotice.objects.create(
            payment=payment, kind=kind, outcome=outcome, event_id=report.event_id,
            reported_status=report.status[:24], reported_amount=report.amount,
        )
    if outcome == NoticeOutcome.UNKNOWN_ORDER:
        logger.warning("payment report for an unknown order (%s)", kind)
    elif outcome == NoticeOutcome.AMOUNT_MISMATCH:
        logger.error("payment %s reported with another amount than asked (%s); not confirmed", report.order_ref,
                     kind)
    return outcome


def _decide(payment: Payment, report: Report, kind: str) -> str:
    if report.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED) and \
            report.amount != payment.amount:
        return NoticeOutcome.AMOUNT_MISMATCH
    if report.status == PaymentStatus.PAID:
        if payment.status != PaymentStatus.PENDING and payment.paid_at is not None:
            return NoticeOutcome.DUPLICATE
        return _confirm(payment, report, kind)
    if report.status in ENDED_UNPAID:
        if payment.status != PaymentStatus.PENDING:
            return NoticeOutcome.DUPLICATE
        payment.status = report.status
        payment.save(update_fields=["status", "updated_at"])
        return NoticeOutcome.APPLIED
    if report.status in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        if report.refunded_amount is None or (
                payment.refunded_amount == report.refunded_amount and payment.status == report.status):
            return NoticeOutcome.DUPLICATE
        payment.status, payment.refunded_amount = report.status, report.refunded_amount
        payment.save(update_fields=["status", "refunded_amount", "updated_at"])
        return NoticeOutcome.APPLIED
    return NoticeOutcome.DUPLICATE  # "pending": nothing new


def _confirm(payment: Payment, report: Report, kind: str) -> str:
    """Paid, with the amount asked: the payment is settled and the dossier reaches the agency.

    A payment that ended (cancelled, expired) and is then reported paid, or one whose
    dossier no longer waits for it (cancelled, or paid by another attempt), was still
    money taken: it is recorded as paid and refunded.
    """
    payment.status = PaymentStatus.PAID
    payment.paid_at = report.paid_at or timezone.now()
    payment.method, payment.transaction_no, payment.confirmed_via = report.method, report.transaction_no, kind
    payment.receipt_number = f"BL{timezone.localtime(payment.paid_at):%y%m%d}-{payment.pk:07d}"
    payment.save()
    dossier = Dossier.objects.select_for_update().get(pk=payment.dossier_id)
    if dossier.status != DossierStatus.AWAITING_PAYMENT:
        # Recorded first, so that the refund is never forgotten: if queueing it fails, the
        # recovery job finds it (and reconciliation lists it until it is done).
        payment.refund_owed_reason = "Hồ sơ không còn chờ thanh toán"
        payment.save(update_fields=["refund_owed_reason"])
        transaction.on_commit(lambda: _refund_later(payment.pk, payment.refund_owed_reason))
        return NoticeOutcome.REFUNDED_LATE
    dossier_services.complete_paid_submission(dossier, reason=f"Đã thanh toán {payment.amount} đồng")
    events.emit(PAYMENT_CONFIRMED, payment_id=payment.pk, dossier_id=dossier.pk)
    return NoticeOutcome.APPLIED


def _refund_later(payment_pk: int, reason: str) -> None:
    from dichvucong.payments.tasks import refund_payment_task

    try:
        refund_payment_task.delay(payment_pk, reason)
    except Exception:  # the broker is down: the recovery job will refund it
        logger.exception("could not queue the refund of payment %s", payment_pk)


def refund(payment: Payment, *, reason: str, amount: int | None = None, requested_by=None) -> Refund:  # noqa: ANN001
    """Give money back. The refund's reference is written first and reused on retry, so a
    timeout never refunds twice."""
    amount = payment.amount - payment.refunded_amount if amount is None else amount
    if payment.paid_at is None or amount <= 0 or amount > payment.amount - payment.refunded_amount:
        raise PaymentRefused("not_refundable")
    pending = payment.refunds.filter(succeeded=False, amount=amount).first()
    attempt = pending or Refund.objects.create(payment=payment, reference=_new_reference("RF"), amount=amount,
                                               reason=reason[:300], requested_by=requested_by)
    answer = platform.refund(order_ref=payment.reference, refund_ref=attempt.reference, amount=amount,
                             reason=reason)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        Refund.objects.filter(pk=attempt.pk).update(succeeded=True,
                                                    platform_refund_id=str(answer.get("refund_id", ""))[:64])
        # Counted from the refunds that succeeded, not added: a status query that learnt of
        # this refund in the meantime must not make it count twice.
        refunded = sum(locked.refunds.filter(succeeded=True).values_list("amount", flat=True))
        locked.refunded_amount = max(locked.refunded_amount, refunded)
        locked.status = (PaymentStatus.REFUNDED if locked.refunded_amount >= locked.amount
                         else PaymentStatus.PARTIALLY_REFUNDED)
        if locked.status == PaymentStatus.REFUNDED:
            locked.refund_owed_reason = ""
        locked.save(update_fields=["refunded_amount", "status", "refund_owed_reason", "updated_at"])
    attempt.refresh_from_db()
    return attempt


def recover_pending(older_than: timedelta = timedelta(minutes=2)) -> dict[str, int]:
    """Ask the platform about payments still pending after a while (lost callbacks), and
    give back money owed whose refund could not be queued or did not go through."""
    counts = {"asked": 0, "settled": 0, "unavailable": 0, "refunded": 0}
    for payment in Payment.objects.filter(status=PaymentStatus.PENDING,
                                          created_at__lt=timezone.now() - older_than)[:500]:
        counts["asked"] += 1
        try:
            if settle_or_forget(payment) == NoticeOutcome.APPLIED:
                counts["settled"] += 1
        except platform.PlatformError:
            counts["unavailable"] += 1
    for payment in Payment.objects.filter(status=PaymentStatus.PAID).exclude(refund_owed_reason="")[:100]:
        try:
            refund(payment, reason=payment.refund_owed_reason)
            counts["refunded"] += 1
        except (PaymentRefused, platform.PlatformError):
            logger.warning("refund of payment %s still owed", payment.reference)
    return counts


def settle_or_forget(payment: Payment) -> str:
    """``refresh_from_platform``, except that a payment whose creation never reached the
    platform (no ``pay_url``, unknown there, past its time) ends as expired."""
    try:
        return refresh_from_platform(payment)
    except platform.PlatformRefused as refused:
        if refused.code != "not_found" or payment.pay_url or not _maybe_expired(payment):
            raise
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(status=PaymentStatus.EXPIRED)
        return NoticeOutcome.APPLIED
