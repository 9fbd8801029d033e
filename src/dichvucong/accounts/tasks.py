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
