"""Paying a dossier's fees: the fee page, the platform's return and callback, receipts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dichvucong.dossiers.constants import DossierStatus
from dichvucong.dossiers.fees import fees_due
from dichvucong.dossiers.models import Dossier
from dichvucong.payments import platform, services
from dichvucong.payments.models import Payment, PaymentStatus
from dichvucong.payments.receipts import payment_receipt_pdf


def _absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.select_related("procedure", "procedure_version", "agency"), pk=pk,
                                applicant=request.user)
    if dossier.status != DossierStatus.AWAITING_PAYMENT:
        return redirect("dossiers:receipt" if dossier.code else "dossiers:dossier", pk=pk)
    status = 200
    if request.method == "POST":
        try:
            payment = services.start_payment(
                dossier, payer=request.user, return_url=_absolute(reverse("payments:return")),
                notify_url=_absolute(reverse("payments-notify")),
            )
            return HttpResponseRedirect(payment.pay_url)
        except platform.PlatformUnavailable:
            messages.error(request, _("Cổng thanh toán chưa trả lời. Hồ sơ của bạn vẫn được giữ; vui lòng thử lại "
                                      "sau ít phút."))
            status = 503
        except services.PaymentRefused as refused:
            if refused.code == "not_awaiting_payment":  # paid meanwhile (a late confirmation)
                return redirect("dossiers:dossier", pk=pk)
            messages.error(request, _("Chưa tạo được giao dịch thanh toán. Vui lòng thử lại hoặc liên hệ tổng đài "
                                      "hỗ trợ."))
            status = 502
        except platform.PlatformRefused:
            messages.error(request, _("Chưa tạo được giao dịch thanh toán. Vui lòng thử lại hoặc liên hệ tổng đài "
                                      "hỗ trợ."))
            status = 502
    return render(request, "payments/pay.html", {
        "dossier": dossier, "fees": fees_due(dossier),
        "payments": dossier.payments.order_by("-created_at")[:10],
    }, status=status)


@login_required
@require_GET
def returned(request: HttpRequest) -> HttpResponse:
    """The payer's browser back from the platform (signed parameters; a hint, not a proof)."""
    payment = services.record_return({key: value[:200] for key, value in request.GET.items()})
    if payment is None or payment.payer_id != request.user.pk:
        return render(request, "payments/return_invalid.html", status=400)
    return redirect("payments:status", reference=payment.reference)


@csrf_exempt
@require_POST
def notify(request: HttpRequest) -> JsonResponse:
    """The platform's server-to-server callback. 200 once recorded (also for a duplicate);
    400 for a bad signature or an unreadable body, so that the refusal is visible there."""
    try:
        outcome = services.record_callback(request.body, timestamp=request.headers.get("X-Timestamp", ""),
                                           signature=request.headers.get("X-Signature", ""))
    except platform.BadSignature as refused:
        return JsonResponse({"error": {"code": refused.code, "message": "callback refused"}}, status=400)
    return JsonResponse({"received": True, "outcome": outcome})


def _own_payment(request: HttpRequest, reference: str) -> Payment:
    return get_object_or_404(Payment.objects.select_related("dossier", "dossier__procedure", "dossier__agency"),
                             reference=reference, payer=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def payment_status(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own_payment(request, reference)
    if request.method == "POST" and payment.status == PaymentStatus.PENDING:
        try:
            services.refresh_from_platform(payment)
        except platform.PlatformError:
            messages.error(request, _("Cổng thanh toán chưa trả lời. Chúng tôi sẽ tự kiểm tra lại."))
        return redirect("payments:status", reference=reference)
    template = "payments/_status.html" if request.headers.get("HX-Request") else "payments/status.html"
    return render(request, template, {"payment": payment, "dossier": payment.dossier})


@login_required
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own_payment(request, reference)
    if payment.paid_at is None:
        return redirect("payments:status", reference=reference)
    response = HttpResponse(payment_receipt_pdf(payment, "en" if get_language() == "en" else "vi"),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bien-lai-{payment.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
