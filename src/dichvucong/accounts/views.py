"""Account pages: registration, sign-in with every method, step-up, profile, security, sessions.

Thin by rule: each view validates its input with a form and calls one service.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dichvucong.accounts import audit, second_factors, services
from dichvucong.accounts.assurance import identity_ceiling, may_add_factor, methods_reaching
from dichvucong.accounts.codes import issue_code
from dichvucong.accounts.constants import AccountType, AuthMethod, CodePurpose
from dichvucong.accounts.decorators import step_up_url
from dichvucong.accounts.forms import (
    BusinessForm,
    CertificateSignInForm,
    CitizenRegistrationForm,
    CodeForm,
    ContactForm,
    DelegationForm,
    ForeignerRegistrationForm,
    RecoveryCompleteForm,
    RecoveryRequestForm,
    SignInForm,
)
from dichvucong.accounts.identifiers import mask_email, mask_phone
from dichvucong.accounts.models import Business, Delegation, User, UserSession
from dichvucong.accounts.sessions import current_auth, end_all_sessions, end_session, sign_in
from dichvucong.accounts.tasks import send_code_by_email, send_security_notice
from dichvucong.core.ratelimit import allow_request

PENDING_KEY = "dvc_pending_sign_in"
PENDING_TTL_SECONDS = 300


def _safe_next(request: HttpRequest, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("accounts:profile")


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/message.html", {
        "title": _("Quá nhiều yêu cầu"),
        "message": _("Bạn đã thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại."),
    }, status=429)


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:  # noqa: ANN001
    """django-axes calls this for a locked identifier: the same words whether it exists or not."""
    audit.record("lockout", request=request, method=AuthMethod.PASSWORD, outcome="locked")
    return render(request, "accounts/sign_in.html", {
        "form": SignInForm(), "next": _safe_next(request),
        "locked": True,
    }, status=429)


# --- Registration -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("loai") or request.POST.get("loai") or "cong-dan"
    form_class = ForeignerRegistrationForm if kind == "nguoi-nuoc-ngoai" else CitizenRegistrationForm
    form = form_class(request.POST or None)
    if request.method == "POST":
        if not allow_request(request, "registration"):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form_class is CitizenRegistrationForm:
                    user = services.register_citizen(
                        pin=data["pin"], full_name=data["full_name"], date_of_birth=data["date_of_birth"],
                        email=data["email"], phone=data["phone"], password=data["password"],
                        language=get_language() or "vi",
                    )
                else:
                    user = services.register_foreigner(
                        passport_number=data["passport_number"], nationality=data["nationality"],
                        full_name=data["full_name"], date_of_birth=data["date_of_birth"], email=data["email"],
                        password=data["password"], language=get_language() or "en",
                    )
            except services.AccountError:
                form.add_error(None, _("Không thể tạo tài khoản với thông tin này. Nếu bạn đã có tài khoản, "
                                       "hãy đăng nhập hoặc khôi phục mật khẩu."))
            except ValidationError as exc:
                form.add_error("password", exc)
            else:
                sign_in(request, user, methods=[AuthMethod.PASSWORD])
                messages.success(request, _("Đã tạo tài khoản. Chúng tôi đã gửi mã xác nhận tới %(email)s.")
                                 % {"email": mask_email(user.email)})
                return redirect("accounts:profile")
    return render(request, "accounts/register.html", {"form": form, "kind": kind})


# --- Sign-in ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    next_url = _safe_next(request)
    if request.method == "POST":
        if not allow_request(request, "sign_in"):
            return _too_many(request)
        if form.is_valid():
            user = authenticate(
                request, identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"]
            )
            if getattr(request, "axes_locked_out", False):
                return locked_out(request)
            if user is None:
                audit.record("sign_in", request=request, method=AuthMethod.PASSWORD, outcome="failure")
                form.add_error(None, _("Thông tin đăng nhập không đúng."))
            elif second_factors.has_totp(user):
                request.session[PENDING_KEY] = {"user": user.pk, "at": int(time.time()), "next": next_url}
                return redirect("accounts:second-factor")
            else:
                sign_in(request, user, methods=[AuthMethod.PASSWORD])
                return redirect(next_url)
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_TTL_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in, or of a step-up by a signed-in user (then ``?buoc-len``)."""
    stepping_up = request.user.is_authenticated and "buoc-len" in request.GET
    user = request.user if stepping_up else _pending_user(request)
    if user is None:
        messages.info(request, _("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại."))
        return redirect("accounts:sign-in")
    next_url = _safe_next(request, (request.session.get(PENDING_KEY) or {}).get("next", ""))
    form = CodeForm(request.POST or None)
    sms_sent = False
    can_email = user.account_type == AccountType.FOREIGNER and bool(user.email_confirmed_at)
    if request.method == "POST" and "send_email" in request.POST:
        if not can_email:
            return HttpResponseBadRequest("e-mail codes are for foreigners' accounts")
        if not allow_request(request, "otp_send"):
            return _too_many(request)
        code = issue_code(user, purpose=CodePurpose.SIGN_IN, destination=user.email)
        send_code_by_email.delay(user.email, code, CodePurpose.SIGN_IN, user.preferred_language)
        messages.info(request, _("Đã gửi mã tới %(email)s.") % {"email": mask_email(user.email)})
        form = CodeForm()
    elif request.method == "POST" and "send_sms" in request.POST:
        if not user.phone_confirmed_at:
            return HttpResponseBadRequest("no confirmed phone")
        if not allow_request(request, "otp_send"):
            return _too_many(request)
        from dichvucong.notifications.sms import SmsError

        try:
            code = issue_code(user, purpose=CodePurpose.SIGN_IN, destination=user.phone)
            from dichvucong.accounts.tasks import send_code_by_sms

            send_code_by_sms.apply(args=(user.phone, code, CodePurpose.SIGN_IN), throw=True)
            sms_sent = True
        except SmsError:
            messages.error(request, _("Không gửi được tin nhắn lúc này. Vui lòng thử lại sau ít phút "
                                      "hoặc dùng ứng dụng xác thực."))
        form = CodeForm()
    elif request.method == "POST":
        if not allow_request(request, "otp_verify"):
            return _too_many(request)
        if form.is_valid():
            code = form.cleaned_data["code"]
            method = second_factors.verify_second_factor(user, code)
            if method:
                request.session.pop(PENDING_KEY, None)
                methods = [method] if stepping_up else [AuthMethod.PASSWORD, method]
                sign_in(request, user, methods=methods)
                return redirect(next_url)
            audit.record("second_factor", request=request, user=user, outcome="failure")
            form.add_error("code", _("Mã không đúng hoặc đã hết hạn."))
    return render(request, "accounts/second_factor.html", {
        "form": form, "next": next_url, "has_totp": second_factors.has_totp(user),
        "phone": mask_phone(user.phone) if user.phone_confirmed_at else "", "sms_sent": sms_sent,
        "stepping_up": stepping_up, "email": mask_email(user.email) if can_email else "",
    })


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("Bạn đã đăng xuất."))
    return redirect("catalog:home")


# --- Step-up (B4) -------------------------------------------------------------------


@login_required
def step_up(request: HttpRequest) -> HttpResponse:
    try:
        level = min(4, max(1, int(request.GET.get("level", "2"))))
    except ValueError:
        return HttpResponseBadRequest("level")
    next_url = _safe_next(request)
    if request.assurance_level >= level:
        return redirect(next_url)
    options = methods_reaching(request.user, level)
    return render(request, "accounts/step_up.html", {
        "level": level, "current": request.assurance_level, "options": options, "next": next_url,
        "ceiling": identity_ceiling(request.user),
    })


# --- Passkeys -----------------------------------------------------------------------


def _may_add_factor(request: HttpRequest) -> bool:
    return may_add_factor(request.user, current_auth(request), int(time.time()))


def _notify_security_change(user: User, event: str) -> None:
    if user.email and user.email_confirmed_at:
        send_security_notice.delay(user.email, event, user.preferred_language)

PASSKEY_CHALLENGE = "dvc_passkey_challenge"


@require_POST
def passkey_options(request: HttpRequest, purpose: str) -> HttpResponse:
    if not allow_request(request, "otp_verify"):
        return JsonResponse({"error": "too_many"}, status=429)
    if purpose == "register":
        if not request.user.is_authenticated:
            return JsonResponse({"error": "sign_in_required"}, status=403)
        if not _may_add_factor(request):
            return JsonResponse({"error": "step_up_required"}, status=403)
        options, challenge = second_factors.registration_options(request, request.user)
    else:
        options, challenge = second_factors.authentication_options(request)
    request.session[PASSKEY_CHALLENGE] = {"c": second_factors.encode_challenge(challenge), "p": purpose,
                                          "at": int(time.time())}
    return HttpResponse(options, content_type="application/json")


@require_POST
def passkey_verify(request: HttpRequest, purpose: str) -> HttpResponse:
    stored = request.session.pop(PASSKEY_CHALLENGE, None)
    credential = second_factors.parse_credential(request.body)
    if not stored or stored["p"] != purpose or time.time() - stored["at"] > 300 or credential is None:
        return JsonResponse({"error": "bad_request"}, status=400)
    challenge = second_factors.decode_challenge(stored["c"])
    if purpose == "register":
        if not request.user.is_authenticated or not _may_add_factor(request):
            return JsonResponse({"error": "sign_in_required"}, status=403)
        passkey = second_factors.register_passkey(request, request.user, credential, challenge,
                                                  name=request.GET.get("name", ""))
        if passkey is None:
            audit.record("passkey_added", request=request, user=request.user, outcome="failure")
            return JsonResponse({"error": "invalid_credential"}, status=400)
        audit.record("passkey_added", request=request, user=request.user)
        _notify_security_change(request.user, "passkey_added")
        return JsonResponse({"ok": True, "redirect": reverse("accounts:security")})
    user = second_factors.authenticate_passkey(request, credential, challenge)
    if user is None or (request.user.is_authenticated and request.user.pk != user.pk):
        audit.record("sign_in", request=request, method=AuthMethod.PASSKEY, outcome="failure")
        return JsonResponse({"error": "invalid_credential"}, status=400)
    sign_in(request, user, methods=[AuthMethod.PASSKEY])
    return JsonResponse({"ok": True, "redirect": _safe_next(request)})


# --- Profile, confirmations, verification -------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "accounts/profile.html", {
        "attributes": user.attributes.order_by("name"),
        "auth": current_auth(request),
        "ceiling": identity_ceiling(user),
        "businesses": Business.objects.filter(representative=user),
        "delegations_received": Delegation.objects.in_force().filter(delegate=user).select_related("business"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def edit_contact(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ContactForm(request.POST or None, initial={"email": user.email, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.change_contact(user, email=form.cleaned_data["email"], phone=form.cleaned_data["phone"])
        except services.AccountError:
            form.add_error("email", _("Địa chỉ này đã được một tài khoản khác xác nhận."))
        else:
            if changed:
                messages.info(request, _("Đã lưu. Hãy xác nhận thông tin liên lạc mới bằng mã được gửi tới."))
            return redirect("accounts:profile")
    return render(request, "accounts/form_page.html", {
        "form": form, "title": _("Sửa thông tin liên lạc"), "submit": _("Lưu"),
    })


@login_required
@require_POST
def confirm_email(request: HttpRequest) -> HttpResponse:
    if not allow_request(request, "otp_verify"):
        return _too_many(request)
    if "resend" in request.POST:
        if allow_request(request, "otp_send"):
            services.send_email_confirmation(request.user)
            messages.info(request, _("Đã gửi lại mã xác nhận."))
        return redirect("accounts:profile")
    form = CodeForm(request.POST)
    if form.is_valid() and services.confirm_email(request.user, form.cleaned_data["code"]):
        messages.success(request, _("Đã xác nhận thư điện tử."))
    else:
        messages.error(request, _("Mã không đúng hoặc đã hết hạn."))
    return redirect("accounts:profile")


@login_required
@require_POST
def confirm_phone(request: HttpRequest) -> HttpResponse:
    from dichvucong.notifications.sms import SmsError

    if "send" in request.POST:
        if not allow_request(request, "otp_send"):
            return _too_many(request)
        try:
            services.send_phone_confirmation(request.user)
            messages.info(request, _("Đã gửi mã tới %(phone)s.") % {"phone": mask_phone(request.user.phone)})
        except SmsError:
            messages.error(request, _("Không gửi được tin nhắn lúc này. Vui lòng thử lại sau ít phút."))
        return redirect("accounts:profile")
    if not allow_request(request, "otp_verify"):
        return _too_many(request)
    form = CodeForm(request.POST)
    if form.is_valid() and services.confirm_phone(request.user, form.cleaned_data["code"]):
        messages.success(request, _("Đã xác nhận số điện thoại."))
    else:
        messages.error(request, _("Mã không đúng hoặc đã hết hạn."))
    return redirect("accounts:profile")


@login_required
@require_POST
def verify_identity(request: HttpRequest) -> HttpResponse:
    from dichvucong.registries.base import RegistryError

    if not request.user.pin:
        return HttpResponseBadRequest("no pin")
    try:
        outcome = services.verify_with_population_registry(request.user)
    except RegistryError:
        audit.record("verify_identity", request=request, user=request.user, outcome="unavailable")
        messages.error(request, _("Cơ sở dữ liệu quốc gia về dân cư đang không trả lời. Thông tin của bạn "
                                  "chưa được xác thực; vui lòng thử lại sau ít phút."))
        return redirect("accounts:profile")
    if outcome.verified:
        messages.success(request, _("Thông tin định danh đã được Cơ sở dữ liệu quốc gia về dân cư xác nhận."))
    elif outcome.not_found:
        messages.error(request, _("Không tìm thấy số định danh cá nhân này trong Cơ sở dữ liệu quốc gia về dân cư."))
    else:
        labels = {"full_name": _("họ và tên"), "date_of_birth": _("ngày sinh")}
        fields = ", ".join(str(labels.get(name, name)) for name in outcome.mismatched)
        messages.error(request, _("Thông tin chưa khớp với Cơ sở dữ liệu quốc gia về dân cư: %(fields)s. "
                                  "Hãy kiểm tra lại thông tin đã khai.") % {"fields": fields})
    return redirect("accounts:profile")


# --- Security: TOTP, passkeys, sessions ---------------------------------------------


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "accounts/security.html", {
        "has_totp": second_factors.has_totp(user),
        "passkeys": user.passkeys.order_by("-created_at"),
        "sessions": UserSession.objects.filter(user=user),
        "current_sid": current_auth(request).get("sid"),
        "may_add_factor": _may_add_factor(request),
        "step_up_to_add": step_up_url(2, request.get_full_path()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not _may_add_factor(request):
        return redirect(step_up_url(2, request.get_full_path()))
    form = CodeForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if request.method == "GET" or device is None:
        device = second_factors.start_totp_enrolment(request.user)
    elif form.is_valid():
        if not allow_request(request, "otp_verify"):
            return _too_many(request)
        if second_factors.confirm_totp(device, form.cleaned_data["code"]):
            audit.record("totp_added", request=request, user=request.user)
            _notify_security_change(request.user, "totp_added")
            messages.success(request, _("Đã bật ứng dụng xác thực. Từ nay đăng nhập sẽ hỏi mã của ứng dụng."))
            return redirect("accounts:security")
        form.add_error("code", _("Mã không đúng. Kiểm tra giờ trên điện thoại rồi nhập mã mới."))
    return render(request, "accounts/totp_enrol.html", {
        "form": form, "qr_svg": second_factors.totp_qr_svg(device, request.user),
        "secret": _base32(device.bin_key),
    })


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    count = end_all_sessions(request.user, reason="sign_out_everywhere")
    audit.record("sign_out_everywhere", request=request, user=request.user, sessions=count)
    logout(request)
    messages.info(request, _("Đã đăng xuất khỏi tất cả các thiết bị."))
    return redirect("accounts:sign-in")


@login_required
@require_POST
def end_other_session(request: HttpRequest, pk: int) -> HttpResponse:
    user_session = get_object_or_404(UserSession, pk=pk, user=request.user)
    end_session(user_session, reason="ended_by_user")
    return redirect("accounts:security")


@login_required
@require_POST
def deactivate(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        return HttpResponseBadRequest("confirm")
    services.deactivate_account(request.user)
    logout(request)
    messages.info(request, _("Tài khoản đã bị vô hiệu hóa."))
    return redirect("catalog:home")


@login_required
@require_POST
def request_deletion(request: HttpRequest) -> HttpResponse:
    services.request_deletion(request.user)
    messages.info(request, _("Đã ghi nhận yêu cầu xóa tài khoản. Hồ sơ mà pháp luật yêu cầu lưu giữ sẽ được giữ lại."))
    return redirect("accounts:profile")


# --- Recovery (B6) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    form = RecoveryRequestForm(request.POST or None)
    if request.method == "POST":
        if not allow_request(request, "recovery"):
            return _too_many(request)
        if form.is_valid():
            services.start_recovery(form.cleaned_data["identifier"])
            messages.info(request, _("Nếu tài khoản tồn tại và có thư điện tử hoặc số điện thoại đã xác nhận, "
                                     "chúng tôi đã gửi mã khôi phục tới đó."))
            return redirect("accounts:recovery-complete")
    return render(request, "accounts/form_page.html", {
        "form": form, "title": _("Quên mật khẩu"), "submit": _("Gửi mã khôi phục"),
    })


@require_http_methods(["GET", "POST"])
def recovery_complete(request: HttpRequest) -> HttpResponse:
    form = RecoveryCompleteForm(request.POST or None)
    if request.method == "POST":
        if not allow_request(request, "otp_verify"):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = services.complete_recovery(data["identifier"], data["code"], data["password"])
            except ValidationError as exc:
                form.add_error("password", exc)
            else:
                if done:
                    messages.success(request, _("Đã đặt lại mật khẩu. Mọi phiên đăng nhập cũ đã kết thúc."))
                    return redirect("accounts:sign-in")
                form.add_error("code", _("Mã không đúng hoặc đã hết hạn."))
    return render(request, "accounts/form_page.html", {
        "form": form, "title": _("Đặt lại mật khẩu"), "submit": _("Đặt lại mật khẩu"),
    })


# --- National eID (federation) ------------------------------------------------------

EID_KEY = "dvc_eid_login"


def eid_start(request: HttpRequest) -> HttpResponse:
    from dichvucong.registries import eid

    redirect_uri = request.build_absolute_uri(reverse("accounts:eid-callback"))
    try:
        start = eid.start_login(redirect_uri)
    except eid.EidError:
        messages.error(request, _("Hệ thống định danh điện tử đang không trả lời. Vui lòng thử lại sau."))
        return redirect("accounts:sign-in")
    request.session[EID_KEY] = {"state": start.state, "nonce": start.nonce, "verifier": start.code_verifier,
                                "next": _safe_next(request), "redirect_uri": redirect_uri}
    return redirect(start.authorization_url)


def eid_callback(request: HttpRequest) -> HttpResponse:
    from dichvucong.accounts.federation import link_eid_identity
    from dichvucong.registries import eid

    pending = request.session.pop(EID_KEY, None)
    if not pending:
        return redirect("accounts:sign-in")
    try:
        # The state is checked first, also for an error answer, so a forged callback shows nothing.
        identity = eid.complete_login(
            redirect_uri=pending["redirect_uri"], code=request.GET.get("code", ""),
            state=request.GET.get("state", ""), expected_state=pending["state"], nonce=pending["nonce"],
            code_verifier=pending["verifier"], error=request.GET.get("error") or None,
        )
    except eid.EidError as exc:
        audit.record("sign_in", request=request, method="eid", outcome="failure", code=exc.code)
        if exc.code == "access_denied":
            messages.info(request, _("Bạn đã hủy đăng nhập bằng tài khoản định danh điện tử."))
        else:
            messages.error(request, _("Không đăng nhập được bằng tài khoản định danh điện tử. Vui lòng thử lại."))
        return redirect("accounts:sign-in")
    user = link_eid_identity(identity, current=request.user if request.user.is_authenticated else None)
    if user is None:
        messages.error(request, _("Tài khoản định danh điện tử không khớp với tài khoản đang đăng nhập."))
        return redirect("accounts:profile")
    method = AuthMethod.EID_LEVEL_2 if identity.eid_level >= 2 else AuthMethod.EID_LEVEL_1
    sign_in(request, user, methods=[method])
    return redirect(pending["next"])


# --- Digital-signature certificate (remote signing, SIM-PKI) ------------------------

CERT_KEY = "dvc_cert_login"


@require_http_methods(["GET", "POST"])
def certificate_start(request: HttpRequest) -> HttpResponse:
    from dichvucong.pki.remote_signing import RemoteSigningClient, RemoteSigningUnavailable
    from dichvucong.pki.verification import new_challenge

    initial = {"pin": request.user.pin} if request.user.is_authenticated and request.user.pin else None
    form = CertificateSignInForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not allow_request(request, "otp_send"):
            return _too_many(request)
        challenge = new_challenge()
        text = _("Đăng nhập Cổng Dịch vụ công lúc %(time)s") % {"time": timezone.localtime().strftime("%H:%M")}
        try:
            started = RemoteSigningClient().start(form.cleaned_data["pin"], challenge.encode(), text)
        except RemoteSigningUnavailable:
            messages.error(request, _("Dịch vụ ký số từ xa đang không trả lời. Vui lòng thử lại sau."))
        else:
            request.session[CERT_KEY] = {"id": started.request_id, "challenge": challenge,
                                         "pin": form.cleaned_data["pin"], "next": _safe_next(request)}
            return render(request, "accounts/certificate_wait.html", {"approve_url": started.approve_url})
    return render(request, "accounts/form_page.html", {
        "form": form, "title": _("Đăng nhập bằng chữ ký số"), "submit": _("Gửi yêu cầu ký tới điện thoại"),
        "intro": _("Chúng tôi gửi một yêu cầu ký tới SIM ký số của bạn. Hãy xác nhận trên điện thoại."),
        "next": _safe_next(request),
    })


def certificate_poll(request: HttpRequest) -> HttpResponse:
    """Polled by the waiting page (htmx, or the refresh link without JS)."""
    from dichvucong.accounts.federation import account_for_certificate
    from dichvucong.pki.remote_signing import RemoteSigningClient, RemoteSigningUnavailable
    from dichvucong.pki.verification import CertificateRejected, verify_signed_challenge

    pending = request.session.get(CERT_KEY)
    if not pending:
        return redirect("accounts:sign-in")
    try:
        status = RemoteSigningClient().poll(pending["id"])
    except RemoteSigningUnavailable:
        return render(request, "accounts/certificate_wait.html", {"waiting": True}, status=202)
    if status.status == "pending":
        return render(request, "accounts/certificate_wait.html", {"waiting": True}, status=202)
    request.session.pop(CERT_KEY, None)
    if status.status != "approved":
        messages.info(request, _("Yêu cầu ký đã bị từ chối hoặc hết hạn."))
        return redirect("accounts:sign-in")
    try:
        identity = verify_signed_challenge(
            challenge=pending["challenge"].encode(), signature=status.signature,
            certificate_pem=status.certificate_pem, chain_pems=list(status.chain_pems),
        )
    except CertificateRejected as exc:
        audit.record("sign_in", request=request, method=AuthMethod.CERTIFICATE, outcome="failure", code=exc.code)
        messages.error(request, _("Chứng thư số không hợp lệ (%(reason)s).") % {"reason": exc.code})
        return redirect("accounts:sign-in")
    user = account_for_certificate(identity, current=request.user if request.user.is_authenticated else None)
    if user is None:
        audit.record("sign_in", request=request, method=AuthMethod.CERTIFICATE, outcome="failure", code="no_account")
        messages.error(request, _("Chưa có tài khoản đã xác thực nào gắn với chứng thư số này."))
        return redirect("accounts:sign-in")
    sign_in(request, user, methods=[AuthMethod.CERTIFICATE])
    response = HttpResponse(status=204)
    target = pending["next"]
    if request.headers.get("HX-Request"):
        response["HX-Redirect"] = target
        return response
    return redirect(target)


# --- Businesses and delegations (B1) ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def businesses(request: HttpRequest) -> HttpResponse:
    from dichvucong.registries.base import RegistryError

    form = BusinessForm(request.POST if "enterprise_code" in request.POST else None)
    delegation_form = DelegationForm(request.POST if "delegate_pin" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            services.register_business(request.user, form.cleaned_data["enterprise_code"])
            messages.success(request, _("Đã liên kết doanh nghiệp với tài khoản của bạn."))
            return redirect("accounts:businesses")
        except services.AccountError as exc:
            form.add_error("enterprise_code", {
                "identity_unverified": _("Hãy xác thực danh tính với Cơ sở dữ liệu quốc gia về dân cư trước."),
                "not_found": _("Không tìm thấy doanh nghiệp trong Cơ sở dữ liệu đăng ký doanh nghiệp."),
                "not_representative": _("Bạn không phải người đại diện theo pháp luật của doanh nghiệp này."),
                "not_active": _("Doanh nghiệp không ở trạng thái đang hoạt động."),
            }.get(exc.code, exc.message))
        except RegistryError:
            form.add_error(None, _("Cơ sở dữ liệu đăng ký doanh nghiệp đang không trả lời. Vui lòng thử lại."))
    if delegation_form.is_bound and delegation_form.is_valid():
        business = get_object_or_404(Business, pk=request.POST.get("business"), representative=request.user)
        delegate = User.objects.filter(pin=delegation_form.cleaned_data["delegate_pin"], is_active=True).first()
        if delegate is None:
            delegation_form.add_error("delegate_pin", _("Người này chưa có tài khoản trên Cổng."))
        else:
            services.grant_delegation(business=business, granted_by=request.user, delegate=delegate,
                                      permissions=delegation_form.cleaned_data["permissions"],
                                      valid_until=services.end_of_day(delegation_form.cleaned_data["valid_until"]))
            messages.success(request, _("Đã ủy quyền."))
            return redirect("accounts:businesses")
    owned = Business.objects.filter(representative=request.user).prefetch_related("delegations__delegate")
    return render(request, "accounts/businesses.html", {
        "form": form, "delegation_form": delegation_form, "owned": owned,
    })


@login_required
@require_POST
def revoke_delegation(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation, pk=pk, business__representative=request.user)
    with transaction.atomic():
        services.revoke_delegation(delegation, by=request.user)
    messages.info(request, _("Đã thu hồi ủy quyền."))
    return redirect("accounts:businesses")

