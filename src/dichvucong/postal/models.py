"""Shipments of a dossier's papers by the public postal service (F2) and their tracking."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dichvucong.postal.constants import Direction, ShipmentStatus, WeightClass


class Shipment(models.Model):
    """One pickup (the citizen's originals to the agency) or delivery (the result to the citizen).

    ``reference`` is written before the carrier is called and sent as the booking's
    idempotency key: a booking retried after a timeout finds the shipment made the first time.
    ``last_sequence`` is the carrier's sequence number of the event the status comes from,
    so that an older event arriving late never takes the status back.
    """

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="shipments")
    direction = models.CharField(_("chiều"), max_length=16, choices=Direction.choices)
    reference = models.CharField(_("mã tham chiếu của cổng"), max_length=40, unique=True)
    tracking_number = models.CharField(_("số hiệu bưu gửi"), max_length=32, blank=True, db_index=True)
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices, default=ShipmentStatus.REQUESTED)
    last_sequence = models.PositiveIntegerField(default=0)
    weight_class = models.CharField(max_length=16, choices=WeightClass.choices, default=WeightClass.DOCUMENT)
    fee = models.PositiveIntegerField(_("cước (đồng)"), null=True, blank=True)
    sender = models.JSONField(_("người gửi"), default=dict)
    recipient = models.JSONField(_("người nhận"), default=dict)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("bưu gửi")
        verbose_name_plural = _("bưu gửi")
        constraints = [
            # One live pickup and one live delivery per dossier: a retried or doubled request
            # meets the shipment already there instead of booking a second one.
            models.UniqueConstraint(fields=["dossier", "direction"],
                                    condition=~Q(status__in=["cancelled", "booking_failed"]),
                                    name="one_live_shipment_per_direction"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="postal_ship_status_7c1e2a_idx")]

    def __str__(self) -> str:
        return self.tracking_number or self.reference


class ShipmentEvent(models.Model):
    """One tracking event the carrier sent; ``carrier_event_id`` makes a repeat a no-op."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    carrier_event_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices)
    sequence = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # False: it arrived after a later event and did not change the shipment's status.
    applied = models.BooleanField(default=True)

    class Meta:
        ordering = ["sequence", "pk"]
        verbose_name = _("sự kiện bưu gửi")
        verbose_name_plural = _("sự kiện bưu gửi")

    def __str__(self) -> str:
        return f"{self.shipment}: {self.status} #{self.sequence}"
