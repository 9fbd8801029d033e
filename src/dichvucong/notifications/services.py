"""Notifications of dossier status changes: the inbox entry, then e-mail and SMS (F1).

``notify_status_changed`` listens to ``dossiers.status_changed`` (after the transition has
committed). It writes the inbox entry and one ``Delivery`` per channel the person can
receive, and queues ``notifications.deliver`` for each once that write has committed. A
channel that fails is recorded on its ``Delivery`` row; it never touches the dossier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from dichvucong.notifications import selectors
from dichvucong.notifications.constants import Channel, DeliveryStatus, NotificationKind
from dichvucong.notifications.models import Delivery, Notification
from dichvucong.notifications.sms import InvalidPhoneNumber, SmsRejected, SmsUnavailable, send_sms
from dichvucong.notifications.texts import SILENT_STATUSES, render_status_message

logger = logging.getLogger(__name__)

# Errors worth another try later, by channel (SMTP errors are ``OSError``s).
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (SmsUnavailable, OSError)


def notify_status_changed(*, dossier_id: int, to_status: str, event_id: int, reason: str = "",
                          **_event) -> Notification | None:
    """Tell the dossier's applicant that it moved to ``to_status``; at most once per transition
    (``event_id``: the state machine's record of it)."""
    if to_status in SILENT_STATUSES:
        return None
    dossier = selectors.dossier_for_notice(dossier_id)
    if dossier is None:
        return None
    key = f"{NotificationKind.STATUS_CHANGED}:{dossier_id}:{event_id}"
    if Notification.objects.filter(dedup_key=key).exists():
        return None
    user = dossier.applicant
    message = render_status_message(
        language=user.preferred_language, to_status=to_status, code=dossier.code,
        procedure_name=dossier.procedure.name, procedure_name_en=dossier.procedure.name_en, reason=reason,
    )
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user, dossier=dossier, kind=NotificationKind.STATUS_CHANGED, dedup_key=key,
                language=user.preferred_language, subject=message.subject, body=message.body,
                sms_text=message.sms_text,
            )
            for channel in channels_for(user):
                delivery = Delivery.objects.create(notification=notification, channel=channel)
                # robust: a broker that cannot take one task does not stop the others.
                transaction.on_commit(_queue_delivery(delivery.pk), robust=True)
    except IntegrityError:  # the same event, handled concurrently: the other run notifies
        return None
    return notification


def channels_for(user) -> list[str]:  # noqa: ANN001 - accounts.User
    """The channels by which the person can be reached: confirmed addresses only."""
    if not user.is_active or user.deactivated_at is not None:
        return []
    channels = []
    if user.email and user.email_confirmed_at:
        channels.append(Channel.EMAIL)
    if user.phone and user.phone_confirmed_at:
        channels.append(Channel.SMS)
    return channels


def _queue_delivery(delivery_id: int) -> Callable[[], None]:
    def queue_delivery() -> None:
        from dichvucong.notifications.tasks import deliver

        deliver.delay(delivery_id)

    return queue_delivery


def deliver(delivery_id: int, *, final_attempt: bool) -> str:
    """Send one delivery unless already sent; returns its status.

    A transient error is recorded and re-raised (the task retries it with back-off) unless
    this is the ``final_attempt``, which marks it failed. A refusal fails it at once.
    """
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery.status  # sent already (a duplicated task) or given up
    delivery.attempts += 1
    try:
        provider_id = _send(delivery)
    except TRANSIENT_ERRORS as exc:
        _record_failure(delivery, exc, final=final_attempt)
        if not final_attempt:
            raise
    except (SmsRejected, InvalidPhoneNumber, ValueError) as exc:
        _record_failure(delivery, exc, final=True)
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.provider_message_id = provider_id
        delivery.last_error = ""
        delivery.save(update_fields=["status", "sent_at", "provider_message_id", "last_error", "attempts"])
    return delivery.status


def _send(delivery: Delivery) -> str:
    notification = delivery.notification
    user = notification.recipient
    if delivery.channel == Channel.EMAIL:
        if not (user.email and user.email_confirmed_at):
            raise ValueError("no confirmed e-mail address")
        send_mail(notification.subject, notification.body, None, [user.email])
        return ""
    if not (user.phone and user.phone_confirmed_at):
        raise ValueError("no confirmed phone number")
    # The delivery's id as idempotency key: a retry after a timeout is delivered once.
    receipt = send_sms(to=user.phone, text=notification.sms_text, idempotency_key=f"delivery-{delivery.pk}")
    return receipt.message_id


def _record_failure(delivery: Delivery, exc: Exception, *, final: bool) -> None:
    # SMS errors are written without numbers or texts; SMTP errors may quote the address,
    # so only their type is kept.
    detail = str(exc) if isinstance(exc, (SmsUnavailable, SmsRejected, InvalidPhoneNumber, ValueError)) else ""
    delivery.last_error = f"{type(exc).__name__}: {detail}"[:200] if detail else type(exc).__name__
    if final:
        delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["status", "attempts", "last_error"])
    logger.warning(
        "notification delivery failed",
        extra={"delivery": delivery.pk, "channel": delivery.channel, "final": final, "error": type(exc).__name__},
    )


def mark_all_read(user) -> int:  # noqa: ANN001 - accounts.User
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
