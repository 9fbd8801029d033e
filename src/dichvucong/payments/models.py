"""Fee payments of dossiers through the national payment platform (E1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    EXPIRED = "expired", _("Hết hạn")
    REFUNDED = "refunded", _("Đã hoàn tiền")
    PARTIALLY_REFUNDED = "partially_refunded", _("Đã hoàn một phần")


# Answers from the platform that end a pending payment without money moving.
ENDED_UNPAID = (PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED)


class Payment(models.Model):
    """One attempt to pay a dossier's fees. ``reference`` is the idempotency key sent to the
    platform as ``order_ref``: creating it twice there gives the same payment."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    reference = models.CharField(_("mã giao dịch của cổng"), max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    fee_lines = models.JSONField(default=list)
    status = models.CharField(max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    platform_payment_id = models.CharField(max_length=64, blank=True)
    pay_url = models.URLField(max_length=500, blank=True)
    method = models.CharField(max_length=16, blank=True)
    transaction_no = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # How the portal learnt it was paid: callback, status query or reconciliation.
    confirmed_via = models.CharField(max_length=16, blank=True)
    refunded_amount = models.PositiveBigIntegerField(default=0)
    # Set when money was taken that must go back (paid after its dossier stopped waiting);
    # the recovery job refunds it until it succeeds, and reconciliation lists it meanwhile.
    refund_owed_reason = models.CharField(max_length=200, blank=True)
    receipt_number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("khoản thanh toán")
        verbose_name_plural = _("khoản thanh toán")
        constraints = [
            # Two clicks on "pay" never open two payments for one dossier.
            models.UniqueConstraint(fields=["dossier"], condition=Q(status="pending"),
                                    name="one_pending_payment_per_dossier"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.amount} đ, {self.status})"


class NoticeOutcome(models.TextChoices):
    APPLIED = "applied", _("Đã ghi nhận")
    DUPLICATE = "duplicate", _("Trùng lặp, bỏ qua")
    BAD_SIGNATURE = "bad_signature", _("Sai chữ ký")
    AMOUNT_MISMATCH = "amount_mismatch", _("Sai số tiền")
    UNKNOWN_ORDER = "unknown_order", _("Không rõ giao dịch")
    MALFORMED = "malformed", _("Không đọc được")
    REFUNDED_LATE = "refunded_late", _("Trả tiền muộn, đã hoàn")


class PaymentNotice(models.Model):
    """Every word from the platform about a payment — callback, return, status answer,
    reconciliation row — with what the portal did with it. Refusals are kept for audit."""

    class Kind(models.TextChoices):
        CALLBACK = "callback", _("Thông báo từ cổng thanh toán")
        RETURN = "return", _("Người nộp quay lại")
        STATUS_QUERY = "status_query", _("Tra cứu trạng thái")
        RECONCILIATION = "reconciliation", _("Đối soát")

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome = models.CharField(max_length=16, choices=NoticeOutcome.choices)
    event_id = models.CharField(max_length=64, blank=True)
    reported_status = models.CharField(max_length=24, blank=True)
    reported_amount = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome}"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    reference = models.CharField(max_length=40, unique=True)
    amount = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=300)
    platform_refund_id = models.CharField(max_length=64, blank=True)
    succeeded = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference} ({self.amount} đ)"


class ReconciliationRun(models.Model):
    """One comparison of the platform's daily file with the portal's payments."""

    day = models.DateField()
    ran_at = models.DateTimeField(auto_now_add=True)
    platform_rows = models.PositiveIntegerField(default=0)
    portal_rows = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-day", "-ran_at"]
        verbose_name = _("lần đối soát")
        verbose_name_plural = _("đối soát thanh toán")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


class Difference(models.Model):
    """A payment the platform and the portal disagree about, for an administrator to settle."""

    class Kind(models.TextChoices):
        MISSING_AT_PORTAL = "missing_at_portal", _("Cổng thanh toán có, Cổng DVC không có")
        MISSING_AT_PLATFORM = "missing_at_platform", _("Cổng DVC ghi đã thu, cổng thanh toán không có")
        STATUS = "status", _("Trạng thái khác nhau")
        AMOUNT = "amount", _("Số tiền khác nhau")
        RECOVERED = "recovered", _("Thông báo bị mất, đã ghi nhận qua đối soát")
        REFUND_OWED = "refund_owed", _("Phải hoàn tiền, chưa hoàn được")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    reference = models.CharField(max_length=40)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    portal_status = models.CharField(max_length=24, blank=True)
    portal_amount = models.BigIntegerField(null=True, blank=True)
    platform_status = models.CharField(max_length=24, blank=True)
    platform_amount = models.BigIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["resolved_at", "-run__day", "reference"]
        verbose_name = _("chênh lệch đối soát")
        verbose_name_plural = _("chênh lệch đối soát")

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_kind_display()}"
