"""Background work of the personal data store: expiry reminders (A7), revocation notices (D1)."""

from __future__ import annotations

from celery import shared_task

from dichvucong.datastore import services


@shared_task(name="datastore.remind_expiring_documents", ignore_result=True)
def remind_expiring_documents() -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE): owners told once about documents about to expire."""
    return {"reminded": services.remind_expiring_documents()}


@shared_task(name="datastore.notify_result_revoked", ignore_result=True)
def notify_result_revoked(*, document_ids: list[int], issuing_agency_id: int) -> dict[str, int]:
    """Queued after a revocation commits: each owner of a revoked copy is e-mailed."""
    return {"notified": services.tell_owners_of_revocation(document_ids=document_ids,
                                                          issuing_agency_id=issuing_agency_id)}
