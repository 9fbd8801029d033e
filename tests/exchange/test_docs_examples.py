"""The guide's runnable example (docs/examples/exchange_member.py) works against the portal:
run here over WSGI, in the test's transaction."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from dichvucong.exchange.models import InboxMessage
from tests.exchange.test_messages import admin, province  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "exchange_member.py"


def _example():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("exchange_member_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def wsgi_client():
    """An httpx client calling the portal in this thread. As Django's test client does, the
    request signals must not close the test's database connection (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with httpx.Client(transport=httpx.WSGITransport(app=get_wsgi_application())) as client:
            yield client
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_guides_example_gets_a_token_and_sends_signed_messages(province, wsgi_client):  # noqa: F811
    example, client = _example(), wsgi_client
    heartbeat = example.send(client, "http://testserver", "H26", province.key, "heartbeat", {"status": "ok"})
    update = example.send(client, "http://testserver", "H26", province.key, "status_update", {
        "dossier_code": "H26.22-261130-0001", "status": "processing", "sequence": 1,
        "at": "2026-11-30T09:00:00+07:00"}, correlation_id="H26.22-261130-0001")
    narrow = example.get_token(client, "http://testserver", "H26", province.key, scope="heartbeat")
    assert (heartbeat.status_code, heartbeat.json()["status"]) == (202, "accepted")
    assert update.status_code == 202 and narrow
    assert set(InboxMessage.objects.values_list("message_type", flat=True)) == {"heartbeat", "status_update"}
