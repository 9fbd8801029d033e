"""Reading the personal data store (D1, A7): a person's documents and where each stands today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from dichvucong.datastore.constants import REUSABLE, Validity
from dichvucong.datastore.models import StoredDocument


@dataclass(frozen=True)
class DocumentValidity:
    state: str
    valid_from: date | None
    valid_until: date | None

    @property
    def reusable(self) -> bool:
        return self.state in REUSABLE


def reminder_horizon(today: date) -> date:
    """The last valid_until that counts as "about to expire" on ``today``."""
    return today + timedelta(days=settings.DATASTORE_EXPIRY_REMIND_DAYS)


def validity_of(document: StoredDocument, *, today: date | None = None) -> DocumentValidity:
    """Where the document stands on ``today`` (the portal's local date): a document is valid
    through its valid_until day, expiring within DATASTORE_EXPIRY_REMIND_DAYS of it."""
    today = today or timezone.localdate()
    if document.revoked_at is not None:
        state = Validity.REVOKED
    elif document.valid_until is not None and document.valid_until < today:
        state = Validity.EXPIRED
    elif document.valid_from is not None and document.valid_from > today:
        state = Validity.NOT_YET_VALID
    elif document.valid_until is not None and document.valid_until <= reminder_horizon(today):
        state = Validity.EXPIRING
    elif document.valid_until is not None:
        state = Validity.VALID
    else:
        state = Validity.UNDATED
    return DocumentValidity(state=state, valid_from=document.valid_from, valid_until=document.valid_until)


def usable_on(today: date) -> Q:
    """The database's version of ``validity_of(...).reusable``: not revoked, in force today."""
    return (Q(revoked_at__isnull=True)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            & (Q(valid_from__isnull=True) | Q(valid_from__lte=today)))


def documents_of(owner) -> QuerySet[StoredDocument]:  # noqa: ANN001 - accounts.User
    """The owner's documents, newest first, with what the list page shows about their provenance."""
    return StoredDocument.objects.filter(owner=owner).select_related("source_dossier", "issuing_agency")


def documents_with_validity(owner, *, today: date | None = None) -> list[tuple[StoredDocument, DocumentValidity]]:  # noqa: ANN001
    today = today or timezone.localdate()
    return [(document, validity_of(document, today=today)) for document in documents_of(owner)]


def documents_due_for_reminder(*, today: date | None = None) -> QuerySet[StoredDocument]:
    """Documents in force whose valid_until has come within the reminder window and whose
    owner has not been told yet (A7)."""
    today = today or timezone.localdate()
    return (StoredDocument.objects
            .filter(usable_on(today), expiry_reminded_at__isnull=True, valid_until__lte=reminder_horizon(today))
            .select_related("owner"))


def revoked_among(sha256s: list[str]) -> set[str]:
    """Which of these file digests belong to a result its issuing agency has revoked."""
    if not sha256s:
        return set()
    return set(StoredDocument.objects.filter(sha256__in=sha256s, revoked_at__isnull=False)
               .values_list("sha256", flat=True))


def issued_results_for(owner, dossier) -> QuerySet[StoredDocument]:  # noqa: ANN001 - accounts.User, dossiers.Dossier
    """The results an agency issued for ``dossier``, as kept in the owner's store."""
    return StoredDocument.objects.filter(owner=owner, source_dossier=dossier, is_issued_result=True).order_by("pk")
