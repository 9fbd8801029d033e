"""What the owner of a stored document is told: expiry near (A7: inbox and chosen channels),
result revoked (D1: by e-mail).

Mail goes only to a confirmed address, in the owner's language, and never carries an
identification number: not the person's, and not a result's reference (an identity
card's number is the person's identification number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dichvucong.core.notices import request_notice
from dichvucong.datastore.models import StoredDocument

# Identity card (9 or 12 digits), tax and social-insurance codes (10): any long run of digits.
_LONG_NUMBER = re.compile(r"\d{9,}")


def without_numbers(text: str) -> str:
    """Free text (a title, an operator's reason) with long digit runs masked, in case one is an
    identification number."""
    return _LONG_NUMBER.sub("…", text)


def reachable_by_mail(person) -> bool:  # noqa: ANN001 - accounts.User
    return bool(person.email and person.email_confirmed_at)


def _store_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('datastore:documents')}"


def send_expiry_reminder(document: StoredDocument) -> None:
    """Through the notifications (inbox, and the channels the owner chose), once per end date."""
    owner = document.owner
    with translation.override(owner.preferred_language or settings.LANGUAGE_CODE):
        request_notice(
            owner, kind="reminder", dedup_key=f"reminder:expiry:{document.pk}:{document.valid_until:%Y%m%d}",
            subject=_("Giấy tờ trong kho dữ liệu sắp hết hạn"),
            body=_("Giấy tờ “%(title)s” trong kho dữ liệu cá nhân của bạn còn hiệu lực đến hết ngày %(date)s.\n\n"
                   "Nếu còn cần dùng, bạn nên làm thủ tục cấp lại hoặc gia hạn sớm.\n"
                   "Xem kho dữ liệu: %(url)s") % {
                "title": without_numbers(document.title), "date": document.valid_until.strftime("%d/%m/%Y"),
                "url": _store_url()},
        )


def send_revocation_notice(owner, documents: Sequence[StoredDocument], *, agency, reason: str) -> None:  # noqa: ANN001
    """One mail per owner, naming their copies of the revoked result."""
    revoked_on = documents[0].revoked_at
    with translation.override(owner.preferred_language or settings.LANGUAGE_CODE):
        agency_name = agency.display_name if agency is not None else _("cơ quan cấp")
        send_mail(
            _("Giấy tờ của bạn đã bị thu hồi"),
            _("%(agency)s đã thu hồi giấy tờ “%(title)s” ngày %(date)s.\n"
              "Lý do: %(reason)s\n\n"
              "Giấy tờ vẫn nằm trong kho dữ liệu cá nhân của bạn nhưng không còn dùng được cho hồ sơ mới.\n"
              "Xem kho dữ liệu: %(url)s") % {
                "agency": agency_name, "title": "; ".join(without_numbers(d.title) for d in documents),
                "date": timezone.localtime(revoked_on).strftime("%d/%m/%Y") if revoked_on else "",
                "reason": without_numbers(reason), "url": _store_url()},
            None, [owner.email],
        )
