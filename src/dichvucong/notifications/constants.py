"""What a notification is about, the channels it travels by and how a delivery stands (F1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Hồ sơ đổi trạng thái")


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Không gửi được")


# Retries of a delivery after its first attempt (with exponential back-off), then it is failed.
MAX_DELIVERY_RETRIES = 5
