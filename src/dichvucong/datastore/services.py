"""Keeping documents for reuse (D1): store with consent, offer for a component, reuse, delete."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from dichvucong.core.text import fold
from dichvucong.datastore.constants import COMPONENT_KEYWORDS, DocumentType
from dichvucong.datastore.models import StoredDocument


class StoreRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def document_type_for(component_name: str) -> str:
    """The document type a dossier component asks for, from its name; OTHER when unsure."""
    folded = fold(component_name)
    for document_type, phrases in COMPONENT_KEYWORDS.items():
        if any(phrase in folded for phrase in phrases):
            return document_type
    return DocumentType.OTHER


def keep_attachment(attachment) -> StoredDocument:  # noqa: ANN001 - dossiers.Attachment
    """Copy an accepted (checked and scanned) attachment into its applicant's store."""
    dossier = attachment.dossier
    with attachment.file.open("rb") as handle:
        data = handle.read()
    document = StoredDocument(
        owner=dossier.applicant, document_type=document_type_for(attachment.component_name),
        title=attachment.component_name[:300] or attachment.original_name, original_name=attachment.original_name,
        content_type=attachment.content_type, size=attachment.size, sha256=attachment.sha256,
        source_dossier=dossier,
    )
    document.file.save(attachment.file.name.rsplit("/", 1)[-1], ContentFile(data), save=False)
    document.save()
    return document


def offers_by_component(owner, component_names: list[str]) -> list[list[StoredDocument]]:  # noqa: ANN001
    """For each component, the owner's valid documents of the type it asks for (one query)."""
    wanted = [document_type_for(name) for name in component_names]
    types = {t for t in wanted if t != DocumentType.OTHER}
    by_type: dict[str, list[StoredDocument]] = {}
    if types:
        for document in StoredDocument.objects.filter(owner=owner, document_type__in=types, revoked_at__isnull=True):
            by_type.setdefault(document.document_type, []).append(document)
    return [by_type.get(t, []) for t in wanted]


def reuse_in_dossier(document: StoredDocument, dossier, *, applicant, component_index: int):  # noqa: ANN001
    """Attach a stored document instead of an upload; it is checked and scanned again."""
    from dichvucong.dossiers.attachments import attach_file

    if document.owner_id != applicant.pk or document.revoked_at is not None:
        raise StoreRefused("not_permitted")
    with document.file.open("rb") as handle:
        upload = ContentFile(handle.read(), name=document.original_name)
    return attach_file(dossier, applicant=applicant, component_index=component_index, upload=upload)


@transaction.atomic
def delete_document(document: StoredDocument, *, owner) -> None:  # noqa: ANN001
    if document.owner_id != owner.pk:
        raise StoreRefused("not_permitted")
    if not document.may_be_deleted:
        raise StoreRefused("must_keep")
    document.file.delete(save=False)
    document.delete()
