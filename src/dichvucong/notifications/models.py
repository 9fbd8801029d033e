"""The account inbox (``Notification``) and each attempt to carry one outside it (``Delivery``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dichvucong.notifications.constants import Channel, DeliveryStatus, NotificationKind


class Notification(models.Model):
    """One entry of a person's inbox, rendered once, in their language, when it was created.

    ``dedup_key`` names the event it reports and, where one event tells several people, the
    recipient (``status_changed:<dossier>:<dossier event>``, ``overdue:<dossier event>:<user>``),
    so the same event delivered twice to the subscriber never notifies twice.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    dedup_key = models.CharField(max_length=120, unique=True)
    language = models.CharField(max_length=5, default="vi")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sms_text = models.CharField(max_length=320, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="unread_notifications"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One channel's delivery of a notification. ``last_error`` never holds an address or text."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id}: {self.status}"


class ChannelPreference(models.Model):
    """The channels a person chose beyond the inbox, which is always on (F1 "as they choose").

    No row means the defaults: every channel on. A channel switched on still needs a
    confirmed address or number to be used (``services.channels_for``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_channels"
    )
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: email={'on' if self.email else 'off'}, sms={'on' if self.sms else 'off'}"
