"""Members' messages: verified before anything is believed, kept once, refusals coded and
logged (H1, H2)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import timezone
from jwcrypto import jwk

from dichvucong.exchange import services
from dichvucong.exchange.constants import MemberKind, MemberStatus, MessageType
from dichvucong.exchange.envelope import seal
from dichvucong.exchange.keys import portal_key
from dichvucong.exchange.models import InboxMessage, MemberSystem, RefusedMessage
from dichvucong.exchange.protocol import (
    CLIENT_ASSERTION_TYPE,
    ProtocolError,
    access_token,
    client_assertion,
)
from dichvucong.exchange.protocol import header as protocol_header
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/lien-thong/thong-diep"
TOKEN_URL = "/api/v1/lien-thong/token"


class Province:
    """A province's one-stop system, as a member with its own key."""

    latest: Province | None = None
    by_kid: dict[str, Province] = {}

    def __init__(self, admin, code: str = "H26") -> None:  # noqa: ANN001
        Province.latest = Province.by_kid[f"{code}-1"] = self
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

    def token_request(self, client, **changes):  # noqa: ANN001, ANN201
        """Ask the token endpoint, with a fresh client assertion (``changes`` override the form)."""
        assertion = client_assertion(client_id=self.member.code, audience=f"http://testserver{TOKEN_URL}",
                                     key=self.key)
        return token_post(client, {"grant_type": "client_credentials", "client_assertion": assertion,
                                   "client_assertion_type": CLIENT_ASSERTION_TYPE, **changes})

    def bearer(self, client) -> str:  # noqa: ANN001
        answer = self.token_request(client)
        assert answer.status_code == 200, answer.content
        return answer.json()["access_token"]


def token_post(client, form: dict):  # noqa: ANN001, ANN201
    """The token endpoint takes a form, URL-encoded (RFC 6749 §4.4.2)."""
    return client.post(TOKEN_URL, urlencode(form), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def admin():
    return UserFactory(is_staff=True)


@pytest.fixture
def province(admin, settings, tmp_path):
    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"
    return Province(admin)


def post(client, token: str, caller: Province | None = None):  # noqa: ANN001, ANN201
    """Send ``token`` as a member does: with a bearer token of ``caller`` (by default the
    province whose key signed it, else the latest one)."""
    try:
        signer = Province.by_kid.get(protocol_header(token)["kid"])
    except ProtocolError:
        signer = None
    bearer = (caller or signer or Province.latest).bearer(client)
    return client.post(URL, data=token, content_type="application/jose", HTTP_AUTHORIZATION=f"Bearer {bearer}")


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


def _refused(client, token: str, code: str, http: int, *, authorization: str = "") -> None:  # noqa: ANN001
    answer = _call(client, token, authorization) if authorization else post(client, token)
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
    bearer = f"Bearer {province.bearer(client)}"  # held from before: refused all the same
    services.set_member_status(province.member, MemberStatus.SUSPENDED, admin=admin, reason="Hết hạn thỏa thuận")
    _refused(client, province.message(), "sender_suspended", 403, authorization=bearer)
    services.set_member_status(province.member, MemberStatus.ACTIVE, admin=admin, reason="Gia hạn")
    services.revoke_key(province.registered, admin=admin, reason="Lộ khóa")
    _refused(client, province.message(), "key_revoked", 401, authorization=bearer)


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


# --- every call is authenticated: client credentials with private_key_jwt --------------------
def _call(client, token: str, authorization: str | None):  # noqa: ANN001, ANN201
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return client.post(URL, data=token, content_type="application/jose", **extra)


def test_a_call_without_a_good_bearer_token_is_refused_and_logged(client, province):
    token = province.message()
    for authorization in (None, "", "Basic abc", "Bearer", "Bearer not.a.token"):
        answer = _call(client, token, authorization)
        assert (answer.status_code, answer.json()["error"]["code"]) == (401, "invalid_token"), authorization
        assert answer["WWW-Authenticate"].startswith("Bearer")
    # A token the portal did not sign (the province signing its own) is no token.
    forged = access_token(issuer=settings.EXCHANGE_PORTAL_CODE, subject="H26", scope=["heartbeat"],
                          key=province.key, key_id=province.key["kid"])
    assert _call(client, token, f"Bearer {forged}").json()["error"]["code"] == "invalid_token"
    assert RefusedMessage.objects.filter(code="invalid_token").count() == 6
    assert not InboxMessage.objects.exists()


def test_the_token_endpoint_wants_a_fresh_assertion_by_a_registered_key_for_itself(client, province):
    granted = province.token_request(client)
    assert granted.status_code == 200 and granted["Cache-Control"] == "no-store"
    assert granted.json()["token_type"] == "Bearer" and granted.json()["expires_in"] == 300
    assert set(granted.json()["scope"].split()) == set(MessageType.values)
    assertion = client_assertion(client_id="H26", audience=f"http://testserver{TOKEN_URL}", key=province.key)
    form = {"grant_type": "client_credentials", "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion}
    assert token_post(client, form).status_code == 200
    replayed = token_post(client, form)
    assert (replayed.status_code, replayed.json()["error"]) == (401, "invalid_client")
    elsewhere = client_assertion(client_id="H26", audience="https://other.example/token", key=province.key)
    assert token_post(client, {**form, "client_assertion": elsewhere}).json()["error"] == "invalid_client"
    stranger = jwk.JWK.generate(kty="EC", crv="P-256", kid="who-1")
    unknown = client_assertion(client_id="H26", audience=f"http://testserver{TOKEN_URL}", key=stranger)
    assert token_post(client, {**form, "client_assertion": unknown}).status_code == 401
    assert token_post(client, {**form, "grant_type": "password"}).json()["error"] == "unsupported_grant_type"
    assert province.token_request(client, client_id="H01").json()["error"] == "invalid_client"
    narrow = province.token_request(client, scope="heartbeat")
    assert narrow.json()["scope"] == "heartbeat"
    MemberSystem.objects.filter(pk=province.system.pk).update(may_send=["heartbeat"])
    assert province.token_request(client, scope="heartbeat result_delivery").json()["error"] == "invalid_scope"


def test_a_token_lets_its_member_send_only_its_own_messages_of_its_scope(client, province, admin):
    other = Province(admin, code="H27")
    heartbeat = province.message()
    answer = post(client, heartbeat, caller=other)  # H27's token, H26's message
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "sender_mismatch")
    narrow = province.token_request(client, scope="heartbeat").json()["access_token"]
    report = province.message(MessageType.STATISTICS_REPORT, {
        "period": {"from": "2026-10-01", "to": "2026-10-31"}, "received": 10, "resolved": 9})
    answer = _call(client, report, f"Bearer {narrow}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "not_allowed")
    assert _call(client, heartbeat, f"Bearer {narrow}").status_code == 202


def test_a_token_already_given_stops_working_when_its_member_is_suspended_or_its_key_revoked(client, province, admin):
    bearer = f"Bearer {province.bearer(client)}"
    assert _call(client, province.message(), bearer).status_code == 202
    services.set_member_status(province.member, MemberStatus.SUSPENDED, admin=admin, reason="Kiểm tra an ninh")
    answer = _call(client, province.message(), bearer)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "sender_suspended")
    assert province.token_request(client).status_code == 401  # and no new token
    services.set_member_status(province.member, MemberStatus.ACTIVE, admin=admin, reason="Xong")
    services.revoke_key(province.registered, admin=admin, reason="Lộ khóa")
    assert _call(client, province.message(), bearer).json()["error"]["code"] == "key_revoked"


def test_the_portal_publishes_its_public_key(client, province):
    keys = client.get("/api/v1/lien-thong/jwks.json").json()["keys"]
    assert keys == [json.loads(portal_key().export_public())] and "d" not in keys[0] and keys[0]["kid"]


def _assertion_with(province, **claims) -> str:  # noqa: ANN001
    """A client assertion signed by ``province`` whose claims are as given (raw JSON values)."""
    import time

    from jwcrypto import jws as jose_jws

    now = int(time.time())
    body = {"iss": "H26", "sub": "H26", "aud": f"http://testserver{TOKEN_URL}", "iat": now, "exp": now + 60,
            "jti": str(uuid.uuid4()), **claims}
    raw = "{" + ",".join(f'"{k}":{v if isinstance(v, str) and v in ("NaN", "Infinity") else json.dumps(v)}'
                         for k, v in body.items()) + "}"
    token = jose_jws.JWS(raw.encode())
    token.add_signature(province.key, alg="ES256", protected=json.dumps({"alg": "ES256", "kid": "H26-1"}))
    return token.serialize(compact=True)


def test_assertions_that_are_not_plain_json_numbers_or_not_compact_are_refused_never_a_server_error(
        client, province):
    form = {"grant_type": "client_credentials", "client_assertion_type": CLIENT_ASSERTION_TYPE}
    for claims in ({"exp": "NaN"}, {"iat": "NaN", "exp": 4102444800}, {"exp": "Infinity"}, {"exp": 1.5e12},
                   {"exp": True}):
        answer = token_post(client, {**form, "client_assertion": _assertion_with(province, **claims)})
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client"), claims
    assert token_post(client, {**form, "client_assertion": _assertion_with(province)}).status_code == 200
    # A JWS in its JSON serialisation is not a message of this API.
    protected, payload, signature = province.message().split(".")
    answer = post(client, json.dumps({"protected": protected, "payload": payload, "signature": signature}))
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "malformed")


def test_a_scope_may_repeat_a_type_but_never_add_one_the_system_may_not_send(client, province):
    assert province.token_request(client, scope="heartbeat heartbeat").json()["scope"] == "heartbeat"
    MemberSystem.objects.filter(pk=province.system.pk).update(may_send=["heartbeat"])
    answer = province.token_request(client, scope="heartbeat heartbeat status_update")
    assert answer.json()["error"] == "invalid_scope"
