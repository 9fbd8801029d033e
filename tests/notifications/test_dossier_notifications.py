"""A dossier's status change reaches its applicant: inbox, e-mail and SMS (F1)."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import services as dossier_services
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.selectors import receiving_agency
from dichvucong.dossiers.state_machine import transition
from dichvucong.notifications.constants import Channel, DeliveryStatus
from dichvucong.notifications.models import Delivery, Notification
from dichvucong.notifications.services import notify_status_changed
from tests.accounts.factories import verified_citizen
from tests.conftest import sign_in_at_level
from tests.notifications.helpers import (
    FREE_PROCEDURE,
    PHONE,
    hanoi_commune,
    sms_inbox,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db


def _sms_inbox(gateway: str) -> list[dict]:
    return sms_inbox(gateway)


def _submitted(user, capture):  # noqa: ANN001, ANN202
    return submitted_dossier(user, capture)


def _citizen(**kwargs):  # noqa: ANN202
    return verified_citizen(**kwargs)


def test_a_transition_notifies_once_even_if_the_handler_runs_twice(django_capture_on_commit_callbacks, mailoutbox):
    user = _citizen()
    dossier = _submitted(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.SYSTEM)
    record = dossier.events.get(to_status=DossierStatus.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):  # the same event, delivered again
        notify_status_changed(dossier_id=dossier.pk, from_status=DossierStatus.SUBMITTED,
                              to_status=DossierStatus.RECEIVED, actor_kind=Actor.SYSTEM, event_id=record.pk)

    inbox = Notification.objects.filter(recipient=user).order_by("created_at", "pk")
    assert inbox.count() == 2  # submitted, received
    received = inbox.last()
    assert dossier.code in received.subject and "Đã tiếp nhận" in received.subject
    assert received.read_at is None
    assert Delivery.objects.filter(notification=received, channel=Channel.EMAIL).count() == 1
    assert [m.to for m in mailoutbox] == [[user.email], [user.email]]


def test_the_email_is_in_the_recipients_language_and_carries_no_identification_number(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = _citizen(preferred_language="en")
    dossier = _submitted(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.REFUSED, actor_kind=Actor.OFFICIAL,
                   reason=f"Giấy tờ của người có số định danh {user.pin} không hợp lệ")

    message = mailoutbox[-1]
    assert message.subject == f"[Public Service Portal] Dossier {dossier.code}: refused"
    assert "has been refused. Reason:" in message.body
    assert user.pin not in message.body and user.pin not in message.subject
    assert Delivery.objects.get(notification__subject=message.subject).status == DeliveryStatus.SENT


def test_draft_and_awaiting_payment_are_not_notified(django_capture_on_commit_callbacks):
    user = _citizen()
    procedure = Procedure.objects.get(code=FREE_PROCEDURE)
    agency = receiving_agency(procedure, province="1", commune=hanoi_commune())
    with django_capture_on_commit_callbacks(execute=True):
        draft = dossier_services.create_draft(applicant=user, procedure=procedure, agency=agency)
    notify_status_changed(dossier_id=draft.pk, to_status=DossierStatus.DRAFT,
                          event_id=draft.events.get().pk)

    assert not Notification.objects.filter(recipient=user).exists()


def test_an_sms_goes_to_a_confirmed_phone_through_the_gateway(gateway, django_capture_on_commit_callbacks):
    user = _citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    dossier = _submitted(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.SYSTEM)

    texts = [m["text"] for m in _sms_inbox(gateway)]
    assert texts[0] == f"DICHVUCONG: Ho so {dossier.code}: Da tiep nhan. Xem chi tiet tren Cong Dich vu cong."
    assert len(texts) == 2  # submitted, then received
    sms = Delivery.objects.filter(channel=Channel.SMS, notification__recipient=user)
    assert {d.status for d in sms} == {DeliveryStatus.SENT}
    assert all(d.provider_message_id for d in sms)


def test_an_unconfirmed_phone_gets_no_sms(django_capture_on_commit_callbacks):
    user = _citizen(phone=PHONE, phone_confirmed_at=None, email_confirmed_at=None)
    _submitted(user, django_capture_on_commit_callbacks)

    notification = Notification.objects.get(recipient=user)
    assert not notification.deliveries.exists()  # the inbox entry alone


@pytest.fixture
def retries_run_in_process():
    """Eager tasks that propagate errors raise ``Retry`` at the first retry; without
    propagation Celery runs the retries one after the other, as a worker would (sans delay)."""
    from dichvucong.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def test_a_gateway_down_fails_the_delivery_not_the_status_change(
    gateway, retries_run_in_process, django_capture_on_commit_callbacks
):
    user = _citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    dossier = _submitted(user, django_capture_on_commit_callbacks)
    httpx.post(gateway + "faults", json={"mode": "error"}, timeout=5).raise_for_status()

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.SYSTEM)

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    sms = Delivery.objects.get(channel=Channel.SMS, notification__dossier=dossier,
                               notification__subject__contains="Đã tiếp nhận")
    assert sms.status == DeliveryStatus.FAILED
    assert sms.attempts == 6  # the first try and five retries
    assert sms.last_error == "SmsUnavailable: gateway answered 503"
    assert PHONE[3:] not in sms.last_error
    email = Delivery.objects.get(channel=Channel.EMAIL, notification=sms.notification)
    assert email.status == DeliveryStatus.SENT  # one channel failing never stops another


def test_a_delivery_already_sent_is_not_sent_again(gateway, django_capture_on_commit_callbacks):
    from dichvucong.notifications.tasks import deliver

    user = _citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    _submitted(user, django_capture_on_commit_callbacks)
    sms = Delivery.objects.get(channel=Channel.SMS, notification__recipient=user)

    assert deliver.delay(sms.pk).get() == DeliveryStatus.SENT

    sms.refresh_from_db()
    assert sms.attempts == 1
    assert len(_sms_inbox(gateway)) == 1


def test_the_inbox_lists_only_the_users_own_notifications_and_marks_them_read(
    client, django_capture_on_commit_callbacks
):
    owner, other = _citizen(), _citizen()
    dossier = _submitted(owner, django_capture_on_commit_callbacks)
    _submitted(other, django_capture_on_commit_callbacks)
    url = reverse("notifications:inbox")
    sign_in_at_level(client, owner)

    page = client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert dossier.code in html
    assert reverse("dossiers:dossier", args=[dossier.pk]) in html
    assert 'data-notification="unread"' in html
    other_codes = Notification.objects.filter(recipient=other).values_list("dossier__code", flat=True)
    assert all(code not in html for code in other_codes)

    answer = client.post(reverse("notifications:mark-all-read"))

    assert answer.status_code == 302
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    assert 'data-notification="unread"' not in client.get(url).content.decode()


def test_the_inbox_needs_a_signed_in_user(client):
    answer = client.get(reverse("notifications:inbox"))

    assert answer.status_code == 302
    assert reverse("accounts:sign-in") in answer["Location"]
