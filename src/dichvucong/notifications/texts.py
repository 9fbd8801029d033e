"""What a person reads when their dossier changes status: subject, body and SMS, per status.

Texts are rendered in the recipient's language when the notification is created and kept
as rendered, so the inbox, the e-mail and the SMS say the same thing. They name the dossier
by its code and the procedure by its name, never by an identification number; a reason
written by an official is copied with any long run of digits masked, in case it quotes one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from dichvucong.dossiers.constants import DossierStatus

S = DossierStatus

# Bodies per status; %(code)s is the dossier code, %(procedure)s the procedure's name.
BODIES: dict[str, str] = {
    S.SUBMITTED: gettext_noop("Hồ sơ %(code)s (%(procedure)s) đã được nộp và đang chờ cơ quan tiếp nhận."),
    S.RECEIVED: gettext_noop("Hồ sơ %(code)s (%(procedure)s) đã được cơ quan tiếp nhận."),
    S.PROCESSING: gettext_noop("Hồ sơ %(code)s (%(procedure)s) đang được xử lý."),
    S.AWAITING_SUPPLEMENT: gettext_noop(
        "Cơ quan yêu cầu bổ sung hồ sơ %(code)s (%(procedure)s). Lý do: %(reason)s"
    ),
    S.RESULT_ISSUED: gettext_noop("Hồ sơ %(code)s (%(procedure)s) đã có kết quả."),
    S.REFUSED: gettext_noop("Hồ sơ %(code)s (%(procedure)s) bị từ chối. Lý do: %(reason)s"),
    S.WITHDRAWN: gettext_noop("Hồ sơ %(code)s (%(procedure)s) đã được rút theo yêu cầu của bạn."),
    S.CANCELLED: gettext_noop("Hồ sơ %(code)s (%(procedure)s) đã bị hủy."),
}

# The status as the notification names it (context: the dossier's status, not a button).
# Written out with their context so that makemessages finds them.
STATUS_NAMES: dict[str, str] = {
    S.SUBMITTED: pgettext_lazy("trạng thái hồ sơ", "Đã nộp"),
    S.RECEIVED: pgettext_lazy("trạng thái hồ sơ", "Đã tiếp nhận"),
    S.PROCESSING: pgettext_lazy("trạng thái hồ sơ", "Đang xử lý"),
    S.AWAITING_SUPPLEMENT: pgettext_lazy("trạng thái hồ sơ", "Chờ bổ sung"),
    S.RESULT_ISSUED: pgettext_lazy("trạng thái hồ sơ", "Đã có kết quả"),
    S.REFUSED: pgettext_lazy("trạng thái hồ sơ", "Bị từ chối"),
    S.WITHDRAWN: pgettext_lazy("trạng thái hồ sơ", "Đã rút"),
    S.CANCELLED: pgettext_lazy("trạng thái hồ sơ", "Đã hủy"),
}

# Statuses nobody is told about: a draft is the person's own work, and a fee due has its own page.
SILENT_STATUSES = frozenset({S.DRAFT, S.AWAITING_PAYMENT})

_LONG_DIGITS = re.compile(r"\d{9,}")  # identification numbers are 9 to 12 digits


@dataclass(frozen=True, slots=True)
class StatusMessage:
    subject: str
    body: str
    sms_text: str


def render_status_message(
    *, language: str, to_status: str, code: str | None, procedure_name: str, procedure_name_en: str, reason: str
) -> StatusMessage:
    """The message for ``to_status`` in ``language`` (``vi`` when the language is unknown)."""
    language = language if language in ("vi", "en") else "vi"
    with translation.override(language):
        procedure = (procedure_name_en or procedure_name) if language == "en" else procedure_name
        values = {
            "code": code or _("(chưa có mã)"),
            "procedure": procedure,
            "reason": mask_long_numbers(reason) or _("không nêu"),
            "status": str(STATUS_NAMES[to_status]),
        }
        portal = _("Cổng Dịch vụ công")
        subject = f"[{portal}] " + _("Hồ sơ %(code)s: %(status)s") % values
        body = _(BODIES[to_status]) % values + "\n\n" + _(
            "Xem chi tiết và lịch sử hồ sơ trong mục Hồ sơ của tôi trên Cổng Dịch vụ công."
        )
        sms = _("DICHVUCONG: Ho so %(code)s: %(status)s. Xem chi tiet tren Cong Dich vu cong.") % values
    return StatusMessage(subject=subject[:300], body=body, sms_text=plain_ascii(sms)[:320])


def mask_long_numbers(text: str) -> str:
    return _LONG_DIGITS.sub("…", text.strip())


def plain_ascii(text: str) -> str:
    """Vietnamese without diacritics: one SMS segment holds 160 such characters, 70 otherwise."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
