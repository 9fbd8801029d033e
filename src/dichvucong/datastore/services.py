"""Keeping documents for reuse (D1): store with consent, offer for a component, reuse, delete;
validity dates and expiry reminders (A7); results recorded by and revoked by their agency."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import PurePath
from smtplib import SMTPException

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dichvucong.core import events
from dichvucong.core.text import fold
from dichvucong.datastore import notices, selectors
from dichvucong.datastore.constants import (
    COMPONENT_KEYWORDS,
    RESULT_REVOKED,
    DocumentType,
    SignatureStatus,
)
from dichvucong.datastore.models import StoredDocument

logger = logging.getLogger(__name__)

REFERENCE_MAX_LENGTH = StoredDocument._meta.get_field("result_reference").max_length
REASON_MAX_LENGTH = StoredDocument._meta.get_field("revocation_reason").max_length


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
    """For each component, the owner's documents of the type it asks for that are in force
    today: not revoked, not expired, not yet to start (one query)."""
    wanted = [document_type_for(name) for name in component_names]
    types = {t for t in wanted if t != DocumentType.OTHER}
    by_type: dict[str, list[StoredDocument]] = {}
    if types:
        in_force = selectors.usable_on(timezone.localdate())
        for document in StoredDocument.objects.filter(in_force, owner=owner, document_type__in=types):
            by_type.setdefault(document.document_type, []).append(document)
    return [by_type.get(t, []) for t in wanted]


def reuse_in_dossier(document: StoredDocument, dossier, *, applicant, component_index: int):  # noqa: ANN001
    """Attach a stored document instead of an upload; it is checked and scanned again.
    Refused (StoreRefused) for anyone but the owner and for a document not in force today:
    ``revoked``, ``expired`` or ``not_yet_valid``."""
    from dichvucong.dossiers.attachments import attach_file

    if document.owner_id != applicant.pk:
        raise StoreRefused("not_permitted")
    validity = selectors.validity_of(document)
    if not validity.reusable:
        raise StoreRefused(validity.state)
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


def _check_dates(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise StoreRefused("ends_before_start")


@transaction.atomic
def set_validity(document: StoredDocument, *, owner, valid_from: date | None,  # noqa: ANN001
                 valid_until: date | None) -> StoredDocument:
    """The owner sets or corrects an upload's validity dates (either may be left empty).

    Refused for anyone else's document, for an issued result (its dates are the agency's),
    for a revoked document and when the dates end before they start. A new valid_until
    means a new reminder when it comes near.
    """
    locked = StoredDocument.objects.select_for_update().get(pk=document.pk)
    if locked.owner_id != owner.pk:
        raise StoreRefused("not_permitted")
    if locked.is_issued_result:
        raise StoreRefused("issued_result")
    if locked.revoked_at is not None:
        raise StoreRefused("revoked")
    _check_dates(valid_from, valid_until)
    if locked.valid_until != valid_until:
        locked.expiry_reminded_at = None
    locked.valid_from, locked.valid_until = valid_from, valid_until
    locked.save(update_fields=["valid_from", "valid_until", "expiry_reminded_at"])
    return locked


def remind_expiring_documents(*, today: date | None = None) -> int:
    """Remind each owner once about each document of theirs that has come within
    DATASTORE_EXPIRY_REMIND_DAYS of its end (A7), in the account inbox and by the channels
    they chose (notifications); returns how many were reminded.

    A document is claimed (expiry_reminded_at set) in the same transaction as its notice is
    asked for, so two runs at once remind it once; a new end date reminds it again.
    """
    sent = 0
    for document in selectors.documents_due_for_reminder(today=today):
        with transaction.atomic():
            claimed = StoredDocument.objects.filter(
                pk=document.pk, expiry_reminded_at__isnull=True, revoked_at__isnull=True,
                valid_until=document.valid_until,
            ).update(expiry_reminded_at=timezone.now())
            if claimed:
                notices.send_expiry_reminder(document)
        sent += claimed
    return sent


def _normalised_reference(reference: str) -> str:
    """The agency's number for the result, with stray and doubled spaces taken out."""
    return " ".join(reference.split())


@transaction.atomic
def record_issued_result(
    owner,  # noqa: ANN001 - accounts.User
    *,
    content: bytes,
    filename: str,
    title: str,
    document_type: str,
    issuing_agency,  # noqa: ANN001 - catalog.Agency
    result_reference: str,
    source_dossier=None,  # noqa: ANN001 - dossiers.Dossier
    content_type: str = "application/pdf",
    valid_from: date | None = None,
    valid_until: date | None = None,
    signature_status: str = SignatureStatus.NONE,
) -> StoredDocument:
    """Put a result an agency issued into the owner's store (for the back office).

    The result is known everywhere by (issuing agency, result_reference): each person it
    was issued to holds a copy, all copies byte-identical. Recording the same result for
    the same owner again returns their copy (safe to retry). Refused (StoreRefused) when
    the reference is missing or too long (``no_reference``), the file is empty
    (``empty``), the dates end before they start, the agency already revoked this result
    (``revoked``), or another file already carries this reference (``reference_conflict``).
    """
    reference = _normalised_reference(result_reference)
    if not reference or len(reference) > REFERENCE_MAX_LENGTH:
        raise StoreRefused("no_reference")
    if not content:
        raise StoreRefused("empty")
    if document_type not in DocumentType.values or signature_status not in SignatureStatus.values:
        raise StoreRefused("bad_value")
    _check_dates(valid_from, valid_until)
    digest = hashlib.sha256(content).hexdigest()
    copies = list(StoredDocument.objects.filter(issuing_agency=issuing_agency, result_reference=reference))
    if any(copy.revoked_at is not None for copy in copies):
        raise StoreRefused("revoked")
    if any(copy.sha256 != digest for copy in copies):
        raise StoreRefused("reference_conflict")
    for copy in copies:
        if copy.owner_id == owner.pk:
            return copy
    original_name = PurePath(filename).name[:200] or "ket-qua.pdf"
    document = StoredDocument(
        owner=owner, document_type=document_type, title=title[:300], original_name=original_name,
        content_type=content_type, size=len(content), sha256=digest, source_dossier=source_dossier,
        issuing_agency=issuing_agency, is_issued_result=True, signature_status=signature_status,
        result_reference=reference, valid_from=valid_from, valid_until=valid_until,
    )
    document.file.save(f"ket-qua-{digest[:16]}{PurePath(original_name).suffix}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Recorded meanwhile by a concurrent call for the same owner: theirs stands.
        document.file.delete(save=False)
        existing = StoredDocument.objects.get(issuing_agency=issuing_agency, result_reference=reference, owner=owner)
        if existing.sha256 != digest:
            raise StoreRefused("reference_conflict") from None
        return existing
    return document


@dataclass(frozen=True)
class Revocation:
    copies: int  # copies of the result held in stores
    newly_revoked: int  # documents this call marked revoked: 0 when it was revoked before


@transaction.atomic
def revoke_issued_result(*, issuing_agency, result_reference: str, reason: str) -> Revocation:  # noqa: ANN001
    """The issuing agency invalidated a result: it is revoked in every store holding it (D1).

    Every copy of (issuing_agency, result_reference) is marked, and so is any upload
    byte-identical to one (a person may have kept a download of the result as an upload).
    One UPDATE of the rows not yet revoked: repeating the call changes nothing, emits
    nothing and tells nobody again. When it changed something, ``datastore.result_revoked``
    is emitted and each owner is e-mailed, both after commit.
    """
    reference = _normalised_reference(result_reference)
    reason = " ".join(reason.split())
    if not reference:
        raise StoreRefused("no_reference")
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise StoreRefused("no_reason")
    copies = StoredDocument.objects.filter(issuing_agency=issuing_agency, result_reference=reference)
    held = Q(pk__in=copies.values("pk")) | Q(sha256__in=copies.values("sha256"))
    stamp = timezone.now()
    changed = StoredDocument.objects.filter(held, revoked_at__isnull=True).update(
        revoked_at=stamp, revocation_reason=reason)
    outcome = Revocation(copies=copies.count(), newly_revoked=changed)
    if not changed:
        return outcome
    # The rows this call changed carry its stamp; a concurrent call skipped them (revoked_at
    # was no longer null once it could see them), so nobody is told twice.
    revoked = list(StoredDocument.objects.filter(held, revoked_at=stamp).values_list("pk", "owner_id"))
    document_ids = [pk for pk, _owner in revoked]
    events.emit(RESULT_REVOKED, issuing_agency=issuing_agency.code, result_reference=reference, reason=reason,
                document_ids=document_ids, owner_ids=sorted({owner for _pk, owner in revoked}))
    transaction.on_commit(partial(_notify_owners_of_revocation, document_ids, issuing_agency.pk))
    return outcome


def _notify_owners_of_revocation(document_ids: list[int], issuing_agency_id: int) -> None:
    from dichvucong.datastore.tasks import notify_result_revoked

    notify_result_revoked.delay(document_ids=document_ids, issuing_agency_id=issuing_agency_id)


def tell_owners_of_revocation(*, document_ids: list[int], issuing_agency_id: int) -> int:
    """One e-mail per owner with a confirmed address about their revoked copies; returns
    how many were sent. A failure for one owner does not stop the others."""
    documents = (StoredDocument.objects.filter(pk__in=document_ids, revoked_at__isnull=False)
                 .select_related("owner", "issuing_agency").order_by("owner_id", "pk"))
    by_owner: dict[int, list[StoredDocument]] = {}
    for document in documents:
        by_owner.setdefault(document.owner_id, []).append(document)
    agency = next((d.issuing_agency for d in documents if d.issuing_agency_id == issuing_agency_id), None)
    sent = 0
    for owned in by_owner.values():
        owner = owned[0].owner
        if not notices.reachable_by_mail(owner):
            continue
        try:
            notices.send_revocation_notice(owner, owned, agency=agency, reason=owned[0].revocation_reason)
            sent += 1
        except (SMTPException, OSError):
            logger.exception("revocation notice not sent", extra={"owner_id": owner.pk})
    return sent
