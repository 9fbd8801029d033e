"""Delivery of codes off the request path: the answer never waits for, nor reveals, the channel."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

_SUBJECTS = {
    "confirm_email": gettext_noop("Mã xác nhận thư điện tử"),
    "confirm_phone": gettext_noop("Mã xác nhận số điện thoại"),
    "recovery": gettext_noop("Mã khôi phục mật khẩu"),
    "sign_in": gettext_noop("Mã đăng nhập"),
}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_code_by_email(address: str, code: str, purpose: str, language: str = "vi") -> None:
    with translation.override(language):
        subject = _(_SUBJECTS[purpose])
        body = _(
            "Mã của bạn là %(code)s. Mã có hiệu lực 10 phút. Không chia sẻ mã này với bất kỳ ai, "
            "kể cả người tự xưng là cán bộ."
        ) % {"code": code}
        portal = _("Cổng Dịch vụ công")
    send_mail(f"[{portal}] {subject}", body, None, [address])


@shared_task(retry_backoff=True, max_retries=5)
def send_code_by_sms(phone: str, code: str, purpose: str) -> None:
    from dichvucong.notifications.sms import SmsUnavailable, send_sms

    text = f"DICHVUCONG: ma xac thuc {code}, hieu luc 10 phut. Khong chia se ma nay."
    try:
        send_sms(to=phone, text=text)
    except SmsUnavailable:
        logger.warning("SMS gateway unavailable for a %s code", purpose)
        raise


_NOTICES = {
    "totp_added": gettext_noop("Một ứng dụng xác thực vừa được thêm vào tài khoản của bạn."),
    "passkey_added": gettext_noop("Một khóa truy cập vừa được thêm vào tài khoản của bạn."),
    "password_reset": gettext_noop("Mật khẩu tài khoản của bạn vừa được đặt lại."),
    "email_changed": gettext_noop("Địa chỉ thư điện tử của tài khoản vừa được đổi sang một địa chỉ khác."),
}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_security_notice(address: str, event: str, language: str = "vi") -> None:
    """Tells the owner of every change to how their account is entered, so a change they
    did not make is noticed (they can then sign out everywhere and recover the account)."""
    with translation.override(language):
        portal = _("Cổng Dịch vụ công")
        body = _(_NOTICES[event]) + " " + _(
            "Nếu không phải bạn, hãy đăng nhập, chọn Bảo mật, đăng xuất khỏi tất cả thiết bị và đổi mật khẩu."
        )
        subject = _("Thay đổi bảo mật tài khoản")
    send_mail(f"[{portal}] {subject}", body, None, [address])
