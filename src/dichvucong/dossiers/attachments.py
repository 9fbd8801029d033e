"""Documents attached to a dossier component (C2): checked by content, scanned, stored.

A file is accepted when its content (not its name) is one of the allowed types, it is
not too large, a PDF has no more pages than allowed, and the malware scanner says it is
clean. It is stored through Django's storage API (object storage in production) under
a random name and served only to the dossier's applicant (views).

Files are added to a draft, or to a filed dossier while the agency waits for more
documents (C5); those carry the request's round. Nothing here deletes or replaces a file.
"""

from __future__ import annotations

import hashlib
import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from dichvucong.dossiers.constants import DossierStatus
from dichvucong.dossiers.models import Attachment, Dossier
from dichvucong.dossiers.scanning import ScannerUnavailable, get_scanner
from dichvucong.dossiers.selectors import supplement_round
from dichvucong.dossiers.services import may_file

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# A draft being filled in, or a filed dossier the agency asked more documents for (C5).
ACCEPTS_FILES = frozenset({DossierStatus.DRAFT, DossierStatus.AWAITING_SUPPLEMENT})


class AttachmentRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def detect_type(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def count_pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise AttachmentRefused("unreadable") from exc


def attach_file(dossier: Dossier, *, applicant, component_index: int, upload) -> Attachment:  # noqa: ANN001
    """Check, scan and store ``upload`` for component ``component_index`` of a draft, or of
    a dossier awaiting a supplement (the file is then marked with the request's round).
    Only the applicant, and for a business's dossier only while they still act for it."""
    if dossier.status not in ACCEPTS_FILES or not may_file(dossier, applicant):
        raise AttachmentRefused("not_permitted")
    components = dossier.procedure_version.components or []
    if not 0 <= component_index < len(components):
        raise AttachmentRefused("unknown_component")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused("too_large")
    data = upload.read(settings.ATTACHMENT_MAX_BYTES + 1)
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused("too_large")
    content_type = detect_type(data[:16])
    if content_type is None:
        raise AttachmentRefused("type_not_allowed")
    pages = count_pdf_pages(data) if content_type == "application/pdf" else 1
    if pages > settings.ATTACHMENT_MAX_PAGES:
        raise AttachmentRefused("too_many_pages")
    try:
        result = get_scanner().scan(data)
    except ScannerUnavailable as exc:
        raise AttachmentRefused("scanner_unavailable") from exc
    if not result.clean:
        raise AttachmentRefused("malware")
    with transaction.atomic():
        # The status again, locked: the dossier may have been submitted or supplied meanwhile.
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if current.status not in ACCEPTS_FILES:
            raise AttachmentRefused("not_permitted")
        attachment = Attachment(
            dossier=dossier, component_index=component_index,
            supplement_round=supplement_round(current) if current.status == DossierStatus.AWAITING_SUPPLEMENT
            else None,
            component_name=str(components[component_index].get("name", ""))[:500],
            original_name=(upload.name or "tep")[:200], content_type=content_type, size=len(data), pages=pages,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", ContentFile(data), save=False)
        attachment.save()
    return attachment
