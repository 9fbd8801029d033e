"""Members' messages: verified before anything is believed, kept once, refusals coded and
logged (H1, H2)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from jwcrypto import jwk

from dichvucong.exchange import services
from dichvucong.exchange.constants import MemberKind, MemberStatus, MessageType
from dichvucong.exchange.envelope import seal
from dichvucong.exchange.keys import portal_key
from dichvucong.exchange.models import InboxMessage, MemberSystem, RefusedMessage
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/lien-thong/thong-diep"


class Province:
    """A province's one-stop system, as a member with its own key."""

    def __init__(self, admin, code: str = "H26") -> None:  # noqa: ANN001
        self.member = services.register_member(code=code, name=f"Tỉnh thử {code}", kind=MemberKind.PROVINCE,
                                               admin=admin)
        self.system = MemberSystem.objects.create(member=self.member, name="Một cửa", may_send=list(MessageType.values),
                                                  may_receive=list(MessageType.values))
        self.key = jwk.JWK.generate(kty="EC", crv="P-256", kid=f"{code}-1")
        self.registered = services.add_key(self.system, json.loads(self.key.export_public()), admin=admin)

    def message(self, message_type: str = MessageType.HEARTBEAT, payload: dict | None = None, *,
                encrypt: bool = False, **kwargs) -> str:
        defaults = {"sender": self.member.code, "receiver": settings.EXCHANGE_PORTAL_CODE}
        return seal(**{**defaults, **kwargs}, message_type=message_type,
                    payload={"status": "ok"} if payload is None else payload, signing_key=self.key,
                    encrypt_for=jwk.JWK(**json.loads(portal_key().export_public())) if encrypt else None)


@pytest.fixture
def admin():
    return UserFactory(is_staff=True)


@pytest.fixture
def province(admin, settings, tmp_path):
    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"
    return Province(admin)


def post(client, token: str):  # noqa: ANN001, ANN201
    return client.post(URL, data=token, content_type="application/jose")


STATUS = {"dossier_code": "H26.22-261130-0001", "status": "processing", "sequence": 2,
          "at": "2026-11-30T09:00:00+07:00", "official": {"name": "Nguyễn Văn A", "unit": "Phòng Hộ tịch"}}


def test_a_signed_message_is_accepted_once_and_a_resend_is_a_duplicate(client, province):
    token = province.message()
    first, again = post(client, token), post(client, token)
    assert first.status_code == again.status_code == 202
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert InboxMessage.objects.count() == 1


def test_personal_data_travels_encrypted_and_is_read_by_the_portal_only(client, province):
    token = province.message(MessageType.STATUS_UPDATE, STATUS, encrypt=True, correlation_id=STATUS["dossier_code"])
    assert "Nguyễn" not in base64.urlsafe_b64decode(token.split(".")[1] + "==").decode("utf-8", "replace")
    assert post(client, token).status_code == 202
    message = InboxMessage.objects.get()
    assert message.payload["official"]["name"] == "Nguyễn Văn A" and message.correlation_id == STATUS["dossier_code"]


def _refused(client, token: str, code: str, http: int) -> None:  # noqa: ANN001
    answer = post(client, token)
    assert (answer.status_code, answer.json()["error"]["code"]) == (http, code)
    assert RefusedMessage.objects.filter(code=code).exists()
    assert not InboxMessage.objects.exists()


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    envelope = json.loads(base64.urlsafe_b64decode(payload + "=="))
    envelope["payload"]["status"] = "degraded"
    forged = base64.urlsafe_b64encode(json.dumps(envelope).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def test_a_tampered_payload_is_refused(client, province):
    _refused(client, _tamper(province.message()), "bad_signature", 401)


def test_personal_data_sent_in_clear_is_refused(client, province):
    _refused(client, province.message(MessageType.STATUS_UPDATE, STATUS), "not_encrypted", 400)


def test_an_unknown_key_a_revoked_key_and_a_suspended_member_are_refused_at_once(client, province, admin):
    stranger = jwk.JWK.generate(kty="EC", crv="P-256", kid="who-1")
    _refused(client, seal(sender="H26", receiver=settings.EXCHANGE_PORTAL_CODE, message_type="heartbeat",
                          payload={"status": "ok"}, signing_key=stranger), "unknown_key", 401)
    services.set_member_status(province.member, MemberStatus.SUSPENDED, admin=admin, reason="Hết hạn thỏa thuận")
    _refused(client, province.message(), "sender_suspended", 403)
    services.set_member_status(province.member, MemberStatus.ACTIVE, admin=admin, reason="Gia hạn")
    services.revoke_key(province.registered, admin=admin, reason="Lộ khóa")
    _refused(client, province.message(), "key_revoked", 401)


def test_a_replayed_message_id_a_stale_message_and_a_misaddressed_one_are_refused(client, province):
    message_id = uuid.uuid4()
    assert post(client, province.message(message_id=message_id)).status_code == 202
    # Another message under an id already used: a replay, not a retry.
    answer = post(client, province.message(MessageType.HEARTBEAT, {"status": "degraded"}, message_id=message_id))
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "replayed")
    InboxMessage.objects.all().delete()
    _refused(client, province.message(now=timezone.now() - timedelta(minutes=6)), "stale", 400)
    _refused(client, province.message(receiver="H01"), "not_for_us", 421)
    _refused(client, province.message(sender="H01"), "sender_mismatch", 401)


def test_schema_violations_and_types_a_system_may_not_send_are_refused(client, province):
    _refused(client, province.message(MessageType.HEARTBEAT, {"status": "fine", "extra": 1}), "schema_violation", 422)
    _refused(client, province.message(MessageType.STATUS_UPDATE, {**STATUS, "status": "draft"}, encrypt=True),
             "schema_violation", 422)
    MemberSystem.objects.filter(pk=province.system.pk).update(may_send=["heartbeat"])
    _refused(client, province.message(MessageType.STATISTICS_REPORT, {
        "period": {"from": "2026-10-01", "to": "2026-10-31"}, "received": 10, "resolved": 9}), "not_allowed", 403)


def test_junk_and_payloads_encrypted_for_someone_else_are_refused_never_a_server_error(client, province):
    for junk in ("", "not a token", "a.b.c", "é" * 50, "eyJhbGciOiJub25lIn0.e30."):
        answer = post(client, junk)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed", junk
    other = jwk.JWK.generate(kty="EC", crv="P-256", kid="other")
    token = seal(sender="H26", receiver=settings.EXCHANGE_PORTAL_CODE, message_type=MessageType.STATUS_UPDATE,
                 payload=STATUS, signing_key=province.key, encrypt_for=other)
    _refused(client, token, "undecryptable", 400)


def test_only_public_ec_keys_are_registered_and_every_change_is_audited(province, admin):
    from dichvucong.accounts.models import AuditEvent

    with pytest.raises(ValueError):
        services.add_key(province.system, json.loads(province.key.export_private()), admin=admin)
    rsa = jwk.JWK.generate(kty="RSA", size=2048)
    with pytest.raises(ValueError):
        services.add_key(province.system, json.loads(rsa.export_public()), admin=admin)
    actions = set(AuditEvent.objects.filter(action__startswith="exchange.").values_list("action", flat=True))
    assert actions == {"exchange.member_registered", "exchange.key_added"}
