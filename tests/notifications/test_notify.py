"""``notify``: the one service that puts a notification in an inbox and sends it out (F1)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dichvucong.accounts.constants import AccountType
from dichvucong.notifications.constants import Channel, NotificationKind
from dichvucong.notifications.models import Delivery, Notification
from dichvucong.notifications.services import notify
from tests.accounts.factories import UserFactory
from tests.notifications.helpers import PHONE, sms_inbox

pytestmark = pytest.mark.django_db


def test_one_notification_per_dedup_key_and_deliveries_queued_on_commit(
    django_capture_on_commit_callbacks, mailoutbox
):
    official = UserFactory(account_type=AccountType.OFFICIAL)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = notify(official, kind=NotificationKind.OVERDUE, dedup_key="test:1", subject="Chủ đề", body="Nội dung")
    again = notify(official, kind=NotificationKind.OVERDUE, dedup_key="test:1", subject="Chủ đề", body="Nội dung")

    assert first is not None and again is None
    assert Notification.objects.filter(recipient=official).count() == 1
    assert list(first.deliveries.values_list("channel", flat=True)) == [Channel.EMAIL]
    assert len(queued) == 1 and mailoutbox == []  # nothing is sent before the commit
    queued[0]()
    assert [m.subject for m in mailoutbox] == ["Chủ đề"]


def test_no_text_message_without_an_sms_text(django_capture_on_commit_callbacks):
    user = UserFactory(phone=PHONE, phone_confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user, kind=NotificationKind.DUE_SOON, dedup_key="test:2", subject="S", body="B")

    assert set(notification.deliveries.values_list("channel", flat=True)) == {Channel.EMAIL}


def test_the_channels_can_be_narrowed_to_the_inbox(gateway, django_capture_on_commit_callbacks):
    user = UserFactory(phone=PHONE, phone_confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        inbox_only = notify(user, kind=NotificationKind.POSTAL, dedup_key="test:3", subject="S", body="B",
                            sms_text="DICHVUCONG: test", channels=())
        everywhere = notify(user, kind=NotificationKind.POSTAL, dedup_key="test:4", subject="S", body="B",
                            sms_text="DICHVUCONG: test")

    assert not inbox_only.deliveries.exists()
    assert set(everywhere.deliveries.values_list("channel", flat=True)) == {Channel.EMAIL, Channel.SMS}
    assert [m["text"] for m in sms_inbox(gateway)] == ["DICHVUCONG: test"]
    assert Delivery.objects.filter(notification__recipient=user).count() == 2
