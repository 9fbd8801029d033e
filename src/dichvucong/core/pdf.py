"""One-page official documents as PDF (receipts of dossiers and of payments).

reportlab with an embedded DejaVu Sans, which has every Vietnamese letter; the national
motto heads the page, a table of label/value rows follows, then a QR code.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = Path(__file__).resolve().parent / "fonts"


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))


def official_document(*, title: str, document_title: str, rows: list[tuple[str, str]], qr: str,
                      footer: str) -> bytes:
    """``title`` is printed in capitals under the motto; ``document_title`` is the PDF's metadata."""
    _register_fonts()
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    pdf.setTitle(document_title)
    pdf.setFont("DejaVuSans-Bold", 11)
    pdf.drawCentredString(width / 2, height - 20 * mm, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    pdf.setFont("DejaVuSans", 10)
    pdf.drawCentredString(width / 2, height - 26 * mm, "Độc lập - Tự do - Hạnh phúc")
    pdf.setFont("DejaVuSans-Bold", 15)
    pdf.drawCentredString(width / 2, height - 42 * mm, title.upper())
    y = height - 58 * mm
    for label, value in rows:
        pdf.setFont("DejaVuSans-Bold", 10)
        pdf.drawString(20 * mm, y, f"{label}:")
        pdf.setFont("DejaVuSans", 10)
        for line in _wrap(str(value), 80):
            pdf.drawString(70 * mm, y, line)
            y -= 6 * mm
        y -= 2 * mm
    widget = QrCodeWidget(qr)
    left, bottom, right, top = widget.getBounds()
    size = 40 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, 20 * mm, y - size)
    pdf.setFont("DejaVuSans", 8)
    pdf.drawString(20 * mm, 15 * mm, footer)
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
