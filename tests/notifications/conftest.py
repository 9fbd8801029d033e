"""The SMS gateway simulator, for the notification tests."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def gateway(settings, sim_server) -> str:
    base = sim_server + "/sim/sms/"
    settings.SMS_GATEWAY_BASE_URL = base
    settings.SMS_API_TOKEN = "sim-sms-token"
    settings.SMS_SENDER_ID = "DICHVUCONG"
    settings.SMS_TIMEOUT_SECONDS = 5
    httpx.post(base + "faults", json={"mode": "none"}, timeout=5).raise_for_status()
    yield base
    httpx.post(base + "faults", json={"mode": "none"}, timeout=5).raise_for_status()
