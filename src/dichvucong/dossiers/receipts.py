"""The PDF receipt of a submitted dossier (C3): code, dates, delivery, and a QR code.

The QR code holds the dossier code; with the lookup secret (``Mã tra cứu``) printed
under it, anyone holding the receipt can follow the dossier at /tra-cuu-ho-so/ (F3).
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dichvucong.core.pdf import official_document
from dichvucong.dossiers.lookup import lookup_secret
from dichvucong.dossiers.models import Dossier


def receipt_pdf(dossier: Dossier, language: str = "vi") -> bytes:
    with translation.override(language):
        rows = [
            (_("Mã hồ sơ"), dossier.code or ""),
            (_("Mã tra cứu"), lookup_secret(dossier.code) if dossier.code else ""),
            (_("Thủ tục"), dossier.procedure.name),
            (_("Cơ quan tiếp nhận"), dossier.agency.name),
            (_("Người nộp"), dossier.applicant.display_name),
            (_("Ngày nộp"), timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y %H:%M")),
            (_("Ngày tiếp nhận"), dossier.received_on.strftime("%d/%m/%Y") if dossier.received_on else ""),
            (_("Ngày hẹn trả kết quả"),
             timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") if dossier.due_at else "—"),
            (_("Cách nhận kết quả"), dossier.get_delivery_method_display()),
        ]
        return official_document(
            title=_("Giấy biên nhận hồ sơ"), document_title=f"{_('Giấy biên nhận hồ sơ')} {dossier.code}",
            rows=rows, qr=dossier.code or "", footer=_("Giấy biên nhận điện tử do Cổng Dịch vụ công cấp."),
        )
