"""Connection monitoring (H3, L1): the administrators' page, the public page, the metrics."""

from __future__ import annotations

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
    MemberSystem.objects.filter(pk=quiet.system.pk).update(endpoint="http://127.0.0.1:9/")
    message = outbox.send(quiet.system, MessageType.HEARTBEAT, {"status": "ok"})
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD)
    settings.EXCHANGE_BACKLOG_ALERT = 0
    outbox.send(quiet.system, MessageType.HEARTBEAT, {"status": "ok"})

    superuser = UserFactory(is_staff=True, is_superuser=True)
    sign_in_at_level(client, superuser, 2)
    page = client.get("/quan-tri/giam-sat-lien-thong/").content.decode()
    assert 'data-member="H26"' in page and 'data-alerts=""' in page
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
