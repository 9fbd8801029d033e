"""What a person reads when something happens to a dossier: subject, body and SMS.

Applicants read of status changes, of a new appointed date (with an apology when the agency
is late) and of the postal delivery of their result; officials read that a dossier they
handle is due soon, overdue or escalated.

Texts are rendered in the recipient's language when the notification is created and kept
as rendered, so the inbox, the e-mail and the SMS say the same thing. They name the dossier
by its code and the procedure by its name, never by an identification number; a reason
written by an official is copied with any long run of digits masked, in case it quotes one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from dichvucong.dossiers.constants import DossierStatus
from dichvucong.notifications.constants import NotificationKind, PostalStatus

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


LANGUAGES = ("vi", "en")


@dataclass(frozen=True, slots=True)
class Message:
    """A notification as rendered: ``sms_text`` empty when it is not worth a text message."""

    subject: str
    body: str
    sms_text: str


def language_of(user) -> str:  # noqa: ANN001 - accounts.User
    """The language the person reads notifications in: theirs if the portal has it, else ``vi``."""
    return user.preferred_language if user.preferred_language in LANGUAGES else "vi"


def render_status_message(
    *, language: str, to_status: str, code: str | None, procedure_name: str, procedure_name_en: str, reason: str
) -> Message:
    """The message for ``to_status`` in ``language`` (``vi`` when the language is unknown)."""
    language = language if language in LANGUAGES else "vi"
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
    return Message(subject=subject[:300], body=body, sms_text=plain_ascii(sms)[:320])


def render_due_date_message(
    *, language: str, dossier, kind: str, due_at: str | None, previous_due_at: str | None,  # noqa: ANN001
    reason: str, agency: str = "",
) -> Message:
    """The applicant's notice of a new appointed date; for ``apology``, the agency's apology
    for not having the result ready on the date it gave (``agency``: the name the apology
    gives, when not the dossier's receiving agency)."""
    with translation.override(language):
        values = {**_dossier_values(dossier, language), "due": format_appointed(due_at),
                  "previous": format_appointed(previous_due_at), "reason": _reason(reason)}
        if kind == NotificationKind.APOLOGY:
            if agency:
                values["agency"] = agency
            subject = _("Thư xin lỗi về hồ sơ %(code)s") % values
            body = _(
                "Cơ quan %(agency)s xin lỗi vì hồ sơ %(code)s (%(procedure)s) chưa có kết quả đúng hẹn; "
                "ngày hẹn trả mới là %(due)s."
            ) % values
            # The back office writes its whole apology letter as the entry's reason: quoted as
            # the agency's own words, not as a "reason", and left out when there is none.
            if reason.strip():
                body += " " + _("Cơ quan ghi: %(reason)s") % values
            sms = _("DICHVUCONG: Co quan xin loi vi ho so %(code)s tre hen. Hen tra moi: %(due)s. "
                    "Xem chi tiet tren Cong Dich vu cong.") % values
        else:
            subject = _("Hồ sơ %(code)s: ngày hẹn trả mới %(due)s") % values
            if previous_due_at:
                body = _(
                    "Ngày hẹn trả kết quả hồ sơ %(code)s (%(procedure)s) đã đổi từ %(previous)s sang %(due)s. "
                    "Lý do: %(reason)s"
                ) % values
            else:
                body = _(
                    "Ngày hẹn trả kết quả hồ sơ %(code)s (%(procedure)s) nay là %(due)s. Lý do: %(reason)s"
                ) % values
            sms = _("DICHVUCONG: Ho so %(code)s co ngay hen tra moi: %(due)s. "
                    "Xem chi tiet tren Cong Dich vu cong.") % values
        return _applicant_message(subject, body, sms)


def render_postal_message(  # noqa: ANN001
    *, language: str, dossier, postal_status: str, reason: str, direction: str = "delivery"
) -> Message:
    """The applicant's notice of a postal tracking step. For a delivery of the result,
    delivered, a failed attempt and a return carry an SMS text; any other step, and every
    step of a pickup of the applicant's papers, is an inbox entry without one."""
    with translation.override(language):
        values = {**_dossier_values(dossier, language), "reason": _reason(reason)}
        sms = ""
        if direction == "pickup":
            subject = _("Hồ sơ %(code)s: cập nhật thu gom giấy tờ") % values
            body = _("Có cập nhật mới về việc bưu chính thu gom giấy tờ của hồ sơ %(code)s (%(procedure)s) "
                     "để chuyển đến cơ quan: %(reason)s") % values
        elif postal_status == PostalStatus.DELIVERED:
            subject = _("Hồ sơ %(code)s: bưu chính đã giao kết quả") % values
            body = _("Bưu chính đã giao kết quả của hồ sơ %(code)s (%(procedure)s).") % values
            sms = _("DICHVUCONG: Buu chinh da giao ket qua ho so %(code)s.") % values
        elif postal_status == PostalStatus.FAILED_ATTEMPT:
            subject = _("Hồ sơ %(code)s: bưu chính chưa giao được kết quả") % values
            body = _(
                "Bưu chính đã đến giao kết quả của hồ sơ %(code)s (%(procedure)s) nhưng chưa giao được. "
                "Lý do: %(reason)s"
            ) % values
            sms = _("DICHVUCONG: Buu chinh chua giao duoc ket qua ho so %(code)s. "
                    "Xem chi tiet tren Cong Dich vu cong.") % values
        elif postal_status == PostalStatus.RETURNED:
            subject = _("Hồ sơ %(code)s: kết quả bị chuyển hoàn") % values
            body = _(
                "Bưu chính không giao được kết quả của hồ sơ %(code)s (%(procedure)s) và đã chuyển hoàn "
                "về cơ quan %(agency)s. Vui lòng liên hệ cơ quan để nhận kết quả. Lý do: %(reason)s"
            ) % values
            sms = _("DICHVUCONG: Ket qua ho so %(code)s da chuyen hoan ve co quan. "
                    "Xem chi tiet tren Cong Dich vu cong.") % values
        else:
            subject = _("Hồ sơ %(code)s: cập nhật chuyển phát kết quả") % values
            body = _("Có cập nhật mới về việc chuyển phát kết quả của hồ sơ %(code)s (%(procedure)s) "
                     "qua bưu chính.") % values
        return _applicant_message(subject, body, sms)


def render_official_reminder(*, language: str, dossier, kind: str, due_at: str | None,  # noqa: ANN001
                             reason: str) -> Message:
    """An official's notice that a dossier is due soon, overdue or escalated (no SMS)."""
    with translation.override(language):
        values = {**_dossier_values(dossier, language), "due": format_appointed(due_at), "reason": _reason(reason)}
        if kind == NotificationKind.DUE_SOON:
            subject = _("Hồ sơ %(code)s sắp đến hạn trả kết quả") % values
            body = _("Hồ sơ %(code)s (%(procedure)s) sắp đến hạn: ngày hẹn trả kết quả là %(due)s.") % values
        elif kind == NotificationKind.OVERDUE:
            subject = _("Hồ sơ %(code)s đã quá hạn") % values
            body = _("Hồ sơ %(code)s (%(procedure)s) đã quá hạn trả kết quả; ngày hẹn trả là %(due)s.") % values
        else:
            subject = _("Hồ sơ %(code)s được báo lãnh đạo") % values
            body = _(
                "Hồ sơ %(code)s (%(procedure)s), ngày hẹn trả %(due)s, được báo lên lãnh đạo. Lý do: %(reason)s"
            ) % values
        portal = _("Cổng Dịch vụ công")
        return Message(subject=f"[{portal}] {subject}"[:300], body=body, sms_text="")


def format_appointed(value: str | datetime | None) -> str:
    """An appointed date as the dossier page shows it (``dd/mm/yyyy hh:mm``, Vietnam time)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:  # an entry written by hand with a malformed date still notifies
        moment = None
    if not moment:
        return _("chưa xác định")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d/%m/%Y %H:%M")


def _dossier_values(dossier, language: str) -> dict[str, str]:  # noqa: ANN001 - dossiers.Dossier
    procedure, agency = dossier.procedure, dossier.agency
    english = language == "en"
    return {
        "code": dossier.code or _("(chưa có mã)"),
        "procedure": (procedure.name_en or procedure.name) if english else procedure.name,
        "agency": (agency.name_en or agency.name) if english else agency.name,
    }


def _reason(reason: str) -> str:
    return mask_long_numbers(reason) or _("không nêu")


def _applicant_message(subject: str, body: str, sms: str) -> Message:
    """Adds the portal's name, the pointer to the dossier's page and the SMS's plain letters."""
    portal = _("Cổng Dịch vụ công")
    body += "\n\n" + _("Xem chi tiết và lịch sử hồ sơ trong mục Hồ sơ của tôi trên Cổng Dịch vụ công.")
    return Message(subject=f"[{portal}] {subject}"[:300], body=body, sms_text=plain_ascii(sms)[:320])


def mask_long_numbers(text: str) -> str:
    return _LONG_DIGITS.sub("…", text.strip())


def plain_ascii(text: str) -> str:
    """Vietnamese without diacritics: one SMS segment holds 160 such characters, 70 otherwise."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
