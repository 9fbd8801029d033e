"""Shipments for administrators: read-only; they are written by the postal services only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from dichvucong.postal.models import Shipment, ShipmentEvent


class EventInline(admin.TabularInline):
    model = ShipmentEvent
    fields = ("sequence", "status", "occurred_at", "location", "applied", "carrier_event_id", "received_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("reference", "tracking_number", "dossier", "direction", "status", "fee", "booked_at",
                    "updated_at")
    list_filter = ("direction", "status")
    search_fields = ("reference", "tracking_number", "dossier__code")
    list_select_related = ("dossier",)
    readonly_fields = [field.name for field in Shipment._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False
