"""Reads of the postal app shaped for pages."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from dichvucong.dossiers.models import Dossier
from dichvucong.postal.models import Shipment, ShipmentEvent


def shipments_for(dossier: Dossier) -> QuerySet[Shipment]:
    """The dossier's shipments, oldest first, each with its tracking events (two queries)."""
    return Shipment.objects.filter(dossier=dossier).prefetch_related(
        Prefetch("events", queryset=ShipmentEvent.objects.order_by("sequence", "pk"))
    )
