"""The postal service's pages: the citizen's pickup request and the carrier's callback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from dichvucong.dossiers.models import Dossier
from dichvucong.postal import client, services
from dichvucong.postal.forms import PickupForm

REFUSALS = {
    "wrong_status": gettext_lazy("Chỉ có thể yêu cầu thu gom giấy tờ khi hồ sơ đã nộp và đang được cơ quan xử lý."),
    "bad_address": gettext_lazy("Địa chỉ lấy giấy tờ chưa đầy đủ hoặc không hợp lệ."),
}


def _initial(dossier: Dossier) -> dict[str, str]:
    citizen = services.citizen_address(dossier)
    return {"name": citizen.name, "phone": citizen.phone, "address": citizen.address, "province": citizen.province,
            "commune": citizen.commune}


@login_required
@require_http_methods(["GET", "POST"])
def request_pickup(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the post office to collect the dossier's paper originals (the applicant only)."""
    dossier = get_object_or_404(Dossier.objects.select_related("agency", "applicant", "procedure"), pk=pk,
                                applicant=request.user)
    form = PickupForm(request.POST or None, initial=_initial(dossier))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                shipment = services.book_pickup(dossier, applicant=request.user, **form.cleaned_data)
            except services.ShipmentRefused as refused:
                form.add_error(None, REFUSALS.get(refused.code, _("Không thể đặt dịch vụ thu gom cho hồ sơ này.")))
                status = 409
            except client.CarrierUnavailable:
                # The request is kept with its reference; asking again books it once.
                form.add_error(None, _("Bưu điện chưa trả lời. Yêu cầu đã được ghi nhận, vui lòng thử lại sau ít phút."))
                status = 503
            except client.CarrierRefused:
                form.add_error(None, _("Bưu điện từ chối yêu cầu. Vui lòng kiểm tra lại địa chỉ."))
                status = 422
            else:
                messages.success(request, _("Đã đặt dịch vụ thu gom giấy tờ. Số hiệu bưu gửi: %(number)s.")
                                 % {"number": shipment.tracking_number})
                return redirect("dossiers:dossier", pk=dossier.pk)
        else:
            status = 400
    notice = "" if services.pickup_allowed(dossier, request.user) else REFUSALS["wrong_status"]
    return render(request, "postal/pickup.html", {"dossier": dossier, "form": form, "notice": notice},
                  status=status)


@csrf_exempt  # the carrier's server-to-server call: its HMAC signature is its authentication
@require_POST
def notify(request: HttpRequest) -> JsonResponse:
    """Tracking callbacks. 200 once recorded (a duplicate too: retrying would not help);
    400 with a code for a bad signature, a stale timestamp or a body it cannot read."""
    try:
        outcome = services.record_callback(request.body, request.headers)
    except client.BadSignature as refused:
        return JsonResponse({"error": {"code": refused.code, "message": "callback refused"}}, status=400)
    return JsonResponse({"received": True, "outcome": outcome})
