"""The person chooses the channels beyond the inbox: e-mail and SMS, each when confirmed (F1)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.state_machine import transition
from dichvucong.notifications.constants import Channel
from dichvucong.notifications.models import ChannelPreference, Delivery, Notification
from dichvucong.notifications.services import channels_for, set_channel_preference
from tests.accounts.factories import verified_citizen
from tests.conftest import sign_in_at_level
from tests.notifications.helpers import PHONE, submitted_dossier

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/tai-khoan/thong-bao/cai-dat/"


def _ticked(page: str, name: str) -> bool:
    box = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    assert box is not None, f"no {name} check box"
    return " checked" in box.group(0)


def test_the_settings_page_is_where_the_brief_puts_it():
    assert reverse("notifications:settings") == SETTINGS_URL


def test_with_sms_switched_off_a_status_change_has_no_sms_delivery(gateway, django_capture_on_commit_callbacks):
    user = verified_citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    set_channel_preference(user, sms=False)

    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.SYSTEM)

    deliveries = Delivery.objects.filter(notification__recipient=user)
    assert Notification.objects.filter(recipient=user).count() == 2  # the inbox is always on
    assert set(deliveries.values_list("channel", flat=True)) == {Channel.EMAIL}


def test_switching_a_channel_off_and_on_on_the_page(client, django_capture_on_commit_callbacks):
    user = verified_citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    sign_in_at_level(client, user)

    page = client.get(SETTINGS_URL).content.decode()
    assert _ticked(page, "email") and _ticked(page, "sms")  # both on by default

    answer = client.post(SETTINGS_URL, {"email": "on"})  # SMS unticked

    assert answer.status_code == 302 and answer["Location"] == SETTINGS_URL
    assert channels_for(user) == [Channel.EMAIL]
    page = client.get(SETTINGS_URL).content.decode()
    assert _ticked(page, "email") and not _ticked(page, "sms")
    client.post(SETTINGS_URL, {"email": "on", "sms": "on"})
    assert channels_for(user) == [Channel.EMAIL, Channel.SMS]


def test_an_unconfirmed_email_is_not_offered_and_keeps_its_choice(client):
    user = verified_citizen(email_confirmed_at=None, phone=PHONE, phone_confirmed_at=timezone.now())
    set_channel_preference(user, email=False)
    sign_in_at_level(client, user)

    page = client.get(SETTINGS_URL).content.decode()

    assert 'name="email"' not in page and 'name="sms"' in page
    assert "Thư điện tử chưa được xác nhận" in page
    assert reverse("accounts:profile") in page
    client.post(SETTINGS_URL, {"sms": "on"})
    assert ChannelPreference.objects.get(user=user).email is False  # not offered, so not changed
    assert channels_for(user) == [Channel.SMS]


def test_a_channel_switched_on_still_needs_a_confirmed_address():
    user = verified_citizen(email_confirmed_at=None, phone=PHONE, phone_confirmed_at=None)

    assert channels_for(user) == []


def test_the_page_speaks_english_needs_a_session_and_a_csrf_token():
    user = verified_citizen()
    anonymous = Client()
    assert reverse("accounts:sign-in") in anonymous.get(SETTINGS_URL)["Location"]

    browser = Client(enforce_csrf_checks=True)
    sign_in_at_level(browser, user)
    english = browser.get("/en" + SETTINGS_URL).content.decode()
    assert "How you receive notifications" in english
    assert "csrfmiddlewaretoken" in english
    assert browser.post(SETTINGS_URL, {}).status_code == 403
    assert not ChannelPreference.objects.filter(user=user).exists()


def test_the_inbox_links_to_the_settings(client):
    user = verified_citizen()
    sign_in_at_level(client, user)

    assert SETTINGS_URL in client.get(reverse("notifications:inbox")).content.decode()
