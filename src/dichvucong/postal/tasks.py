"""Postal jobs (F2): book a result's delivery (retried with backoff), recover what is left."""

from __future__ import annotations

import logging

from celery import shared_task

from dichvucong.dossiers.models import Dossier
from dichvucong.postal import client, services

logger = logging.getLogger(__name__)


@shared_task(name="postal.book_delivery", bind=True, max_retries=8, ignore_result=True)
def book_delivery_task(self, dossier_pk: int) -> None:  # noqa: ANN001
    dossier = Dossier.objects.select_related("agency", "applicant").get(pk=dossier_pk)
    try:
        services.book_delivery(dossier)
    except client.CarrierUnavailable as error:
        if self.request.retries >= self.max_retries:
            # Not lost: the shipment stays "requested" and the recovery job asks again.
            logger.error("delivery of dossier %s not booked after %s tries", dossier_pk, self.request.retries + 1)
            return
        raise self.retry(exc=error, countdown=min(60 * 2 ** self.request.retries, 3600)) from error
    except (client.CarrierRefused, services.ShipmentRefused) as refused:
        logger.error("delivery of dossier %s refused: %s", dossier_pk, refused.code)


@shared_task(name="postal.cancel_open_pickups", ignore_result=True)
def cancel_open_pickups_task(dossier_pk: int) -> None:
    services.cancel_open_pickups(Dossier.objects.get(pk=dossier_pk))


@shared_task(name="postal.book_pending", ignore_result=True)
def book_pending() -> dict[str, int]:
    return services.book_pending()


@shared_task(name="postal.refresh_stale", ignore_result=True)
def refresh_stale() -> dict[str, int]:
    """Hourly (beat): open shipments the carrier has been quiet about are asked for."""
    return services.refresh_stale()
