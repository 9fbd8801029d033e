"""A dossier awaiting its fee, the payment platform simulator on a real loopback server, and
helpers that play the payer and the platform's network the way the contract says."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from urllib.parse import urlsplit

import httpx
import pytest

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import services as dossier_services
from dichvucong.dossiers.selectors import receiving_agency
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client
from tests.conftest import SimulatorClient, sign_in_at_level

TEMPORARY_RESIDENCE = "1.004194"  # Đăng ký tạm trú: 7,000 đồng online
NOTIFY_PATH = "/cong-thanh-toan/thong-bao/"


class Platform(SimulatorClient):
    """The platform simulator."""

    def signed(self, method: str, path: str, payload: dict | None = None) -> httpx.Response:
        """A merchant call signed per the contract (for what the adapter has no call for)."""
        from django.conf import settings

        body = json.dumps(payload) if payload is not None else ""
        url = self.base + path
        timestamp = str(int(time.time()))
        message = f"{timestamp}\n{method}\n{urlsplit(url).path}\n{body}"
        signature = hmac.new(settings.PAYMENT_PLATFORM_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
        return httpx.request(method, url, content=body or None, timeout=5, headers={
            "X-Merchant-Id": settings.PAYMENT_MERCHANT_ID, "X-Timestamp": timestamp, "X-Signature": signature,
            "Content-Type": "application/json"})

    def pay_in_browser(self, pay_url: str, *, method: str = "card", action: str = "pay") -> str:
        """Open the platform's page and press a button, as the payer does; the return URL."""
        page = httpx.get(pay_url, timeout=5)
        token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
        answer = httpx.post(pay_url, data={"form_token": token, "method": method, "action": action}, timeout=5)
        assert answer.status_code in (302, 303), answer.text[:300]
        return answer.headers["Location"]


@pytest.fixture
def platform_sim(sim_server, settings):
    settings.PAYMENT_PLATFORM_BASE_URL = f"{sim_server}/sim/payments/"
    settings.PAYMENT_PLATFORM_TIMEOUT = 2
    platform = Platform(settings.PAYMENT_PLATFORM_BASE_URL)
    platform.fault("none")
    platform.outbox()  # empty what an earlier test left
    yield platform
    platform.fault("none")


@pytest.fixture
def payer():
    user = verified_citizen(phone="+84912000777")
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return user, client


@pytest.fixture
def awaiting(payer):
    """A temporary-residence dossier filed and waiting for its 7,000 đồng."""
    user, _ = payer
    procedure = Procedure.objects.get(code=TEMPORARY_RESIDENCE)
    agency = receiving_agency(procedure, province="1", commune=_hanoi_commune())
    draft = dossier_services.create_draft(applicant=user, procedure=procedure, agency=agency)
    return dossier_services.submit_dossier(draft, applicant=user, submission_key="k-" + str(draft.pk),
                                           delivery_method="online", data={})


def _hanoi_commune() -> str:
    from dichvucong.dossiers.eforms import commune_choices

    return dict(commune_choices())["Thành phố Hà Nội"][0][0]


def deliver(client, entries: list[dict]) -> list:
    """Carry the platform's queued callbacks to the portal, byte for byte."""
    answers = []
    for entry in entries:
        headers = {k: v for k, v in entry["headers"].items() if k.lower().startswith("x-")}
        answers.append(client.post(urlsplit(entry["url"]).path, data=entry["body"].encode(),
                                   content_type="application/json",
                                   headers=headers))
    return answers


def go_back(client, return_url: str):
    """The payer's browser following the platform's redirect back to the portal."""
    parts = urlsplit(return_url)
    return client.get(f"{parts.path}?{parts.query}")
