"""Probes, metrics and logs (L1, M2)."""

import json
import logging

import pytest

from dichvucong.ops.logging import RedactPersonalData


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_broker(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


@pytest.mark.django_db
def test_readyz_reports_a_broken_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from dichvucong.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "error"


@pytest.mark.django_db
def test_metrics_are_exposed(client):
    client.get("/")
    body = client.get("/metrics").content.decode()
    assert "django_http_requests_total_by_view_transport_method_total" in body


def test_logs_carry_no_personal_data(caplog):
    logger = logging.getLogger("dichvucong.test")
    logger.addFilter(RedactPersonalData())
    with caplog.at_level(logging.INFO):
        logger.info("citizen %s with phone %s mailed %s", "001204005678", "0912345678", "an@example.vn")
    message = caplog.records[0].getMessage()
    assert "001204005678" not in message and "0912345678" not in message and "an@example.vn" not in message
    assert "[id-number]" in message and "[phone]" in message and "[email]" in message
    json.dumps(message)


def test_tasks_run_in_process_without_a_broker(settings):
    from dichvucong.ops.tasks import ping

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("a broker is configured; workers run tasks")
    assert ping.delay().get(timeout=5) == "pong"
