"""The letter of apology for a late dossier (G2): the one-stop rules require the agency to
apologise in writing and give a new appointed date. The letter is rendered from the history
entry that recorded it, so what the applicant downloads is what the history says."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from dichvucong.core.pdf import official_document
from dichvucong.dossiers.models import Dossier, DossierEvent


def _local(iso: str | None) -> str:
    if not iso:
        return "—"
    return timezone.localtime(datetime.fromisoformat(iso)).strftime("%H:%M %d/%m/%Y")


def apology_letter_pdf(dossier: Dossier, event: DossierEvent) -> bytes:
    agency = event.details.get("agency") or dossier.agency.name
    rows = [
        ("Kính gửi", dossier.applicant.display_name),
        ("Cơ quan", agency),
        ("Mã hồ sơ", dossier.code or ""),
        ("Thủ tục", dossier.procedure.name),
        ("Ngày hẹn trả cũ", _local(event.details.get("previous_due_at"))),
        ("Ngày hẹn trả mới", _local(event.details.get("due_at"))),
        ("Nội dung", event.reason),
        ("Ngày lập", timezone.localtime(event.at).strftime("%d/%m/%Y")),
    ]
    return official_document(
        title="Phiếu xin lỗi và hẹn lại ngày trả kết quả", document_title=f"Phiếu xin lỗi {dossier.code}",
        rows=rows, qr=dossier.code or "", footer=f"{agency} — lập tự động khi hồ sơ quá hạn giải quyết.",
    )
