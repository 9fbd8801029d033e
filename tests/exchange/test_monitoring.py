"""Connection monitoring (H3, L1): the administrators' page, the public page, the metrics."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from dichvucong.exchange import outbox, services
from dichvucong.exchange.constants import MemberStatus, MessageType
from dichvucong.exchange.models import Member, MemberSystem, OutboxMessage, OutboxStatus
from dichvucong.exchange.tasks import watch_connections
from tests.accounts.factories import UserFactory
from tests.conftest import sign_in_at_level
from tests.exchange.test_messages import Province, admin, post, province  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_monitor_shows_each_members_contact_backlog_and_alerts(client, province, admin, settings):  # noqa: F811
    quiet = Province(admin, code="H79")
    assert post(client, province.message()).status_code == 202  # H26 spoke just now
    MemberSystem.objects.filter(pk=quiet.system.pk).update(endpoint="http://127.0.0.1:9/",
                                                           token_endpoint="http://127.0.0.1:9/token")
    MemberSystem.objects.filter(pk=province.system.pk).update(endpoint="https://h26.example/lien-thong",
                                                              token_endpoint="https://h26.example/token")
    message = outbox.send(quiet.system, MessageType.HEARTBEAT, {"status": "ok"})
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD)
    settings.EXCHANGE_BACKLOG_ALERT = 0
    outbox.send(quiet.system, MessageType.HEARTBEAT, {"status": "ok"})

    superuser = UserFactory(is_staff=True, is_superuser=True)
    sign_in_at_level(client, superuser, 2)
    page = client.get("/quan-tri/giam-sat-lien-thong/").content.decode()
    assert 'data-member="H26"' in page and 'data-alerts=""' in page and 'data-heartbeats="1"' in page
    assert 'data-alerts="silent,backlog,dead_letters"' in page
    assert watch_connections() == 1
    client.logout()
    sign_in_at_level(client, UserFactory(is_staff=True), 2)
    assert client.get("/quan-tri/giam-sat-lien-thong/").status_code == 403


def test_the_public_page_says_who_answers_and_nothing_more(client, province, admin):  # noqa: F811
    suspended = Province(admin, code="H79")
    services.set_member_status(suspended.member, MemberStatus.SUSPENDED, admin=admin, reason="x")
    Member.objects.filter(pk=province.member.pk).update(last_contact_at=timezone.now())
    page = client.get("/he-thong-ket-noi/").content.decode()
    assert "H26" in page and 'data-available="yes"' in page and "H79" not in page
    assert "Chờ gửi" not in page


def test_the_metrics_carry_each_members_backlog_and_availability(client, province):  # noqa: F811
    outbox.send(province.system, MessageType.HEARTBEAT, {"status": "ok"})
    metrics = client.get("/metrics").content.decode()
    assert 'dvc_exchange_outbox_pending{member="H26"} 1.0' in metrics
    assert 'dvc_exchange_member_available{member="H26"} 0.0' in metrics  # never heard from yet


def test_a_key_expiring_soon_raises_an_alert_on_the_monitor_and_in_the_metrics(client, province, admin, settings):  # noqa: F811
    from datetime import timedelta

    from dichvucong.exchange import selectors
    from dichvucong.exchange.models import MemberKey

    def state():  # noqa: ANN202
        return next(c for c in selectors.connections() if c.member.code == "H26")

    assert state().key_expires_at is None and "key_expiring" not in state().alerts
    assert 'dvc_exchange_key_expiry_days{member="H26"}' not in client.get("/metrics").content.decode()  # no series
    MemberKey.objects.filter(pk=province.registered.pk).update(expires_at=timezone.now() + timedelta(days=60))
    assert state().key_expires_at is not None and "key_expiring" not in state().alerts
    # The earliest active key counts: a newer key expiring sooner raises it; a revoked one does not.
    soon = Province(admin, code="H27").registered
    MemberKey.objects.filter(pk=soon.pk).update(system=province.system, expires_at=timezone.now() + timedelta(days=10))
    assert "key_expiring" in state().alerts
    metrics = client.get("/metrics").content.decode()
    days = re.search(r'^dvc_exchange_key_expiry_days\{member="H26"\} (\S+)$', metrics, re.MULTILINE)
    assert days is not None and 9.99 < float(days.group(1)) <= 10
    settings.EXCHANGE_KEY_EXPIRY_WARN_DAYS = 7
    assert "key_expiring" not in state().alerts
    MemberKey.objects.filter(pk=soon.pk).update(status="revoked")
    settings.EXCHANGE_KEY_EXPIRY_WARN_DAYS = 90
    assert "key_expiring" in state().alerts  # the 60-day key, within 90 days
    MemberKey.objects.filter(pk=province.registered.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert state().key_expiring  # already past

    superuser = UserFactory(is_staff=True, is_superuser=True)
    sign_in_at_level(client, superuser, 2)
    page = client.get("/quan-tri/giam-sat-lien-thong/").content.decode()
    assert "Khóa hết hạn" in page and "key_expiring" in page and "đã hết hạn" in page
