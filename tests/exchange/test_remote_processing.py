"""A dossier of an agency a member answers for goes to the member's one-stop system, and
the member's status updates move it, in the member's order (G1, H1)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.utils import timezone
from jwcrypto import jwk

from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers.constants import DossierStatus
from dichvucong.exchange.constants import MessageType
from dichvucong.exchange.envelope import open_message
from dichvucong.exchange.models import (
    InboxMessage,
    Member,
    MemberKey,
    MemberProcedure,
    MemberSystem,
    OutboxMessage,
    RemoteState,
)
from dichvucong.exchange.selectors import connections, member_overview
from tests.accounts.factories import verified_citizen
from tests.backoffice.conftest import FREE_PROCEDURE, submitted_dossier
from tests.exchange.test_messages import Province, admin, post  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanoi(admin, receiver, settings, tmp_path):  # noqa: F811
    """Hà Nội's one-stop system, a member answering for every agency of the province."""
    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"
    province = Province(admin, code="H01")
    Member.objects.filter(pk=province.member.pk).update(
        agency=Agency.objects.filter(level="province", province_code=1).order_by("code").first())
    MemberSystem.objects.filter(pk=province.system.pk).update(endpoint=receiver.url, token_endpoint=receiver.token_url)
    publish(province, FREE_PROCEDURE)
    return province


def publish(province, code: str) -> None:  # noqa: ANN001
    """The province lists the procedure (as its catalog_sync would: tests of that are in test_catalog_sync)."""
    MemberProcedure.objects.create(member=province.member, procedure=Procedure.objects.get(code=code),
                                   published_at=timezone.now(), message_id=uuid.uuid4())


def _update(province, sequence: int, status: str, code: str, **extra) -> str:  # noqa: ANN001
    payload = {"dossier_code": code, "status": status, "sequence": sequence,
               "at": timezone.localtime().isoformat(timespec="seconds"),
               "official": {"name": "Trần Văn Tỉnh", "unit": "Sở Tư pháp Hà Nội"}, **extra}
    return province.message(MessageType.STATUS_UPDATE, payload, encrypt=True, correlation_id=code)


def test_the_dossier_goes_to_the_province_and_comes_back_in_the_provinces_order(
    client, hanoi, receiver, django_capture_on_commit_callbacks
):
    dossier = submitted_dossier(verified_citizen(), django_capture_on_commit_callbacks)
    dossier.refresh_from_db()
    assert dossier.processing_system == "exchange" and dossier.handed_over_at is not None
    handover = OutboxMessage.objects.get(message_type=MessageType.DOSSIER_HANDOVER)
    assert handover.correlation_id == dossier.code and receiver.bodies == [handover.token]
    # The province reads it with its own key, from the portal's registered key.
    portal_public = json.loads(jwk.JWK.from_json(settings.EXCHANGE_KEY_FILE.read_text()).export_public())
    portal = Member.objects.create(code=settings.EXCHANGE_PORTAL_CODE, name="Cổng", kind="portal")
    MemberKey.objects.create(system=MemberSystem.objects.create(member=portal, name="Cổng",
                                                                may_send=[MessageType.DOSSIER_HANDOVER]),
                             kid=portal_public["kid"], public_jwk=portal_public)
    received = open_message(receiver.bodies[0], receiver="H01", decryption_key=hanoi.key)
    assert received.payload["dossier_code"] == dossier.code and received.payload["applicant"]["pin"]

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, _update(hanoi, 2, "processing", dossier.code)).status_code == 202
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING and dossier.handler_name == "Trần Văn Tỉnh"
    assert list(dossier.events.filter(kind="status").values_list("to_status", flat=True))[-2:] == [
        "received", "processing"]
    with django_capture_on_commit_callbacks(execute=True):  # an older update, arriving late
        post(client, _update(hanoi, 1, "received", dossier.code))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING and RemoteState.objects.get(dossier=dossier).last_sequence == 2
    with django_capture_on_commit_callbacks(execute=True):
        post(client, _update(hanoi, 3, "result_issued", dossier.code))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RESULT_ISSUED
    assert dossier.events.filter(to_status="processing").count() == 1  # each step once


def test_another_member_cannot_move_a_dossier_that_is_not_its_own(
    client, hanoi, admin, django_capture_on_commit_callbacks  # noqa: F811
):
    dossier = submitted_dossier(verified_citizen(), django_capture_on_commit_callbacks)
    dossier.refresh_from_db()
    other = Province(admin, code="H79")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, _update(other, 5, "refused", dossier.code, reason="x")).status_code == 202
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
    # Accepted at the door, refused when applied: kept as such, and the administrators are told.
    message = InboxMessage.objects.get(sender=other.member)
    assert (message.outcome, message.applied_ok) == ("ignored", False)
    state = next(c for c in connections() if c.member.code == "H79")
    assert state.not_applied_24h == 1 and "not_applied" in state.alerts
    assert next(c for c in connections() if c.member.code == "H01").alerts == ["silent"]
    assert [m.message_id for m in member_overview("H79").not_applied] == [message.message_id]


def _pdf() -> bytes:
    from io import BytesIO

    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Ket qua giai quyet - So Tu phap Ha Noi")
    pdf.save()
    return buffer.getvalue()


def test_a_supplement_asked_by_the_province_goes_back_to_it_and_its_result_reaches_the_store(
    client, hanoi, receiver, django_capture_on_commit_callbacks
):
    import base64
    import hashlib

    from dichvucong.datastore.models import StoredDocument
    from dichvucong.dossiers import services as dossier_services

    citizen = verified_citizen()
    dossier = submitted_dossier(citizen, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, _update(hanoi, 1, "processing", dossier.code))
        post(client, hanoi.message(MessageType.SUPPLEMENT_REQUEST, {
            "dossier_code": dossier.code, "reason": "Bổ sung bản sao giấy khai sinh",
            "at": timezone.localtime().isoformat(timespec="seconds")}, encrypt=True, correlation_id=dossier.code))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.supply_supplement(dossier, applicant=citizen, note="Đã gửi bản sao")
    supplement = OutboxMessage.objects.get(message_type=MessageType.SUPPLEMENT)
    assert supplement.correlation_id == dossier.code and supplement.token in receiver.bodies

    content = _pdf()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, hanoi.message(MessageType.RESULT_DELIVERY, {
            "dossier_code": dossier.code, "reference": "KQ-H01-0001", "title": "Trích lục khai sinh",
            "issued_at": timezone.localtime().isoformat(timespec="seconds"),
            "document": {"name": "trich-luc.pdf", "content_type": "application/pdf",
                         "sha256": hashlib.sha256(content).hexdigest(), "content": base64.b64encode(content).decode()},
        }, encrypt=True, correlation_id=dossier.code))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RESULT_ISSUED
    stored = StoredDocument.objects.get(owner=citizen, source_dossier=dossier)
    assert stored.result_reference == "KQ-H01-0001" and stored.signature_status == "none"  # this one is unsigned
    assert Member.objects.get(code="H01").last_contact_at is not None


def test_a_members_statistics_report_is_kept_and_a_later_one_for_the_period_replaces_it(
    client, hanoi, django_capture_on_commit_callbacks
):
    from dichvucong.exchange.models import MemberStatistics

    def report(received: int, **kwargs) -> str:  # noqa: ANN003
        return hanoi.message(MessageType.STATISTICS_REPORT, {
            "period": {"from": "2026-10-01", "to": "2026-10-31"}, "received": received, "resolved": received - 2,
            "on_time": received - 3, "late": 1}, **kwargs)

    with django_capture_on_commit_callbacks(execute=True):
        post(client, report(120))
        post(client, report(125))
        post(client, report(99, now=timezone.now() - timezone.timedelta(minutes=2)))  # an older report, late
    figures = MemberStatistics.objects.get(member__code="H01")
    assert (figures.received, figures.resolved, figures.on_time) == (125, 123, 122)
