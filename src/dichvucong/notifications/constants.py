"""What a notification is about, the channels it travels by and how a delivery stands (F1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification reports. The history-entry kinds keep the value of the
    ``dossiers.constants.ActivityKind`` they come from."""

    STATUS_CHANGED = "status_changed", _("Hồ sơ đổi trạng thái")
    # To the applicant (public history entries).
    DEADLINE_CHANGED = "deadline_changed", _("Đổi ngày hẹn trả")
    APOLOGY = "apology", _("Thư xin lỗi, hẹn lại ngày trả")
    POSTAL = "postal", _("Chuyển phát kết quả qua bưu chính")
    # To the officials named in the history entry (internal entries).
    DUE_SOON = "due_soon", _("Hồ sơ sắp đến hạn")
    OVERDUE = "overdue", _("Hồ sơ quá hạn")
    ESCALATED = "escalated", _("Hồ sơ báo lãnh đạo")
    # Asked for by other apps through ``core.notices`` (A7).
    REMINDER = "reminder", _("Nhắc việc")


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class PostalStatus(models.TextChoices):
    """The postal tracking steps (``details["status"]`` of a ``postal`` history entry) that
    reach the applicant by every channel they chose; any other step reaches the inbox only."""

    DELIVERED = "delivered", _("Đã giao")
    FAILED_ATTEMPT = "failed_attempt", _("Giao không thành công")
    RETURNED = "returned", _("Đã chuyển hoàn")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Không gửi được")


# Retries of a delivery after its first attempt (with exponential back-off), then it is failed.
MAX_DELIVERY_RETRIES = 5
