"""The administrators' exchange pages (H2, H3): one dossier's journey with its proof, and one
member with its systems, keys, procedures and dead letters, and the forms that change them.

Thin: what is shown comes from ``selectors``, every change goes through ``services`` or
``outbox`` (which audit it). Superusers only, like the monitor: these pages suspend members
and register the keys whose signatures the portal believes.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dichvucong.accounts.decorators import step_up_url
from dichvucong.exchange import outbox, selectors, services
from dichvucong.exchange.constants import KeyStatus, MemberStatus
from dichvucong.exchange.models import Member, MemberKey, MemberSystem, OutboxMessage, OutboxStatus

# Where the last integrity check's result waits for the page it redirects to (POST-redirect-GET).
CHECK_SESSION_KEY = "exchange_trace_check"

KEY_ERRORS = {
    "not_a_jwk": gettext_lazy("Không đọc được khóa: hãy dán khóa công khai dạng JWK (JSON)."),
    "private_key": gettext_lazy("Đây là khóa bí mật (có thành phần \"d\"): chỉ đăng ký khóa công khai. "
                                "Khóa bí mật đã dán không được lưu; thành viên nên tạo khóa mới."),
    "not_p256": gettext_lazy("Chỉ nhận khóa EC trên đường cong P-256 (ES256)."),
    "bad_kid": gettext_lazy("Mã khóa (kid) phải có từ 1 đến 100 ký tự."),
    "duplicate_kid": gettext_lazy("Mã khóa (kid) này đã được đăng ký: mỗi khóa cần một kid riêng."),
    "expired": gettext_lazy("Ngày hết hạn phải sau hôm nay."),
}


def superuser_required(view):  # noqa: ANN001, ANN201
    """Anonymous: sign in; signed in but not a superuser: 403; then the administrators' level."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied
        # The middleware steps up staff; a superuser who is not staff is stepped up here.
        if getattr(request, "assurance_level", 0) < settings.ADMIN_MIN_LEVEL:
            return redirect(step_up_url(settings.ADMIN_MIN_LEVEL, request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper


# --- a dossier's journey ---------------------------------------------------------------------
@superuser_required
def find_journey(request: HttpRequest) -> HttpResponse:
    """The monitor's search form (a plain GET, no script) lands on the dossier's page."""
    code = request.GET.get("ma", "").strip()[:100]
    if not code or not code.isprintable():
        messages.error(request, _("Nhập mã hồ sơ để xem hành trình liên thông."))
        return redirect("exchange-monitor")
    return redirect("exchange_admin:journey", code=code)


@require_http_methods(["GET", "HEAD", "POST"])
@superuser_required
def journey(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST":  # the integrity check: run, audited, then shown after a redirect
        result = services.verify_trace(admin=request.user)
        request.session[CHECK_SESSION_KEY] = {"ok": result.ok, "entries": result.entries,
                                              "first_bad_seq": result.first_bad_seq, "last_hash": result.last_hash,
                                              "at": timezone.now().isoformat()}
        return redirect("exchange_admin:journey", code=code)
    check = request.session.pop(CHECK_SESSION_KEY, None)
    if check is not None:
        check["at"] = datetime.fromisoformat(check["at"])
    return render(request, "exchange/admin/journey.html", {
        "journey": selectors.dossier_journey(code), "check": check,
    })


# --- a member --------------------------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, strip=True)


class StatusForm(ReasonForm):
    status = forms.ChoiceField(choices=MemberStatus.choices)


class KeyForm(forms.Form):
    system = forms.ModelChoiceField(queryset=MemberSystem.objects.none())
    public_jwk = forms.CharField(max_length=4000)
    expires_on = forms.DateField(required=False)

    def __init__(self, *args, member: Member, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = member.systems.all()

    def clean_public_jwk(self) -> dict:
        try:
            value = json.loads(self.cleaned_data["public_jwk"])
        except ValueError:
            raise forms.ValidationError(KEY_ERRORS["not_a_jwk"]) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(KEY_ERRORS["not_a_jwk"])
        return value

    def expires_at(self) -> datetime | None:
        # The start of the day named, portal time: the key is replaced before that day begins.
        day = self.cleaned_data.get("expires_on")
        return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def _member_or_404(code: str) -> Member:
    return get_object_or_404(Member, code=code)


def _first_error(form: forms.Form) -> str:
    return next(iter(form.errors.values()))[0]


@superuser_required
def member_page(request: HttpRequest, code: str) -> HttpResponse:
    overview = selectors.member_overview(code)
    if overview is None:
        raise Http404
    return render(request, "exchange/admin/member.html", {
        "overview": overview, "member": overview.member, "statuses": MemberStatus, "KeyStatus": KeyStatus,
    })


@require_POST
@superuser_required
def member_status(request: HttpRequest, code: str) -> HttpResponse:
    member = _member_or_404(code)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cần ghi lý do tạm ngừng hoặc kết nối lại."))
    elif form.cleaned_data["status"] == member.status:
        messages.info(request, _("Trạng thái không thay đổi."))
    else:
        services.set_member_status(member, form.cleaned_data["status"], admin=request.user,
                                   reason=form.cleaned_data["reason"])
        messages.success(request, _("Đã tạm ngừng kết nối: thông điệp của thành viên bị từ chối từ bây giờ.")
                         if member.status == MemberStatus.SUSPENDED else _("Đã kết nối lại thành viên."))
    return redirect("exchange_admin:member", code=code)


@require_POST
@superuser_required
def add_key(request: HttpRequest, code: str) -> HttpResponse:
    member = _member_or_404(code)
    form = KeyForm(request.POST, member=member)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("exchange_admin:member", code=code)
    try:
        key = services.add_key(form.cleaned_data["system"], form.cleaned_data["public_jwk"], admin=request.user,
                               expires_at=form.expires_at())
    except services.KeyRefused as refused:
        messages.error(request, KEY_ERRORS.get(refused.code, refused.code))
    else:
        messages.success(request, _("Đã đăng ký khóa %(kid)s.") % {"kid": key.kid})
    return redirect("exchange_admin:member", code=code)


@require_POST
@superuser_required
def revoke_key(request: HttpRequest, code: str, key_id: int) -> HttpResponse:
    member = _member_or_404(code)
    key = get_object_or_404(MemberKey, pk=key_id, system__member=member)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cần ghi lý do thu hồi khóa."))
    elif key.status != KeyStatus.ACTIVE:
        messages.info(request, _("Khóa này đã bị thu hồi trước đó."))
    else:
        services.revoke_key(key, admin=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Đã thu hồi khóa %(kid)s: thông điệp ký bằng khóa này bị từ chối từ bây giờ.")
                         % {"kid": key.kid})
    return redirect("exchange_admin:member", code=code)


@require_POST
@superuser_required
def replay(request: HttpRequest, code: str, message_id: int) -> HttpResponse:
    member = _member_or_404(code)
    message = get_object_or_404(OutboxMessage, pk=message_id, system__member=member)
    if message.status != OutboxStatus.DEAD:
        messages.info(request, _("Thông điệp này không còn chờ xử lý."))
    else:
        outbox.replay(message, admin=request.user)
        messages.success(request, _("Đã đưa thông điệp vào hàng gửi lại."))
    return redirect(reverse("exchange_admin:member", kwargs={"code": code}) + "#dead-letters")
