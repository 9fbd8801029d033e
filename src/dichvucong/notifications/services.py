"""Notifications: the inbox entry, then e-mail and SMS by the channels the person chose (F1, A7).

``notify`` is the one way to tell someone something: it writes the inbox entry and one
``Delivery`` per channel the person chose and can receive, and queues
``notifications.deliver`` for each once that write has committed. The back office calls it
for officials; the subscribers below call it for what happens to dossiers:

* ``notify_status_changed`` listens to ``dossiers.status_changed`` (the applicant);
* ``notify_activity_recorded`` listens to ``dossiers.activity_recorded``: a new appointed
  date, an apology or a postal step (the applicant), a dossier due soon, overdue or
  escalated (the officials the history entry names).

A channel that fails is recorded on its ``Delivery`` row; it never touches the dossier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from dichvucong.dossiers.constants import ActivityKind
from dichvucong.notifications import selectors
from dichvucong.notifications.constants import (
    Channel,
    DeliveryStatus,
    NotificationKind,
    PostalStatus,
)
from dichvucong.notifications.models import ChannelPreference, Delivery, Notification
from dichvucong.notifications.sms import InvalidPhoneNumber, SmsRejected, SmsUnavailable, send_sms
from dichvucong.notifications.texts import (
    SILENT_STATUSES,
    language_of,
    render_due_date_message,
    render_official_reminder,
    render_postal_message,
    render_status_message,
)

logger = logging.getLogger(__name__)

# Errors worth another try later, by channel (SMTP errors are ``OSError``s).
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (SmsUnavailable, OSError)

# History entries told to the applicant (when public) and to the officials they name.
APPLICANT_ACTIVITIES = frozenset({ActivityKind.DEADLINE_CHANGED, ActivityKind.APOLOGY, ActivityKind.POSTAL})
OFFICIAL_ACTIVITIES = frozenset({ActivityKind.DUE_SOON, ActivityKind.OVERDUE, ActivityKind.ESCALATED})
# Postal steps worth an e-mail and an SMS; the others reach the inbox only.
POSTAL_STEPS_SENT_OUT = frozenset(PostalStatus.values)


def notify(  # noqa: ANN001 - recipient: accounts.User, dossier: dossiers.Dossier
    recipient, *, kind: str, dedup_key: str, subject: str, body: str, sms_text: str = "", dossier=None,
    channels: Collection[str] | None = None,
) -> Notification | None:
    """Put one notification in ``recipient``'s inbox and send it by the channels they chose.

    At most once per ``dedup_key`` (returns ``None`` when it was already written, also by a
    concurrent run). A text message goes only with an ``sms_text``; ``channels`` narrows the
    channels further (``()``: the inbox alone). Deliveries are queued after the commit.
    """
    if Notification.objects.filter(dedup_key=dedup_key).exists():
        return None
    chosen = [
        channel for channel in channels_for(recipient)
        if (channels is None or channel in channels) and (channel != Channel.SMS or sms_text)
    ]
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, dossier=dossier, kind=kind, dedup_key=dedup_key,
                language=language_of(recipient), subject=subject[:300], body=body, sms_text=sms_text[:320],
            )
            for channel in chosen:
                delivery = Delivery.objects.create(notification=notification, channel=channel)
                # robust: a broker that cannot take one task does not stop the others.
                transaction.on_commit(_queue_delivery(delivery.pk), robust=True)
    except IntegrityError:  # the same event, handled concurrently: the other run notifies
        return None
    return notification


def notify_requested(*, recipient_id: int, kind: str, dedup_key: str, subject: str, body: str, sms_text: str = "",
                     dossier_id: int | None = None) -> Notification | None:
    """``core.notices.request_notice`` listener: another app's reminder, by the person's channels."""
    from django.contrib.auth import get_user_model

    recipient = get_user_model().objects.filter(pk=recipient_id).first()
    if recipient is None or kind not in NotificationKind.values:
        return None
    dossier = selectors.dossier_for_notice(dossier_id) if dossier_id else None
    return notify(recipient, kind=kind, dedup_key=dedup_key, subject=subject, body=body, sms_text=sms_text,
                  dossier=dossier)


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
    user = dossier.applicant
    message = render_status_message(
        language=language_of(user), to_status=to_status, code=dossier.code,
        procedure_name=dossier.procedure.name, procedure_name_en=dossier.procedure.name_en, reason=reason,
    )
    return notify(user, kind=NotificationKind.STATUS_CHANGED, dedup_key=key, subject=message.subject,
                  body=message.body, sms_text=message.sms_text, dossier=dossier)


def notify_activity_recorded(*, event_id: int, kind: str, public: bool, **_event) -> list[Notification]:
    """Tell whom a history entry concerns, at most once per (entry, person); returns the new
    notifications. Public deadline changes, apologies and postal steps go to the applicant;
    due-soon, overdue and escalation entries to the officials in ``details["notify_user_ids"]``.
    Other entries (assignments, steps, notes…) notify nobody."""
    if kind in APPLICANT_ACTIVITIES and public:
        entry = selectors.dossier_event_for_notice(event_id)
        if entry is None:
            return []
        notification = _notify_applicant_of(entry)
        return [notification] if notification else []
    if kind in OFFICIAL_ACTIVITIES:
        entry = selectors.dossier_event_for_notice(event_id)
        if entry is None:
            return []
        return _notify_officials_of(entry)
    return []


def _notify_applicant_of(entry) -> Notification | None:  # noqa: ANN001 - dossiers.DossierEvent
    dossier, details = entry.dossier, entry.details or {}
    user = dossier.applicant
    language = language_of(user)
    channels = None
    if entry.kind == ActivityKind.POSTAL:
        postal_status = str(details.get("status", ""))
        direction = str(details.get("direction", "delivery"))
        message = render_postal_message(language=language, dossier=dossier, postal_status=postal_status,
                                        reason=entry.reason, direction=direction)
        if postal_status not in POSTAL_STEPS_SENT_OUT or direction == "pickup":
            channels = ()  # a step on the way: the inbox is enough
    else:
        message = render_due_date_message(
            language=language, dossier=dossier, kind=entry.kind, reason=entry.reason,
            due_at=details.get("due_at") or dossier.due_at, previous_due_at=details.get("previous_due_at"),
            agency=details["agency"] if isinstance(details.get("agency"), str) else "",
        )
    return notify(user, kind=entry.kind, dedup_key=f"{entry.kind}:{entry.pk}:{user.pk}", subject=message.subject,
                  body=message.body, sms_text=message.sms_text, dossier=dossier, channels=channels)


def _notify_officials_of(entry) -> list[Notification]:  # noqa: ANN001 - dossiers.DossierEvent
    dossier, details = entry.dossier, entry.details or {}
    due_at = details.get("due_at") or dossier.due_at
    notifications = []
    for official in selectors.officials_among(details.get("notify_user_ids") or []):
        message = render_official_reminder(language=language_of(official), dossier=dossier, kind=entry.kind,
                                           due_at=due_at, reason=entry.reason)
        notification = notify(official, kind=entry.kind, dedup_key=f"{entry.kind}:{entry.pk}:{official.pk}",
                              subject=message.subject, body=message.body, dossier=dossier)
        if notification is not None:
            notifications.append(notification)
    return notifications


def channels_for(user) -> list[str]:  # noqa: ANN001 - accounts.User
    """The channels by which the person is reached beyond the inbox: those they can receive
    (a confirmed address or number, an active account) and have not switched off."""
    if not user.is_active or user.deactivated_at is not None:
        return []
    preference = selectors.channel_preference_of(user)
    switched_on = {Channel.EMAIL: preference.email, Channel.SMS: preference.sms}
    return [channel for channel in available_channels(user) if switched_on[channel]]


def available_channels(user) -> list[str]:  # noqa: ANN001 - accounts.User
    """The channels the person could choose: confirmed addresses only."""
    channels = []
    if user.email and user.email_confirmed_at:
        channels.append(Channel.EMAIL)
    if user.phone and user.phone_confirmed_at:
        channels.append(Channel.SMS)
    return channels


def set_channel_preference(user, *, email: bool | None = None, sms: bool | None = None) -> ChannelPreference:  # noqa: ANN001
    """Switch e-mail and SMS on or off for the person; ``None`` leaves a channel as it was
    (the page does not offer a channel without a confirmed address)."""
    preference, _ = ChannelPreference.objects.get_or_create(user=user)
    if email is not None:
        preference.email = email
    if sms is not None:
        preference.sms = sms
    preference.save(update_fields=["email", "sms", "updated_at"])
    return preference


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
