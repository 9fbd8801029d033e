"""The electronic receipt of a fee payment (E1): who paid what, for which dossier, how."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dichvucong.core.pdf import official_document
from dichvucong.core.text import group_thousands
from dichvucong.payments.models import Payment

METHOD_LABELS = {"card": "Thẻ ngân hàng", "bank_qr": "Chuyển khoản VietQR", "ewallet": "Ví điện tử"}


def vnd(amount: int) -> str:
    return f"{group_thousands(amount)} đồng"


def payment_receipt_pdf(payment: Payment, language: str = "vi") -> bytes:
    dossier = payment.dossier
    with translation.override(language):
        rows = [
            (_("Số biên lai"), payment.receipt_number or ""),
            (_("Người nộp tiền"), payment.payer.display_name),
            (_("Thủ tục"), dossier.procedure.name),
            (_("Mã hồ sơ"), dossier.code or "—"),
            (_("Cơ quan thu"), dossier.agency.name),
            *[(_("Khoản thu"), f"{line['label']}: {vnd(line['amount'])}") for line in payment.fee_lines],
            (_("Tổng số tiền"), vnd(payment.amount)),
            (_("Hình thức thanh toán"), METHOD_LABELS.get(payment.method, payment.method)),
            (_("Mã giao dịch"), f"{payment.reference} / {payment.transaction_no}"),
            (_("Thời điểm thanh toán"),
             timezone.localtime(payment.paid_at).strftime("%d/%m/%Y %H:%M") if payment.paid_at else ""),
        ]
        if payment.refunded_amount:
            rows.append((_("Đã hoàn trả"), vnd(payment.refunded_amount)))
        return official_document(
            title=_("Biên lai thu phí, lệ phí"), document_title=f"{_('Biên lai')} {payment.receipt_number}",
            rows=rows, qr=f"{payment.receipt_number}|{payment.reference}|{payment.amount}",
            footer=_("Biên lai điện tử do Cổng Dịch vụ công cấp qua nền tảng thanh toán."),
        )
