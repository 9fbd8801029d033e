"""The result document as an unsigned PDF, laid out as a Vietnamese administrative document.

Layout (Nghị định 30/2020/NĐ-CP, simplified): agency name and document number top left,
national motto top right, place and date, the title, the body, then the QR code of the
public verification page bottom left and the signature block bottom right, where the
agency's visible PAdES signature is placed (:data:`SIGNATURE_BOX`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from dichvucong.core.pdf import _register_fonts

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
WIDTH, HEIGHT = A4
MARGIN_LEFT, MARGIN_RIGHT = 25 * mm, 20 * mm
# (x1, y1, x2, y2) in PDF points, bottom-left origin: where the signature widget goes.
SIGNATURE_BOX = (110 * mm, 32 * mm, 190 * mm, 62 * mm)


@dataclass(frozen=True)
class ResultContent:
    agency_name: str
    parent_agency_name: str
    reference: str
    place: str
    issued_at: datetime
    title: str
    opening: str
    rows: list[tuple[str, str]]
    verification_url: str


def render_result(content: ResultContent) -> bytes:
    """One A4 page; deterministic for the same content (no creation-date surprises in tests)."""
    _register_fonts()
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(content.title)
    pdf.setAuthor(content.agency_name)
    pdf.setSubject(content.reference)

    _header(pdf, content)
    y = HEIGHT - 78 * mm
    pdf.setFont(BOLD, 14)
    for line in simpleSplit(content.title.upper(), BOLD, 14, WIDTH - MARGIN_LEFT - MARGIN_RIGHT):
        pdf.drawCentredString(WIDTH / 2, y, line)
        y -= 7 * mm
    y -= 4 * mm
    y = _paragraph(pdf, content.opening, y, REGULAR, 11)
    y -= 2 * mm
    for label, value in content.rows:
        if not value:
            continue
        pdf.setFont(BOLD, 10.5)
        pdf.drawString(MARGIN_LEFT + 5 * mm, y, f"{label}:")
        pdf.setFont(REGULAR, 10.5)
        lines = simpleSplit(value, REGULAR, 10.5, WIDTH - MARGIN_RIGHT - 80 * mm)
        for line in lines or [""]:
            pdf.drawString(80 * mm, y, line)
            y -= 6 * mm
        y -= 1.5 * mm

    _footer(pdf, content)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _header(pdf: canvas.Canvas, content: ResultContent) -> None:
    left_centre = MARGIN_LEFT + 37 * mm
    right_centre = WIDTH - MARGIN_RIGHT - 52 * mm
    top = HEIGHT - 20 * mm
    y = top
    if content.parent_agency_name:
        pdf.setFont(REGULAR, 9.5)
        for line in simpleSplit(content.parent_agency_name.upper(), REGULAR, 9.5, 72 * mm)[:2]:
            pdf.drawCentredString(left_centre, y, line)
            y -= 4.5 * mm
    pdf.setFont(BOLD, 9.5)
    for line in simpleSplit(content.agency_name.upper(), BOLD, 9.5, 72 * mm)[:3]:
        pdf.drawCentredString(left_centre, y, line)
        y -= 4.5 * mm
    pdf.line(left_centre - 12 * mm, y + 2.5 * mm, left_centre + 12 * mm, y + 2.5 * mm)
    pdf.setFont(REGULAR, 10)
    pdf.drawCentredString(left_centre, y - 4 * mm, f"Số: {content.reference}")

    pdf.setFont(BOLD, 10)
    pdf.drawCentredString(right_centre, top, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    pdf.setFont(BOLD, 11)
    pdf.drawCentredString(right_centre, top - 5.5 * mm, "Độc lập - Tự do - Hạnh phúc")
    pdf.line(right_centre - 26 * mm, top - 7.5 * mm, right_centre + 26 * mm, top - 7.5 * mm)
    moment = content.issued_at
    place = f"{content.place}, " if content.place else ""
    pdf.setFont(REGULAR, 10)
    pdf.drawCentredString(
        right_centre,
        top - 16 * mm,
        f"{place}ngày {moment.day:02d} tháng {moment.month:02d} năm {moment.year}",
    )


def _paragraph(pdf: canvas.Canvas, text: str, y: float, font: str, size: float) -> float:
    pdf.setFont(font, size)
    for line in simpleSplit(text, font, size, WIDTH - MARGIN_LEFT - MARGIN_RIGHT):
        pdf.drawString(MARGIN_LEFT, y, line)
        y -= 6 * mm
    return y


def _footer(pdf: canvas.Canvas, content: ResultContent) -> None:
    x1, y1, x2, y2 = SIGNATURE_BOX
    pdf.setFont(BOLD, 10.5)
    pdf.drawCentredString((x1 + x2) / 2, y2 + 10 * mm, "THỦ TRƯỞNG CƠ QUAN")
    pdf.setFont(REGULAR, 9)
    pdf.drawCentredString((x1 + x2) / 2, y2 + 5 * mm, "(Ký số)")

    size = 32 * mm
    widget = QrCodeWidget(content.verification_url)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, MARGIN_LEFT, 28 * mm)
    pdf.setFont(REGULAR, 7.5)
    pdf.drawString(MARGIN_LEFT, 24 * mm, "Quét mã QR hoặc truy cập địa chỉ dưới đây để kiểm tra kết quả:")
    for index, line in enumerate(simpleSplit(content.verification_url, REGULAR, 7.5, 80 * mm)[:3]):
        pdf.drawString(MARGIN_LEFT, (20 - 3.5 * index) * mm, line)
