"""Choices of the postal service (F2): directions, shipment statuses, weight classes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    PICKUP = "pickup", _("Thu gom giấy tờ gốc")  # the citizen's address → the agency
    DELIVERY = "delivery", _("Chuyển phát kết quả")  # the agency → the citizen's address


class ShipmentStatus(models.TextChoices):
    # The portal's own states, before the carrier has confirmed a booking.
    REQUESTED = "requested", _("Đang đặt dịch vụ")
    BOOKING_FAILED = "booking_failed", _("Đặt dịch vụ không thành công")
    # The carrier's, in the contract's words (docs/postal-contract.md).
    BOOKED = "booked", _("Đã đặt dịch vụ")
    ACCEPTED = "accepted", _("Bưu điện đã nhận yêu cầu")
    PICKED_UP = "picked_up", _("Đã nhận bưu gửi")
    IN_TRANSIT = "in_transit", _("Đang vận chuyển")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Đang phát")
    FAILED_ATTEMPT = "failed_attempt", _("Phát không thành công")
    DELIVERED = "delivered", _("Đã phát thành công")
    RETURNED = "returned", _("Đã chuyển hoàn")
    CANCELLED = "cancelled", _("Đã hủy")


# What a tracking callback may say (the contract's list; ``booked`` and ``cancelled`` are
# answers to the portal's own calls, never callbacks).
CALLBACK_STATUSES = frozenset({
    ShipmentStatus.ACCEPTED, ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED, ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.RETURNED,
})
FINAL_STATUSES = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.CANCELLED,
                            ShipmentStatus.BOOKING_FAILED})
# Before the postman has the papers a booking may still be cancelled.
CANCELLABLE_STATUSES = frozenset({ShipmentStatus.REQUESTED, ShipmentStatus.BOOKED, ShipmentStatus.ACCEPTED})

# The short Vietnamese text written into the dossier's history for each tracking event
# (stored as written, like the state machine's reasons).
HISTORY_REASONS = {
    ShipmentStatus.ACCEPTED: "Bưu điện đã nhận yêu cầu",
    ShipmentStatus.PICKED_UP: "Bưu tá đã nhận bưu gửi",
    ShipmentStatus.IN_TRANSIT: "Bưu gửi đang được vận chuyển",
    ShipmentStatus.OUT_FOR_DELIVERY: "Bưu tá đang phát bưu gửi",
    ShipmentStatus.FAILED_ATTEMPT: "Phát bưu gửi không thành công, bưu điện sẽ phát lại",
    ShipmentStatus.DELIVERED: "Đã phát bưu gửi thành công",
    ShipmentStatus.RETURNED: "Bưu gửi đã được chuyển hoàn",
}


class WeightClass(models.TextChoices):
    DOCUMENT = "document", _("Giấy tờ (đến 500 g)")
    PARCEL_SMALL = "parcel_small", _("Bưu kiện nhỏ (đến 2 kg)")
    PARCEL = "parcel", _("Bưu kiện (đến 5 kg)")
