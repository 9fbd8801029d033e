"""Payments for system administrators: read-only records, refunds, reconciliation differences."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dichvucong.payments import platform, services
from dichvucong.payments.models import Difference, Payment, PaymentNotice, ReconciliationRun, Refund


class _ReadOnly(admin.ModelAdmin):
    """Money records are written by the payment services only; the admin reads them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False


class NoticeInline(admin.TabularInline):
    model = PaymentNotice
    fields = ("received_at", "kind", "outcome", "reported_status", "reported_amount", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False


class RefundInline(NoticeInline):
    model = Refund
    fields = ("created_at", "reference", "amount", "reason", "succeeded", "requested_by")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(_ReadOnly):
    list_display = ("reference", "dossier", "amount", "status", "method", "paid_at", "confirmed_via")
    list_filter = ("status", "method", "confirmed_via")
    search_fields = ("reference", "transaction_no", "dossier__code")
    date_hierarchy = "created_at"
    inlines = [NoticeInline, RefundInline]
    actions = ["refund_in_full", "ask_platform"]

    @admin.action(description=_("Hoàn tiền toàn bộ"), permissions=["refund"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            try:
                services.refund(payment, reason="Hoàn tiền theo yêu cầu của quản trị", requested_by=request.user)
                self.message_user(request, f"{payment.reference}: {_('đã hoàn tiền')}")
            except (services.PaymentRefused, platform.PlatformError) as error:
                self.message_user(request, f"{payment.reference}: {error}", messages.ERROR)

    @admin.action(description=_("Hỏi lại trạng thái từ cổng thanh toán"), permissions=["refund"])
    def ask_platform(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            try:
                outcome = services.refresh_from_platform(payment)
                self.message_user(request, f"{payment.reference}: {outcome}")
            except platform.PlatformError as error:
                self.message_user(request, f"{payment.reference}: {error.code}", messages.ERROR)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


class DifferenceInline(NoticeInline):
    model = Difference
    fields = ("reference", "kind", "portal_status", "portal_amount", "platform_status", "platform_amount",
              "resolved_at")
    readonly_fields = fields


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(_ReadOnly):
    list_display = ("day", "ran_at", "platform_rows", "portal_rows", "recovered", "error")
    inlines = [DifferenceInline]


@admin.register(Difference)
class DifferenceAdmin(_ReadOnly):
    """The list an administrator works through after each reconciliation."""

    list_display = ("reference", "kind", "portal_status", "portal_amount", "platform_status", "platform_amount",
                    "run", "resolved_at", "resolved_by")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "kind")
    search_fields = ("reference",)
    actions = ["mark_resolved"]

    @admin.action(description=_("Đánh dấu đã xử lý"), permissions=["resolve"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Difference]) -> None:
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=request.user)
        self.message_user(request, _("Đã đánh dấu %(count)d chênh lệch.") % {"count": count})

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        """Settling a money difference is for the system's administrators, not any staff."""
        return request.user.is_superuser
