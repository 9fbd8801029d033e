"""The PDF receipt of a submitted dossier (C3): code, dates, delivery, and a QR code.

Made with reportlab and an embedded DejaVu Sans (it has every Vietnamese letter); the
QR code holds the dossier code, which the public status lookup will read.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from dichvucong.dossiers.models import Dossier

FONTS = Path(__file__).resolve().parent.parent / "core" / "fonts"


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))


def receipt_pdf(dossier: Dossier, language: str = "vi") -> bytes:
    _register_fonts()
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    with translation.override(language):
        pdf.setTitle(f"{_('Giấy biên nhận hồ sơ')} {dossier.code}")
        pdf.setFont("DejaVuSans-Bold", 11)
        pdf.drawCentredString(width / 2, height - 20 * mm, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        pdf.setFont("DejaVuSans", 10)
        pdf.drawCentredString(width / 2, height - 26 * mm, "Độc lập - Tự do - Hạnh phúc")
        pdf.setFont("DejaVuSans-Bold", 15)
        pdf.drawCentredString(width / 2, height - 42 * mm, _("Giấy biên nhận hồ sơ").upper())
        rows = [
            (_("Mã hồ sơ"), dossier.code or ""),
            (_("Thủ tục"), dossier.procedure.name),
            (_("Cơ quan tiếp nhận"), dossier.agency.name),
            (_("Người nộp"), dossier.applicant.display_name),
            (_("Ngày nộp"), timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y %H:%M")),
            (_("Ngày tiếp nhận"), dossier.received_on.strftime("%d/%m/%Y") if dossier.received_on else ""),
            (_("Ngày hẹn trả kết quả"),
             timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") if dossier.due_at else "—"),
            (_("Cách nhận kết quả"), dossier.get_delivery_method_display()),
        ]
        y = height - 58 * mm
        for label, value in rows:
            pdf.setFont("DejaVuSans-Bold", 10)
            pdf.drawString(20 * mm, y, f"{label}:")
            pdf.setFont("DejaVuSans", 10)
            for line in _wrap(str(value), 80):
                pdf.drawString(70 * mm, y, line)
                y -= 6 * mm
            y -= 2 * mm
        qr = QrCodeWidget(dossier.code or "")
        left, bottom, right, top = qr.getBounds()
        size = 40 * mm
        drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
        drawing.add(qr)
        renderPDF.draw(drawing, pdf, 20 * mm, y - size)
        pdf.setFont("DejaVuSans", 8)
        pdf.drawString(20 * mm, 15 * mm, _("Giấy biên nhận điện tử do Cổng Dịch vụ công cấp."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines or [""]
