"""The postal simulator on a real loopback server, dossiers to send by post, and helpers that
play the carrier's network the way docs/postal-contract.md says."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import services as dossier_services
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.selectors import receiving_agency
from dichvucong.dossiers.state_machine import transition
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client
from tests.conftest import SimulatorClient, sign_in_at_level

TEMPORARY_RESIDENCE = "1.004194"  # Đăng ký tạm trú: 7,000 đồng online
NOTIFY_PATH = "/buu-chinh/thong-bao/"


class Carrier(SimulatorClient):
    """The carrier simulator."""

    def advance(self, reference: str, status: str | None = None) -> dict:
        answer = httpx.post(f"{self.base}shipments/{reference}/advance",
                            json={"status": status} if status else {}, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def shipments(self, reference: str) -> list[dict]:
        listed = httpx.get(self.base, timeout=5).json()["shipments"]
        return [shipment for shipment in listed if shipment["reference"] == reference]


@pytest.fixture
def carrier(sim_server, settings):
    settings.POSTAL_BASE_URL = f"{sim_server}/sim/post/"
    settings.POSTAL_TIMEOUT = 2
    settings.SIM_POST_DELIVER_CALLBACKS = False  # callbacks wait in the outbox for the test
    sim = Carrier(settings.POSTAL_BASE_URL)
    sim.fault("none")
    sim.outbox()  # empty what an earlier test left
    yield sim
    sim.fault("none")


@pytest.fixture
def citizen():
    user = verified_citizen(phone="+84912000888")
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return user, client


def hanoi_commune() -> str:
    from dichvucong.dossiers.eforms import commune_choices

    return dict(commune_choices())["Thành phố Hà Nội"][0][0]


ADDRESS = {"applicant__full_name": "Nguyễn Văn An", "applicant__phone": "0912000888",
           "applicant__address": "Số 1 Tràng Tiền"}


def post_draft(user, *, delivery_method: str = "post"):  # noqa: ANN001, ANN201
    procedure = Procedure.objects.get(code=TEMPORARY_RESIDENCE)
    agency = receiving_agency(procedure, province="1", commune=hanoi_commune())
    draft = dossier_services.create_draft(applicant=user, procedure=procedure, agency=agency)
    draft.data = dict(ADDRESS)
    draft.delivery_method = delivery_method
    draft.save()
    return draft


def dossier_at(user, status: str, *, delivery_method: str = "post"):  # noqa: ANN001, ANN201
    """A post-delivery dossier moved through the state machine up to ``status``."""
    draft = post_draft(user, delivery_method=delivery_method)
    dossier = dossier_services.submit_dossier(draft, applicant=user, submission_key=f"k-{draft.pk}",
                                              delivery_method=delivery_method, data=dict(ADDRESS))
    dossier = dossier_services.complete_paid_submission(dossier, reason="Đã thanh toán")
    for step in (DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.RESULT_ISSUED):
        if dossier.status == status:
            break
        dossier = transition(dossier, step, actor_kind=Actor.SYSTEM)
    assert dossier.status == status
    return dossier


def deliver(client, entries: list[dict]) -> list:  # noqa: ANN001
    """Carry the carrier's queued callbacks to the portal, byte for byte."""
    return [client.post(urlsplit(entry["url"]).path, data=entry["body"].encode(), content_type="application/json",
                        headers={k: v for k, v in entry["headers"].items() if k.lower().startswith("x-")})
            for entry in entries]
