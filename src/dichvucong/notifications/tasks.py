"""Delivery of notifications off the request path, retried with back-off (F1)."""

from __future__ import annotations

from celery import shared_task

from dichvucong.notifications import services
from dichvucong.notifications.constants import MAX_DELIVERY_RETRIES


@shared_task(
    bind=True,
    name="notifications.deliver",
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=3600,
    max_retries=MAX_DELIVERY_RETRIES,
)
def deliver(self, delivery_id: int) -> str:  # noqa: ANN001 - the bound task
    """Idempotent: a delivery already sent (or given up) is left as it is."""
    return services.deliver(delivery_id, final_attempt=self.request.retries >= MAX_DELIVERY_RETRIES)
